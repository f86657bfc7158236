#!/bin/bash
# make install / make uninstall (issue 19) into a DESTDIR: the binary, a man
# page per command written from its --help (every option of the --help is
# in its page: they cannot drift apart), bash completion written from the
# binary (commands, benchmark names, options, -P parameter names), the
# suites and the docs; then uninstall leaves no file behind.
# Usage: ci/test-install.sh   (uses make; bin/hvbench is built if needed)
set -u
cd "$(dirname "$0")/.."
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
work=$(mktemp -d /tmp/hvbench-test-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
dest=$work/root
pre=/usr/local
inst=$dest$pre

if ! make -s install DESTDIR="$dest" PREFIX="$pre" >"$work/log" 2>&1; then
	bad "make install: $(tail -5 "$work/log")"
	echo "test-install: $pass passed, $fail failed"
	exit 1
fi
ok "make install DESTDIR=... PREFIX=$pre"
check "the binary runs from its installed place" "$inst/bin/hvbench" --version
cmds=$("$inst/bin/hvbench" --help | awk '/^  [a-z]+ / { print $1 }')
check "a man page for hvbench and for each of its $(echo $cmds | wc -w) commands" \
	bash -c "test -s '$inst/share/man/man1/hvbench.1' && for c in $(echo $cmds); do test -s '$inst/share/man/man1/hvbench-'\$c'.1' || exit 1; done"
# every option its --help names is in its page (help2man writes - as \-)
missing=""
for c in "" $cmds; do
	page=$inst/share/man/man1/hvbench${c:+-$c}.1
	for o in $("$inst/bin/hvbench" $c --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$page" || missing="$missing ${c:-hvbench}:$o"
	done
done
check "every option of every --help is in its man page${missing:+ (missing:$missing)}" test -z "$missing"
if command -v man >/dev/null; then
	check "man renders hvbench-run(1) with its NAME line" \
		bash -c "man -l '$inst/share/man/man1/hvbench-run.1' 2>/dev/null | grep -q 'hvbench-run - run a suite'"
fi
comp=$inst/share/bash-completion/completions/hvbench
complete_words() {	# WORDS... (the last is the one completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hvbench; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" 2>/dev/null
}
check "completion: commands" bash -c "$(declare -f complete_words); comp='$comp'; complete_words hvbench ru | grep -qx run"
check "completion: benchmark names after run" bash -c "$(declare -f complete_words); comp='$comp'; complete_words hvbench run tlb_w | grep -qx tlb_walk"
check "completion: run's options" bash -c "$(declare -f complete_words); comp='$comp'; complete_words hvbench run --dry | grep -qx -- --dry-run"
check "completion: -P parameter names" bash -c "$(declare -f complete_words); comp='$comp'; complete_words hvbench run tlb_walk -P ws_ | grep -qx ws_kib="
check "completion: --cpl values" bash -c "$(declare -f complete_words); comp='$comp'; [ \"\$(complete_words hvbench run cpuid --cpl '' | tr '\n' ' ')\" = '0 3 auto ' ]"
check "the suites under share/hvbench/configs" test -s "$inst/share/hvbench/configs/default.json"
check "the docs under share/doc/hvbench" test -s "$inst/share/doc/hvbench/suite-format.md"

make -s uninstall DESTDIR="$dest" PREFIX="$pre" >"$work/log" 2>&1 || bad "make uninstall: $(tail -3 "$work/log")"
left=$(find "$dest" -type f | head -5)
check "make uninstall leaves no file${left:+ (left: $left)}" test -z "$left"
echo "test-install: $pass passed, $fail failed"
[ "$fail" = 0 ]
