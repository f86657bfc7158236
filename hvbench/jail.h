/* One benchmark in a child process with least privilege (hvbench/jail.c). */
#ifndef HVBENCH_JAIL_H
#define HVBENCH_JAIL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hvbench/measure.h"

struct jail_opts {
	bool enabled;		/* false: measure_run in this process (--no-jail) */
	bool test_violation;	/* tests: the child makes a forbidden call */
	bool test_crash;	/* tests: the child dies of SIGSEGV */
	/* Interleaved runs: called before benchmark i's repetition round r
	 * (0: set-up and first repetition) starts, e.g. for a progress line. */
	void (*on_step)(size_t i, uint32_t round, uint32_t rounds, void *ctx);
	void *step_ctx;
};

/* What the child ended up with (the record carries it as "isolation"). */
struct jail_report {
	uid_t uid;
	char user_note[160];
};

void jail_opts_default(struct jail_opts *o);
/* From a signal handler: pass Ctrl-C on to the running benchmark's process,
 * which then ends its loop and reports what it measured. */
void jail_forward_signal(int sig);

/* measure_run in a child: drop root when /dev/kvm's group allows it,
 * no_new_privs + a seccomp allowlist (violations: SIGSYS, reported), the
 * record back through a pipe. Always returns a record (a crash, a violation
 * or a lost child become "failed"); NULL only when out of memory. */
json_t *measure_run_jailed(const struct measure_env *env, const struct mb_bench *b,
			   const struct mb_params *p, const struct jail_opts *o);

/*
 * The whole suite, interleaved (default for `hvbench run`): one jailed child
 * per benchmark, all alive at once; each pauses after every repetition but
 * its last, and the parent resumes them round by round, one at a time. So a
 * benchmark's repetitions spread over the whole run and their spread shows
 * the run-to-run variation of the host (load, other tenants) that
 * back-to-back repetitions in one VM hide. done(i, rec) is called once per
 * benchmark as its record completes (rec NULL: not run, interrupted).
 */
int jail_run_interleaved(const struct measure_env *env, size_t n,
			 const struct mb_bench *const *benches,
			 const struct mb_params *params, const struct jail_opts *o,
			 void (*done)(size_t i, json_t *rec, void *ctx), void *ctx);

#endif
