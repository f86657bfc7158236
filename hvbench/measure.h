/* Run one benchmark in a fresh VM and turn what the guest and KVM's
 * counters saw into one result record. */
#ifndef HVBENCH_MEASURE_H
#define HVBENCH_MEASURE_H

#include <jansson.h>
#include <stdbool.h>

#include "microbench/mb.h"

struct hostinfo;
struct rec;

struct measure_env {
	const struct hostinfo *host;
	double cpl0_slowdown;	/* <= 0: not measured yet */
	/* Called on the vCPU thread after repetition rep (0-based) of reps,
	 * with the guest paused: the interleaved runner (hvbench/jail.c) waits
	 * here for its turn. NULL: go straight on. Not for preflight runs. */
	int (*pace)(void *ctx, uint32_t rep, uint32_t reps);
	void *pace_ctx;
};

/* Resolve "cpl": "auto" for this benchmark on this host: 3 where guest CPL0
 * is emulated (PVM), else 0; a benchmark that allows one level gets that. */
int measure_resolve_cpl(const struct mb_bench *b, struct mb_params *p,
			double cpl0_slowdown);

/* Run one benchmark (p already resolved). Always returns a record, with
 * status ok / unsupported / failed; NULL only when out of memory. The
 * caller frees it with rec_free (probes/record.h). */
struct rec *measure_record(const struct measure_env *env, const struct mb_bench *b,
			   const struct mb_params *p);
/* The same, rendered as its results JSON (hvbench/record.h). */
json_t *measure_run(const struct measure_env *env, const struct mb_bench *b,
		    const struct mb_params *p);

/* The short run before measuring a row that must exit (measure_run calls
 * it): GO (p->cpl may have moved, for "auto"; why then says so), NO_EXIT
 * (why says where and what was seen: report unsupported) or RECORD (*out is
 * the preflight's own non-ok record: stalled, faulted, unsupported). */
enum { MEASURE_PF_GO, MEASURE_PF_NO_EXIT, MEASURE_PF_RECORD };
int measure_preflight(const struct measure_env *env, const struct mb_bench *b,
		      struct mb_params *p, struct rec **out, char *why, size_t len);

/* VT-x/SVM hosts: after rec (status ok) was measured with p, a short second
 * run that counts kvm:kvm_exit by reason and adds "kvm_exit" to rec, or
 * "kvm_exit_error" (hvbench/exitcount.c), and makes the tracepoint method's
 * profile rec's "exit_profile" (the measured run's own under
 * "vmm_counters"). measure_run calls it. */
void measure_count_exits(const struct measure_env *env, const struct mb_bench *b,
			 const struct mb_params *p, struct rec *rec);
/* The same on any host where kvm:kvm_exit exists (force): on one where it
 * does not fire, the record says so (tests use it under PVM). */
void measure_count_exits_on(const struct measure_env *env, const struct mb_bench *b,
			    const struct mb_params *p, struct rec *rec, bool force);

/* Ratio of the cost of one guest loop at CPL0 to CPL3 (≈1 with hardware
 * virtualization; thousands where CPL0 is emulated). < 0 on failure, err
 * says why. */
double measure_cpl0_slowdown(const struct measure_env *env, char *err,
			     size_t errlen);

#endif
