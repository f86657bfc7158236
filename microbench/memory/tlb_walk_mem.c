/* tlb_walk and pf_storm, host side: the guest region with its page size and
 * backing, the guest's own page-table walk that says what it got, the
 * chase's chain, and the native twin's memory and run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv-core/hv.h"
#include "hv-core/native.h"
#include "microbench/mb.h"
#include "microbench/memory/tlb_walk.h"
#include "probes/kvmstats.h"
#include "probes/record.h"
#include "probes/stats.h"

const char *const mm_page_names[] = { "4k", "2m", "1g", NULL };
const char *const mm_backing_names[] = { "anon", "thp", "hugetlb_2m", "hugetlb_1g", NULL };

uint64_t mm_page_bytes(int64_t choice)
{
	static const uint64_t sz[] = { HV_PAGE_4K, HV_PAGE_2M, HV_PAGE_1G };

	return choice >= 0 && choice < 3 ? sz[choice] : 0;
}

enum hv_backing mm_backing(int64_t choice)
{
	static const enum hv_backing b[] = { HV_BACK_ANON, HV_BACK_THP,
					     HV_BACK_HUGETLB_2M, HV_BACK_HUGETLB_1G };

	return choice >= 0 && choice < 4 ? b[choice] : HV_BACK_COUNT;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

int mm_region(struct mb_setup_ctx *c, uint64_t bytes, uint64_t page,
	      enum hv_backing backing, struct hv_mem_region **out, uint64_t *size)
{
	uint64_t hp, sz, gpa = MM_REGION_GPA;
	int r;

	if (!page || backing >= HV_BACK_COUNT) {
		snprintf(c->err, c->errlen, "unknown page size or backing");
		return -EINVAL;
	}
	hp = hv_backing_page(backing);
	sz = align_up(bytes ? bytes : 1, page > hp ? page : hp);
	if (HV_HIGH_RAM_GPA + hv_vm_ram_high(c->vm) > gpa || sz > HV_MAX_MEM - gpa) {
		snprintf(c->err, c->errlen, "the region of %llu MiB does not fit above the guest's RAM at 64 GiB",
			 (unsigned long long)(sz >> 20));
		return -ENOTSUP;
	}
	r = hv_vm_add_memory(c->vm, "workset", gpa, sz, backing, 0, out, c->err, c->errlen);
	if (r < 0)
		return r;
	r = hv_vm_map(c->vm, gpa, gpa, sz, page, HV_MAP_WRITE | HV_MAP_USER, c->err, c->errlen);
	if (r < 0)
		return r;
	*size = sz;
	return 0;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Node k's offset: its 4 KiB, and a line in it that moves with k, so the
 * nodes do not all fall into the same cache sets. */
static uint64_t node_off(uint64_t k)
{
	return k * 4096 + (k * 13 % 64) * 64;
}

int64_t tw_build_chain(uint8_t *mem, uint64_t size, uint64_t nodes)
{
	uint64_t seed = 0x7716b5c0ffeeull;
	uint32_t *order;

	if (!nodes || nodes > size / 4096 || nodes > UINT32_MAX)
		return -EINVAL;
	order = malloc(nodes * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (uint64_t k = 0; k < nodes; k++)
		order[k] = (uint32_t)k;
	/* Sattolo's shuffle: one cycle through every node. */
	for (uint64_t k = nodes - 1; k > 0; k--) {
		uint64_t j = splitmix(&seed) % k;
		uint32_t t = order[k];

		order[k] = order[j];
		order[j] = t;
	}
	for (uint64_t k = 0; k < nodes; k++)
		*(uint64_t *)(mem + node_off(order[k])) = node_off(order[(k + 1) % nodes]);
	int64_t start = (int64_t)node_off(order[0]);
	free(order);
	return start;
}

int mm_host_buffer(enum hv_backing b, uint64_t size, struct hv_mem_region *r,
		   char *err, size_t errlen)
{
	char why[200];
	int e;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (hv_backing_check(b, size, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "native buffer: %s", why);
		return -ENOTSUP;
	}
	/* The guest's own mapping code: the twin's memory is backed exactly
	 * as the guest's region is. */
	snprintf(r->name, sizeof(r->name), "native");
	r->size = size;
	r->backing = b;
	e = hv_mem_map(r, why, sizeof(why));
	if (e < 0) {
		hv_mem_unmap(r);
		snprintf(err, errlen, "native buffer of %llu MiB: %s",
			 (unsigned long long)(size >> 20), why);
	}
	return e;
}

int mm_native_run(const struct mb_setup_ctx *c, const struct mm_native *n, int base_slot,
		  uint64_t host_base, struct stats_summary *st, char *err, size_t errlen)
{
	const struct mb_params *p = c->params;
	uint64_t batch = p->batch ? p->batch : 1;
	struct hv_shared *s;
	int r;

	if (base_slot < 0 || base_slot >= HV_NPARAMS || !n->tsc_khz) {
		snprintf(err, errlen, "native run: no parameter slot %d or no counter rate", base_slot);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* As the runner fills the guest's page (hvbench/measure.c). */
	s->magic = HV_ABI_MAGIC;
	s->abi_version = HV_ABI_VERSION;
	s->nr_vcpus = 1;
	s->tsc_khz = n->tsc_khz;
	if (hv_body_name_put(s->body, n->body) < 0) {
		snprintf(err, errlen, "native run: body name too long");
		free(s);
		return -EINVAL;
	}
	s->cpl = 3;
	s->min_cycles = (uint64_t)p->min_time_ms * n->tsc_khz;
	s->batch = (uint32_t)batch;
	s->max_iters = (p->max_iters + batch - 1) / batch;
	s->warmup_iters = (p->warmup_iters + batch - 1) / batch;
	s->repetitions = p->repetitions;
	s->calib_iters = 2000;
	s->flags = c->bench->no_subtract ? HV_F_NO_SUBTRACT : 0;
	memcpy(s->param, n->param, sizeof(s->param));
	s->param[base_slot] = host_base;
	r = hv_native_run(s, NULL, NULL, err, errlen);
	if (r == 0 && s->status != HV_GS_OK) {
		snprintf(err, errlen, "the native run ended with status %u (abort code %u)",
			 s->status, s->abort_code);
		r = -EPROTO;
	}
	if (r == 0 && stats_from_histogram(s->hist, &s->moments, st) < 0) {
		snprintf(err, errlen, "the native run's histogram and moments disagree");
		r = -EPROTO;
	}
	free(s);
	return r;
}

void mm_kvm_pages(struct hv_vm *vm, struct rec *rec)
{
	static const char *const names[][2] = {
		{ "pages_4k", "kvm_pages/4k" }, { "pages_2m", "kvm_pages/2m" },
		{ "pages_1g", "kvm_pages/1g" },
	};
	struct kvmstats *ks;
	uint64_t *v;
	char err[160];

	if (kvmstats_open(vm->vm_fd, &ks, err, sizeof(err)) < 0)
		return;
	v = calloc(kvmstats_count(ks) + 1, sizeof(*v));
	if (v && kvmstats_read(ks, v) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			int k = kvmstats_index(ks, names[i][0]);

			if (k >= 0)
				rec_metric_value(rec, names[i][1], "pages",
						 "host mappings of this size KVM holds for the VM at the end of the run (its MMU statistic)",
						 (double)v[k]);
		}
	}
	free(v);
	kvmstats_close(ks);
}
