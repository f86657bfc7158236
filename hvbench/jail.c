/* Least privilege for the VMM, as Firecracker's jailer does it: each
 * benchmark runs in a child process that gives up root (when /dev/kvm
 * allows it), sets no_new_privs and installs a seccomp filter before the
 * guest runs. A violation or a crash ends only that child, and the suite
 * gets a "failed" record that says what happened. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/memfd.h>
#include <linux/sched.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv-core/hv.h"
#include "hvbench/jail.h"

/* What a benchmark process does once it runs: create VMs (open /dev/kvm,
 * KVM ioctls, guest memory), start vCPU and device threads, run, read KVM
 * statistics and PMU counters, build its record and write it to the pipe.
 * Nothing here executes a program, opens a socket or forks a process. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(pread64), SCMP_SYS(readv),
	SCMP_SYS(writev), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(openat),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(fcntl),
	SCMP_SYS(ioctl), SCMP_SYS(eventfd2), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(futex), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(sched_yield), SCMP_SYS(sched_setaffinity),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getcpu), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(tgkill), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(perf_event_open),
	SCMP_SYS(getrandom), SCMP_SYS(prlimit64), SCMP_SYS(uname), SCMP_SYS(sysinfo),
	/* libpfm4 looks up PMUs in sysfs when a run asks for PMU events */
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(getdents64),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat),
	/* guest memory in a memfd, hugetlbfs among them (hv_mem_map: backings
	 * memfd, hugetlb_2m, hugetlb_1g), sized with ftruncate; memfd_create
	 * itself only with the flags hv_mem_map passes (the filter below) */
	SCMP_SYS(ftruncate),
};

/* MFD_CLOEXEC, MFD_HUGETLB and a huge page size: no sealing, nothing else. */
#define MEMFD_FLAGS_ALLOWED ((scmp_datum_t)MFD_CLOEXEC | MFD_HUGETLB | ((scmp_datum_t)MFD_HUGE_MASK << MFD_HUGE_SHIFT))

#define VIOLATION_MAGIC "\001hvbench-seccomp "

static int result_fd = -1;
static volatile pid_t running_child;

void jail_forward_signal(int sig)
{
	pid_t c = running_child;

	if (c > 0)
		kill(c, sig);
}

/* SIGSYS from the filter: say which call, on the result pipe, and end the
 * process (async-signal-safe: write and _exit only). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char buf[64] = VIOLATION_MAGIC;
	size_t n = strlen(buf);
	int nr = si->si_syscall;
	char digits[12];
	int k = 0;

	if (nr < 0)
		nr = 0;
	do {
		digits[k++] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr && k < (int)sizeof(digits));
	while (k)
		buf[n++] = digits[--k];
	buf[n++] = '\n';
	if (write(result_fd, buf, n) < 0)
		_exit(126);
	_exit(125);
}

static int install_filter(char *err, size_t len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int r = 0;

	if (!ctx) {
		snprintf(err, len, "seccomp_init failed");
		return -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i] >= 0)	/* an arch without the call: not needed */
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Threads, never processes: clone only with CLONE_THREAD. clone3
	 * hides its flags in memory the filter cannot read, so it answers
	 * ENOSYS and glibc falls back to clone. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(memfd_create), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, ~MEMFD_FLAGS_ALLOWED, 0));
	/* A vCPU thread's own copy of the file table (hv_vm_opts.private_files),
	 * nothing else unshare can do. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unshare), 1,
				     SCMP_A0(SCMP_CMP_EQ, CLONE_FILES));
	if (r == 0)
		r = seccomp_load(ctx);	/* sets no_new_privs itself too */
	seccomp_release(ctx);
	if (r < 0) {
		snprintf(err, len, "seccomp filter: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* Root gives way to an unprivileged user who can still open /dev/kvm
 * through its group, when the device's mode allows that; else stays. */
static void drop_privileges(struct jail_report *rep)
{
	struct stat st;
	struct passwd *pw;

	rep->uid = getuid();
	if (geteuid() != 0) {
		snprintf(rep->user_note, sizeof(rep->user_note), "not root: runs as uid %d", (int)rep->uid);
		return;
	}
	if (stat("/dev/kvm", &st) < 0 || !(st.st_mode & S_IRGRP) || !(st.st_mode & S_IWGRP)) {
		snprintf(rep->user_note, sizeof(rep->user_note),
			 "stays root: /dev/kvm is not group read-write (chmod 0660 and a kvm group would let it drop)");
		return;
	}
	pw = getpwnam("nobody");
	if (!pw) {
		snprintf(rep->user_note, sizeof(rep->user_note), "stays root: no user 'nobody'");
		return;
	}
	gid_t g = st.st_gid;
	if (setgroups(1, &g) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(rep->user_note, sizeof(rep->user_note), "stays root: setuid failed (%s)",
			 strerror(errno));
		return;
	}
	rep->uid = getuid();
	snprintf(rep->user_note, sizeof(rep->user_note),
		 "dropped root: runs as nobody with /dev/kvm's group (gid %d)", (int)g);
}

static json_t *failed(const struct mb_bench *b, const char *why)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "name", b->name,
			 "family", b->family, "description", b->description,
			 "params", json_object(), "status", "failed", "reason", why);
}

/* Everything the child wrote, up to a bound no honest record reaches. */
#define MAX_RECORD (256u << 20)

static char *read_all(int fd, size_t *n)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);

	while (buf) {
		if (len == cap) {
			if (cap >= MAX_RECORD) {
				free(buf);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	*n = len;
	return buf;
}

void jail_opts_default(struct jail_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->enabled = true;
}

/* One child: its pid and pipes (parent's ends). up: the child says 'R'
 * when it paused after a repetition; down: the parent says 'G' to resume. */
struct kid {
	pid_t pid;
	int res_fd, up_fd, down_fd;
	const struct mb_bench *b;
};

/* The child's pacing hook (measure_env.pace): after each repetition but the
 * last, tell the parent and wait for its word. */
struct pace_fds {
	int up, down;
};

static int child_pace(void *ctx, uint32_t rep, uint32_t reps)
{
	struct pace_fds *f = ctx;
	char c = 'R';

	if (rep + 1 >= reps || hv_interrupt_requested)
		return 0;
	if (write(f->up, &c, 1) != 1)
		return -EPIPE;
	for (;;) {
		ssize_t r = read(f->down, &c, 1);
		if (r == 1 || hv_interrupt_requested)
			return 0;
		if (r == 0)
			return -EPIPE;	/* the parent is gone: finish now */
		if (errno != EINTR)
			return -errno;
	}
}

/* The record to the parent in as few writes as the pipe takes (json_dumpfd
 * writes a byte or two per call: thousands of calls a record, each one a
 * read on the other side). */
static int send_record(int fd, const json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0, off = 0;

	if (!text)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(text);
			return -1;
		}
		off += (size_t)w;
	}
	free(text);
	return 0;
}

static void child_main(const struct measure_env *penv, const struct mb_bench *b,
		       const struct mb_params *p, const struct jail_opts *o,
		       struct pace_fds *pace)
{
	struct jail_report rep;
	struct measure_env env = *penv;
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	char err[256];

	/* A crash must end this process, whatever handler the parent had (a
	 * test framework's, say): the parent reports the signal. */
	static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
		signal(crash[i], SIG_DFL);
	drop_privileges(&rep);
	sigaction(SIGSYS, &sa, NULL);
	if (install_filter(err, sizeof(err)) < 0) {
		json_t *rec = failed(b, err);
		send_record(result_fd, rec);
		_exit(1);
	}
	if (o->test_violation)	/* tests: a call the filter does not allow */
		(void)!execve("/bin/true", (char *[]){ "true", NULL }, NULL);
	if (o->test_crash)
		raise(SIGSEGV);
	if (pace) {
		env.pace = child_pace;
		env.pace_ctx = pace;
	}
	json_t *rec = measure_run(&env, b, p);
	if (rec)
		json_object_set_new(rec, "isolation", json_pack("{s:b, s:i, s:s}",
			"seccomp", 1, "uid", (int)rep.uid, "user", rep.user_note));
	int r = rec ? send_record(result_fd, rec) : -1;
	_exit(r < 0 ? 1 : 0);
}

/* Fork the child for one benchmark; paced: it pauses between repetitions. */
static int spawn(const struct measure_env *env, const struct mb_bench *b,
		 const struct mb_params *p, const struct jail_opts *o, bool paced,
		 struct kid *k, char *why, size_t len)
{
	int res[2], up[2] = { -1, -1 }, down[2] = { -1, -1 };

	memset(k, 0, sizeof(*k));
	k->b = b;
	k->up_fd = k->down_fd = -1;
	if (pipe2(res, O_CLOEXEC) < 0 ||
	    (paced && (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0))) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -errno;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(res[0]);
		close(res[1]);
		return -errno;
	}
	if (pid == 0) {
		struct pace_fds f = { up[1], down[0] };
		result_fd = res[1];
		close(res[0]);
		if (paced) {
			close(up[0]);
			close(down[1]);
		}
		child_main(env, b, p, o, paced ? &f : NULL);
	}
	close(res[1]);
	k->pid = pid;
	k->res_fd = res[0];
	if (paced) {
		close(up[1]);
		close(down[0]);
		k->up_fd = up[0];
		k->down_fd = down[1];
	}
	return 0;
}

/* Block until the child paused ('R': 1) or will send no more (0). */
static int wait_pause(struct kid *k)
{
	char c;

	if (k->up_fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(k->up_fd, &c, 1);
		if (r == 1)
			return 1;
		if (r < 0 && errno == EINTR)
			continue;
		return 0;
	}
}

static void resume(struct kid *k)
{
	char c = 'G';

	if (k->down_fd >= 0 && write(k->down_fd, &c, 1) != 1)
		return;	/* it is gone: collect() says how */
}

/* The child's record, or a failed record that says how the child ended. */
static json_t *collect(struct kid *k)
{
	char why[512];
	size_t n = 0;

	running_child = k->pid;
	char *text = read_all(k->res_fd, &n);
	close(k->res_fd);
	if (k->up_fd >= 0)
		close(k->up_fd);
	if (k->down_fd >= 0)
		close(k->down_fd);
	int status = 0;
	while (waitpid(k->pid, &status, 0) < 0 && errno == EINTR)
		;
	running_child = 0;
	json_t *rec = NULL;
	const struct mb_bench *b = k->b;
	if (text && n >= strlen(VIOLATION_MAGIC) &&
	    !memcmp(text, VIOLATION_MAGIC, strlen(VIOLATION_MAGIC))) {
		int nr = atoi(text + strlen(VIOLATION_MAGIC));
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		snprintf(why, sizeof(why),
			 "the benchmark process made a system call its seccomp filter does not allow (%s, nr %d) and was stopped; nothing it measured is kept",
			 name ? name : "unknown", nr);
		free(name);
		rec = failed(b, why);
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "the benchmark process died of signal %d (%s); the suite goes on",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
		rec = failed(b, why);
	} else if (text && n) {
		json_error_t je;
		rec = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
		if (!rec || !json_is_object(rec)) {
			json_decref(rec);
			snprintf(why, sizeof(why), "the benchmark process wrote an unreadable record (%s)", je.text);
			rec = failed(b, why);
		}
	} else {
		snprintf(why, sizeof(why), "the benchmark process exited with status %d and no record",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rec = failed(b, why);
	}
	free(text);
	return rec;
}

json_t *measure_run_jailed(const struct measure_env *env, const struct mb_bench *b,
			   const struct mb_params *p, const struct jail_opts *o)
{
	struct kid k;
	char why[512];

	if (!o->enabled)
		return measure_run(env, b, p);
	if (spawn(env, b, p, o, false, &k, why, sizeof(why)) < 0)
		return failed(b, why);
	return collect(&k);
}

int jail_run_interleaved(const struct measure_env *env, size_t n,
			 const struct mb_bench *const *benches,
			 const struct mb_params *params, const struct jail_opts *o,
			 void (*done)(size_t i, json_t *rec, void *ctx), void *ctx)
{
	struct kid *kids = calloc(n ? n : 1, sizeof(*kids));
	bool *live = calloc(n ? n : 1, sizeof(*live));
	uint32_t rounds = 1;
	char why[512];

	if (!kids || !live) {
		free(kids);
		free(live);
		return -ENOMEM;
	}
	/* Round 0: each child in turn runs to the end of its first repetition
	 * (set-up, preflight, warm-up, calibration included), never two at
	 * once: a benchmark measures alone. */
	for (size_t i = 0; i < n; i++) {
		if (params[i].repetitions > rounds)
			rounds = params[i].repetitions;
		if (hv_interrupt_requested) {
			done(i, NULL, ctx);
			continue;
		}
		if (spawn(env, benches[i], &params[i], o, true, &kids[i], why, sizeof(why)) < 0) {
			done(i, failed(benches[i], why), ctx);
			continue;
		}
		running_child = kids[i].pid;
		if (wait_pause(&kids[i]))
			live[i] = true;
		else
			done(i, collect(&kids[i]), ctx);
		running_child = 0;
	}
	/* Rounds 1..: one more repetition of each, in suite order, so every
	 * benchmark's repetitions spread over the whole run. */
	for (uint32_t r = 1; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			if (!live[i])
				continue;
			if (hv_interrupt_requested)
				break;
			running_child = kids[i].pid;
			resume(&kids[i]);
			if (!wait_pause(&kids[i])) {
				live[i] = false;
				done(i, collect(&kids[i]), ctx);
			}
			running_child = 0;
		}
	}
	/* Interrupted (or a child paused once too often): each child ends its
	 * loop, reports what it measured, in order. */
	for (size_t i = 0; i < n; i++) {
		if (!live[i])
			continue;
		if (hv_interrupt_requested)
			kill(kids[i].pid, SIGINT);
		resume(&kids[i]);
		close(kids[i].down_fd);
		kids[i].down_fd = -1;
		while (wait_pause(&kids[i]))
			;
		done(i, collect(&kids[i]), ctx);
	}
	free(kids);
	free(live);
	return 0;
}
