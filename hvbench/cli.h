/* The CLI's subcommands and its documented exit codes. */
#ifndef HVBENCH_CLI_H
#define HVBENCH_CLI_H

#ifndef HVBENCH_VERSION
#define HVBENCH_VERSION "0.0.0"
#endif

/* Exit codes (also in README.md and `hvbench --help`). */
enum {
	EXIT_OK = 0,		/* ran; every benchmark ok or unsupported */
	EXIT_BENCH_FAILED = 1,	/* ran and saved results, but a benchmark failed
				 * (compare: a significant regression) */
	EXIT_USAGE = 2,		/* bad command line or suite file */
	EXIT_NO_KVM = 3,	/* /dev/kvm missing or not accessible */
	EXIT_IO = 4,		/* could not read or write a file */
	EXIT_TOOL = 5,		/* an external tool (gnuplot) failed */
	EXIT_UNSUPPORTED = 6,	/* profile: the host cannot show what was asked
				 * (kvm:kvm_exit does not fire, no tracefs, perf refused) */
	EXIT_INTERRUPTED = 130,	/* Ctrl-C: what was measured is saved */
};

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_profile(int argc, char **argv);

#endif
