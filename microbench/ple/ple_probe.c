/* The ple family's ple_probe row (issue 16): one vCPU runs PAUSE (arm64:
 * YIELD) alone, back to back, for the host's effective pause-loop window:
 * how many PAUSEs and cycles pass per pause-loop exit (x86: an exit KVM
 * counts under no reason it names; arm64: a WFE exit), and
 * where the first stall the guest saw came; or, where nothing exits, "no
 * PLE: no exit in N pauses". Guest body: microbench/ple/guest/spinlock.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "hv-core/hv.h"
#include "microbench/mb.h"
#include "microbench/ple/ple.h"
#include "microbench/ple/ple_abi.h"
#include "probes/hostinfo.h"
#include "probes/record.h"

enum pp_ext { PP_X_TURNS, PP_X_GAP, PP_X_PLE };

static const char *const on_off[] = { "on", "off", NULL };

static const struct mb_param_def pp_params[] = {
	{ "turns", MB_PT_INT, "PAUSE instructions per operation, back to back", 1, PP_MAX_TURNS, NULL, 65536 },
	{ "gap", MB_PT_INT, "counter ticks between two PAUSEs that the guest counts as a stall (it left the guest, or the host ran something else)", 1, 1 << 30, NULL, 2000 },
	{ "ple", MB_PT_CHOICE, "on: PAUSE exits as KVM has it; off: KVM_CAP_X86_DISABLE_EXITS(PAUSE) for this VM, unsupported where KVM refuses", 0, 0, on_off, 0 },
	{ NULL },
};

static const char *const pp_aborts[] = {
	"the page asked for turns outside 1..16777216 or a gap of 0",
	NULL,
};

static void pp_vm_opts(const struct mb_params *p, struct hv_vm_opts *o)
{
	o->no_pause_exits = p->ext[PP_X_PLE] == 1;
}

static int pp_setup(struct mb_setup_ctx *c)
{
	c->vm->shared->param[PP_P_TURNS] = (uint64_t)c->params->ext[PP_X_TURNS];
	c->vm->shared->param[PP_P_GAP] = (uint64_t)c->params->ext[PP_X_GAP];
	/* An operation is thousands of PAUSEs: a few warm it up. */
	if (c->params->warmup_iters > 10)
		c->params->warmup_iters = 10;
	return 0;
}

static void pp_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	const uint64_t *sc = c->vm->shared->scratch;
	uint64_t turns = (uint64_t)c->params->ext[PP_X_TURNS];
	double unnamed = rec->status == REC_OK ? ple_pause_exits_max(rec, 0) : -1;
	char note[300];

	ple_record_host(rec, c->host, unnamed, "per operation");
	if (!cyc || unnamed < 0)
		return;
	uint64_t ops = cyc->st.n * (cyc->per ? cyc->per : 1);
	double pauses = (double)ops * (double)turns;	/* the host's count, not the guest's */
	double exits = unnamed * (double)ops, ticks = cyc->st.mean * (double)ops;
	rec_metric_value(rec, "pauses", "PAUSEs", "PAUSE instructions the timed operations ran", pauses);
	rec_metric_value(rec, "cycles_per_pause", cyc->unit, "median cost of one PAUSE back to back",
			 rec_metric_stat(cyc, "p50") / (double)turns);
	if (exits < 1) {
		snprintf(note, sizeof(note), "no PLE: no exit in %.0f pauses (%.3g %s)", pauses, ticks, cyc->unit);
	} else {
		rec_metric_value(rec, "pauses_per_exit", "PAUSEs",
				 "PAUSEs per pause-loop exit (x86: an exit KVM names no reason for; arm64: a WFE exit): the effective window, in PAUSEs",
				 pauses / exits);
		rec_metric_value(rec, "cycles_per_exit", cyc->unit,
				 "counter ticks of back-to-back PAUSEs per pause-loop exit: the effective window",
				 ticks / exits);
		snprintf(note, sizeof(note), "%.0f possible pause-loop exits in %.0f pauses: one per %.0f pauses, %.3g %s",
			 exits, pauses, pauses / exits, ticks / exits, cyc->unit);
	}
	rec_set(rec, "ple_probe", json_string(note));
	/* What the guest saw: gaps between PAUSEs longer than `gap`, from its
	 * first measured operation on. Guest words: kept only when they fit. */
	uint64_t stalls = sc[PP_S_STALLS], first = sc[PP_S_FIRST_PAUSES];
	if (stalls <= pauses && first <= pauses) {
		rec_metric_value(rec, "stalls", "stalls", "gaps between two PAUSEs longer than the gap parameter (an exit, an interrupt or the host running something else)",
				 (double)stalls);
		if (first)
			rec_metric_value(rec, "pauses_before_stall", "PAUSEs", "PAUSEs run before the guest's first stall",
					 (double)(first - 1));
	}
}

static const struct mb_bench b_ple_probe = {
	.name = "ple_probe", .family = "ple",
	.description = "one vCPU runs PAUSE (arm64: YIELD) alone: PAUSEs and cycles per pause-loop exit, the host's effective PLE window, or no PLE",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "pause-loop exit (PLE / pause filter), where the host has it",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "ple_probe", .cpls = MB_CPL_ANY,
	.ext_params = pp_params, .abort_reasons = pp_aborts, .kvm_stats = ple_kvm_stats,
	.setup = pp_setup, .vm_opts = pp_vm_opts, .finish = pp_finish,
};
MB_REGISTER(b_ple_probe);
