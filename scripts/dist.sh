#!/usr/bin/env bash
# `make dist`: a source tarball rtconform-VERSION.tar.gz from which
# `make && make check` works without this repository (no git, no network
# beyond the Debian packages scripts/deps.sh installs). From a git checkout:
# every committed file of HEAD. From an unpacked tarball (no git): the tree
# as it is, minus build output.
set -euo pipefail
version=${1:?usage: dist.sh VERSION}
cd "$(dirname "$0")/.."
name="rtconform-$version"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git archive --format=tar.gz --prefix="$name/" -o "$name.tar.gz" HEAD
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir "$tmp/$name"
  tar -cf - --exclude='./build' --exclude='./build-*' --exclude='./rtconform-report' \
      --exclude='./rtconform-*.tar.gz' --exclude='./.git' . | tar -C "$tmp/$name" -xf -
  tar -C "$tmp" -czf "$name.tar.gz" "$name"
fi
echo "$name.tar.gz"
