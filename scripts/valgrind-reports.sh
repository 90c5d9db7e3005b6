#!/usr/bin/env bash
# valgrind-reports.sh DIR [RESULTS_JSON]: judge the memcheck logs of a
# check-valgrind run. Every traced process logged (without -q) to its own
# DIR/.../<name>.<pid>; a log is
#   bad        when it holds any report: an error, a definitely or indirectly
#              lost block, or a non-zero ERROR SUMMARY;
#   clean      when it ends in "ERROR SUMMARY: 0 errors" (exit and leak check
#              done) and holds nothing else;
#   exec'd     when it has no ERROR SUMMARY and its parent's log shows the same
#              command: a fork that exec'd an untraced program (a runtime at
#              /bin/true, a container's /bin/sh; memcheck stops there);
#   killed     when it has no ERROR SUMMARY otherwise: killed (SIGKILL of a
#              crash test or a teardown) or still running.
# Errors before an exec or a kill are counted (bad); the leaks of exec'd and
# killed processes are not known, so they are not counted clean.
# Logs are counted per program and, through the Parent PID chain up to an
# engine whose --data-root names the test's sandbox, per conformance test.
# With RESULTS_JSON, a test that did not PASS (SKIP, timeout, FAIL, ERROR)
# is listed as not covered; a SKIP fails the run unless its ID matches
# $VG_SKIP_OK (a regex; empty = none). Exit 0 only when nothing is bad and
# no test was skipped unexpectedly.
set -u
dir=$1
results=${2:-}
exec python3 - "$dir" "$results" "${VG_SKIP_OK:-}" <<'EOF'
import collections, json, os, re, sys

top, results, skip_ok = sys.argv[1], sys.argv[2], sys.argv[3]
pfx = re.compile(r'^==(\d+)== ?(.*)$')
# What memcheck prints for every process when nothing is wrong.
boiler = re.compile(r'^(Memcheck, a memory error detector|Copyright \(C\)|Using Valgrind-|Command: |'
                    r'Parent PID: |HEAP SUMMARY:|in use at exit: |total heap usage: |'
                    r'LEAK SUMMARY:|definitely lost: 0 bytes|indirectly lost: 0 bytes|possibly lost: |'
                    r'still reachable: |of which reachable via heuristic|(stdstring|length64|newarray|multipleinheritance): |'
                    r'suppressed: |Rerun with |To see them, rerun|For lists of detected|For counts of detected|'
                    r'All heap blocks were freed|Reachable blocks \(those|Use --track-origins|ERROR SUMMARY: 0 errors|$)')

logs = {}
for root, _, files in os.walk(top):
    for f in files:
        path = os.path.join(root, f)
        try:
            text = open(path, errors='replace').read()
        except OSError:
            continue
        cmd, ppid, summary, extra = '', 0, None, []
        for line in text.splitlines():
            m = pfx.match(line)
            body = m.group(2).strip() if m else line.strip()
            if body.startswith('Command: '):
                cmd = body[9:]
            elif body.startswith('Parent PID: '):
                ppid = int(body[12:] or 0)
            mm = re.match(r'ERROR SUMMARY: (\d+) errors', body)
            if mm:
                summary = int(mm.group(1))
            if not boiler.match(body):
                extra.append(line)
        pid = int(re.search(r'(\d+)$', f).group(1)) if re.search(r'(\d+)$', f) else 0
        bad = bool(extra) or (summary or 0) > 0
        state = 'bad' if bad else ('clean' if summary == 0 else 'unfinished')
        prog = os.path.basename(cmd.split(' ')[0]) if cmd else os.path.basename(root) + '/' + f.rsplit('.', 1)[0]
        logs[path] = dict(pid=pid, ppid=ppid, cmd=cmd, prog=prog, state=state, extra=extra, text=text)

bypid = {l['pid']: l for l in logs.values() if l['pid']}
for l in logs.values():
    if l['state'] == 'unfinished':
        parent = bypid.get(l['ppid'])
        l['state'] = "exec'd" if parent and parent['cmd'] == l['cmd'] else 'killed'
bad = [p for p in sorted(logs) if logs[p]['state'] == 'bad']
for p in bad:
    print('==== %s (%s)' % (p, logs[p]['cmd'][:200]))
    print('\n'.join(logs[p]['text'].splitlines()[:80]))

# Per program.
per = collections.defaultdict(collections.Counter)
for l in logs.values():
    per[l['prog']][l['state']] += 1
print("valgrind logs per program (clean / exec'd / killed / bad):")
for prog in sorted(per):
    c = per[prog]
    print('  %-34s %5d / %5d / %5d / %3d' % (prog, c['clean'], c["exec'd"], c['killed'], c['bad']))

# Per test: an engine's --data-root names its sandbox /tmp/rtconform-*/<ID>/.
def test_of(l, depth=0):
    m = re.search(r'/rtconform-[^/ ]+/([A-Z][A-Z0-9]*-[A-Z0-9]+-\d+)/', l['cmd'])
    if m:
        return m.group(1)
    parent = bypid.get(l['ppid'])
    return test_of(parent, depth + 1) if parent and depth < 20 else None
per_test = collections.defaultdict(collections.Counter)
for path, l in logs.items():
    if os.path.relpath(path, top).startswith('unit' + os.sep):
        continue
    per_test[test_of(l)][l['state']] += 1

failed = bool(bad)
if results:
    try:
        tests = json.load(open(results))['tests']
    except (OSError, ValueError) as e:
        print('valgrind reports: cannot read %s: %s' % (results, e))
        tests, failed = [], True
    counts = collections.Counter(t['outcome'] for t in tests)
    covered = [t for t in tests if t['outcome'] == 'PASS' and per_test[t['id']]['bad'] == 0
               and per_test[t['id']]['clean']]
    print('conformance tests: %s' % ', '.join('%s %d' % kv for kv in sorted(counts.items())))
    for t in tests:
        o, c = t['outcome'], per_test[t['id']]
        if o == 'DISABLED':
            continue
        if o != 'PASS' or c['bad'] or not c['clean']:
            why = 'no process ended under memcheck' if o == 'PASS' and not c['bad'] else t['message'][:160].replace('\n', ' ')
            print("  not covered clean: %s %s (%d clean, %d exec'd, %d killed, %d bad logs): %s"
                  % (t['id'], o, c['clean'], c["exec'd"], c['killed'], c['bad'], why))
        if o == 'SKIP' and not (skip_ok and re.search(skip_ok, t['id'])):
            failed = True
    print('tests covered clean under memcheck: %d of %d run' % (len(covered), len(tests) - counts['DISABLED']))
if per_test.get(None):
    c = per_test[None]
    print("logs not attributed to a test: %d clean, %d exec'd, %d killed, %d bad"
          % (c['clean'], c["exec'd"], c['killed'], c['bad']))
n = collections.Counter(l['state'] for l in logs.values())
print("valgrind reports: %d bad, %d clean, %d exec'd, %d killed (of %d processes)"
      % (n['bad'], n['clean'], n["exec'd"], n['killed'], len(logs)))
sys.exit(1 if failed else 0)
EOF
