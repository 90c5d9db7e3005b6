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
    for sec in re.findall(r"§[0-9A-Z][0-9.]*", t["spec"]):
        by_sec[(doc, sec.rstrip("."))].append(f'{t["id"]} ({t["level"]})')
print("| spec | section | tests |")
print("|---|---|---|")
for (doc, sec) in sorted(by_sec, key=lambda k: (k[0], section_key(k[1]))):
    ids = by_sec[(doc, sec)]
    name = "shim-v2-protocol.md" if doc == "shim" else "engine-runtime-behaviour.md"
    print(f"| {name} | {sec} | {', '.join(sorted(set(ids)))} |")
n = sum(1 for t in tests if not t["id"].startswith("RT-SELF"))
print(f"\n{n} conformance tests (plus the harness's own RT-SELF self-tests).")
