/* Guest memory on real VMs: 16 GiB guests touched sparsely (RAM above the
 * 4 GiB hole in its own slot), first touches of pages above 4 GiB through
 * the runner, memory backings, dirty logging, and page-table mappings of
 * 4 KiB / 2 MiB / 1 GiB with their rights. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "hv-core/exit.h"
#include "hv-core/hv.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "tests/kvmtest.h"
#include "tests/vmmtest.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

/* Assembles "mov qword [addr], value" for each pair, then out 0x80; hlt. */
static void store_code(uint8_t *p, const uint64_t *addr, const uint32_t *val,
		       int n)
{
	for (int i = 0; i < n; i++) {
		*p++ = 0x48, *p++ = 0xb8;		/* mov rax, imm64 */
		memcpy(p, &addr[i], 8), p += 8;
		*p++ = 0x48, *p++ = 0xc7, *p++ = 0x00;	/* mov qword [rax], imm32 */
		memcpy(p, &val[i], 4), p += 4;
	}
	*p++ = 0xe6, *p++ = 0x80, *p++ = 0xf4;
}

static struct vmm_sink sink;

static struct hv_vm *store_vm(struct hv_vm_opts *o, const uint64_t *addr,
			      const uint32_t *val, int n, char *err, size_t errlen)
{
	struct hv_vm *vm = vmmtest_vm_opts(o, err, errlen);

	assert_int_equal(hv_vm_add_pio(vm, 0x80, 1, vmm_sink_io, &sink, err, errlen), 0);
	store_code(hv_gpa_to_hva(vm, HV_IMAGE_GPA, 512), addr, val, n);
	return vm;
}

static uint64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, rss = 0;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &rss), 2);
	fclose(f);
	return (uint64_t)rss * 4096;
}

static void test_16g_guest_touched_sparsely(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 16 * GIB };
	const uint64_t top = HV_HIGH_RAM_GPA + 16 * GIB - HV_MMIO_BASE;
	const uint64_t addr[] = { HV_SCRATCH_GPA, HV_HIGH_RAM_GPA, 8 * GIB, top - 8 };
	const uint32_t val[] = { 0x11, 0x22, 0x33, 0x44 };
	uint64_t rss0 = rss_bytes();

	NEED_KVM();
	NEED_X86();
	struct hv_vm *vm = store_vm(&o, addr, val, 4, err, sizeof(err));
	assert_int_equal(hv_vm_ram_low(vm), HV_MMIO_BASE);
	assert_int_equal(hv_vm_ram_high(vm), 16 * GIB - HV_MMIO_BASE);
	assert_null(hv_gpa_to_hva(vm, HV_MMIO_BASE, 8));	/* the hole */
	assert_null(hv_gpa_to_hva(vm, top, 8));
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, addr[i], 8), val[i]);
	/* Sparse: 16 GiB of guest, a few pages of host memory. */
	uint64_t grew = rss_bytes() - rss0;
	print_message("16 GiB guest: host RSS grew by %llu KiB\n",
		      (unsigned long long)(grew >> 10));
	assert_true(grew < 256 * MIB);
	hv_vm_destroy(vm);
}

/* pf_first_touch's body on fresh pages above 4 GiB of a 16 GiB guest: one
 * page-fault exit per page, as below the hole. */
static int setup_high(struct mb_setup_ctx *c)
{
	c->params->warmup_iters = 0;
	c->vm->shared->param[0] = HV_HIGH_RAM_GPA + GIB;
	c->vm->shared->param[1] = hv_vm_ram_high(c->vm) / 4096 - GIB / 4096;
	return 0;
}

static void test_first_touch_above_4g(void **state)
{
	const struct mb_bench *pf = mb_find("pf_first_touch");
	struct mb_bench high;
	struct mb_params p;

	NEED_KVM();
	assert_non_null(pf);
	high = *pf;
	high.name = "pf_first_touch_high";
	high.setup = setup_high;
	mb_params_defaults(&p, &high);
	p.cpl = 3;	/* a CPL0 first touch is emulated without an exit on PVM */
	p.mem_mb = 16384;
	p.min_time_ms = 5;
	p.max_iters = 2000;
	p.repetitions = 2;
	json_t *rec = measure_run(&env, &high, &p);
	assert_non_null(rec);
	const char *st = json_string_value(json_object_get(rec, "status"));
	if (strcmp(st, "ok"))
		fail_msg("%s: %s", st, json_string_value(json_object_get(rec, "reason")));
	/* The same real row on the same 16 GiB guest, below the hole. */
	json_decref(rec);
	mb_params_defaults(&p, pf);
	p.cpl = 3;	/* a CPL0 first touch is emulated without an exit on PVM */
	p.mem_mb = 16384;
	p.min_time_ms = 5;
	p.max_iters = 2000;
	p.repetitions = 2;
	rec = measure_run(&env, pf, &p);
	st = json_string_value(json_object_get(rec, "status"));
	if (strcmp(st, "ok"))
		fail_msg("%s: %s", st, json_string_value(json_object_get(rec, "reason")));
	json_decref(rec);
}

static void test_backings(void **state)
{
	char err[256] = "", why[200];
	const uint64_t addr[] = { 0x1000000, 0x1200008 };
	const uint32_t val[] = { 0x5a, 0xa5 };

	NEED_KVM();
	NEED_X86();
	for (int b = 0; b < HV_BACK_COUNT; b++) {
		struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 64 * MIB,
					.ram_backing = b };
		struct hv_vm *vm;

		if (b == HV_BACK_HUGETLB_1G)
			o.mem_bytes = GIB;
		if (hv_backing_check(b, o.mem_bytes, why, sizeof(why)) < 0) {
			print_message("%s: unsupported here: %s\n", hv_backing_name(b), why);
			/* And the VM says the same, instead of failing later. */
			assert_int_equal(hv_vm_create(&o, &vm, err, sizeof(err)), -ENOTSUP);
			assert_non_null(strstr(err, why));
			continue;
		}
		vm = store_vm(&o, addr, val, 2, err, sizeof(err));
		assert_int_equal(vm->regions[0].backing, b);
		assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, addr[i], 8), val[i]);
		/* A memfd is shared memory: a second mapping sees the guest's store. */
		if (vm->regions[0].fd >= 0) {
			uint64_t *again = mmap(NULL, 64 * MIB, PROT_READ, MAP_SHARED,
					       vm->regions[0].fd, 0);
			assert_true(again != MAP_FAILED);
			assert_int_equal(again[addr[0] / 8], val[0]);
			munmap(again, 64 * MIB);
		}
		print_message("%s: ok\n", hv_backing_name(b));
		hv_vm_destroy(vm);
	}
}

static void test_dirty_log(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 32 * MIB };
	const uint64_t base = 0x4000000;	/* a slot above RAM */
	const uint64_t addr[] = { base, base + 0x3008, base + 0x3010, base + 0x1ff000 };
	const uint32_t val[] = { 1, 2, 3, 4 };
	struct hv_mem_region *r;
	uint64_t bits[8];

	NEED_KVM();
	NEED_X86();
	struct hv_vm *vm = store_vm(&o, addr, val, 4, err, sizeof(err));
	assert_int_equal(hv_vm_add_memory(vm, "dirty", base, 2 * MIB, HV_BACK_ANON,
					  HV_MEM_DIRTY_LOG, &r, err, sizeof(err)), 0);
	assert_int_equal(hv_dirty_words(r), 8);
	memset(bits, 0xff, sizeof(bits));
	assert_int_equal(hv_mem_dirty_log(vm, r, bits, err, sizeof(err)), 0);
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
	/* Pages 0, 3 and 511 were written (two stores to page 3). */
	memset(bits, 0, sizeof(bits));
	assert_int_equal(hv_mem_dirty_log(vm, r, bits, err, sizeof(err)), 3);
	assert_int_equal(bits[0], 1u | 1u << 3);
	assert_int_equal(bits[7], 1ull << 63);
	/* Reading the log starts the next round clean. */
	assert_int_equal(hv_mem_dirty_log(vm, r, bits, err, sizeof(err)), 0);
	/* A region without the flag has no log; overlaps are refused. */
	assert_int_equal(hv_mem_dirty_log(vm, &vm->regions[0], bits, err, sizeof(err)), -EINVAL);
	assert_int_equal(hv_vm_add_memory(vm, "overlap", base + 4096, 4096, HV_BACK_ANON,
					  0, NULL, err, sizeof(err)), -EEXIST);
	hv_vm_destroy(vm);
}

static void test_mappings(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 64 * MIB };
	const uint64_t va4k = 0x1000000000ull, va2m = 0x2000000000ull,
		       va1g = 0x4000000000ull;
	const uint64_t addr[] = { va4k + 0x10, va2m + 0x1008, va1g + 0x900000 };
	const uint32_t val[] = { 0x4, 0x2, 0x1 };
	const uint32_t rw = HV_MAP_WRITE;

	NEED_KVM();
	NEED_X86();
	struct hv_vm *vm = store_vm(&o, addr, val, 3, err, sizeof(err));
	assert_int_equal(hv_vm_map(vm, va4k, HV_SCRATCH_GPA, HV_PAGE_4K, HV_PAGE_4K,
				   rw, err, sizeof(err)), 0);
	assert_int_equal(hv_vm_map(vm, va2m, 0x1000000, HV_PAGE_2M, HV_PAGE_2M, rw,
				   err, sizeof(err)), 0);
	int r = hv_vm_map(vm, va1g, 0, HV_PAGE_1G, HV_PAGE_1G, rw, err, sizeof(err));
	if (r == -ENOTSUP) {
		print_message("1 GiB pages unsupported here: %s\n", err);
		assert_int_equal(hv_vm_map(vm, va1g, 0, HV_PAGE_1G, HV_PAGE_2M, rw,
					   err, sizeof(err)), 0);
	} else {
		assert_int_equal(r, 0);
	}
	/* Alignment and conflicts are refused before anything is written. */
	assert_int_equal(hv_vm_map(vm, va4k + 1, 0, HV_PAGE_4K, HV_PAGE_4K, rw, err,
				   sizeof(err)), -EINVAL);
	assert_int_equal(hv_vm_map(vm, va2m, 0, HV_PAGE_4K, HV_PAGE_4K, rw, err,
				   sizeof(err)), -EEXIST);
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), 0);
	assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, HV_SCRATCH_GPA + 0x10, 8), 0x4);
	assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, 0x1001008, 8), 0x2);
	assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, 0x900000, 8), 0x1);
	hv_vm_destroy(vm);
}

/* A read-only page: the guest's store faults (no IDT here: the triple
 * fault shuts the guest down), where a writable one does not. */
static void test_read_only_mapping_faults(void **state)
{
	char err[256] = "";
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 32 * MIB };
	const uint64_t va = 0x1000000000ull, addr[] = { va };
	const uint32_t val[] = { 7 };

	NEED_KVM();
	NEED_X86();
	struct hv_vm *vm = store_vm(&o, addr, val, 1, err, sizeof(err));
	assert_int_equal(hv_vm_map(vm, va, HV_SCRATCH_GPA, HV_PAGE_4K, HV_PAGE_4K, 0,
				   err, sizeof(err)), 0);
	assert_int_equal(vmmtest_run(vm, err, sizeof(err)), -EFAULT);
	assert_non_null(strstr(err, "shut down"));
	assert_int_equal(*(uint64_t *)hv_gpa_to_hva(vm, HV_SCRATCH_GPA, 8), 0);
	hv_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_16g_guest_touched_sparsely),
		cmocka_unit_test(test_first_touch_above_4g),
		cmocka_unit_test(test_backings),
		cmocka_unit_test(test_dirty_log),
		cmocka_unit_test(test_mappings),
		cmocka_unit_test(test_read_only_mapping_faults),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
