#!/usr/bin/env bash
# `make dist` (make check-dist; not part of `make check`: it rebuilds the
# whole tree, several minutes): the tarball unpacked outside any git
# checkout builds and passes the unit tests and the core conformance run,
# and `make dist` works again from the unpacked tree (no git there).
. "$(dirname "$0")/../lib.sh"
SRC=${RT_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v git >/dev/null || skip_all "git is not installed (needed to make the tarball from the checkout)"
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip_all "$SRC is not a git checkout"
version=$(cat "$SRC/VERSION")
# Nothing of the calling make (B=..., -j) or the checkout's build tree.
unset MAKEFLAGS MFLAGS MAKELEVEL RT_BUILD

test_expect 'make dist writes rtconform-VERSION.tar.gz of HEAD' '
  (cd "$SRC" && scripts/dist.sh "$version") >dist.out
  tb="$SRC/$(tail -1 dist.out)"
  [ -f "$tb" ]
  mv "$tb" "$TRASH/"
  tar -tzf "$TRASH/rtconform-$version.tar.gz" >list
  grep -qx "rtconform-$version/Makefile" list
  grep -qx "rtconform-$version/fixtures/expect/builtin.json" list
  ! grep -q "/build" list
'

test_expect 'unpacked without git: make programs, check-unit and the core conformance run pass' '
  mkdir x && tar -C x -xzf "rtconform-$version.tar.gz"
  cd "x/rtconform-$version"
  ! git rev-parse --git-dir >/dev/null 2>&1
  make -j2 all >build.log 2>&1 || { tail -30 build.log; exit 1; }
  make check-unit >unit.log 2>&1 || { tail -30 unit.log; exit 1; }
  tail -1 unit.log
  make check-conformance >conf.log 2>&1 || { grep -A5 "^not ok" conf.log | head -40; tail -3 conf.log; exit 1; }
  tail -1 conf.log
'

test_expect 'make dist from the unpacked tree (no git) makes a tarball again' '
  cd "x/rtconform-$version"
  make dist >dist2.out 2>&1 || { cat dist2.out; exit 1; }
  tar -tzf "rtconform-$version.tar.gz" | grep -qx "rtconform-$version/VERSION"
  ! tar -tzf "rtconform-$version.tar.gz" | grep -q "/build/"
'

test_done
