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
  printf 'set -eu\n. %q\nTAB=$(printf "\\t")\n%s\n' "$SCRIPT" "$2" >"$f"
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

test_done
