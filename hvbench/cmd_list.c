/* `hvbench list`: the benchmark table as a person or a script reads it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hvbench/cli.h"
#include "microbench/mb.h"

static void archs_str(unsigned archs, char *buf, size_t len)
{
	mb_archs_str(archs, ",", buf, len);
}

static const char *cpls_str(unsigned cpls)
{
	return cpls == MB_CPL_ANY ? "0,3" : cpls == MB_CPL0 ? "0" : "3";
}

static json_t *bench_json(const struct mb_bench *b)
{
	json_t *archs = json_array();
	json_t *cpls = json_array();
	json_t *ext = json_array();

	for (unsigned bit = 1; bit <= HV_ARCH_ALL; bit <<= 1)
		if (b->archs & bit)
			json_array_append_new(archs, json_string(mb_arch_name(bit)));
	if (b->cpls & MB_CPL0)
		json_array_append_new(cpls, json_integer(0));
	if (b->cpls & MB_CPL3)
		json_array_append_new(cpls, json_integer(3));
	for (int i = 0; b->ext_params && b->ext_params[i].name; i++)
		json_array_append_new(ext, json_pack("{s:s, s:s}", "name",
			b->ext_params[i].name, "help", b->ext_params[i].help));
	/* A row may leave exit_kind unset (null here): json_pack fails on a
	 * NULL "s", and a row missing from this list escapes ci/test-bodies.sh. */
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?, s:o, s:s, s:o, s:i, s:b, s:o}",
		"name", b->name, "family", b->family, "body", b->body, "description", b->description,
		"archs", archs, "exit", b->exit_kind,
		"expected_exits_per_op", b->expected_exits < 0 ? json_null() : json_real(b->expected_exits),
		"exit_stat", b->exit_stat, "cpls", cpls, "min_vcpus", b->min_vcpus ? b->min_vcpus : 1,
		"irqchip", b->irqchip, "params", ext);
	/* Per vendor where the row has a rule (the run checks the one that
	 * applies, with expected_exits_rule in the record). */
	if (o && b->expected_rules)
		json_object_set_new(o, "expected_by_host", json_string(b->expected_rules));
	return o;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "params", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false, params = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		if (c == 'j') {
			as_json = true;
		} else if (c == 'p') {
			params = true;
		} else {
			FILE *f = c == 'h' ? stdout : stderr;
			fprintf(f, "usage: hvbench list [--json] [--params]\n\n"
				   "The benchmarks hvbench knows: family, archs, allowed cpl, the exit\n"
				   "each provokes and how many per operation it expects.\n"
				   "  --params   also the parameters every benchmark takes\n"
				   "  --json     machine-readable\n\n"
				   "exit: 0 done, 2 bad command line\n");
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (as_json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < mb_count(); i++) {
			json_t *o = bench_json(mb_get(i));

			if (!o) {
				fprintf(stderr, "hvbench list: row %s cannot be listed (a required field is NULL, or out of memory)\n",
					mb_get(i)->name);
				json_decref(arr);
				return EXIT_USAGE;
			}
			json_array_append_new(arr, o);
		}
		json_t *gen = json_array();
		for (size_t i = 0; i < mb_generic_count(); i++) {
			const struct mb_generic_param *g = mb_generic_get(i);
			json_array_append_new(gen, json_pack("{s:s, s:s, s:s, s:I, s:I}",
				"name", g->name, "type", g->type, "help", g->help,
				"min", (json_int_t)g->min, "max", (json_int_t)g->max));
		}
		json_t *doc = json_pack("{s:o, s:o}", "benchmarks", arr, "parameters", gen);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
		return EXIT_OK;
	}
	printf("%-16s %-10s %-9s %-4s %-8s %s\n", "NAME", "FAMILY", "ARCHS", "CPL",
	       "EXITS/OP", "WHAT IT MEASURES");
	for (size_t i = 0; i < mb_count(); i++) {
		const struct mb_bench *b = mb_get(i);
		char archs[32], exp[16];

		archs_str(b->archs, archs, sizeof(archs));
		if (b->expected_rules)
			snprintf(exp, sizeof(exp), "vendor");
		else if (b->expected_exits < 0)
			snprintf(exp, sizeof(exp), "host");
		else
			snprintf(exp, sizeof(exp), "%g", b->expected_exits);
		printf("%-16s %-10s %-9s %-4s %-8s %s\n", b->name, b->family, archs,
		       cpls_str(b->cpls), exp, b->description);
		if (b->expected_rules)
			printf("%16s   exits/op: %s\n", "", b->expected_rules);
		for (int k = 0; b->ext_params && b->ext_params[k].name; k++)
			printf("%16s   param %s: %s\n", "", b->ext_params[k].name,
			       b->ext_params[k].help);
	}
	printf("\nEXITS/OP \"host\": depends on the host's virtualization hardware; not checked.\n"
	       "EXITS/OP \"vendor\": the table's rule per backend (below the row) is checked where it gives a number.\n");
	if (params) {
		printf("\nParameters every benchmark takes (suite \"defaults\" or per benchmark):\n");
		for (size_t i = 0; i < mb_generic_count(); i++) {
			const struct mb_generic_param *g = mb_generic_get(i);
			printf("  %-13s %-11s %s\n", g->name, g->type, g->help);
		}
	}
	return EXIT_OK;
}
