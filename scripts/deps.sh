#!/usr/bin/env bash
# Install the Debian packages rtconform needs to build and test, only when
# something is missing. As root: one `apt-get update`, then install. Not as
# root: print the exact command and fail.
set -euo pipefail

# Build and unit/conformance test dependencies (DESIGN.md, "Dependencies").
pkgs=(
  build-essential pkg-config make
  libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libssl-dev
  libprotobuf-c-dev protobuf-c-compiler liburcu-dev libarchive-dev
  libcmocka-dev check valgrind busybox-static curl ca-certificates jq
)
# Extra sets, asked for by name: `scripts/deps.sh real` for the root-only
# checks against real containerd/runc, `fuzz` for the fuzzers.
for extra in "$@"; do
  case "$extra" in
    real) pkgs+=(containerd runc) ;;
    fuzz|sanitize) pkgs+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "deps.sh: unknown set '$extra' (known: real, fuzz, sanitize)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
  echo "deps.sh: run as root:  $cmd" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
