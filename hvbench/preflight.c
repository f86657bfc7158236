/* Before measuring a row that must cause exits: a short run at the chosen
 * level that finds out whether the operation really exits on this host, so
 * a row that cannot work is "unsupported" at once, with the reason, and
 * "cpl": "auto" can move to the level where it does exit. */
#include <stdio.h>
#include <string.h>

#include "hvbench/measure.h"
#include "probes/hostinfo.h"
#include "probes/record.h"

/* Long enough to count exits per op to a few percent, short enough to
 * cost little even where each operation takes a millisecond (CPL0 on PVM). */
#define PREFLIGHT_OPS 64
/* For a row whose stall means "this host cannot do it" (hypercall on PVM),
 * a stalled vCPU is declared so after this long instead of HV_STALL_MS: the
 * measured loop shows progress every turn, well under a millisecond on
 * every host seen so far. Other rows keep the full watchdog (the io-path
 * clock exchange at emulated CPL0 goes quiet for longer than this). */
#define PREFLIGHT_STALL_MS 300

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* One preflight run at @cpl. Returns the record (caller frees). */
static struct rec *try_level(const struct measure_env *env, const struct mb_bench *b,
			 const struct mb_params *p, int cpl)
{
	struct mb_params q = *p;

	q.cpl = cpl;
	q.preflight = true;
	q.stall_ms = b->fault_means_unsupported ? PREFLIGHT_STALL_MS : 0;
	q.min_time_ms = 20;	/* max_iters ends it first on fast hosts */
	q.max_iters = PREFLIGHT_OPS;
	q.warmup_iters = 4;
	q.repetitions = 1;
	q.n_pmu_events = 0;
	if (!q.timeout_ms || q.timeout_ms > 10000)
		q.timeout_ms = 10000;
	return measure_record(env, b, &q);
}

static const char *level_name(const struct hostinfo *hi, int cpl)
{
	if (!strcmp(hi->arch, "aarch64"))
		return cpl == 3 ? "EL0" : "EL1";
	return cpl == 3 ? "CPL3" : "CPL0";
}

/* Too few exits at this level: write why (the capability if the row knows
 * one, always the figure) and return 1; 0 when it exits as it should. */
static int no_exit(const struct measure_env *env, const struct mb_bench *b,
		   struct rec *rec, int cpl, char *why, size_t len)
{
	json_t *chk = rec_get(rec, "exit_check");
	const char *cap = b->no_exit_reason ? b->no_exit_reason(env->host, cpl) : NULL;

	if (!chk)
		return 0;
	double want = num(chk, "expected");
	if (num(chk, "measured") >= num(chk, "low"))
		return 0;
	snprintf(why, len, "%s%s%s does not exit at %s here: %s per op %.3f in a %lld-op preflight (loop alone %.3f), expected %.3f",
		 cap ? cap : "", cap ? " (" : "", b->name, level_name(env->host, cpl),
		 json_string_value(json_object_get(chk, "stat")), num(chk, "measured"),
		 (long long)json_integer_value(rec_get(rec, "iterations")),
		 num(chk, "loop_baseline"), want);
	if (cap)
		strncat(why, ")", len - strlen(why) - 1);
	return 1;
}

int measure_preflight(const struct measure_env *env, const struct mb_bench *b,
		      struct mb_params *p, struct rec **out, char *why, size_t len)
{
	int levels[2] = { p->cpl, -1 }, n = 1;
	char seen[2][512];

	*out = NULL;
	if (p->preflight || mb_expected_exits(b, env->host, p->cpl, NULL, 0) <= 0)
		return MEASURE_PF_GO;
	/* "auto" may move to the other level if the row allows both. */
	if (p->cpl_auto && b->cpls == MB_CPL_ANY)
		levels[n++] = p->cpl == 3 ? 0 : 3;
	for (int i = 0; i < n; i++) {
		struct rec *rec = try_level(env, b, p, levels[i]);
		if (!rec)
			return MEASURE_PF_GO;	/* out of memory: let the run say so */
		if (rec->status != REC_OK) {
			/* Stalled, faulted, unsupported: the measurement would end
			 * the same way, only later. */
			*out = rec;
			return MEASURE_PF_RECORD;
		}
		if (!no_exit(env, b, rec, levels[i], seen[i], sizeof(seen[i]))) {
			rec_free(rec);
			if (i > 0) {
				snprintf(why, len, "cpl auto picked %d: %s", levels[i], seen[0]);
				p->cpl = levels[i];
			}
			return MEASURE_PF_GO;
		}
		rec_free(rec);
	}
	if (n == 2)
		snprintf(why, len, "no level where the operation exits: %s; %s", seen[0], seen[1]);
	else
		snprintf(why, len, "%s", seen[0]);
	return MEASURE_PF_NO_EXIT;
}
