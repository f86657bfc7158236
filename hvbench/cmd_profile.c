/* `hvbench profile -p PID` and `hvbench profile -- COMMAND`: the exit
 * profile of a VM hvbench did not start (QEMU, Firecracker, another
 * hvbench), for a given time or for the command's life, from the
 * kvm:kvm_exit and kvm:kvm_entry tracepoints on each of its threads
 * (probes/kvmexit.h): with -p, threads that start later included
 * (rescanned every 10 ms); a COMMAND, with every thread and child process
 * it starts, from its exec on (perf's inherit). The same table `hvbench
 * run --profile` prints, so a production VMM's exits can be set beside
 * hvbench's floor. Where the tracepoint does
 * not fire (PVM) it says so and exits EXIT_UNSUPPORTED. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hvbench/cli.h"
#include "probes/exitprof.h"
#include "probes/kvmexit.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void profile_usage(FILE *f)
{
	fprintf(f,
		"usage: hvbench profile -p PID [--duration TIME] [--io] [--json]\n"
		"       hvbench profile [--duration TIME] [--io] [--json] -- COMMAND [ARG...]\n\n"
		"Profiles the KVM exits of a running VM process for TIME, or of COMMAND\n"
		"(started by hvbench, no shell) until it ends: the kvm:kvm_exit and\n"
		"kvm:kvm_entry tracepoints are sampled with perf. With -p: on every\n"
		"thread of PID (at most 64), threads that start later included (the\n"
		"task list is read again every 10 ms: a new thread's exits count from\n"
		"then); child processes are not followed. With COMMAND: the command and\n"
		"every thread and child process it starts, from its exec on, nothing\n"
		"missed (perf's inherit, one ring per CPU). Their ids, record layouts\n"
		"and reason names are read from tracefs\n"
		"(VMX basic exit reasons, SVM exit codes, arm64 exception classes), and\n"
		"each exit is timed to the same thread's next entry. Prints per exit\n"
		"reason: exits, exits per second, mean, median and p99 host time per exit\n"
		"in ns, and its share of the traced vCPU threads' time; with --io, where\n"
		"the exits went too. The VM need not be hvbench's: QEMU, Firecracker,\n"
		"cloud-hypervisor.\n"
		"Needs root (or CAP_PERFMON with tracefs readable).\n\n"
		"  -p, --pid PID        the VM process (its vCPU threads are traced)\n"
		"  -d, --duration TIME  how long: 5s (default with -p), 500ms, 2m; at most\n"
		"                       1h; with COMMAND it ends COMMAND then (SIGTERM,\n"
		"                       SIGKILL 5 s later); Ctrl-C ends it early and\n"
		"                       prints what was seen\n"
		"      --io             also per port, MMIO address and MSR, its records and\n"
		"                       their rate (kvm:kvm_pio, kvm:kvm_mmio, kvm:kvm_msr,\n"
		"                       which fire under PVM too); a record more per I/O\n"
		"                       exit: ~5%% more on a PVM user-space exit (without:\n"
		"                       ~1.5%%; ci/bench/profile-overhead.sh)\n"
		"      --json           the profile as JSON on standard output\n"
		"                       (the exit_profile block of docs/results-schema.md)\n"
		"  -h, --help           this text\n\n"
		"Where kvm:kvm_exit does not fire (KVM's PVM backend) the exits cannot be\n"
		"seen by reason: it says \"unsupported: kvm:kvm_exit does not fire on this\n"
		"host\" (kvm:kvm_userspace_exit, which does, shows the VM exited).\n\n"
		"exit: 0 done (profiled), 2 bad command line (neither or both of -p and\n"
		"      COMMAND, a bad TIME, PID is no running process, COMMAND cannot be\n"
		"      run), 6 unsupported on this host: kvm:kvm_exit does not fire\n"
		"      (PVM), tracefs cannot be read or perf refused the events (the\n"
		"      message says which)\n");
}

/* "5s", "500ms", "2m", "3" (seconds) -> ms; -1 if malformed or out of range. */
static long parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v <= 0)
		return -1;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (v > 3600 || v * 1000 < 1)
		return -1;
	return (long)(v * 1000);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void print_table(json_t *o, pid_t pid, const char *comm, double secs)
{
	json_t *rs = json_object_get(o, "reasons");
	const char *k;
	json_t *v;

	printf("hvbench profile: pid %d (%s), %.2f s, %lld vCPU threads with exits, reasons decoded as %s\n",
	       (int)pid, comm, secs, (long long)json_integer_value(json_object_get(o, "vcpus")),
	       json_string_value(json_object_get(o, "isa")));
	printf("  %-24s %12s %12s %14s %14s %14s %10s\n", "reason", "exits", "exits/s",
	       "mean ns/exit", "p50 ns/exit", "p99 ns/exit", "share");
	json_object_foreach(rs, k, v) {
		json_t *p50 = json_object_get(v, "time_p50"), *p99 = json_object_get(v, "time_p99");
		json_t *mean = json_object_get(v, "time_mean"), *sh = json_object_get(v, "share_of_window");
		printf("  %-24s %12lld %12.1f", k, (long long)json_integer_value(json_object_get(v, "count")),
		       (double)json_integer_value(json_object_get(v, "count")) / secs);
		json_t *cols[3] = { mean, p50, p99 };
		for (int i = 0; i < 3; i++)
			if (json_is_number(cols[i]))
				printf(" %14.0f", json_number_value(cols[i]));
			else
				printf(" %14s", "-");
		if (json_is_number(sh))
			printf(" %9.2f%%\n", 100 * json_number_value(sh));
		else
			printf(" %10s\n", "-");
	}
	json_t *ev = json_object_get(o, "events");
	printf("  (%lld kvm_exit, %lld kvm_entry records, %lld exits timed, %lld records lost%s; share: of the vCPU threads' time)\n",
	       (long long)json_integer_value(json_object_get(ev, "kvm_exit")),
	       (long long)json_integer_value(json_object_get(ev, "kvm_entry")),
	       (long long)json_integer_value(json_object_get(ev, "paired")),
	       (long long)json_integer_value(json_object_get(ev, "lost")),
	       json_integer_value(json_object_get(ev, "lost")) ? ": the ring filled, the counts are low" : "");
}

/* Where the exits went: kvm_pio/kvm_mmio/kvm_msr's keys, busiest first. */
static void print_io(json_t *io, double secs)
{
	static const char *const kinds[] = { "pio", "mmio", "msr" };
	size_t i, shown = 0;
	json_t *v;

	if (!io)
		return;
	printf("  where the exits went (kvm:kvm_pio, kvm:kvm_mmio, kvm:kvm_msr: %lld records%s)\n",
	       (long long)json_integer_value(json_object_get(io, "events")),
	       json_integer_value(json_object_get(io, "other")) ? "; past 64 keys the rest are not shown" : "");
	printf("    %-5s %-20s %-26s %12s %12s\n", "kind", "port/gpa/msr", "access", "records", "per s");
	for (size_t k = 0; k < 3; k++)
		json_array_foreach(json_object_get(io, kinds[k]), i, v) {
			char acc[40];
			const char *where = json_string_value(json_object_get(v, k == 0 ? "port" : k == 1 ? "gpa" : "msr"));

			if (k == 0)
				snprintf(acc, sizeof(acc), "%s, %lld bytes", json_string_value(json_object_get(v, "dir")),
					 (long long)json_integer_value(json_object_get(v, "size")));
			else if (k == 1)
				snprintf(acc, sizeof(acc), "%s, %lld bytes", json_string_value(json_object_get(v, "type")),
					 (long long)json_integer_value(json_object_get(v, "len")));
			else
				snprintf(acc, sizeof(acc), "%s%s", json_string_value(json_object_get(v, "dir")),
					 json_is_true(json_object_get(v, "gp")) ? " (#GP)" : "");
			long long n = (long long)json_integer_value(json_object_get(v, "count"));
			printf("    %-5s %-20s %-26s %12lld %12.1f\n", kinds[k], where ? where : "?", acc, n,
			       secs > 0 ? (double)n / secs : 0);
			shown++;
		}
	if (!shown)
		printf("    (none: no port, MMIO or MSR access reached KVM's emulation)\n");
}

/* /proc/PID/comm, for the header: the process's own name. */
static void read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	snprintf(buf, len, "?");
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* COMMAND, held at a pipe: the child waits for one byte on *go_fd before
 * it execs, so its first thread is traced before the VM exists; an exec
 * that fails writes its errno down *st_fd's close-on-exec pipe (EOF there:
 * the exec happened). The child's pid, or -1 with err set. */
static pid_t start_command(char **cmd, int *go_fd, int *st_fd, char *err, size_t errlen)
{
	int go[2], st[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(st, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(go[0]), close(go[1]);
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(go[0]), close(go[1]), close(st[0]), close(st[1]);
		return -1;
	}
	if (pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(st[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(127);	/* the profiler gave up */
		execvp(cmd[0], cmd);
		e = errno;
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(st[1]);
	*go_fd = go[1];
	*st_fd = st[0];
	return pid;
}

/* Lets the held child exec: 0, or its exec's errno (the child is reaped). */
static int release_command(pid_t pid, int go_fd, int st_fd)
{
	int e = 0;
	ssize_t n;

	if (write(go_fd, "x", 1) != 1)
		e = errno ? errno : EPIPE;
	close(go_fd);
	do
		n = read(st_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(st_fd);
	if (n == (ssize_t)sizeof(e) || e) {
		waitpid(pid, NULL, 0);
		return e ? e : ECHILD;
	}
	return 0;
}

/* Whether execvp could find cmd as an executable file (a '/' in it: that
 * path; else a directory of PATH): 0, or the errno execvp would give. */
static int command_errno(const char *cmd)
{
	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) < 0 ? errno : 0;
	const char *path = getenv("PATH");
	char buf[4096];
	int e = ENOENT;

	for (const char *p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; ; ) {
		size_t n = strcspn(p, ":");
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)n, p, n ? "/" : "", cmd) < (int)sizeof(buf)) {
			if (access(buf, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				e = EACCES;
		}
		if (!p[n])
			return e;
		p += n + 1;
	}
}

/* SIGTERM, then SIGKILL 5 s later, and the status. */
static int end_command(pid_t pid)
{
	int status = 0;

	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		struct timespec nap = { 0, 10 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended (status 0x%x)", status);
}

int cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "io", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long pid = -1, ms = -1;
	bool json = false, io_too = false;
	char err[256], why[256], comm[64], *end, ended[96] = "";
	int c;

	optind = 1;
	/* '+': options end at COMMAND, whose own options are its own */
	while ((c = getopt_long(argc, argv, "+p:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0 || pid > (1L << 22)) {
				fprintf(stderr, "hvbench profile: -p wants a process id, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if ((ms = parse_duration(optarg)) < 0) {
				fprintf(stderr, "hvbench profile: --duration '%s': want e.g. 5s, 500ms or 2m, up to 1h\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'i':
			io_too = true;
			break;
		case 'h':
			profile_usage(stdout);
			return EXIT_OK;
		default:
			profile_usage(stderr);
			return EXIT_USAGE;
		}
	}
	char **cmd = optind < argc ? argv + optind : NULL;
	if ((pid < 0) == !cmd) {
		fprintf(stderr, "hvbench profile: expected -p PID or -- COMMAND, one of them (try hvbench profile --help)\n");
		return EXIT_USAGE;
	}
	if (pid > 0) {
		snprintf(why, sizeof(why), "/proc/%ld", pid);
		if (access(why, F_OK) < 0) {
			fprintf(stderr, "hvbench profile: no running process %ld\n", pid);
			return EXIT_USAGE;
		}
		if (ms < 0)
			ms = 5000;
	} else {
		int e = command_errno(cmd[0]);
		if (e) {
			fprintf(stderr, "hvbench profile: cannot run '%s': %s\n", cmd[0], strerror(e));
			return EXIT_USAGE;
		}
	}

	struct kvmexit *k = NULL;
	if (kvmexit_open(&k, err, sizeof(err)) < 0) {
		fprintf(stderr, "hvbench profile: unsupported: %s\n", err);
		return EXIT_UNSUPPORTED;
	}
	/* 1 MiB a thread, read every 10 ms: ~5,000 exits a thread between reads */
	kvmexit_set_ring_pages(k, 256);
	kvmexit_want_io(k, io_too);
	int go_fd = -1, st_fd = -1;
	if (cmd && (pid = start_command(cmd, &go_fd, &st_fd, err, sizeof(err))) < 0) {
		fprintf(stderr, "hvbench profile: cannot start '%s': %s\n", cmd[0], err);
		kvmexit_close(k);
		return EXIT_IO;
	}
	if ((cmd ? kvmexit_attach_inherit(k, (pid_t)pid) : kvmexit_attach_pid(k, (pid_t)pid)) < 0) {
		fprintf(stderr, "hvbench profile: unsupported: %s\n", kvmexit_error(k));
		kvmexit_close(k);
		if (cmd)
			close(go_fd), close(st_fd), waitpid((pid_t)pid, NULL, 0);	/* EOF on go: it exits */
		return EXIT_UNSUPPORTED;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cmd) {
		int e = release_command((pid_t)pid, go_fd, st_fd);
		if (e) {
			fprintf(stderr, "hvbench profile: cannot run '%s': %s\n", cmd[0], strerror(e));
			kvmexit_close(k);
			return EXIT_USAGE;
		}
		snprintf(comm, sizeof(comm), "%s", cmd[0]);
	} else {
		read_comm((pid_t)pid, comm, sizeof(comm));
	}
	double t0 = mono_s();
	int status = 0;
	bool done = false;
	size_t late = 0;
	/* Drained often enough that a busy VM's rings do not fill; with -p,
	 * new threads (a VMM starts its vCPUs after its main thread) joined. */
	while (!stop_requested && (ms < 0 || (mono_s() - t0) * 1000 < (double)ms)) {
		struct timespec nap = { 0, 10 * 1000 * 1000 };
		nanosleep(&nap, NULL);
		kvmexit_drain(k);
		if (cmd && waitpid((pid_t)pid, &status, WNOHANG) == (pid_t)pid) {
			done = true;
			break;
		}
		int n = cmd ? 0 : kvmexit_attach_new(k, (pid_t)pid);
		if (n > 0)
			late += (size_t)n;
	}
	kvmexit_disable(k);
	kvmexit_drain(k);
	double secs = mono_s() - t0;
	if (cmd) {
		if (!done)
			status = end_command((pid_t)pid);
		describe_status(status, ended, sizeof(ended));
		if (!done)
			snprintf(ended + strlen(ended), sizeof(ended) - strlen(ended), ", ended by hvbench at %s",
				 stop_requested ? "Ctrl-C" : "--duration");
	}

	uint64_t user;
	uint64_t events = kvmexit_events(k, NULL, NULL, NULL, &user);
	int rc = EXIT_OK;
	if (!events) {
		bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
		if (user || pvm)
			fprintf(stderr, "hvbench profile: unsupported: kvm:kvm_exit does not fire on this host%s: 0 events in %.2f s from pid %ld (%s)%s\n",
				pvm ? " (PVM)" : "", secs, pid, comm,
				user ? ", while kvm:kvm_userspace_exit saw its VM exit" : "");
		else
			fprintf(stderr, "hvbench profile: no KVM exit from pid %ld (%s) in %.2f s: not a VM process, its vCPUs were idle, or kvm:kvm_exit does not fire here\n",
				pid, comm, secs);
		if (cmd)
			fprintf(stderr, "hvbench profile: %s %s; %zu threads wrote records (every thread and child process followed from its start)\n",
				comm, ended, kvmexit_threads(k, NULL));
		/* what does fire: where the exits went */
		json_t *io = kvmexit_io_json(k);
		if (json && io) {
			json_t *o = json_pack("{s:s, s:o, s:I, s:s, s:f}", "method", "unavailable", "io", io,
					      "pid", (json_int_t)pid, "comm", comm, "duration_s", secs);
			if (o)
				json_dumpf(o, stdout, JSON_INDENT(2)), putchar('\n');
			json_decref(o);
		} else if (io) {
			printf("hvbench profile: pid %ld (%s), %.2f s: no exit by reason (kvm:kvm_exit does not fire)\n",
			       pid, comm, secs);
			print_io(io, secs);
			json_decref(io);
		}
		rc = user || pvm ? EXIT_UNSUPPORTED : EXIT_OK;
		kvmexit_close(k);
		return rc;
	}
	struct exitprof e;
	json_t *o = NULL;
	if (kvmexit_profile(k, 0, 0, &e) == 0)
		o = exitprof_json(&e);
	exitprof_free(&e);
	if (!o) {
		fprintf(stderr, "hvbench profile: out of memory\n");
		kvmexit_close(k);
		return EXIT_IO;
	}
	uint64_t entries, paired, lost;
	size_t untraced;
	size_t threads = kvmexit_threads(k, &untraced);
	kvmexit_events(k, &entries, &paired, &lost, NULL);
	json_object_del(o, "ops");
	json_object_del(o, "call_channel_exits");
	json_object_set_new(o, "isa", json_string(kvmexit_isa(k)));
	json_object_set_new(o, "events", json_pack("{s:I, s:I, s:I, s:I}",
		"kvm_exit", (json_int_t)events, "kvm_entry", (json_int_t)entries,
		"paired", (json_int_t)paired, "lost", (json_int_t)lost));
	if (cmd)
		json_object_set_new(o, "threads", json_pack("{s:s, s:I}", "followed", "inherit",
			"with_records", (json_int_t)threads));
	else
		json_object_set_new(o, "threads", json_pack("{s:s, s:I, s:I, s:I}", "followed", "rescan",
			"traced", (json_int_t)threads, "started_later", (json_int_t)late,
			"untraced", (json_int_t)untraced));
	json_t *io = kvmexit_io_json(k);
	if (io)
		json_object_set_new(o, "io", io);
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "comm", json_string(comm));
	if (cmd)
		json_object_set_new(o, "command_status", json_string(ended));
	json_object_set_new(o, "duration_s", json_real(secs));
	/* per op means nothing for a VM that is not a benchmark */
	const char *rk;
	json_t *rv;
	json_object_foreach(json_object_get(o, "reasons"), rk, rv)
		json_object_del(rv, "per_op");
	if (json) {
		json_dumpf(o, stdout, JSON_INDENT(2)), putchar('\n');
	} else {
		print_table(o, (pid_t)pid, comm, secs);
		print_io(json_object_get(o, "io"), secs);
		if (cmd)
			printf("  (threads: %zu wrote records, every thread and child process followed from its start; the command %s)\n",
			       threads, ended);
		else
			printf("  (threads: %zu traced, %zu of them started after the profile did%s)\n", threads, late,
			       untraced ? "; more than 64: the rest untraced" : "");
	}
	json_decref(o);
	kvmexit_close(k);
	return rc;
}
