#!/usr/bin/env bash
# The real docker CLI against rtengined with the fake shims (no root):
# version, info, import, images, run -d / --rm with output and exit codes,
# ps, inspect, exec, logs, events --since/--until, stop, kill, rm -f, rmi.
. "$(dirname "$0")/../lib.sh"
DOCKER=${DOCKER:-/usr/local/bin/docker}
[ -x "$DOCKER" ] || skip_all "the docker CLI is not installed at $DOCKER"
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || skip_all "busybox is not installed (image rootfs)"
command -v curl >/dev/null || skip_all "curl is not installed"
[ -x "$LIBEXEC/containerd-shim-rtfake-v2" ] && [ -x "$LIBEXEC/fakerunc" ] || skip_all "fake shims not built"

# The stock runc shim and the alias are the fake shim; runc is fakerunc.
mkdir -p "$TRASH/bin" "$TRASH/img/bin" "$TRASH/cfg"
for n in containerd-shim-runc-v2 containerd-shim-runc-alias-v2; do
  ln -s "$LIBEXEC/containerd-shim-rtfake-v2" "$TRASH/bin/$n"
done
ln -s "$LIBEXEC/fakerunc" "$TRASH/bin/runc"
cp "$BUSYBOX" "$TRASH/img/bin/busybox"
for a in sh echo sleep tail true; do ln -s busybox "$TRASH/img/bin/$a"; done
tar -C "$TRASH/img" -cf "$TRASH/img.tar" .
echo '{}' >"$TRASH/daemon.json"
SOCK="$TRASH/s.sock"
export DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$TRASH/cfg"
RT=io.containerd.runc-alias.v2

# On any exit: SIGTERM first (the engine stops its containers and shims).
cli_cleanup() {
  if [[ -n "${ENGINE_PID:-}" ]] && kill -TERM "$ENGINE_PID" 2>/dev/null; then
    for _ in $(seq $(scaled 200)); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.05; done
  fi
  cleanup
}
trap cli_cleanup EXIT
PATH="$TRASH/bin:$PATH" RTCONFORM_JOURNAL="$TRASH/journal" start_engine --data-root "$TRASH/data" \
  --exec-root "$TRASH/exec" -H "unix://$SOCK" --pidfile "$TRASH/pid" --config-file "$TRASH/daemon.json" \
  --shim-path "$TRASH/bin"
wait_socket "$SOCK" "$ENGINE_PID" || skip_all "rtengined did not start: $(tail -3 "$TRASH/engine.log")"

# Every CLI call is bounded: a hang is a failure, not a stuck test run.
d() { timeout "$(scaled 30)" "$DOCKER" "$@"; }
# poll_for CMD...: retry CMD (10 s deadline, scaled) until it succeeds.
poll_for() {
  local i
  for ((i = 0; i < 200 * RT_TIMEOUT_MULT; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "timeout: $*"; return 1
}
T0=$(date +%s)

test_expect 'version: the server answers with API 1.45' '
  [ "$(d version --format "{{.Server.APIVersion}}")" = 1.45 ]
'

test_expect 'info: the default runtime is runc' '
  [ "$(d info --format "{{.DefaultRuntime}}")" = runc ]
'

test_expect 'import and images' '
  d import "$TRASH/img.tar" busybox:local | grep -q "^sha256:"
  d images --format "{{.Repository}}:{{.Tag}}" | grep -qx busybox:local
'

test_expect 'load: a docker save tarball (manifest.json, config, layer)' '
  mkdir -p save/l1 layer/bin
  printf "#!/bin/sh\necho loaded\n" >layer/bin/hello
  tar -C layer -cf save/l1/layer.tar .
  printf "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"echo\",\"from-config\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}" \
    "$(sha256sum save/l1/layer.tar | cut -c1-64)" >cfg.json
  hex=$(sha256sum cfg.json | cut -c1-64)
  cp cfg.json save/$hex.json
  echo "[{\"Config\":\"$hex.json\",\"RepoTags\":[\"loaded:v1\"],\"Layers\":[\"l1/layer.tar\"]}]" >save/manifest.json
  tar -C save -cf save.tar .
  [ "$(d load -i save.tar)" = "Loaded image: loaded:v1" ]
  [ "$(d inspect --format "{{.Id}}" loaded:v1)" = sha256:$hex ]
  [ "$(d run --rm --runtime $RT loaded:v1)" = from-config ]
  mkdir -p evil && cp -r save/. evil/ && echo x >evil/x && tar -C evil -cf evil.tar . --transform "s,^\./x\$,../x,"
  ! d load -i evil.tar 2>err
  grep -q "not allowed" err
'

test_expect 'run -d, ps -a, inspect HostConfig.Runtime' '
  d run -d --name dx1 --runtime $RT busybox:local sh -c "echo started; exec tail -f /dev/null" >id
  [ "$(d inspect --format "{{.HostConfig.Runtime}}" dx1)" = $RT ]
  d ps -a --format "{{.Names}} {{.State}}" | grep -qx "dx1 running"
  [ "$(d inspect --format "{{.Id}}" dx1)" = "$(cat id)" ]
'

test_expect 'run --rm prints the output and removes the container' '
  d run --rm --name r1 --runtime $RT busybox:local echo hi >out 2>err
  [ "$(cat out)" = hi ]
  ! d ps -a --format "{{.Names}}" | grep -qx r1
'

test_expect 'run: a non-zero exit code propagates; stderr stays stderr' '
  rc=0; d run --rm --runtime $RT busybox:local sh -c "echo oops >&2; exit 3" >out 2>err || rc=$?
  [ $rc = 3 ]
  [ ! -s out ]
  grep -qx oops err
'

test_expect 'exec -d runs through the shim (fakerunc exec)' '
  d exec -d dx1 sh -c "echo x >\"$TRASH/exec-marker\""
  poll_for test -s "$TRASH/exec-marker"
  grep -q "\"method\":\"Exec\"" "$TRASH/journal"
'

test_expect 'exec with output and exit code' '
  rc=0; d exec dx1 sh -c "echo from-exec; exit 5" >out || rc=$?
  [ $rc = 5 ]
  [ "$(cat out)" = from-exec ]
'

test_expect 'logs: stdout, --tail, stderr kept apart' '
  [ "$(d logs dx1)" = started ]
  d run -d --name l1 --runtime $RT busybox:local sh -c "echo one; echo two >&2; echo three" >/dev/null
  d wait l1 >/dev/null
  [ "$(d logs l1 2>/dev/null | tr "\n" " ")" = "one three " ]
  [ "$(d logs l1 2>&1 >/dev/null)" = two ]
  [ "$(d logs --tail 1 l1 2>&1 | wc -l)" = 1 ]   # the last line of either stream
  d logs -t l1 2>/dev/null | grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z one$"
'

test_expect 'logs -f follows a running container and ends when it exits' '
  d run -d --name lf --runtime $RT busybox:local sh -c "echo a; sleep 1; echo b" >/dev/null
  [ "$(d logs -f lf | tr "\n" " ")" = "a b " ]
  [ "$(d inspect --format "{{.State.Status}}" lf)" = exited ]
  d rm lf >/dev/null
'

test_expect 'stop: exits, State.Status exited' '
  d stop -t 1 dx1 >/dev/null
  [ "$(d inspect --format "{{.State.Status}}" dx1)" = exited ]
'

test_expect 'kill: SIGKILL, exit code 137' '
  d run -d --name k1 --runtime $RT busybox:local sh -c "exec tail -f /dev/null" >/dev/null
  d kill k1 >/dev/null
  poll_for sh -c "[ \"\$($DOCKER inspect --format {{.State.Status}} k1)\" = exited ]"
  [ "$(d inspect --format "{{.State.ExitCode}}" k1)" = 137 ]
'

test_expect 'rm -f removes a running container' '
  d run -d --name f1 --runtime $RT busybox:local sh -c "exec tail -f /dev/null" >/dev/null
  d rm -f f1 >/dev/null
  ! d ps -a --format "{{.Names}}" | grep -qx f1
'

test_expect 'events --since/--until: the lifecycle of dx1 in order' '
  # (the name has a non-hex letter: dockerd matches container= as a name
  # or an ID prefix, and another container'"'"'s ID may start with "d1")
  d events --since $T0 --until $(($(date +%s) + 1)) --filter container=dx1 --format "{{.Action}}" >ev
  grep -v "^exec_" ev | tr "\n" " " >seq
  # die and stop: either order (dockerd 26.1.5 was seen logging stop first)
  case "$(cat seq)" in "create start kill die stop "|"create start kill stop die ") ;; *) cat ev; false ;; esac
  grep -q "^exec_create: sh -c" ev && grep -q "^exec_start: sh -c" ev && grep -qx exec_die ev
  d events --since $T0 --until $(($(date +%s) + 1)) --filter container=k1 --filter event=kill \
    --format "{{.Actor.Attributes.signal}}" >sig
  [ "$(cat sig)" = 9 ]
'

test_expect 'rmi: conflict while a container uses the image, then removed' '
  rc=0; d rmi busybox:local >out 2>&1 || rc=$?
  [ $rc != 0 ] && grep -q "conflict: unable to remove repository reference" out
  d rm -f dx1 k1 l1 >/dev/null
  d rmi busybox:local | grep -q "^Untagged: busybox:local"
  ! d images --format "{{.Repository}}" | grep -qx busybox
'

test_done
