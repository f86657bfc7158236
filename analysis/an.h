/* Entry points of the analysis half of hvbench (compare, plot, report,
 * dashboard, export): the CLI hands each its own argv and exits with its code. */
#ifndef ANALYSIS_AN_H
#define ANALYSIS_AN_H

/*
 * Exit codes shared by every an_cmd_*(). Errors are printed as one line on
 * stderr naming the file and the problem; nothing here calls exit().
 */
enum an_exit {
	AN_EXIT_OK = 0,
	AN_EXIT_REGRESSION = 1, /* compare only: a significant slowdown */
	AN_EXIT_USAGE = 2, /* also a file read but invalid (AN_EXIT_INVALID) */
	AN_EXIT_OUTPUT = 4, /* the output file or folder cannot be written (as hvbench run: 3 means no /dev/kvm) */
	AN_EXIT_INPUT = 4, /* a result file cannot be read (missing, unreadable, not a regular file) */
	AN_EXIT_INVALID = 2, /* a result file was read but is malformed or refused */
	AN_EXIT_TOOL = 5, /* gnuplot missing or failed */
};

/* argv[0] is the subcommand name ("compare", ...); argv[argc] is NULL. */
int an_cmd_compare(int argc, char **argv);
int an_cmd_plot(int argc, char **argv);
int an_cmd_report(int argc, char **argv);
int an_cmd_dashboard(int argc, char **argv);
int an_cmd_export(int argc, char **argv);

#endif
