/* Shared by the analysis tests: a scratch folder and a way to run a
 * subcommand's entry point with its output captured. */
#ifndef TESTS_AN_TESTUTIL_H
#define TESTS_AN_TESTUTIL_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "analysis/an_util.h"

static char tmpdir[256];

static char *tpath(const char *name)
{
	static char buf[8][512];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

/* Runs an entry point with stdout/stderr captured; returns its exit code. */
static int run_cmd(int (*fn)(int, char **), char **out, char **err, ...)
{
	char *argv[32];
	int argc = 0, ret, so, se, fo, fe;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fo = open(tpath("stdout.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fe = open(tpath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fo, 1);
	dup2(fe, 2);
	ret = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	assert_int_equal(an_read_file(tpath("stdout.txt"), out, NULL), 0);
	assert_int_equal(an_read_file(tpath("stderr.txt"), err, NULL), 0);
	return ret;
}

#endif
