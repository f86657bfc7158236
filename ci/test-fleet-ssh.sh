#!/usr/bin/env bash
# fleet/site.yml over ssh for real (issue 18): three "hosts" that are
# network namespaces of this machine, each with a veth pair to a bridge in
# the root namespace on a private /24 the test picks (unused here), its own
# UTS name (hvfleet-a/b/c: what hvbench reports as host.hostname) and an
# sshd of its own (a throw-away host key and authorized_keys in the test's
# temp folder, listening only on the namespace's address). The playbook
# runs against their addresses as root with the test's key, a tiny suite,
# into a throw-away PostgreSQL cluster (initdb + pg_ctl in the temp folder,
# a Unix socket there only, as ci/test-db-pg.sh; a SQLite file where the
# postgresql binaries are missing); twice. The store must then hold one run of each of the
# three hosts, then two, each once; each sshd must have let the controller
# in; and every run's host block must say the truth: one machine (this
# kernel's boot_id, its CPU and kernel). Everything the test made
# (namespaces, veths, the bridge, sshd and whatever ran under it) is
# removed on exit, failure or signal. ~40-60 s.
# Needs root, ip (iproute2), sshd (openssh-server), ssh/ssh-keygen
# (openssh-client), unshare (util-linux), ansible-playbook and a usable
# /dev/kvm; skips, with the reason, without one of them.
# Usage: ci/test-fleet-ssh.sh [HVBENCH_BINARY]   (default bin/hvbench)
#        HVBENCH_FLEET_SQLITE=1 ci/test-fleet-ssh.sh   (the SQLite store)
set -u
cd "$(dirname "$0")/.."
HV=$(realpath "${1:-${HVBENCH:-bin/hvbench}}")
SSHD=/usr/sbin/sshd
skip() { echo "SKIP: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces, veths and an sshd per namespace need it)"
for c in ip ssh ssh-keygen unshare python3 ansible-playbook; do
	command -v "$c" >/dev/null || skip "$c missing (ci/deps.sh: iproute2, openssh-client, util-linux, python3, ansible-core)"
done
[ -x "$SSHD" ] || skip "$SSHD missing (Debian package openssh-server)"
[ -x "$HV" ] || { echo "FAIL: $HV not built (run make first)"; exit 1; }
"$HV" info >/dev/null 2>&1 || skip "hvbench info says /dev/kvm is not usable here (the play runs a suite)"

tag=hvf$$	# names of this run's links and namespaces (interface names <= 15)
work=$(mktemp -d /tmp/hvbench-fleet-ssh.XXXXXX)
made_run_sshd=""
sshd_pids=()
play_pid=""
pg_up=""
cleanup() {
	local ns p
	[ -n "$pg_up" ] && runuser -u nobody -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1
	[ -n "$play_pid" ] && kill "$play_pid" 2>/dev/null && wait "$play_pid" 2>/dev/null
	for ns in a b c; do
		# sshd, the sessions it started and anything left of a run
		# (hvbench, ansible's python): only this test's namespaces' pids
		for p in $(ip netns pids "$tag-$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	for p in "${sshd_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${sshd_pids[@]}"; do wait "$p" 2>/dev/null; done
	for ns in a b c; do
		for p in $(ip netns pids "$tag-$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip link del "$tag$ns" 2>/dev/null
		ip netns del "$tag-$ns" 2>/dev/null
	done
	ip link del "${tag}br" 2>/dev/null
	[ -n "$made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
chmod 755 "$work"	# for the PostgreSQL server, which runs as nobody

# A /24 of 10.213.0.0/16 that no address or route of this machine touches
# (the default route aside).
net=$(ip -4 -o addr show | awk '{print $4}'; ip -4 route show | awk '$1 != "default" {print $1}')
subnet=$(NETS="$net" python3 -c '
import ipaddress, os
used = [ipaddress.ip_network(n, strict=False) for n in os.environ["NETS"].split()]
for x in range(0, 256):
    cand = ipaddress.ip_network("10.213.%d.0/24" % x)
    if not any(cand.overlaps(u) for u in used):
        print("10.213.%d" % x)
        break')
[ -n "$subnet" ] || skip "no unused /24 in 10.213.0.0/16 here"

pass=0
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}

# The network: a bridge with .1, one namespace per host on .11, .12, .13.
if ! ip link add "${tag}br" type bridge 2>"$work/ip.err" ||
	! ip addr add "$subnet.1/24" dev "${tag}br" || ! ip link set "${tag}br" up; then
	skip "cannot make a bridge here: $(head -c 200 "$work/ip.err")"
fi
i=0
for ns in a b c; do
	i=$((i + 1))
	if ! ip netns add "$tag-$ns" 2>"$work/ip.err"; then
		skip "ip netns add refused: $(head -c 200 "$work/ip.err")"
	fi
	# In a chroot (check-fresh's root) ip netns add may print an error
	# about mount propagation and still exit 0, leaving a namespace no
	# command can enter: that is a missing capability, not a failure.
	if ! ip -n "$tag-$ns" link show lo >/dev/null 2>>"$work/ip.err"; then
		skip "network namespaces do not work here: $(tr '\n' ' ' <"$work/ip.err" | head -c 200)"
	fi
	ip link add "$tag$ns" type veth peer name eth0 netns "$tag-$ns" &&
		ip link set "$tag$ns" master "${tag}br" up &&
		ip -n "$tag-$ns" link set lo up &&
		ip -n "$tag-$ns" addr add "$subnet.1$i/24" dev eth0 &&
		ip -n "$tag-$ns" link set eth0 up ||
		{ echo "FAIL: the veth pair of namespace $ns"; exit 1; }
done

# Keys, known_hosts and one sshd per namespace, all in $work.
mkdir -m 0700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -C hvbench-fleet-test -f "$work/ssh/id" &&
	ssh-keygen -q -t ed25519 -N '' -C hvbench-fleet-host -f "$work/ssh/host_key" &&
	cp "$work/ssh/id.pub" "$work/ssh/authorized_keys" || { echo "FAIL: ssh-keygen"; exit 1; }
# sshd's privilege-separation folder (Debian's service makes it at start)
[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd && made_run_sshd=1; }
i=0
for ns in a b c; do
	i=$((i + 1))
	cat >"$work/ssh/sshd_$ns.conf" <<-EOF
		ListenAddress $subnet.1$i:22
		HostKey $work/ssh/host_key
		AuthorizedKeysFile $work/ssh/authorized_keys
		PidFile $work/ssh/sshd_$ns.pid
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		MaxStartups 30
		Subsystem sftp internal-sftp
	EOF
	# its own UTS namespace: the "host"'s name, inherited by every session
	ip netns exec "$tag-$ns" unshare --uts sh -c 'hostname "$1" && exec "$2" -D -e -f "$3"' \
		sh "hvfleet-$ns" "$SSHD" "$work/ssh/sshd_$ns.conf" 2>"$work/sshd_$ns.log" &
	sshd_pids+=($!)
done
known="$work/ssh/known_hosts"
sshopts=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile="$known"
	-o IdentitiesOnly=yes -o ConnectTimeout=5 -i "$work/ssh/id" -F /dev/null)
up=0
for try in $(seq 50); do
	up=0
	for i in 1 2 3; do
		ssh "${sshopts[@]}" "root@$subnet.1$i" true 2>/dev/null && up=$((up + 1))
	done
	[ "$up" -eq 3 ] && break
	sleep 0.1
done
check "the three sshds answer on $subnet.11-13 ($up of 3)" [ "$up" -eq 3 ]
names=$(for i in 1 2 3; do ssh "${sshopts[@]}" "root@$subnet.1$i" hostname 2>/dev/null; done | tr '\n' ' ')
check "each namespace has its own name (${names% })" [ "$names" = "hvfleet-a hvfleet-b hvfleet-c " ]
[ "$up" -eq 3 ] || { tail -n 5 "$work"/sshd_*.log; exit 1; }

{
	echo "[hvbench_hosts]"
	i=0
	for ns in a b c; do
		i=$((i + 1))
		echo "ns-$ns ansible_host=$subnet.1$i hvbench_dir=$work/$ns"
	done
	echo "[hvbench_hosts:vars]"
	echo "ansible_user=root"
	echo "ansible_ssh_private_key_file=$work/ssh/id"
	echo "ansible_ssh_common_args='-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=$known -o IdentitiesOnly=yes'"
	echo "ansible_python_interpreter=$(command -v python3)"
	echo "hvbench_timeout=300"
} >"$work/inventory"
# The store the controller imports into.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ "${HVBENCH_FLEET_SQLITE:-}" != 1 ] && [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ -x "$pgbin/pg_ctl" ] && [ -x "$pgbin/psql" ] &&
	command -v runuser >/dev/null; then
	mkdir "$work/pg" && chown nobody: "$work/pg"
	pg() { runuser -u nobody -- "$@" >>"$work/pg/setup.log" 2>&1; }
	if pg "$pgbin/initdb" -D "$work/pg/data" -U hvbench -A trust -E UTF8 --no-locale --no-sync &&
		pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
			-o "-k $work/pg -c listen_addresses=" start && pg_up=1 &&
		pg "$pgbin/psql" -X -q -h "$work/pg" -U hvbench -d postgres -c "CREATE DATABASE hvb"; then
		store_url="postgresql:///hvb?host=$work/pg&user=hvbench"
		engine=PostgreSQL
	else
		echo "FAIL: the PostgreSQL cluster did not start:"
		tail -n 5 "$work/pg/setup.log" "$work/pg/server.log" 2>/dev/null
		exit 1
	fi
else
	store_url="$work/store.db"
	engine=SQLite	# HVBENCH_FLEET_SQLITE=1, or no postgresql binaries (Debian package postgresql)
fi
echo "store: $engine"
: >"$work/ansible.cfg"	# not the user's or /etc/ansible's settings
printf '{"name": "fleet-ssh", "defaults": {"min_time_ms": 5, "repetitions": 4}, "benchmarks": [{"name": "empty"}]}\n' >"$work/suite.json"

play() {
	local t0=$SECONDS
	ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_HOST_KEY_CHECKING=False \
		ANSIBLE_LOCAL_TEMP="$work/ansible-local" ANSIBLE_REMOTE_TEMP="$work/ansible-remote" \
		ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" ANSIBLE_CONFIG="$work/ansible.cfg" \
		ansible-playbook -i "$work/inventory" fleet/site.yml \
		-e "hvbench_binary=$HV" -e "{\"hvbench_store\": \"$store_url\"}" \
		-e "hvbench_suite=$work/suite.json" -e "hvbench_results=$work/fetched" \
		>"$work/play$1.log" 2>&1 &
	# waited for, not run in the foreground: a signal then ends the test
	# (and the play, in cleanup) at once, not after the play
	play_pid=$!
	wait "$play_pid"
	local rc=$?
	play_pid=""
	echo "play $1: $((SECONDS - t0)) s"
	return $rc
}
# The store, as `hvbench db export` gives it back (either engine): runs per
# host ("hostname:runs"), all runs, then the distinct boot_ids | cpu_models |
# kernels of their host blocks.
store() {
	rm -rf "$work/exp"
	"$HV" db export --db "$store_url" -o "$work/exp" >/dev/null || return 1
	python3 - "$work/exp" <<-'EOF'
		import collections, glob, json, sys
		docs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))]
		per = collections.Counter(d["host"]["hostname"] for d in docs)
		print(" ".join("%s:%d" % p for p in sorted(per.items())))
		print(len(docs))
		for k in ("boot_id", "cpu_model", "kernel"):
		    print("|".join(sorted({str(d["host"].get(k)) for d in docs})))
	EOF
}
me_boot=$(cat /proc/sys/kernel/random/boot_id)
me_cpu=$("$HV" info --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu_model"])')

# the logins so far (the checks above) are not the play's
for ns in a b c; do wc -l <"$work/sshd_$ns.log" >"$work/sshd_$ns.before"; done
play 1
rc=$?
check "the play runs on the three hosts over ssh (exit $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 25 "$work/play1.log"
for ns in a b c; do
	n=$(ls "$work/fetched/ns-$ns" 2>/dev/null | wc -l)
	check "host ns-$ns: its result was fetched to its own folder ($n file)" [ "$n" -eq 1 ]
done
logins=0
for ns in a b c; do
	tail -n +"$(($(cat "$work/sshd_$ns.before") + 1))" "$work/sshd_$ns.log" |
		grep -q "Accepted publickey for root from $subnet.1 " && logins=$((logins + 1))
done
check "each namespace's sshd let the play in ($logins of 3)" [ "$logins" -eq 3 ]
s=$(store 2>&1)
echo "$s" | sed 's/^/  store: /'
check "the $engine store holds one run of each of the three hosts" \
	[ "$(echo "$s" | sed -n 1p)" = "hvfleet-a:1 hvfleet-b:1 hvfleet-c:1" ]
check "the three runs say one machine: this boot, this CPU, this kernel" \
	[ "$(echo "$s" | sed -n 3p)" = "$me_boot" -a "$(echo "$s" | sed -n 4p)" = "$me_cpu" \
	-a "$(echo "$s" | sed -n 5p)" = "$(uname -r)" ]

play 2
rc=$?
check "the play runs again (exit $rc)" [ "$rc" -eq 0 ]
s=$(store 2>&1)
echo "$s" | sed 's/^/  store: /'
check "the store holds two runs of each host: the new ones, the old ones once" \
	[ "$(echo "$s" | sed -n 1p)" = "hvfleet-a:2 hvfleet-b:2 hvfleet-c:2" -a "$(echo "$s" | sed -n 2p)" = 6 ]
q=$("$HV" db query --db "$store_url" --csv latest 2>&1)
check "db query latest names the three hosts" \
	[ "$(echo "$q" | grep -c '^hvfleet-[abc],')" -eq 3 ]
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
