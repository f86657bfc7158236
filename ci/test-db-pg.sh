#!/usr/bin/env bash
# The results store on a real PostgreSQL server (issue 18): a throw-away
# cluster from Debian's postgresql package (initdb + pg_ctl in a temporary
# folder, listening only on a Unix socket there; as root the server runs as
# `nobody`, since PostgreSQL refuses root), then: import (corrupt files
# skipped, exit 1), import again (nothing new), the named queries, export
# and its round trip, eight importers at once (nothing lost or doubled),
# the server killed in the middle of an import (every file reported stored
# is there), a newer schema refused, and `hvbench run --db` where /dev/kvm
# works. The server is stopped at the end whatever happens (trap).
# SKIPs only where the postgresql binaries are missing. ~30-60 s.
# Usage: ci/test-db-pg.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."
HV=${1:-${HVBENCH:-bin/hvbench}}
HV=$(realpath "$HV" 2>/dev/null || echo "$HV")

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/pg_ctl" ] ||
	[ ! -x "$pgbin/psql" ]; then
	echo "SKIP: the postgresql binaries (initdb, pg_ctl, psql in /usr/lib/postgresql/*/bin) are missing: Debian package postgresql (ci/deps.sh installs it)"
	exit 0
fi
if [ ! -x "$HV" ]; then
	echo "FAIL: $HV not built (run make first)"
	exit 1
fi
for t in jq runuser; do
	if ! command -v "$t" >/dev/null; then
		echo "FAIL: $t missing (ci/deps.sh installs jq; runuser is util-linux)"
		exit 1
	fi
done

work=$(mktemp -d /tmp/hvbench-pg.XXXXXX)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	as_pg=(runuser -u nobody --)
	mkdir "$work/pg" && chown nobody: "$work/pg"
else
	mkdir "$work/pg"
fi
data=$work/pg/data
sock=$work/pg
stop_server() {
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
}
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # check WHAT COND...: ok when COND (a command) succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

start_server() {
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$work/pg/server.log" -w -t 60 \
		-o "-k $sock -c listen_addresses= -c max_connections=40" start >/dev/null 2>&1
}
if ! "${as_pg[@]}" "$pgbin/initdb" -D "$data" -U hvbench -A trust -E UTF8 --no-locale \
	--no-sync >"$work/initdb.log" 2>&1; then
	echo "FAIL: initdb failed:"
	tail -n 5 "$work/initdb.log"
	exit 1
fi
if ! start_server; then
	echo "FAIL: the server did not start:"
	tail -n 5 "$work/pg/server.log"
	exit 1
fi
psql() { "$pgbin/psql" -X -q -t -A -h "$sock" -U hvbench -d "$1" -c "$2"; }
psql postgres "CREATE DATABASE hvb" >/dev/null
url="postgresql:///hvb?host=$sock&user=hvbench"
q() { psql hvb "$1"; }

# 1. The test files: the corrupt and foreign ones are skipped by name. The
# counts below are of the exit-cost files and the bad ones: other families'
# samples that land in tests/data/analysis (devices.json) stay out.
mkdir "$work/analysis"
cp tests/data/analysis/x86-vmx.json tests/data/analysis/x86-vmx-slower.json \
	tests/data/analysis/pvm-v2.json tests/data/analysis/arm64-emulated.json \
	tests/data/analysis/not-a-result.json tests/data/analysis/schema-v3.json \
	tests/data/analysis/truncated.json tests/data/analysis/wrong-type.json "$work/analysis/"
"$HV" db import --db "$url" "$work/analysis" >"$work/out" 2>"$work/err"
rc=$?
check "import of tests/data/analysis exits 1 (4 files skipped)" [ "$rc" -eq 1 ]
check "each skipped file is named with its reason" \
	grep -q "analysis/truncated.json:[0-9]*:[0-9]*: " "$work/err"
check "4 stored" grep -q "^db import: 4 stored, 0 stored already, 4 skipped" "$work/out"
"$HV" db import --db "$url" -q "$work/analysis/x86-vmx.json" "$work/analysis/pvm-v2.json" \
	>"$work/out" 2>&1
check "import again stores nothing new" grep -q "0 stored, 2 stored already" "$work/out"
check "the store holds 4 runs" [ "$(q 'SELECT count(*) FROM runs')" = 4 ]

# 2. Queries.
"$HV" db query --db "$url" --csv latest >"$work/latest.csv"
check "latest: one row per host and suite, header first" \
	[ "$(wc -l <"$work/latest.csv")" -eq 4 ]
check "latest: bench-x86's is its 2026-11-21 run" \
	grep -q '^bench-x86,vmx,x86_64,quick,[0-9]*,2026-11-21T10:00:00Z,' "$work/latest.csv"
"$HV" db query --db "$url" --json history cpuid --host bench-x86 >"$work/hist.json"
check "history cpuid: two runs of bench-x86, oldest first" \
	[ "$(jq -r 'map(.started) | join(" ")' "$work/hist.json")" = "2026-11-20T10:00:00Z 2026-11-21T10:00:00Z" ]
check "history: the median is a number" jq -e '.[0].p50 | type == "number"' "$work/hist.json" >/dev/null

# 3. Export: the same documents come back (equal as JSON, keys sorted).
"$HV" db export --db "$url" -o "$work/export" >/dev/null 2>&1
check "export writes 4 files" [ "$(ls "$work/export" | wc -l)" -eq 4 ]
f=$(ls "$work/export"/bench-x86-2026-11-20T10_00_00Z-r*.json 2>/dev/null | head -n 1)
check "the exported x86-vmx.json equals the original as JSON" \
	cmp -s <(jq -S . tests/data/analysis/x86-vmx.json) <(jq -S . "$f")
"$HV" db import --db "$work/back.db" -q "$work/export" >"$work/out" 2>&1
check "the exported files import into SQLite as 4 runs" grep -q "^db import: 4 stored" "$work/out"

# 4. Eight importers at once over the same 200 files, each in its own
# order: every file stored exactly once, every record once.
bash ci/bench/db-synth.sh 200 "$work/many" 8 fleet
pids=()
for k in 1 2 3 4 5 6 7 8; do
	ls "$work/many"/*.json | shuf >"$work/list$k"
	xargs -a "$work/list$k" "$HV" db import --db "$url" -q >"$work/imp$k" 2>&1 &
	pids+=($!)
done
allok=true
for p in "${pids[@]}"; do wait "$p" || allok=false; done
check "eight importers at once all exit 0" $allok
stored=$(cat "$work"/imp? | sed -n 's/^db import: \([0-9]*\) stored, \([0-9]*\) stored already.*/\1/p' |
	awk '{s += $1} END {print s}')
check "the eight together stored each of the 200 files once ($stored)" [ "$stored" = 200 ]
want=$(jq -s 'map(.benchmarks | length) | add' "$work/many"/*.json)
check "the store holds 204 runs, no content twice" \
	[ "$(q 'SELECT count(*), count(DISTINCT content_hash) FROM runs')" = "204|204" ]
check "and every record once ($want from the files)" \
	[ "$(q "SELECT count(*) FROM records r JOIN runs u ON u.id = r.run_id JOIN hosts h ON h.id = u.host_id WHERE h.hostname LIKE 'fleet-%'")" = "$want" ]
"$HV" db query --db "$url" slower --baseline fleet-host-0 --csv >"$work/slower.csv" 2>"$work/err"
rc=$?
slower_hosts=$(cut -d, -f1 "$work/slower.csv" | tail -n +2 | sort -u | tr '\n' ' ')
check "slower: exit 1, and only fleet-host-1 (10% slower in its latest run) is named (${slower_hosts})" \
	[ "$rc" -eq 1 -a "$slower_hosts" = "fleet-host-1 " ]

# 5. The server goes away mid-import: what was reported stored is there.
bash ci/bench/db-synth.sh 300 "$work/late" 3 late
"$HV" db import --db "$url" "$work/late" >"$work/late.out" 2>"$work/late.err" &
imp=$!
for _ in $(seq 1 100); do
	[ "$(grep -c 'stored as run' "$work/late.out" 2>/dev/null)" -ge 20 ] && break
	sleep 0.1
done
stop_server
wait "$imp"
rc=$?
check "an import whose server went away exits 4" [ "$rc" -eq 4 ]
start_server || bad "the server did not restart"
reported=$(grep -c 'stored as run' "$work/late.out")
have=$(q "SELECT count(*) FROM runs r JOIN hosts h ON h.id = r.host_id WHERE h.hostname LIKE 'late-%'")
# A commit the server made just before it died, whose answer never came
# back, is stored but not reported: one at most.
check "every file reported stored before the server died is stored ($reported reported, $have stored)" \
	[ "$reported" -ge 1 -a "$have" -ge "$reported" -a "$have" -le $((reported + 1)) -a "$have" -lt 300 ]
"$HV" db import --db "$url" -q "$work/late" >"$work/out" 2>&1
check "importing again finishes the rest" \
	grep -q "^db import: $((300 - have)) stored, $have stored already" "$work/out"
check "no run of them lost its records" \
	[ "$(q "SELECT count(*) FROM runs r WHERE NOT EXISTS (SELECT 1 FROM records c WHERE c.run_id = r.id)")" = 0 ]

# 6. A store from a newer hvbench is refused, with both versions.
q "UPDATE schema_version SET version = 99" >/dev/null
"$HV" db query --db "$url" latest >/dev/null 2>"$work/err"
rc=$?
check "a store at schema 99 is refused with exit 2" [ "$rc" -eq 2 ]
check "the refusal names both versions" grep -q "version 99, newer than this hvbench's 2" "$work/err"
q "UPDATE schema_version SET version = 2" >/dev/null

# 7. A password in the URL never shows in a message.
"$HV" db query --db "postgresql://hvbench:s3cret@127.0.0.1:1/x" latest >/dev/null 2>"$work/err"
check "an unreachable server exits 4" [ $? -eq 4 ]
hidden() { ! grep -q s3cret "$work/err" && grep -q 'hvbench:\*\*\*@' "$work/err"; }
check "its message hides the password" hidden

# 8. hvbench run --db stores what the saved file holds.
if "$HV" info >/dev/null 2>&1; then
	printf '{"name": "pg", "defaults": {"min_time_ms": 5, "repetitions": 2}, "benchmarks": [{"name": "empty"}]}\n' >"$work/s.json"
	"$HV" run "$work/s.json" -o "$work/r.json" --db "$url" >"$work/run.out" 2>&1
	check "run --db stores the run" grep -q "^stored in .* as run [0-9]*" "$work/run.out"
	"$HV" db import --db "$url" "$work/r.json" >"$work/out" 2>&1
	check "and its file is then stored already" grep -q "stored already" "$work/out"
else
	echo "skip: run --db (hvbench info says /dev/kvm is not usable here)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
