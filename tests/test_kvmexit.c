/* Tests for the kvm:kvm_exit decoder (probes/kvmexit.c) on the format file
 * of Debian 12's amd64 kernel (6.1, read from tracefs inside the emulated
 * SVM machine of ci/x86-emu), and for the emulation detection on this host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probes/hostinfo.h"
#include "probes/kvmexit.h"
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

static void test_bad_format(void **state)
{
	struct kvmexit *k = kvmexit_new();
	char err[128] = "";

	(void)state;
	assert_int_equal(kvmexit_parse_format(k, "name: kvm_exit\nformat:\n", err, sizeof(err)), -22);
	assert_non_null(strstr(err, "exit_reason"));
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
		cmocka_unit_test(test_bad_format),
		cmocka_unit_test(test_emulation_here),
	};
	if (find_root())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
