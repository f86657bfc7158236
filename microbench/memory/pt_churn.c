/* The memory family's page-table rows (issue 13, rows 3 and 4): pt_churn,
 * the guest kernel rewriting its own page tables and switching CR3, and
 * mmu_mix, a kernel-compile-like mix on 1..N vCPUs. Both are CPL0 work: on
 * shadow paging every page-table write and first touch is the host's to
 * trap, with NPT/EPT/stage 2 none is. Guest bodies:
 * microbench/memory/guest/x86/{pt_churn,mmu_mix}.c and
 * microbench/memory/guest/arm64/pt_churn.c (TTBR0 with an ASID per space;
 * mmu_mix is x86 only). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/hv.h"
#include "microbench/mb.h"
#include "microbench/memory/mmu_stats.h"
#include "microbench/memory/pt_churn_abi.h"
#include "probes/hostinfo.h"
#include "probes/record.h"

/* What KVM's MMU does for the family's rows, per operation, in every
 * record: zero included, so a TDP and a shadow run have the same metrics. */
const char *const mem_mmu_stats[] = {
	"mmu_pte_write", "mmu_shadow_zapped", "mmu_unsync", "mmu_flooded",
	"mmu_cache_miss", "mmu_recycled", "pf_fixed", "pf_emulate", "invlpg",
	NULL,
};

static const char *const ptc_aborts[] = {
	"the page asked for counts outside the body's limits",
	"the page's pool is not page-aligned in the identity-mapped low 4 GiB, or too small",
	"the window's top-level slot (x86: PML4 entry 255; arm64: level-1 entry 256) is already mapped",
	NULL,
};

static bool tdp(const struct hostinfo *hi)
{
	return !strcmp(hi->paging, "ept") || !strcmp(hi->paging, "npt") ||
	       !strcmp(hi->paging, "stage2");
}

static bool pvm(const struct hostinfo *hi)
{
	return !strcmp(hi->backend, "pvm");
}

/* With TDP the guest's page tables are its own: nothing exits. On shadow
 * paging it depends on KVM's unsync and flood heuristics: a lower bound
 * only, which finish checks. A PVM host emulates the guest kernel, so its
 * page-table writes are emulated writes (mmu_pte_write), not exits. */
static double ptc_expected(const struct hostinfo *hi, int cpl, char *why, size_t len)
{
	if (tdp(hi)) {
		snprintf(why, len, "%s: the guest's page tables are not the host's to trap", hi->paging);
		return 0;
	}
	if (pvm(hi))
		snprintf(why, len, "pvm: the guest kernel is emulated; each page-table write is an emulated write to a shadowed table (mmu_pte_write), checked by the row");
	else
		snprintf(why, len, "%s paging: at least one exit per page-table write, checked by the row", hi->paging);
	return -1;
}

static int pool_setup(struct mb_setup_ctx *c, uint64_t bytes, int p_pool, int p_size)
{
	uint64_t have = hv_vm_ram_low(c->vm) > HV_SCRATCH_GPA ?
			hv_vm_ram_low(c->vm) - HV_SCRATCH_GPA : 0;

	if (bytes > have) {
		snprintf(c->err, c->errlen, "needs %llu KiB of scratch RAM, the guest has %llu KiB: raise mem_mb",
			 (unsigned long long)(bytes >> 10), (unsigned long long)(have >> 10));
		return -ENOTSUP;
	}
	c->vm->shared->param[p_pool] = HV_SCRATCH_GPA;
	c->vm->shared->param[p_size] = bytes;
	return 0;
}

/* ---- pt_churn ---- */

static const struct mb_param_def ptc_params[] = {
	{ "spaces", MB_PT_INT, "address spaces (CR3 values; on arm64 TTBR0 values, an ASID each) the operations cycle through", 1, PTC_MAX_SPACES, NULL, 4 },
	{ "pages", MB_PT_INT, "pages of each space's window (one page table)", 1, PTC_MAX_PAGES, NULL, 64 },
	{ NULL },
};

static int ptc_setup(struct mb_setup_ctx *c)
{
	uint64_t k = (uint64_t)c->params->ext[0], n = (uint64_t)c->params->ext[1];

	c->vm->shared->param[PTC_P_SPACES] = k;
	c->vm->shared->param[PTC_P_PAGES] = n;
	return pool_setup(c, PTC_POOL_BYTES(k, n), PTC_P_POOL, PTC_P_POOL_SIZE);
}

static double metric_value(const struct rec *rec, const char *name, double def)
{
	const struct rec_metric *m = rec_metric_find(rec, name);

	return m && m->kind == REC_VALUE ? m->value : def;
}

/* The emulation, where the host emulates the guest kernel (PVM): the
 * figures are the emulator's as much as the MMU's. */
static void note_emulation(struct mb_setup_ctx *c, struct rec *rec)
{
	if (!strcmp(c->host->backend, "pvm"))
		rec_set(rec, "cpl0_emulated", json_string(
			"PVM host: the guest kernel's instructions, page-table writes among them, are emulated by the host and go through its shadow MMU"));
}

static void ptc_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	note_emulation(c, rec);
	if (!rec_metric_find(rec, "cycles"))
		return;		/* not measured */
	double ex = metric_value(rec, "exits_per_op/exits_caused", -1);
	rec_metric_value(rec, "pt_writes", "per op", "page-table writes per operation (unmap, map, re-protect)",
			 PTC_WRITES_PER_OP);
	if (ex < 0)
		return;
	double per = ex / PTC_WRITES_PER_OP;
	double pte = metric_value(rec, "exits_per_op/vm.mmu_pte_write", 0) / PTC_WRITES_PER_OP;
	rec_metric_value(rec, "exits_per_pt_write", "exits", "exits caused per guest page-table write", per);
	rec_metric_value(rec, "trapped_per_pt_write", "writes",
			 "KVM's mmu_pte_write (guest writes to a shadowed page table it intercepted) per guest page-table write",
			 pte);
	/* Shadow paging must see every write: as an exit, or (PVM, the
	 * kernel emulated) as an intercepted write. */
	double seen = pvm(c->host) ? pte : per;
	if (!tdp(c->host) && seen < 1) {
		char why[200];
		snprintf(why, sizeof(why), "%.3f %s per page-table write on %s paging: the host did not trap the writes",
			 seen, pvm(c->host) ? "intercepted writes" : "exits", c->host->paging);
		rec_flag(rec, "suspect", why);
	}
}

static const struct mb_bench pt_churn = {
	.name = "pt_churn", .family = "memory",
	.description = "the guest kernel unmaps, maps and re-protects pages of its own page tables (invlpg / TLBI) and switches CR3 / TTBR0 between address spaces",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "page-table write (shadow paging)", .expected_exits = -1, .exit_stat = "exits_caused",
	.expected_on = ptc_expected,
	.expected_rules = "ept, npt, stage2: 0; shadow: at least 3 (one per page-table write), checked by the row; pvm: the kernel is emulated, at least 3 intercepted writes (mmu_pte_write), checked by the row",
	.body = "pt_churn", .cpls = MB_CPL0,
	.ext_params = ptc_params, .abort_reasons = ptc_aborts, .kvm_stats = mem_mmu_stats,
	.setup = ptc_setup, .finish = ptc_finish,
};
MB_REGISTER(pt_churn);

/* ---- mmu_mix ---- */

static const struct mb_param_def mix_params[] = {
	{ "tasks", MB_PT_INT, "fork-like tasks per operation, shared by every vCPU", 1, MIX_MAX_TASKS, NULL, 16 },
	{ "pages", MB_PT_INT, "pages each task maps, touches and unmaps", 1, MIX_MAX_PAGES, NULL, 32 },
	{ "turns", MB_PT_INT, "compute: loop turns per page touched", 0, MIX_MAX_TURNS, NULL, 200 },
	{ NULL },
};

static int mix_setup(struct mb_setup_ctx *c)
{
	uint64_t p = (uint64_t)c->params->ext[1];

	c->vm->shared->param[MIX_P_TASKS] = (uint64_t)c->params->ext[0];
	c->vm->shared->param[MIX_P_PAGES] = p;
	c->vm->shared->param[MIX_P_TURNS] = (uint64_t)c->params->ext[2];
	return pool_setup(c, MIX_POOL_BYTES(c->vm->nr_vcpus, p), MIX_P_POOL, MIX_P_POOL_SIZE);
}

static void mix_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	const struct rec_metric *cyc = rec_metric_find(rec, "cycles");
	int64_t tasks = c->params->ext[0];

	note_emulation(c, rec);
	if (!cyc || tasks < 1)
		return;
	/* Taken before a metric is added: that may move the record's array. */
	const char *unit = cyc->unit;
	double p50 = rec_metric_stat(cyc, "p50");

	rec_metric_value(rec, "vcpus", "vCPUs", "vCPUs sharing the tasks (the scaling chart's x)",
			 c->vm->nr_vcpus);
	rec_metric_value(rec, "per_task", unit, "median time of one operation over its tasks",
			 p50 / (double)tasks);
}

static const struct mb_bench mmu_mix = {
	.name = "mmu_mix", .family = "memory",
	.description = "a kernel-compile-like mix on every vCPU: fork-like address spaces, mappings, first touches, compute, unmaps",
	.archs = MB_ARCH_X86,
	.exit_kind = "page-table writes and faults (shadow paging)", .expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mmu_mix", .cpls = MB_CPL0,
	.ext_params = mix_params, .abort_reasons = ptc_aborts, .kvm_stats = mem_mmu_stats,
	.setup = mix_setup, .finish = mix_finish,
};
MB_REGISTER(mmu_mix);
