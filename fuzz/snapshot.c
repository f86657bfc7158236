/* Seed maker for fuzz_shared and fuzz_iopath: linked into a copy of the
 * hvbench CLI with -Wl,--wrap (fuzz/fuzz.mk, make fuzz-seeds), it writes
 * every shared page a real run leaves behind, and every io-path probe ring
 * it decodes, into $HVB_SNAPSHOT_DIR in the harnesses' input formats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/shared_layout.h"
#include "hv-core/hv.h"
#include "microbench/iopath.h"

void __real_hv_vm_destroy(struct hv_vm *vm);
void __wrap_hv_vm_destroy(struct hv_vm *vm);
void __real_iop_ring_flush(struct iop_state *s);
void __wrap_iop_ring_flush(struct iop_state *s);

static unsigned n_written;

static FILE *open_seed(const char *dir, const char *kind, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s-%u-%u", dir, kind, name,
		 (unsigned)getpid(), n_written++);
	return fopen(path, "wb");
}

/* The page as fuzz_shared reads it: the calls a body of this kind makes. */
static void write_page(const char *dir, const struct hv_shared *s)
{
	static uint8_t page[sizeof(struct hv_shared)];
	uint8_t hdr[3 + FZ_MAX_CALLS];
	size_t bench = 0, n = 0, len = sizeof(page);

	for (size_t i = 0; i < mb_count(); i++)
		if (!strncmp(mb_get(i)->body, s->body, HV_BODY_NAME_MAX)) {
			bench = i;
			break;
		}
	hdr[0] = (uint8_t)bench;
	hdr[1] = (s->status == HV_GS_FAULT ? 1 : 0) | (s->cpl == 3 ? 4 : 0);
	uint8_t *c = hdr + 3;
	c[n++] = HV_UCALL_READY;
	if (s->status == HV_GS_FAULT) {
		c[n++] = HV_UCALL_FAULT;
	} else {
		c[n++] = HV_UCALL_CALIB_BEGIN;
		c[n++] = HV_UCALL_CALIB_END;
		c[n++] = HV_UCALL_MEASURE_BEGIN;
		for (uint32_t r = 0; r < s->repetitions && n < FZ_MAX_CALLS - 2; r++)
			c[n++] = HV_UCALL_REP_END;
		c[n++] = HV_UCALL_MEASURE_END;
		c[n++] = s->status == HV_GS_ABORT ? HV_UCALL_ABORT : HV_UCALL_DONE;
	}
	hdr[2] = (uint8_t)n;
	fz_pack(s, page);
	while (len > 0 && !page[len - 1])	/* what is missing reads as zero */
		len--;
	FILE *f = open_seed(dir, "fuzz_shared", mb_get(bench)->name);
	if (!f)
		return;
	fwrite(hdr, 1, 3 + n, f);
	fwrite(page, 1, len, f);
	fclose(f);
}

void __wrap_hv_vm_destroy(struct hv_vm *vm)
{
	const char *dir = getenv("HVB_SNAPSHOT_DIR");

	if (dir && vm && vm->shared && vm->shared->body[0])
		write_page(dir, vm->shared);
	__real_hv_vm_destroy(vm);
}

/* The ring as fuzz_iopath reads it (at most its first 512 slots). */
void __wrap_iop_ring_flush(struct iop_state *s)
{
	const char *dir = getenv("HVB_SNAPSHOT_DIR");
	FILE *f = dir && s->n_ring ? open_seed(dir, "fuzz_iopath", "ring") : NULL;

	if (f) {
		uint64_t after = IOP_SLOT(s->vm->shared)->guest_after;
		uint8_t flags = (s->prev_open ? 1 : 0) | (s->cpl == 3 ? 2 : 0) |
				(s->clk.cpu >= 0 ? 4 : 0) | (s->clk.rounds ? 8 : 0);
		uint32_t n = s->n_ring < 512 ? s->n_ring : 512;

		fwrite(&s->test_offset, 8, 1, f);
		fwrite(&after, 8, 1, f);
		fwrite(&flags, 1, 1, f);
		fwrite(&s->clk.x_lo, 8, 1, f);
		fwrite(&s->clk.x_hi, 8, 1, f);
		fwrite(s->ring, sizeof(*s->ring), n, f);
		fclose(f);
	}
	__real_iop_ring_flush(s);
}
