#!/usr/bin/env python3
"""Print the README's spec-section -> test-ID table from `rtconform list --json`.
Usage: rtconform list --json | scripts/spec-map.py"""
import collections
import json
import re
import sys


def section_key(sec):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.§]", sec) if p]


tests = json.load(sys.stdin)
by_sec = collections.defaultdict(list)
for t in tests:
    if t["id"].startswith("RT-SELF"):
        continue
    doc = "shim" if "shim-v2" in t["spec"] else "engine"
    secs = re.findall(r"§[0-9A-Z][0-9.]*", t["spec"])
    for sec in secs:
        by_sec[(doc, sec.rstrip("."))].append(f'{t["id"]} ({t["level"]})')
    if not secs:  # behaviour of the Engine API the spec does not cover
        by_sec[("api", "-")].append(f'{t["id"]} ({t["level"]})')
print("| spec | section | tests |")
print("|---|---|---|")
ORDER = {"engine": 0, "shim": 1, "api": 2}
NAMES = {"engine": "engine-runtime-behaviour.md", "shim": "shim-v2-protocol.md",
         "api": "none: moby 26.1.5 Engine API, observed"}
for (doc, sec) in sorted(by_sec, key=lambda k: (ORDER[k[0]], section_key(k[1]))):
    ids = by_sec[(doc, sec)]
    name = NAMES[doc]
    print(f"| {name} | {sec} | {', '.join(sorted(set(ids)))} |")
n = sum(1 for t in tests if not t["id"].startswith("RT-SELF"))
print(f"\n{n} conformance tests (plus the harness's own RT-SELF self-tests).")
