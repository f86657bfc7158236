/* hvbench's command line: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "analysis/an.h"
#include "hvbench/cli.h"
#include "hvbench/startup.h"
#include "hvbench/termsafe.h"
#include "hvbench/version.h"
#include "store/db.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage, *what;	/* printed in two columns; ci/man.sh reads them */
} cmds[] = {
	{ "run", cmd_run, "run SUITE.json|BENCHMARK... [opts]",
	  "run a suite, or benchmarks named, in real VMs" },
	{ "profile", cmd_profile, "profile -p PID | -- COMMAND",
	  "the exit profile of a running VM or one it starts (kvm:kvm_exit)" },
	{ "list", cmd_list, "list [--json] [--params]",
	  "the benchmarks, the archs they run on, their parameters" },
	{ "info", cmd_info, "info [--json]",
	  "what kind of virtualization this host has" },
	{ "selftest", cmd_selftest, "selftest [--json]",
	  "does the guest runtime report faults (real VMs)" },
	{ "compare", an_cmd_compare, "compare BASE.json NEW.json...",
	  "medians, ratios with 95% CI, significance" },
	{ "plot", an_cmd_plot, "plot RESULT.json... -o DIR",
	  "charts with gnuplot (PNG and SVG)" },
	{ "report", an_cmd_report, "report RESULT.json [-o FILE.html]",
	  "a self-contained HTML report" },
	{ "dashboard", cmd_dashboard, "dashboard DIR|--db URL -o SITE",
	  "a static regression dashboard over many runs" },
	{ "export", an_cmd_export, "export RESULT.json --csv [-o FILE]",
	  "a spreadsheet-friendly table" },
	{ "db", cmd_db, "db import|export|query|version",
	  "the results store (SQLite, PostgreSQL)" },
};

static void usage(FILE *f)
{
	fprintf(f, "hvbench %s: what virtualization really costs on this host\n\n"
		   "usage: hvbench COMMAND [ARGS]   (hvbench COMMAND --help for details)\n\n",
		HVBENCH_VERSION);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-36s %s\n", cmds[i].usage, cmds[i].what);
	fprintf(f, "\nexit codes:\n"
		   "  0  done (every benchmark ok or unsupported on this host)\n"
		   "  1  done and saved, but a benchmark failed (compare: a significant regression)\n"
		   "  2  bad command line, or a suite or result file read but invalid (nothing was run or written)\n"
		   "  3  /dev/kvm is missing or not accessible\n"
		   "  4  a file could not be read (missing, unreadable, not a regular file) or written\n"
		   "  5  an external tool (gnuplot, chromium) failed\n"
		   "  6  unsupported on this host (profile: kvm:kvm_exit does not fire, tracefs or perf unavailable)\n"
		   "  130  interrupted; what was measured is saved, marked \"interrupted\"\n");
}

int main(int argc, char **argv)
{
	startup_init();	/* first: the start-up timeline begins here */
	/* Every human line may quote a suite or a result file: no terminal
	 * control sequence from them reaches the terminal (termsafe.h). */
	ts_install();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("hvbench %s (%s%s)\n", HVBENCH_VERSION, hvbench_git,
		       hvbench_git_dirty > 0 ? ", with uncommitted changes" : "");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hvbench: unknown command '%s' (try hvbench --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
