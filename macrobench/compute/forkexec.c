/* macro_forkexec (mc_abi.h, guest/forkexec.c): an address-space-heavy
 * loop, fork-like spaces built, used and torn down by the guest kernel,
 * which is the memory family's worst case under shadow paging. The twin
 * runs the same code over the same tables as plain memory; the host gives
 * it a stand-in for the running root and maps its window where the guest's
 * tables put the guest's. x86, CPL0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv-core/hv.h"
#include "macrobench/compute/mc.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_input.h"
#include "microbench/mb.h"

static const struct mb_param_def fe_params[] = {
	{ "tasks", MB_PT_INT, "fork-like address spaces per run, one after the other", 1, MC_FE_MAX_TASKS, NULL, 16 },
	{ "pages", MB_PT_INT, "pages each space maps, writes, reads back and unmaps (one page table)", 1, MC_FE_MAX_PAGES, NULL, 16 },
	{ "turns", MB_PT_INT, "generator steps per page between the write and the read (compute)", 0, MC_FE_MAX_TURNS, NULL, 16 },
	{ "corrupt", MB_PT_BOOL, "plant a wrong reference (one bit flipped): the run must fail, in the guest and natively", 0, 1, NULL, 0 },
	{ NULL },
};

static const char *const fe_aborts[] = {
	"the page asked for counts outside the body's limits or the region, or the window's slot is in use in the running root",
	"the sum of the values read back through the new spaces differs from the host's",
	"(unused)", "(unused)", NULL,
};

/* The twin's window: a free 512 GiB-aligned slot of this process, tried
 * from PML4 slot 200 up (the guest's root has them all free above the
 * identity map); 0 if none is. */
static uint64_t twin_window(size_t len, void **map)
{
	for (uint64_t slot = MC_FE_WINDOW >> 39; slot < 256; slot++) {
		void *want = (void *)(uintptr_t)(slot << 39);
		void *p = mmap(want, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == want) {
			*map = p;
			return slot << 39;
		}
		if (p != MAP_FAILED)	/* a kernel without NOREPLACE put it elsewhere */
			munmap(p, len);
	}
	return 0;
}

static int fe_setup(struct mb_setup_ctx *c)
{
	uint64_t tasks = (uint64_t)c->params->ext[0], pages = (uint64_t)c->params->ext[1];
	uint64_t turns = (uint64_t)c->params->ext[2], sum = 0;
	struct mc_state *st;
	int r = mc_setup(c, 4096 * (MC_FE_PAGE_DATA + pages), &st);

	if (r < 0)
		return r;
	uint64_t win = twin_window(4096 * pages, &st->own_map);
	if (!win) {
		snprintf(c->err, c->errlen, "no free 512 GiB-aligned slot for the native twin's window (PML4 slots 200-255)");
		return mc_abandon(c, -ENOMEM);
	}
	st->own_len = 4096 * pages;
	/* The twin's stand-in for the running root: entries as a kernel's
	 * (present, writable, some user), the window's slot free. */
	uint64_t *stand_in = (uint64_t *)st->native.hva, s = 0x0f0ceull;
	for (unsigned e = 0; e < 512; e++)
		stand_in[e] = e == ((win >> 39) & 511) ? 0 : (mc_splitmix(&s) & 0x000ffffffffff000ull) | 0x7;
	for (uint64_t t = 0; t < tasks; t++)
		for (uint64_t j = 0; j < pages; j++)
			sum += mc_fe_value(t, j, turns);
	uint64_t *p = c->vm->shared->param;
	p[MC_P_N] = tasks;
	p[MC_P_AUX] = pages;
	p[MC_P_AUX2] = turns;
	p[MC_P_REF1] = win;
	p[MC_P_REF0] = sum ^ (uint64_t)c->params->ext[3];
	st->work = (double)tasks, st->work_unit = "address spaces";
	/* Page-table writes per space: the root's 512 entries, the chain's 3,
	 * each page's map and unmap, the chain's 3 again. */
	st->extra[st->n_extra++] = (struct mc_extra){ "pte_writes_per_run", "writes",
		"page-table entries the guest writes per run", (double)tasks * (512 + 3 + 2 * pages + 3) };
	st->extra[st->n_extra++] = (struct mc_extra){ "cr3_loads_per_run", "loads",
		"CR3 loads per run in the guest (the twin leaves them out)", (double)tasks * 2 };
	mc_setup_done(c, st);
	return 0;
}

static const struct mb_bench b_fe = {
	.name = "macro_forkexec", .family = "macro",
	.description = "fork/exec-like loop: address spaces built (the running root copied), their pages mapped, used, unmapped and the tables torn down by the guest kernel; natively the same code over plain memory, without the CR3 loads",
	.archs = MB_ARCH_X86,
	.exit_kind = "the MMU's: none with EPT/NPT (walks only); under shadow paging every page-table write and CR3 load",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "mc_forkexec", .cpls = MB_CPL0,
	.ext_params = fe_params, .abort_reasons = fe_aborts,
	.setup = fe_setup, .finish = mc_finish,
};
MB_REGISTER(b_fe);
