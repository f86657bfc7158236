/* Tests for the kvm:kvm_exit decoder (probes/kvmexit.c) on real tracefs
 * format files (tests/data):
 *   kvm_exit_format_6.1_amd64.txt  Debian 12's amd64 kernel (6.1), read
 *       inside the emulated SVM machine of ci/x86-emu;
 *   kvm_{exit,entry}_format_6.1_arm64.txt  Debian 12's arm64 kernel
 *       (6.1.0-57), read from /sys/kernel/tracing/events/kvm/ inside the
 *       emulated arm64 machine of ci/arm64 (VHE), where real KVM/arm64 runs;
 *   kvm_{exit,entry,userspace_exit}_format_6.18_pvm_amd64.txt  this
 *       project's development host (Linux 6.18, the PVM backend), read
 *       from its tracefs on 2026-12-02; kvm_{pio,mmio,msr}_format_...
 *       the same host's, read on 2026-12-04;
 * and for the emulation detection on this host. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probes/hostinfo.h"
#include "probes/exitprof.h"
#include "probes/kvmexit.h"
#include "probes/kvmexit_int.h"
/* The repository root, where tests/data lives. */
#include "tests/testroot.h"

static char *slurp(const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, file);
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_true(n > 1000);
	return buf;
}

/* The same for a short file (a kvm_entry format is a few hundred bytes). */
static char *slurp_small(const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, file);
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, (1 << 16) - 1, f) > 100);
	fclose(f);
	return buf;
}

static void test_format_names(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.1_amd64.txt");

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	/* SVM exit codes (isa 2), including the "0x040 + n" exception ones */
	assert_string_equal(kvmexit_reason_name(k, 2, 0x72), "cpuid");
	assert_string_equal(kvmexit_reason_name(k, 2, 0x7b), "io");
	assert_string_equal(kvmexit_reason_name(k, 2, 0x400), "npf");
	assert_string_equal(kvmexit_reason_name(k, 2, 0x81), "hypercall");
	assert_string_equal(kvmexit_reason_name(k, 2, 0x40 + 14), "PF excp");
	assert_string_equal(kvmexit_reason_name(k, 2, 0x98), "write_cr8_trap");
	assert_string_equal(kvmexit_reason_name(k, 2, 0xffffffffu), "invalid_guest_state");
	/* VMX basic exit reasons (isa 1), keyed by the low 16 bits */
	assert_string_equal(kvmexit_reason_name(k, 1, 10), "CPUID");
	assert_string_equal(kvmexit_reason_name(k, 1, 48), "EPT_VIOLATION");
	assert_string_equal(kvmexit_reason_name(k, 1, 0x80000000u | 33), "INVALID_STATE");
	assert_null(kvmexit_reason_name(k, 2, 0x12345));
	free(text);
	kvmexit_close(k);
}

/* A raw record as the tracepoint writes it, fields where the format says. */
static void put_raw(uint8_t *raw, uint32_t reason, uint32_t isa)
{
	memset(raw, 0, 64);
	memcpy(raw + 8, &reason, 4);	/* exit_reason: offset 8, size 4 */
	memcpy(raw + 24, &isa, 4);	/* isa: offset 24, size 4 */
}

static void test_count_and_ucalls(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.1_amd64.txt");
	uint8_t raw[64];

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	for (int i = 0; i < 100; i++) {
		put_raw(raw, 0x72, 2);
		kvmexit_count_raw(k, raw, sizeof(raw));
	}
	for (int i = 0; i < 3; i++) {	/* the call channel's port writes */
		put_raw(raw, 0x7b, 2);
		kvmexit_count_raw(k, raw, sizeof(raw));
	}
	kvmexit_count_raw(k, raw, 4);	/* too short: not counted */
	json_t *o = kvmexit_json(k, 100, 3);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "isa")), "svm");
	assert_int_equal(json_integer_value(json_object_get(o, "events")), 103);
	json_t *per = json_object_get(o, "per_op");
	assert_true(json_number_value(json_object_get(per, "cpuid")) == 1.0);
	assert_null(json_object_get(per, "io"));	/* all three were ucalls */
	assert_true(json_number_value(json_object_get(o, "total_per_op")) == 1.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "codes"), "cpuid")), 0x72);
	json_decref(o);
	free(text);
	kvmexit_close(k);
}


/* arm64: the exception type (ret) says whether the exit was a trap; only a
 * trap's ESR exception class names its reason. */
static void put_arm64(uint8_t *raw, int32_t ret, uint32_t ec)
{
	memset(raw, 0, 32);
	uint16_t type = 61;	/* the format's ID */
	memcpy(raw, &type, 2);
	memcpy(raw + 8, &ret, 4);	/* ret: offset 8, size 4 */
	memcpy(raw + 12, &ec, 4);	/* esr_ec: offset 12, size 4 */
}

static void test_arm64_format(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.1_arm64.txt");
	char *entry = slurp_small("tests/data/kvm_entry_format_6.1_arm64.txt");
	uint8_t raw[32], eraw[16];

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	assert_int_equal(kvmexit_parse_entry_format(k, entry, err, sizeof(err)), 0);
	assert_true(k->arm64);
	assert_int_equal(k->id, 61);
	assert_int_equal(k->entry_id, 62);
	assert_int_equal(k->arm64_trap, 2);	/* {2, "TRAP" } */
	/* "{ (0x24), "DABT_LOW" }": parenthesized values */
	assert_string_equal(kvmexit_reason_name(k, 16, 0x24), "DABT_LOW");
	assert_string_equal(kvmexit_reason_name(k, 16, 0x16), "HVC64");
	assert_string_equal(kvmexit_reason_name(k, 16, 0x01), "WFx");
	assert_string_equal(kvmexit_reason_name(k, 17, 0), "IRQ");
	assert_string_equal(kvmexit_reason_name(k, 17, 0xbadca11), "HYP_GONE");
	/* 3 MMIO traps of 1000 ns each, one IRQ exit (EC meaningless) */
	for (int i = 0; i < 3; i++) {
		put_arm64(raw, 2, 0x24);
		kvmexit_feed(k, 0, 1000 * (uint64_t)i * 10, raw, sizeof(raw));
		memset(eraw, 0, sizeof(eraw));
		uint16_t et = 62;
		memcpy(eraw, &et, 2);
		kvmexit_feed(k, 0, 1000 * (uint64_t)i * 10 + 1000, eraw, sizeof(eraw));
	}
	put_arm64(raw, 0, 0x3f);
	kvmexit_feed(k, 0, 100000, raw, sizeof(raw));
	struct exitprof e;
	assert_int_equal(kvmexit_profile(k, 3, 1, &e), 0);	/* one ucall: an MMIO write */
	json_t *o = exitprof_json(&e);
	json_t *rs = json_object_get(o, "reasons");
	json_t *d = json_object_get(rs, "DABT_LOW");
	assert_int_equal(json_integer_value(json_object_get(d, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "timed")), 3);
	assert_true(json_number_value(json_object_get(d, "time_p50")) == 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rs, "IRQ"), "count")), 1);
	assert_string_equal(kvmexit_isa(k), "arm64");
	json_decref(o);
	exitprof_free(&e);
	free(text);
	free(entry);
	kvmexit_close(k);
}

/* This host's formats (6.18): the kvm_exit layout and VMX/SVM tables, the
 * kvm_entry record, exits paired to entries by thread. */
static void test_pairing_6_18(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.18_pvm_amd64.txt");
	char *entry = slurp_small("tests/data/kvm_entry_format_6.18_pvm_amd64.txt");
	uint8_t raw[72], eraw[40];

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	assert_int_equal(kvmexit_parse_entry_format(k, entry, err, sizeof(err)), 0);
	assert_int_equal(k->id, 103);
	assert_int_equal(k->entry_id, 115);
	assert_false(k->arm64);
	assert_string_equal(kvmexit_reason_name(k, 2, 0x7b), "io");
	assert_string_equal(kvmexit_reason_name(k, 1, 30), "IO_INSTRUCTION");
	uint16_t xt = 103, et = 115;
	memset(eraw, 0, sizeof(eraw));
	memcpy(eraw, &et, 2);
	kvmexit_feed(k, 1, 5, eraw, sizeof(eraw));	/* an entry with no exit: ignored */
	for (uint64_t i = 0; i < 10; i++) {	/* thread 0: cpuid 200 ns; thread 1: io 5000 ns */
		put_raw(raw, 0x72, 2);
		memcpy(raw, &xt, 2);
		kvmexit_feed(k, 0, 10000 * i, raw, sizeof(raw));
		put_raw(raw, 0x7b, 2);
		memcpy(raw, &xt, 2);
		kvmexit_feed(k, 1, 10000 * i + 50, raw, sizeof(raw));
		kvmexit_feed(k, 0, 10000 * i + 200, eraw, sizeof(eraw));
		kvmexit_feed(k, 1, 10000 * i + 5050, eraw, sizeof(eraw));
	}
	uint64_t entries, paired;
	assert_int_equal(kvmexit_events(k, &entries, &paired, NULL, NULL), 20);
	assert_int_equal(entries, 21);
	assert_int_equal(paired, 20);
	struct exitprof e;
	assert_int_equal(kvmexit_profile(k, 10, 2, &e), 0);
	e.vcpus = 2;
	json_t *o = exitprof_json(&e);
	json_t *rs = json_object_get(o, "reasons");
	json_t *c = json_object_get(rs, "cpuid"), *io = json_object_get(rs, "io");
	assert_true(json_number_value(json_object_get(c, "per_op")) == 1.0);
	assert_true(json_number_value(json_object_get(c, "time_mean")) == 200);
	/* the two call-channel writes are out of the count, not the times */
	assert_int_equal(json_integer_value(json_object_get(io, "count")), 8);
	assert_int_equal(json_integer_value(json_object_get(io, "timed")), 10);
	assert_true(json_number_value(json_object_get(io, "time_p99")) == 5000);
	assert_string_equal(json_string_value(json_object_get(o, "method")), "tracepoints");
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "ns");
	json_decref(o);
	exitprof_free(&e);
	free(text);
	free(entry);
	kvmexit_close(k);
}

/* The inherited mode's per-CPU rings: a thread that migrated between an
 * exit and its entry has them in two rings, read in either order. Held
 * records are fed in time order, those past the cutoff wait for the next
 * drain, and the pairing is by thread, not by ring. */
static void test_held_merge(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.18_pvm_amd64.txt");
	char *entry = slurp_small("tests/data/kvm_entry_format_6.18_pvm_amd64.txt");
	uint8_t raw[72], eraw[40], big[HELD_RAW + 8];
	uint16_t xt = 103, et = 115;
	uint64_t entries, paired, lost;

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	assert_int_equal(kvmexit_parse_entry_format(k, entry, err, sizeof(err)), 0);
	memset(eraw, 0, sizeof(eraw));
	memcpy(eraw, &et, 2);
	put_raw(raw, 0x7b, 2);
	memcpy(raw, &xt, 2);
	/* CPU 1's ring read first: thread 7's entry (it moved from CPU 0),
	 * thread 8's exit and entry; then CPU 0's: thread 7's exit. */
	assert_int_equal(kvmexit_hold(k, 7, 300, eraw, sizeof(eraw)), 0);
	assert_int_equal(kvmexit_hold(k, 8, 150, raw, sizeof(raw)), 0);
	assert_int_equal(kvmexit_hold(k, 8, 250, eraw, sizeof(eraw)), 0);
	assert_int_equal(kvmexit_hold(k, 7, 100, raw, sizeof(raw)), 0);
	kvmexit_feed_held(k, 200);	/* the two exits only */
	assert_int_equal(kvmexit_events(k, &entries, &paired, NULL, NULL), 2);
	assert_int_equal(entries, 0);
	assert_int_equal(k->n_held, 2);
	kvmexit_feed_held(k, UINT64_MAX);
	assert_int_equal(kvmexit_events(k, &entries, &paired, &lost, NULL), 2);
	assert_int_equal(entries, 2);
	assert_int_equal(paired, 2);
	assert_int_equal(k->n_held, 0);
	struct exitprof e;
	assert_int_equal(kvmexit_profile(k, 0, 0, &e), 0);
	assert_int_equal(e.vcpus, 2);
	json_t *o = exitprof_json(&e);
	json_t *io = json_object_get(json_object_get(o, "reasons"), "io");
	assert_int_equal(json_integer_value(json_object_get(io, "timed")), 2);
	/* 200 ns (thread 7, across the two rings) and 100 ns (thread 8) */
	assert_true(json_number_value(json_object_get(io, "time_mean")) == 150);
	json_decref(o);
	exitprof_free(&e);
	/* a record bigger than a held slot is counted lost, and the thread's
	 * exit before it is then not timed against the entry after it (the
	 * mark is fed in time order too, though it was held in between) */
	memset(big, 0, sizeof(big));
	assert_int_equal(kvmexit_hold(k, 7, 450, big, sizeof(big)), -E2BIG);
	assert_int_equal(kvmexit_hold(k, 7, 500, eraw, sizeof(eraw)), 0);
	assert_int_equal(kvmexit_hold(k, 7, 400, raw, sizeof(raw)), 0);
	kvmexit_feed_held(k, UINT64_MAX);
	kvmexit_events(k, &entries, &paired, &lost, NULL);
	assert_int_equal(lost, 1);
	assert_int_equal(paired, 2);
	free(text);
	free(entry);
	kvmexit_close(k);
}

static void put32(uint8_t *raw, uint32_t off, uint32_t v)
{
	memcpy(raw + off, &v, 4);
}

/* kvm_pio, kvm_mmio and kvm_msr in the thread's ring beside its exits:
 * counted per port, address and MSR (offsets and kvm_mmio's type names
 * from the formats), busiest first, without disturbing the exit/entry
 * pairing; a record too short for its fields is not counted. */
static void test_io_breakdown(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";
	char *text = slurp("tests/data/kvm_exit_format_6.18_pvm_amd64.txt");
	char *entry = slurp_small("tests/data/kvm_entry_format_6.18_pvm_amd64.txt");
	char *pio = slurp_small("tests/data/kvm_pio_format_6.18_pvm_amd64.txt");
	char *mmio = slurp_small("tests/data/kvm_mmio_format_6.18_pvm_amd64.txt");
	char *msr = slurp_small("tests/data/kvm_msr_format_6.18_pvm_amd64.txt");
	uint8_t raw[72], r[32];
	uint16_t xt = 103, et = 115, pt = 110, mt = 38, st = 99;

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	assert_int_equal(kvmexit_parse_entry_format(k, entry, err, sizeof(err)), 0);
	assert_int_equal(kvmio_parse_format(k, IO_PIO, pio), 0);
	assert_int_equal(kvmio_parse_format(k, IO_MMIO, mmio), 0);
	assert_int_equal(kvmio_parse_format(k, IO_MSR, msr), 0);
	assert_int_equal(k->io_ev[IO_PIO].id, 110);
	assert_int_equal(k->n_mmio_names, 3);
	assert_null(kvmexit_io_json(k));	/* not asked for */
	kvmexit_want_io(k, true);
	for (uint64_t i = 0; i < 5; i++) {
		put_raw(raw, 0x7b, 2);	/* an io exit, its kvm_pio (out 0x22e), its entry */
		memcpy(raw, &xt, 2);
		kvmexit_feed(k, 0, 1000 * i, raw, sizeof(raw));
		memset(r, 0, sizeof(r));
		memcpy(r, &pt, 2);
		put32(r, 8, 1), put32(r, 12, 0x22e), put32(r, 16, 1), put32(r, 20, 1);
		kvmexit_feed(k, 0, 1000 * i + 10, r, sizeof(r));
		memset(r, 0, sizeof(r));
		memcpy(r, &et, 2);
		kvmexit_feed(k, 0, 1000 * i + 100, r, sizeof(r));
	}
	memset(r, 0, sizeof(r));	/* two MMIO writes of 4 bytes at 0xd0001000 */
	memcpy(r, &mt, 2);
	put32(r, 8, 2), put32(r, 12, 4);
	uint64_t gpa = 0xd0001000ull;
	memcpy(r + 16, &gpa, 8);
	kvmexit_feed(k, 0, 9000, r, sizeof(r));
	kvmexit_feed(k, 0, 9001, r, sizeof(r));
	memset(r, 0, sizeof(r));	/* a wrmsr that raised #GP, and one cut short */
	memcpy(r, &st, 2);
	put32(r, 8, 1), put32(r, 12, 0xc0000080);
	r[24] = 1;
	kvmexit_feed(k, 0, 9100, r, sizeof(r));
	kvmexit_feed(k, 0, 9200, r, 20);
	uint64_t paired;
	assert_int_equal(kvmexit_events(k, NULL, &paired, NULL, NULL), 5);
	assert_int_equal(paired, 5);
	json_t *o = kvmexit_io_json(k);
	assert_non_null(o);
	json_t *p0 = json_array_get(json_object_get(o, "pio"), 0);
	json_t *m0 = json_array_get(json_object_get(o, "mmio"), 0);
	json_t *s0 = json_array_get(json_object_get(o, "msr"), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "port")), "0x22e");
	assert_string_equal(json_string_value(json_object_get(p0, "dir")), "out");
	assert_int_equal(json_integer_value(json_object_get(p0, "count")), 5);
	assert_string_equal(json_string_value(json_object_get(m0, "gpa")), "0xd0001000");
	assert_string_equal(json_string_value(json_object_get(m0, "type")), "write");
	assert_int_equal(json_integer_value(json_object_get(m0, "count")), 2);
	assert_string_equal(json_string_value(json_object_get(s0, "msr")), "0xc0000080");
	assert_true(json_is_true(json_object_get(s0, "gp")));
	assert_int_equal(json_integer_value(json_object_get(s0, "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "events")), 8);
	json_decref(o);
	free(text), free(entry), free(pio), free(mmio), free(msr);
	kvmexit_close(k);
}

/* No event while the VMM saw exits in the same window: it does not fire. */
static void test_fires_check(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char why[256] = "";
	uint8_t raw[64];

	(void)state;
	assert_int_equal(kvmexit_check_fires(k, 0, why, sizeof(why)), 1);	/* nothing to tell by */
	assert_int_equal(kvmexit_check_fires(k, 5, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "does not fire"));
	assert_non_null(strstr(why, "5 exits"));
	char *text = slurp("tests/data/kvm_exit_format_6.1_amd64.txt");
	char err[128];
	assert_int_equal(kvmexit_parse_format(k, text, err, sizeof(err)), 0);
	put_raw(raw, 0x7b, 2);
	kvmexit_count_raw(k, raw, sizeof(raw));
	assert_int_equal(kvmexit_check_fires(k, 5, why, sizeof(why)), 1);
	free(text);
	kvmexit_close(k);
}

static void test_bad_format(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, "name: kvm_exit\nformat:\n", err, sizeof(err)), -22);
	assert_non_null(strstr(err, "exit_reason"));
	assert_int_equal(kvmexit_parse_entry_format(k, "name: kvm_entry\nformat:\n", err, sizeof(err)), -22);
	assert_non_null(strstr(err, "common_type"));
	kvmexit_close(k);
}

/* This host's own answer: whatever it is, the unit follows from it. */
static void test_emulation_here(void **state)
{
	struct hostinfo hi;

	(void)state;
	hostinfo_probe(&hi);
	if (strcmp(hi.arch, "x86_64"))
		skip();
	assert_true(hi.tsc_per_insn > 0);
	assert_non_null(strstr(hi.emulated_source, "cpuid 0x40000000"));
	if (!hi.emulated)
		assert_string_equal(hi.counter_unit, "cycles");
	else if (hi.tsc_per_insn > 0.99 && hi.tsc_per_insn < 1.01)
		assert_string_equal(hi.counter_unit, "instructions");
	printf("# emulated %d (%s), unit %s: %s\n", hi.emulated, hi.emulated_source,
	       hi.counter_unit, hi.counter_unit_source);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_count_and_ucalls),
		cmocka_unit_test(test_arm64_format),
		cmocka_unit_test(test_pairing_6_18),
		cmocka_unit_test(test_held_merge),
		cmocka_unit_test(test_fires_check),
		cmocka_unit_test(test_io_breakdown),
		cmocka_unit_test(test_bad_format),
		cmocka_unit_test(test_emulation_here),
	};
	if (find_root())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
