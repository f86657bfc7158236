#!/usr/bin/env bash
# Man pages from the binary's own --help (help2man, Debian's help2man), so
# they say what --help says: hvbench(1) from `hvbench --help`, and
# hvbench-COMMAND(1) from `hvbench COMMAND --help` for every command that
# `hvbench --help` lists. ci/test-install.sh checks each page against its
# --help, option by option.
# Usage: ci/man.sh HVBENCH_BINARY OUTDIR
set -euo pipefail
bin=$(readlink -f "${1:?usage: ci/man.sh HVBENCH_BINARY OUTDIR}")
out=${2:?usage: ci/man.sh HVBENCH_BINARY OUTDIR}
command -v help2man >/dev/null || { echo "ci/man.sh: help2man is missing (make deps installs it)" >&2; exit 1; }
mkdir -p "$out/wrap"
see="hvbench(1)"
cmds=$("$bin" --help | awk '/^  [a-z]+ / { print $1 }')
for c in $cmds; do see="$see, hvbench-$c(1)"; done
inc="$out/wrap/see-also.h2m"
printf '[SEE ALSO]\n%s\n\nThe full documentation is in the docs/ folder of the source (installed under share/doc/hvbench).\n' "$see" >"$inc"
help2man --no-info --section 1 --include "$inc" \
	--name "what virtualization really costs on this host: VM exits, devices, memory, profiles" \
	--output "$out/hvbench.1" "$bin"
for c in $cmds; do
	w="$out/wrap/hvbench-$c"
	# help2man asks --help and --version of one program: this is it
	printf '#!/bin/sh\ncase "$1" in --version) "%s" --version | sed "s/^hvbench/hvbench-%s/"; exit ;; esac\nexec "%s" %s --help\n' "$bin" "$c" "$bin" "$c" >"$w"
	chmod 755 "$w"
	what=$("$bin" --help | awk -v c="$c" '$1 == c { print substr($0, 40); exit }')
	help2man --no-info --section 1 --include "$inc" --name "${what:-a command of hvbench}" \
		--output "$out/hvbench-$c.1" "$w"
done
rm -rf "$out/wrap"
