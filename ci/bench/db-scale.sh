#!/usr/bin/env bash
# Benchmark, not a test: the results store at fleet scale (issue 18).
# Makes N synthetic result files of 15-30 records (ci/bench/db-synth.sh),
# then times: import into SQLite; import into PostgreSQL (a throw-away
# server as in ci/test-db-pg.sh), by one importer and by eight at once over
# overlapping shards (each file offered twice; the counts must come out
# exact); `hvbench dashboard --db` over the SQLite store; and prints the
# stores' size per run. Wall seconds and peak RSS, with the load average
# before each step: on a shared machine the wall time says as much about
# the neighbours as about hvbench (user+sys is printed too).
# Usage: ci/bench/db-scale.sh [N=10000] [HVBENCH=bin/hvbench]
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
HV=$(realpath "${HVBENCH:-bin/hvbench}")
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
work=$(mktemp -d /tmp/hvbench-dbscale.XXXXXX)
chmod 755 "$work"
as_pg=()
mkdir "$work/pg"
if [ "$(id -u)" -eq 0 ]; then
	as_pg=(runuser -u nobody --)
	chown nobody: "$work/pg"
fi
cleanup() {
	[ -n "$pgbin" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -r)"
t0=$(date +%s.%N)
bash ci/bench/db-synth.sh "$n" "$work/files" 50 fleet
echo "generated $n files ($(du -sh "$work/files" | cut -f1), $(jq -s 'map(.benchmarks | length) | add' "$work"/files/fleet-0000?.json) records in the first 10) in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

# t WHAT CMD...: one timed step: wall s, user+sys s, peak RSS, load before.
t() {
	local what=$1
	shift
	local load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	read -r wall u s rss < <(tail -n 1 "$work/t")
	printf '%-46s %8.1f s wall  %7.1f s cpu  %6d MiB  load %s  exit %d\n' "$what" "$wall" \
		"$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')" $((rss / 1024)) "$load" "$rc"
	tail -n 1 "$work/out" | sed 's/^/    /'
}

t "import into SQLite ($n files)" "$HV" db import -q --db "$work/s.db" "$work/files"
sz=$(stat -c %s "$work/s.db")
echo "    SQLite store: $((sz / 1024 / 1024)) MiB, $((sz / n)) bytes per run (samples included)"
t "import again (nothing new: parsed and hashed only)" "$HV" db import -q --db "$work/s.db" "$work/files"
t "dashboard --db (SQLite, $n runs)" "$HV" dashboard --db "$work/s.db" -o "$work/site"
echo "    site: $(du -sh "$work/site" | cut -f1)"
t "query latest (SQLite)" "$HV" db query --db "$work/s.db" latest
t "query slower --baseline fleet-host-0 (SQLite)" "$HV" db query --db "$work/s.db" slower --baseline fleet-host-0

if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "skip: PostgreSQL (no /usr/lib/postgresql/*/bin/initdb)"
	exit 0
fi
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg/data" -U hvbench -A trust -E UTF8 --no-locale >/dev/null 2>&1 &&
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 60 \
		-o "-k $work/pg -c listen_addresses=" start >/dev/null || { echo "FAIL: no server"; exit 1; }
psql() { "$pgbin/psql" -X -q -t -A -h "$work/pg" -U hvbench -d "$1" -c "$2"; }
psql postgres "CREATE DATABASE one" && psql postgres "CREATE DATABASE eight"
u1="postgresql:///one?host=$work/pg&user=hvbench"
u8="postgresql:///eight?host=$work/pg&user=hvbench"
sz0=$(psql one "SELECT pg_database_size('one')")
t "import into PostgreSQL, one importer" "$HV" db import -q --db "$u1" "$work/files"
sz=$(psql one "SELECT pg_database_size('one')")
echo "    PostgreSQL database: $((sz / 1024 / 1024)) MiB, $(((sz - sz0) / n)) bytes per run (above the empty database's $((sz0 / 1024 / 1024)) MiB)"
ls "$work/files"/*.json >"$work/all"
split -n l/8 -d "$work/all" "$work/shard"
cat >"$work/eight.sh" <<EOF
pids=() rc=0
for k in 0 1 2 3 4 5 6 7; do
	# shard k and shard k+1: every file is offered to two importers
	cat "$work/shard0\$k" "$work/shard0\$(((k + 1) % 8))" |
		xargs "$HV" db import -q --db "$u8" >"$work/imp\$k" 2>&1 &
	pids+=(\$!)
done
for p in "\${pids[@]}"; do wait "\$p" || rc=1; done
exit \$rc
EOF
t "import into PostgreSQL, eight at once (2x offered)" bash "$work/eight.sh"
got=$(psql eight "SELECT count(*) || ' runs, ' || count(DISTINCT content_hash) || ' distinct, ' || (SELECT count(*) FROM records) || ' records' FROM runs")
want=$(psql one "SELECT count(*) || ' runs, ' || count(DISTINCT content_hash) || ' distinct, ' || (SELECT count(*) FROM records) || ' records' FROM runs")
echo "    eight at once: $got; one importer: $want; $([ "$got" = "$want" ] && echo "equal: nothing lost or doubled" || echo "DIFFERENT")"
t "dashboard --db (PostgreSQL, $n runs)" "$HV" dashboard --db "$u1" -o "$work/site-pg"
