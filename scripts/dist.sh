#!/usr/bin/env bash
# `make dist`: a source tarball of every tracked file, rtconform-VERSION.tar.gz,
# from which `make && make check` works without this repository.
set -euo pipefail
version=${1:?usage: dist.sh VERSION}
cd "$(dirname "$0")/.."
name="rtconform-$version"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git archive --format=tar.gz --prefix="$name/" -o "$name.tar.gz" HEAD
else
  echo "dist.sh: not a git checkout; nothing to archive from" >&2
  exit 1
fi
echo "$name.tar.gz"
