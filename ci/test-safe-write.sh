#!/bin/bash
# Runs the real binary against awkward destinations (issue 9, point 3): a
# symlink is written through, a FIFO or folder is refused, "-" is stdout, an
# unwritable folder fails at once having measured nothing, and kill -9 at
# random moments never leaves a truncated file. Only scratch paths are used:
# never the real /dev/stdout, even as root.
# Usage: ci/test-safe-write.sh [HVBENCH_BINARY]   (default bin/hvbench)
set -u
cd "$(dirname "$0")/.."

HVBENCH=${1:-${HVBENCH:-bin/hvbench}}
case $HVBENCH in /*) ;; *) HVBENCH=$PWD/$HVBENCH ;; esac
DATA=$PWD/tests/data/analysis/x86-vmx.json
pass=0
fail=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

if [ ! -x "$HVBENCH" ]; then
	echo "FAIL: $HVBENCH not built (run make first)"
	exit 1
fi

W=$(mktemp -d /tmp/hvbench-safe-write-XXXXXX)
trap 'rm -rf "$W"' EXIT
# Everything runs inside the scratch folder, so a stray file named "-" would
# show up here.
cd "$W"
cat >t.json <<'EOF'
{"name":"t","defaults":{"min_time_ms":5,"repetitions":1},"benchmarks":[{"name":"empty","cpl":3}]}
EOF

is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
# ms since the epoch, for "within a second"
now_ms() { date +%s%3N; }

have_kvm=1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || have_kvm=0

if [ $have_kvm = 1 ]; then
	# --- a symlink to a scratch file is written through ---------------
	echo old >real.json
	ln -s real.json out.json
	"$HVBENCH" run t.json -q -o out.json
	rc=$?
	check "run -o symlink: exit 0 (got $rc)" [ $rc = 0 ]
	check "run -o symlink: the link is still a symlink to real.json" \
		bash -c '[ -L out.json ] && [ "$(readlink out.json)" = real.json ]'
	check "run -o symlink: the target holds the JSON" is_json real.json

	# --- a symlink to a scratch FIFO (the /dev/stdout case) -----------
	mkfifo fifo
	ln -s fifo tofifo
	t0=$(now_ms)
	timeout 10 "$HVBENCH" run t.json -o tofifo >run.out 2>run.err
	rc=$?
	dt=$(($(now_ms) - t0))
	check "run -o link-to-FIFO: exit 4 (got $rc)" [ $rc = 4 ]
	check "run -o link-to-FIFO: refused within 1 s (${dt} ms)" [ $dt -lt 1000 ]
	check "run -o link-to-FIFO: error names the FIFO" grep -q "FIFO" run.err
	check "run -o link-to-FIFO: nothing measured" [ ! -s run.out ]
	check "run -o link-to-FIFO: the FIFO and the link are untouched" \
		bash -c '[ -p fifo ] && [ -L tofifo ]'
	"$HVBENCH" run t.json -q -o fifo 2>run.err
	check "run -o FIFO: exit 4" [ $? = 4 ]

	# --- a folder is refused ------------------------------------------
	mkdir adir
	"$HVBENCH" run t.json -q -o adir 2>run.err
	check "run -o folder: exit 4" [ $? = 4 ]
	check "run -o folder: folder untouched and empty" \
		bash -c '[ -d adir ] && [ -z "$(ls -A adir)" ]'

	# --- "-" is standard output, the human lines go to stderr ---------
	"$HVBENCH" run t.json -o - 2>dash.err | python3 -m json.tool >dash.json
	st=("${PIPESTATUS[@]}")
	check "run -o -: exit 0 (got ${st[0]})" [ "${st[0]}" = 0 ]
	check "run -o -: stdout is one JSON document" [ "${st[1]}" = 0 ]
	check "run -o -: the document is a result" grep -q '"hvbench-result/2"' dash.json
	check "run -o -: the summary went to stderr" grep -q "results: standard output" dash.err
	check "run -o -: no file named '-'" [ ! -e ./- ]

	# --- an unwritable destination: exit 4 at once, nothing measured --
	for dest in /proc/hvbench-nope.json /proc/self/hvbench.json; do
		t0=$(now_ms)
		"$HVBENCH" run t.json -o "$dest" >run.out 2>run.err
		rc=$?
		dt=$(($(now_ms) - t0))
		check "run -o $dest: exit 4 (got $rc)" [ $rc = 4 ]
		check "run -o $dest: within 1 s (${dt} ms)" [ $dt -lt 1000 ]
		check "run -o $dest: nothing measured" [ ! -s run.out ]
		check "run -o $dest: one line naming the path" \
			[ "$(wc -l <run.err)" = 1 ] && [ "$(grep -c -F "$dest" run.err)" = 1 ]
	done
else
	echo "SKIP (run cases): /dev/kvm is not usable here; the analysis cases still run"
fi

# --- export and report: "-", refusals, unwritable, before any work -----
"$HVBENCH" export "$DATA" --csv -o - >ref.csv
check "export -o -: CSV on stdout" grep -q '^name,variant' ref.csv
"$HVBENCH" report "$DATA" -o - >page.html
check "report -o -: HTML on stdout" grep -qi '<html' page.html
check "report -o -: no file named '-'" [ ! -e ./- ]
for cmd in "export $DATA --csv" "report $DATA"; do
	# shellcheck disable=SC2086
	"$HVBENCH" $cmd -o /proc/hvbench-nope.out 2>an.err
	check "${cmd%% *} -o /proc/...: exit 4" [ $? = 4 ]
	# shellcheck disable=SC2086
	"$HVBENCH" $cmd -o fifo 2>an.err
	rc=$?
	check "${cmd%% *} -o FIFO: exit 4 (got $rc), FIFO untouched" [ $rc = 4 -a -p fifo ]
done
ln -s ref-copy.csv csvlink
"$HVBENCH" export "$DATA" --csv -o csvlink
check "export -o symlink: written through" bash -c '[ -L csvlink ] && cmp -s ref.csv ref-copy.csv'
"$HVBENCH" plot "$DATA" -o - 2>an.err
rc=$?
check "plot -o -: refused as a usage error (got $rc)" bash -c "[ $rc = 2 ] && grep -q 'standard output' an.err"
"$HVBENCH" dashboard . -o - 2>an.err
rc=$?
check "dashboard -o -: refused as a usage error (got $rc)" bash -c "[ $rc = 2 ] && grep -q 'standard output' an.err"
"$HVBENCH" dashboard . -o /proc/self/site 2>an.err
check "dashboard -o unwritable: exit 4" [ $? = 4 ]

# --- kill -9 at random moments: the old file or a whole new one ----------
# $1 = file, $2 = old bytes; prints nothing, returns 1 on a torn file.
whole() { cmp -s "$1" "$2" || is_json "$1"; }
rand_ms() { echo $((RANDOM % ($1 + 1))); }
# A result with its benchmarks repeated, so that export runs long enough
# (~0.2 s) for kills to land while it reads, encodes and writes.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["benchmarks"]*=120; json.dump(d,open("big.json","w"))' "$DATA"
"$HVBENCH" export big.json --csv -o big.csv
echo "a,b" >old.csv
cp old.csv k.csv
t0=$(now_ms)
"$HVBENCH" export big.json --csv -o k.csv
T=$(($(now_ms) - t0))
torn=0
kills=0
for i in $(seq 1 20); do
	cp old.csv k.csv
	if [ $((i % 2)) = 0 ]; then d=$((T * 8 / 10 + $(rand_ms $((T * 3 / 10))))); else d=$(rand_ms "$T"); fi
	"$HVBENCH" export big.json --csv -o k.csv &
	pid=$!
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	cmp -s k.csv old.csv || cmp -s k.csv big.csv || torn=$((torn + 1))
done
check "export killed 20 times over ${T} ms runs (${kills} landed): never a torn CSV (torn=$torn)" [ $torn = 0 ]
if [ $have_kvm = 1 ]; then
	# One timed run first: half the kills aim at its last 20%, where the
	# file is written.
	"$HVBENCH" run t.json -q -o old.json
	cp old.json k.json
	t0=$(now_ms)
	"$HVBENCH" run t.json -q -o k.json
	T=$(($(now_ms) - t0))
	torn=0
	kills=0
	for i in $(seq 1 20); do
		if [ $((i % 2)) = 0 ]; then d=$((T * 8 / 10 + $(rand_ms $((T * 3 / 10))))); else d=$(rand_ms "$T"); fi
		"$HVBENCH" run t.json -q -o k.json &
		pid=$!
		sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
		kill -9 $pid 2>/dev/null && kills=$((kills + 1))
		wait $pid 2>/dev/null
		whole k.json old.json || torn=$((torn + 1))
	done
	check "run killed 20 times over ${T} ms runs (${kills} landed): never a torn result (torn=$torn)" [ $torn = 0 ]
fi
# Temp files a kill -9 interrupted stay behind as dot files; nothing else may.
stray=$(ls -A | grep -v -E '^(\.k\.(json|csv)\.[A-Za-z0-9]{6}|t\.json|real\.json|out\.json|fifo|tofifo|adir|run\.(out|err)|dash\.(err|json)|ref\.csv|ref-copy\.csv|big\.(json|csv)|csvlink|page\.html|an\.err|old\.(csv|json)|k\.(csv|json))$' || true)
check "no stray files in the scratch folder${stray:+ (found: $stray)}" [ -z "$stray" ]
echo "dot temp files left by kill -9: $(ls -A | grep -c '^\.k\.' || true)"

echo "safe-write: $pass passed, $fail failed"
[ $fail = 0 ]
