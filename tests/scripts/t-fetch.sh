#!/usr/bin/env bash
# scripts/fetch-reference-engines, pure parts: finding the Debian archive
# source in one-line and deb822 apt sources, the private apt config, versions.
. "$(dirname "$0")/../lib.sh"
command -v awk >/dev/null || skip_all "awk is not installed"
SCRIPT=$(cd "$(dirname "$0")/../.." && pwd)/scripts/fetch-reference-engines

# lib.sh's test_expect evaluates a body as an `if` condition, where bash
# ignores `set -e` (only the body's last line would count): run each body as
# its own strict script, with the fetch script's functions sourced.
strict() { # NAME BODY
  local f
  f=$(mktemp "$TRASH/body.XXXXXX")
  printf 'set -eu\nSCRIPT=%q\n. "$SCRIPT"\nTAB=$(printf "\\t")\n%s\n' "$SCRIPT" "$2" >"$f"
  test_expect "$1" "bash $(printf %q "$f")"
}

strict 'deb822: first bookworm main stanza; security/updates suites ignored' '
  mkdir -p a/sources.list.d
  cat >a/sources.list.d/debian.sources <<X
Types: deb
# a comment
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/sec.gpg

Types: deb-src deb
URIs: http://mirror.example/debian http://other.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
X
  [ "$(fre_archive_source a)" = "http://mirror.example/debian${TAB}/usr/share/keyrings/debian-archive-keyring.gpg" ]
'

strict 'deb822: Enabled: no, deb-src only, no main, inline key' '
  mkdir -p b/sources.list.d
  cat >b/sources.list.d/x.sources <<X
Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://contrib.example/debian
Suites: bookworm
Components: contrib

Types: deb
URIs: http://inline.example/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 xyz
 -----END PGP PUBLIC KEY BLOCK-----
X
  [ "$(fre_archive_source b)" = "http://inline.example/debian${TAB}" ]
'

strict 'one-line: options, comments, suite and component matching' '
  mkdir -p c/sources.list.d
  cat >c/sources.list <<X
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb http://sec.example/debian-security bookworm-security main
deb http://contrib.example/debian bookworm contrib non-free
deb cdrom:[Debian 12]/ bookworm main
deb [arch=amd64 signed-by=/k/debian.gpg] http://one.example/debian bookworm contrib main # tail
X
  [ "$(fre_archive_source c)" = "http://one.example/debian${TAB}/k/debian.gpg" ]
  printf "deb\thttp://tab.example/debian\tbookworm main\n" >c/sources.list
  [ "$(fre_archive_source c)" = "http://tab.example/debian${TAB}" ]
'

strict 'order: sources.list before sources.list.d, which is sorted; other suffixes ignored' '
  mkdir -p d/sources.list.d
  echo "deb http://late.example/debian bookworm main" >d/sources.list.d/b.list
  printf "Types: deb\nURIs: http://early.example/debian\nSuites: bookworm\nComponents: main\n" >d/sources.list.d/a.sources
  echo "deb http://off.example/debian bookworm main" >d/sources.list.d/0.list.disabled
  [ "$(fre_archive_source d)" = "http://early.example/debian${TAB}" ]
  echo "deb http://first.example/debian bookworm main" >d/sources.list
  [ "$(fre_archive_source d)" = "http://first.example/debian${TAB}" ]
'

strict 'no bookworm main source: exit 1, nothing printed' '
  mkdir -p e/sources.list.d
  echo "deb http://x.example/debian trixie main" >e/sources.list
  set +e; out=$(fre_archive_source e); rc=$?; set -e
  [ $rc -eq 1 ] && [ -z "$out" ]
  set +e; out=$(fre_archive_source "$PWD/nonexistent"); rc=$?; set -e
  [ $rc -eq 1 ] && [ -z "$out" ]
'

strict 'private apt config keeps every path under its dir; parses with apt-config' '
  fre_apt_conf /tmp/w amd64 >conf
  grep -q "^Dir::Etc::SourceParts \"/dev/null\";$" conf
  grep -q "^Dir::State::status \"/tmp/w/state/status\";$" conf
  grep -q "^APT::Architecture \"amd64\";$" conf
  [ -z "$(grep -E "^Dir" conf | grep -v -e "\"/tmp/w/" -e "\"/dev/null\"")" ]
  if command -v apt-config >/dev/null; then
    [ "$(apt-config -c conf shell X Dir::Etc::SourceList)" = "X='"'"'/tmp/w/sources.list'"'"'" ]
  fi
'

strict 'upstream version from Debian versions' '
  [ "$(fre_upstream_version 26.1.5+dfsg1-9+deb13u1+b1)" = 26.1.5 ]
  [ "$(fre_upstream_version 20.10.24+dfsg1-1+deb12u1+b6)" = 20.10.24 ]
  [ "$(fre_upstream_version 1:27.0.0~rc1-1)" = 27.0.0 ]
  [ "$(fre_upstream_version 26.1.5-1)" = 26.1.5 ]
'

# The script itself, offline: the cached and the unreachable-archive paths,
# and the not-root hint (dpkg-query faked to report nothing installed).
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
if installed docker.io && installed containerd; then
  strict 'cached dockerd 26.1.5: printed, no apt run, exit 0' '
    mkdir cached && cd cached
    d=$PWD/cache/engines/dockerd-26.1.5
    mkdir -p "$d/usr/sbin" etc
    printf "#!/bin/sh\necho Docker version 26.1.5+dfsg1, build test\n" >"$d/usr/sbin/dockerd"
    chmod +x "$d/usr/sbin/dockerd"; echo 26.1.5+dfsg1-9 >"$d/.deb-version"; touch "$d/.complete"
    RT_CACHE=$PWD/cache RT_APT_ETC=$PWD/etc "$SCRIPT" >out 2>err
    grep -q "^fetch-reference-engines: dockerd 26.1.5: $d/usr/sbin/dockerd (Debian 26.1.5+dfsg1-9)$" out
    grep -q "^fetch-reference-engines: Docker version 26.1.5+dfsg1, build test$" out
    grep -q "^fetch-reference-engines: Docker version 20.10" out
  '
  strict 'unreachable archive: exit 3, one line why, nothing cached' '
    mkdir unreachable && cd unreachable && mkdir etc
    echo "deb http://127.0.0.1:9/debian bookworm main" >etc/sources.list
    set +e; RT_CACHE=$PWD/cache RT_APT_ETC=$PWD/etc "$SCRIPT" >out 2>err; rc=$?; set -e
    cat err
    [ $rc -eq 3 ]
    [ "$(wc -l <err)" -eq 1 ]
    grep -q "^fetch-reference-engines: dockerd 26.1.5 unavailable: apt-get update of trixie failed: .*127.0.0.1" err
    [ ! -e cache/engines/dockerd-26.1.5 ]
  '
  strict 'no Debian source: exit 3 naming the directory searched' '
    mkdir nosource && cd nosource && mkdir etc
    set +e; RT_CACHE=$PWD/cache RT_APT_ETC=$PWD/etc "$SCRIPT" >out 2>err; rc=$?; set -e
    [ $rc -eq 3 ]
    grep -q "^fetch-reference-engines: dockerd 26.1.5 unavailable: no apt source for Debian bookworm main in $PWD/etc$" err
  '
fi

as_nobody=()
if [ "$EUID" -eq 0 ] && command -v setpriv >/dev/null; then
  as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$EUID" -ne 0 ] || [ ${#as_nobody[@]} -gt 0 ]; then
  strict 'not root and packages missing: exit 1 with the apt-get command' '
    mkdir -p fakebin; chmod 755 . fakebin
    printf "#!/bin/sh\nexit 1\n" >fakebin/dpkg-query; chmod 755 fakebin/dpkg-query
    # a copy nobody can read: the checkout may sit under a 0700 directory
    cp "$SCRIPT" fakebin/fetch-reference-engines; chmod 755 fakebin/fetch-reference-engines
    set +e
    env PATH="$PWD/fakebin:$PATH" '"${as_nobody[*]}"' "$PWD/fakebin/fetch-reference-engines" >out 2>err; rc=$?
    set -e
    cat err
    [ $rc -eq 1 ]
    grep -qx "fetch-reference-engines: missing: docker.io containerd; as root run: apt-get install -y --no-install-recommends docker.io containerd" err
    [ ! -s out ]
  '
fi

test_done
