# Shared by the ci/bench scripts that read hvbench's JSON: bench_init NAME
# HVBENCH checks jq and the binary (exit 2 with a line saying which is
# missing) and makes $dir, a scratch folder removed on exit.
bench_init() {
	command -v jq >/dev/null || { echo "$1: needs jq" >&2; exit 2; }
	[ -x "$2" ] || { echo "$1: no hvbench binary at $2 (make first)" >&2; exit 2; }
	dir=$(mktemp -d "/tmp/hvbench-${1%.sh}.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
}
