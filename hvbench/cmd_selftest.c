/* `hvbench selftest`: does the guest runtime report what goes wrong? On a
 * new host (or a new arch backend) a benchmark that faults must come back
 * "failed" with the exception decoded — vector or exception class, the
 * faulting address, the privilege level — not hang or pass silently. Each
 * check runs a real VM whose body reads an address no page table maps. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/abi.h"
#include "hvbench/cli.h"
#include "hvbench/measure.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"

#define FAULT_ADDR "0x100000000000"	/* op_fault in microbench/guest/<arch> */

static const struct mb_bench fault_row = {
	.name = "selftest_fault", .family = "selftest",
	.description = "reads an address beyond the guest's page tables: must be reported as a fault",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64, .expected_exits = -1,
	.exit_stat = "exits", .body = "fault_test", .cpls = MB_CPL_ANY,
};

/* The fault record names the level the x86 way ("cpl") or the arm64 way
 * ("el": EL0 for cpl 3, EL1 for cpl 0). */
static bool level_ok(json_t *f, int cpl)
{
	json_t *c = json_object_get(f, "cpl"), *el = json_object_get(f, "el");

	if (c)
		return json_integer_value(c) == cpl;
	return el && json_integer_value(el) == (cpl == 3 ? 0 : 1);
}

/* One check: 0 passed, 1 failed (why in msg). */
static int check_fault(const struct measure_env *env, int cpl, json_t **rec_out,
		       char *msg, size_t len)
{
	struct mb_params p;
	json_t *rec, *f;
	const char *st, *why;

	mb_params_defaults(&p, &fault_row);
	p.cpl = cpl;
	p.timeout_ms = 30000;
	rec = measure_run(env, &fault_row, &p);
	*rec_out = rec;
	if (!rec) {
		snprintf(msg, len, "the runner returned nothing");
		return 1;
	}
	st = json_string_value(json_object_get(rec, "status"));
	why = json_string_value(json_object_get(rec, "reason"));
	f = json_object_get(rec, "fault");
	if (!st || strcmp(st, "failed") || !f) {
		snprintf(msg, len, "want status failed with a fault record, got %s%s%s",
			 st ? st : "no status", why ? ": " : "", why ? why : "");
		return 1;
	}
	if (!why || !strstr(why, FAULT_ADDR)) {
		snprintf(msg, len, "the reason does not name the address %s: %s",
			 FAULT_ADDR, why ? why : "(none)");
		return 1;
	}
	if (!level_ok(f, cpl)) {
		snprintf(msg, len, "the fault record has the wrong privilege level for cpl %d: %s",
			 cpl, why);
		return 1;
	}
	snprintf(msg, len, "%s", why);
	return 0;
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	int c, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			as_json = true;
		} else {
			FILE *out = c == 'h' ? stdout : stderr;
			fprintf(out, "usage: hvbench selftest [--json]\n\n"
				     "Checks that the guest runtime reports faults: a body that reads an\n"
				     "unmapped address (%s) must end \"failed\" with the exception\n"
				     "decoded (x86: vector, CR2, CPL; arm64: exception class, FAR, ELR,\n"
				     "EL), once at cpl 0 (EL1) and once at cpl 3 (EL0). Each check is a\n"
				     "real VM.\n\n"
				     "exit: 0 done, every check passed, 1 a check failed, 2 bad command line,\n"
				     "      3 /dev/kvm missing or not accessible\n",
				FAULT_ADDR);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hvbench selftest: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	struct hostinfo hi;
	hostinfo_probe(&hi);
	if (hi.kvm_error[0]) {
		fprintf(stderr, "hvbench selftest: %s\n", hi.kvm_error);
		return EXIT_NO_KVM;
	}
	struct measure_env env = { .host = &hi };
	json_t *doc = json_object(), *checks = json_array();
	static const int cpls[] = { 0, 3 };

	for (size_t i = 0; i < sizeof(cpls) / sizeof(cpls[0]); i++) {
		char msg[1024], name[64];
		json_t *rec = NULL;
		int bad = check_fault(&env, cpls[i], &rec, msg, sizeof(msg));

		failed += bad;
		snprintf(name, sizeof(name), "fault reported at cpl %d", cpls[i]);
		if (!as_json)
			printf("%s: %s: %s\n", bad ? "FAIL" : "ok", name, msg);
		json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:o*}",
			"check", name, "passed", !bad, "detail", msg,
			"record", rec));
	}
	json_object_set_new(doc, "arch", json_string(mb_arch_name(mb_host_arch())));
	json_object_set_new(doc, "backend", json_string(hi.backend));
	json_object_set_new(doc, "checks", checks);
	json_object_set_new(doc, "failed", json_integer(failed));
	if (as_json) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%d check(s) failed\n", failed);
	}
	json_decref(doc);
	return failed ? EXIT_BENCH_FAILED : EXIT_OK;
}
