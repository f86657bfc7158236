/* pf_storm (issue 13): the first touch of fresh pages, as pf_first_touch
 * (microbench/exitcost.c) measures it, with the guest's page size and the
 * host's backing chosen, and on several vCPUs at once: vCPU 0 is timed while
 * every other vCPU first-touches its own share of the region. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hv-core/hv.h"
#include "microbench/memory/mmu_stats.h"
#include "microbench/mb.h"
#include "microbench/memory/tlb_walk.h"
#include "microbench/memory/tlb_walk_abi.h"
#include "probes/record.h"

enum pf_ext { PF_X_PAGES, PF_X_PAGE, PF_X_BACKING };

static const struct mb_param_def pf_params[] = {
	{ "pages", MB_PT_INT, "fresh pages per vCPU (each vCPU touches its own)", 1, 1 << 20, NULL, 4096 },
	{ "page", MB_PT_CHOICE, "the guest's page size: one touch per guest page", 0, 0, mm_page_names, 0 },
	{ "backing", MB_PT_CHOICE, "the host memory behind it (hugetlb needs reserved pages)", 0, 0, mm_backing_names, 0 },
	{ NULL },
};

static const char *const pf_aborts[] = {
	"the page asked for a share or stride out of range, or more than 64 vCPUs",
	NULL,
};

static int pf_setup(struct mb_setup_ctx *c)
{
	struct mb_params *p = c->params;
	uint64_t pages = (uint64_t)p->ext[PF_X_PAGES], page = mm_page_bytes(p->ext[PF_X_PAGE]);
	uint32_t vcpus = c->vm->nr_vcpus;
	struct hv_mem_region *r;
	uint64_t size, batch = p->batch ? p->batch : 1;
	int e;

	if (vcpus > PF_MAX_VCPUS) {
		snprintf(c->err, c->errlen, "pf_storm takes at most %d vCPUs", PF_MAX_VCPUS);
		return -ENOTSUP;
	}
	if (!page || pages > (HV_MAX_MEM - MM_REGION_GPA) / page / vcpus) {
		snprintf(c->err, c->errlen, "%llu pages of that size on %u vCPUs do not fit in the guest's address space",
			 (unsigned long long)pages, vcpus);
		return -ENOTSUP;
	}
	e = mm_region(c, pages * page * vcpus, page, mm_backing(p->ext[PF_X_BACKING]), &r, &size);
	if (e < 0)
		return e;
	/* Every operation needs a page nobody touched: no warm-up, and all
	 * repetitions together stay in vCPU 0's share (whole samples). */
	uint64_t per_rep = pages / p->repetitions;
	per_rep -= per_rep % batch;
	if (!per_rep) {
		snprintf(c->err, c->errlen, "pages %llu leave no whole sample of %llu per repetition",
			 (unsigned long long)pages, (unsigned long long)batch);
		return -ENOTSUP;
	}
	p->warmup_iters = 0;
	if (p->max_iters > per_rep)
		p->max_iters = per_rep;
	uint64_t *q = c->vm->shared->param;
	q[PF_P_BASE] = MM_REGION_GPA;
	q[PF_P_SPAN] = pages * page;
	q[PF_P_STRIDE] = page;
	return 0;
}

static void pf_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	uint64_t leaf;

	if (rec->status != REC_OK)
		return;
	mm_kvm_pages(c->vm, rec);
	/* Where the other vCPUs stormed: the VMM moved each to CPL3/EL0, or
	 * none (CPL0). */
	uint32_t at_user = 0;
	for (uint32_t v = 1; v < c->vm->nr_vcpus; v++)
		at_user += c->vm->vcpus[v].user_entries > 0;
	if (c->vm->nr_vcpus > 1) {
		rec_set(rec, "secondary_cpl", json_integer(at_user ? 3 : 0));
		if (at_user && at_user != c->vm->nr_vcpus - 1)
			rec_flag(rec, "suspect", "only some of the other vCPUs stormed at CPL3/EL0");
		else if ((at_user != 0) != (c->params->cpl == 3))
			rec_flag(rec, "suspect", "the other vCPUs stormed at another level than the timed vCPU");
	}
	leaf = hv_vm_leaf(c->vm, MM_REGION_GPA);
	if (!leaf)
		return;
	rec_metric_value(rec, "guest_page", "bytes",
			 "the leaf size of the region's first page in the guest's own tables", (double)leaf);
	if (leaf != mm_page_bytes(c->params->ext[PF_X_PAGE]))
		rec_flag(rec, "suspect", "the guest's tables map the region with pages of another size than asked");
}

static const struct mb_bench b_pf_storm = {
	.name = "pf_storm", .family = "memory",
	.description = "first write to a fresh guest page of the chosen size and backing, the other vCPUs first-touching theirs at the same time",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	/* One exit per timed touch, but KVM's counters are the VM's: the other
	 * vCPUs' faults land in them too, so the count is not checked. */
	.exit_kind = "page fault (kernel): EPT/NPT violation, shadow page fault or stage-2 abort",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "pf_storm", .cpls = MB_CPL_ANY,
	.ext_params = pf_params, .abort_reasons = pf_aborts, .kvm_stats = mem_mmu_stats,
	.setup = pf_setup, .finish = pf_finish,
};
MB_REGISTER(b_pf_storm);
