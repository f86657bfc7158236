/* The macrobench compute family (issue 17) on real VMs: every workload runs
 * at cpl 3 in the guest and natively from the same code, each checks its
 * output against the host's own reference (a wrong one planted by the
 * host fails the row, in the guest and natively, with the row's words),
 * and one record holds guest, native, overhead and footprint. Its SHA-256
 * is checked against FIPS 180-4's vectors here, the function the guest runs. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv-core/abi.h"
#include "hvbench/measure.h"
#include "macrobench/compute/mc_abi.h"
#include "macrobench/compute/mc_sha256.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"
#include "tests/macrotest.h"

/* The native target's page (hv-core/native.c): the body's heartbeat lands
 * there when the test calls its function directly. */
extern __thread struct hv_shared *hv_native_page;

/* FIPS 180-4 / NIST's examples: "abc" (one block), the 448-bit message
 * (two blocks: the padding spills), and the empty message. */
static void test_sha256_vectors(void **state)
{
	static const struct { const char *msg; uint32_t h[8]; } v[] = {
		{ "abc", { 0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
			   0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad } },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  { 0x248d6a61, 0xd20638b8, 0xe5c02693, 0x0c3e6039,
		    0xa33ce459, 0x64ff2167, 0xf6ecedd4, 0x19db06c1 } },
		{ "", { 0xe3b0c442, 0x98fc1c14, 0x9afbf4c8, 0x996fb924,
			0x27ae41e4, 0x649b934c, 0xa495991b, 0x7852b855 } },
	};
	struct hv_shared *page = calloc(1, sizeof(*page));

	assert_non_null(page);
	hv_native_page = page;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t h[8];

		mc_sha256((const uint8_t *)v[i].msg, strlen(v[i].msg), h);
		assert_memory_equal(h, v[i].h, sizeof(h));
	}
	hv_native_page = NULL;
	free(page);
}

static struct rec *run(const char *name, const char *param, int64_t v, bool corrupt)
{
	const struct mb_bench *b = mb_find(name);
	struct mb_params p;

	mt_params(b, &p);
	p.ext[mb_ext_index(b, param)] = v;
	p.ext[mb_ext_index(b, "corrupt")] = corrupt;
	return measure_record(&env, b, &p);
}

/* Each workload ok in the guest and natively: both checked their output
 * (a run that does not match aborts), and the record holds both. */
static void ok_case(const char *name, const char *param, int64_t v, uint64_t footprint)
{
	NEED_KVM();
	struct rec *r = run(name, param, v, false);

	mt_assert_ok(r, name);
	double g = mt_metric(r, "run/guest", "p50"), n = mt_metric(r, "run/native", "p50");
	assert_true(g > 0 && n > 0);
	assert_true(mt_metric(r, "run/guest", "n") >= 2 && mt_metric(r, "run/native", "n") >= 2);
	double o = mt_metric(r, "overhead/of_medians", NULL);
	assert_true(fabs(o - (g / n - 1) * 100) < 1e-6 * fabs(o) + 1e-9);
	/* The interval only where both sides have the runs for a 95% CI. */
	bool ci = mt_metric(r, "run/guest", "n") >= 6 && mt_metric(r, "run/native", "n") >= 6;
	assert_int_equal(rec_metric_find(r, "overhead/ci95_low") != NULL, ci);
	assert_int_equal(rec_metric_find(r, "overhead/ci95_high") != NULL, ci);
	if (ci) {
		assert_true(mt_metric(r, "overhead/ci95_low", NULL) <= o);
		assert_true(mt_metric(r, "overhead/ci95_high", NULL) >= o);
	}
	assert_true(mt_metric(r, "exits_per_s", NULL) >= 0);
	if (footprint)
		assert_true(mt_metric(r, "footprint", NULL) == (double)footprint);
	assert_true(mt_metric(r, "footprint", NULL) > 0);
	assert_true(mt_metric(r, "footprint", NULL) <= mt_metric(r, "footprint_mapped", NULL));
	assert_non_null(rec_get(r, "exit_profile"));
	assert_true(mt_metric(r, "work_per_run", NULL) > 0);
	assert_true(fabs(mt_metric(r, "per_work/guest", NULL) * mt_metric(r, "work_per_run", NULL) - g) < 1e-6 * g);
	print_message("%s %s=%lld: guest %.0f, native %.0f %s per run, overhead %+.1f%%\n",
		      name, param, (long long)v, g, n, r->unit, o);
	rec_free(r);
}

/* A wrong reference: the guest's check fails the row with the row's own
 * words, and the twin, run all the same, fails natively with them too. */
static void corrupt_case(const char *name, const char *param, int64_t v, const char *words)
{
	NEED_KVM();
	struct rec *r = run(name, param, v, true);
	mt_assert_failed_both(r, name, words);
}

static void test_sha256_ok(void **state)
{
	ok_case("macro_sha256", "kib", 1024, 1024 * 1024);
}

static void test_sort_ok(void **state)
{
	ok_case("macro_sort", "keys", 1 << 16, (2 * (1 << 16) + 256) * 8);
}

static void test_matmul_ok(void **state)
{
	ok_case("macro_matmul", "n", 96, mc_mm_par_off(96) + sizeof(struct mc_par));
}

/* p as the caller set it, once with a wrong reference (failed in the guest
 * and natively, in the row's words), then right: the record, ok and its
 * twin ok, for the caller's own asserts (rec_free after). */
static struct rec *corrupt_then_ok(const struct mb_bench *b, struct mb_params *p, const char *words)
{

	p->ext[mb_ext_index(b, "corrupt")] = 1;
	mt_assert_failed_both(measure_record(&env, b, p), b->name, words);
	p->ext[mb_ext_index(b, "corrupt")] = 0;
	struct rec *r = measure_record(&env, b, p);
	mt_assert_ok(r, b->name);
	return r;
}

/* Three vCPUs: the rows in three bands (97 rows: 32, 32, 33), vCPU 0's
 * and two secondaries' at cpl 3, natively three threads; C is checked
 * whole, so a band not computed fails the row, and a wrong reference
 * fails both with the row's words. */
static void test_matmul_vcpus(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_matmul");
	struct mb_params p;

	mt_params(b, &p);
	p.vcpus = 3;
	p.ext[mb_ext_index(b, "n")] = 97;
	p.ext[mb_ext_index(b, "block")] = 16;
	struct rec *r = corrupt_then_ok(b, &p, "weighted checksum differs from the host's");
	assert_true(mt_metric(r, "run/guest", "p50") > 0 && mt_metric(r, "run/native", "p50") > 0);
	print_message("macro_matmul n=97 vcpus=3: guest %.0f, native %.0f %s per run\n",
		      mt_metric(r, "run/guest", "p50"), mt_metric(r, "run/native", "p50"), r->unit);
	rec_free(r);
}

/* macro_timer: SHA-256 under the runtime's local APIC timer at cpl 3
 * (interrupts on there for this row). No timer: no interrupt counted.
 * 1 kHz: the guest took interrupts at about the programmed rate (the
 * count is the guest's, the run's time the host's), with a cost per tick
 * against the twin, and a wrong digest still fails both. */
static void test_timer(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_timer");
	struct mb_params p;

	for (int hz = 0; hz <= 1000; hz += 1000) {
		mt_params(b, &p);
		p.ext[mb_ext_index(b, "kib")] = 1024;
		p.ext[mb_ext_index(b, "hz")] = hz;
		p.min_time_ms = 50;
		struct rec *r = hz ? corrupt_then_ok(b, &p, "the digest differs from the host's") :
				     measure_record(&env, b, &p);
		assert_non_null(r);
		assert_int_equal(r->status, REC_OK);
		double ticks = mt_metric(r, "timer/ticks_per_run", NULL), rate = mt_metric(r, "timer/measured_hz", NULL);
		print_message("macro_timer hz=%d: %.2f interrupts per run, %.0f Hz\n", hz, ticks, rate);
		if (!hz) {
			assert_true(ticks == 0);
		} else {
			assert_true(ticks > 0);
			assert_true(rate > 0.5 * hz && rate < 1.5 * hz);
			assert_non_null(rec_metric_find(r, "timer/cost_per_tick"));
		}
		rec_free(r);
	}
}

/* macro_forkexec at cpl 0 (its only level): the guest builds and loads
 * its own tables, the twin runs the same code over plain memory; both
 * read back what the host summed, and a wrong reference fails both.
 * Small: CPL0 is emulated on PVM. */
static void test_forkexec(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_forkexec");
	struct mb_params p;

	mt_params(b, &p);
	p.cpl = 0;
	p.min_time_ms = 1;
	p.repetitions = 2;
	p.ext[mb_ext_index(b, "tasks")] = 3;
	p.ext[mb_ext_index(b, "pages")] = 5;
	struct rec *r = corrupt_then_ok(b, &p, "the sum of the values read back");
	assert_true(mt_metric(r, "pte_writes_per_run", NULL) == 3.0 * (512 + 3 + 2 * 5 + 3));
	assert_true(mt_metric(r, "cr3_loads_per_run", NULL) == 6.0);
	print_message("macro_forkexec tasks=3 pages=5: guest %.0f, native %.0f %s per run\n",
		      mt_metric(r, "run/guest", "p50"), mt_metric(r, "run/native", "p50"), r->unit);
	rec_free(r);
}

static void test_sha256_corrupt(void **state)
{
	corrupt_case("macro_sha256", "kib", 64, "the digest differs from the host's");
}

static void test_sort_corrupt(void **state)
{
	corrupt_case("macro_sort", "keys", 1000, "weighted checksum differs from the host's");
}

static void test_matmul_corrupt(void **state)
{
	corrupt_case("macro_matmul", "n", 33, "weighted checksum differs from the host's");
}

static void test_bfs_ok(void **state)
{
	/* The graph's edge count is the host's draw: the footprint is not
	 * known here, so it is checked against the region's bounds. */
	ok_case("macro_bfs", "vertices", 20000, 0);
}

static void test_join_ok(void **state)
{
	ok_case("macro_join", "build", 5000, 0);
}

static void test_bfs_corrupt(void **state)
{
	corrupt_case("macro_bfs", "vertices", 3000, "level counts differ from the host's BFS");
}

/* Three vCPUs: vCPU 0 builds the table, all three probe a band of S
 * (natively three threads), and the counts and sums they leave must add up
 * to the host's; a wrong reference fails both. */
static void test_join_vcpus(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_join");
	struct mb_params p;

	mt_params(b, &p);
	p.vcpus = 3;
	p.ext[mb_ext_index(b, "build")] = 3001;
	p.ext[mb_ext_index(b, "probe")] = 10007;
	rec_free(corrupt_then_ok(b, &p, "differ from the host's sort-merge join"));
}

/* Three vCPUs on SHA-256: three segments of 1000 KiB (341, 341 and 342
 * KiB and change: the split is at n v / 3), natively three threads, and the
 * digest of their three digests against the host's; a wrong one fails
 * both. */
static void test_sha256_vcpus(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_sha256");
	struct mb_params p;

	mt_params(b, &p);
	p.vcpus = 3;
	p.ext[mb_ext_index(b, "kib")] = 1000;
	struct rec *r = corrupt_then_ok(b, &p, "the digest differs from the host's");
	assert_true(mt_metric(r, "footprint", NULL) == (double)mc_sha_used(1000 << 10, 3));
	rec_free(r);
}

/* Three vCPUs on the radix sort (100,003 keys: bands of 33,334 and
 * 33,335): each band makes its keys, counts and scatters its stretch of
 * every pass, and checks its stretch; the sorted whole against the host's
 * qsort, and a wrong reference fails both. */
static void test_sort_vcpus(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_sort");
	struct mb_params p;

	mt_params(b, &p);
	p.vcpus = 3;
	p.ext[mb_ext_index(b, "keys")] = 100003;
	struct rec *r = corrupt_then_ok(b, &p, "weighted checksum differs from the host's");
	assert_true(mt_metric(r, "footprint", NULL) == (double)mc_sort_used(100003, 3));
	rec_free(r);
}

/* Three vCPUs on the BFS: each level's frontier in three bands, vertices
 * claimed by compare-and-swap; the reached count and the level counts
 * against the host's frontier BFS, and a wrong reference fails both. */
static void test_bfs_vcpus(void **state)
{
	NEED_KVM();
	const struct mb_bench *b = mb_find("macro_bfs");
	struct mb_params p;

	mt_params(b, &p);
	p.vcpus = 3;
	p.ext[mb_ext_index(b, "vertices")] = 30011;
	rec_free(corrupt_then_ok(b, &p, "level counts differ from the host's BFS"));
}

static void test_join_corrupt(void **state)
{
	corrupt_case("macro_join", "build", 3000, "differ from the host's sort-merge join");
}

/* The user/kernel loop: ok where the guest's syscall path works, else
 * unsupported with the reason; the native twin runs and checks either way. */
static void test_syscall(void **state)
{
	NEED_KVM();
	struct rec *r = run("macro_syscall", "kib", 64, false);
	const char *why;

	assert_non_null(r);
	assert_string_equal(mt_twin(r, &why), "ok");
	if (r->status == REC_UNSUPPORTED) {
		assert_non_null(strstr(r->reason, "cannot complete a guest syscall/sysret round trip"));
		print_message("macro_syscall: unsupported here: %s\n", r->reason);
	} else {
		assert_int_equal(r->status, REC_OK);
		assert_true(mt_metric(r, "run/guest", "p50") > 0);
		assert_true(mt_metric(r, "work_per_run", NULL) == 64 * 1024 / 256);
	}
	rec_free(r);
	r = run("macro_syscall", "kib", 64, true);
	assert_non_null(r);
	assert_int_not_equal(r->status, REC_OK);
	assert_string_equal(mt_twin(r, &why), "failed");
	assert_non_null(strstr(why, "weighted sum differs from the host's"));
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_ok),
		cmocka_unit_test(test_sort_ok),
		cmocka_unit_test(test_matmul_ok),
		cmocka_unit_test(test_matmul_vcpus),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_forkexec),
		cmocka_unit_test(test_sha256_corrupt),
		cmocka_unit_test(test_sort_corrupt),
		cmocka_unit_test(test_matmul_corrupt),
		cmocka_unit_test(test_bfs_ok),
		cmocka_unit_test(test_join_ok),
		cmocka_unit_test(test_bfs_corrupt),
		cmocka_unit_test(test_join_corrupt),
		cmocka_unit_test(test_join_vcpus),
		cmocka_unit_test(test_sha256_vcpus),
		cmocka_unit_test(test_sort_vcpus),
		cmocka_unit_test(test_bfs_vcpus),
		cmocka_unit_test(test_syscall),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
