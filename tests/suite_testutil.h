/* What tests/test_suite*.c share: the repository root, paths of the suite
 * test data, and checks of the one-line error format. */
#ifndef TESTS_SUITE_TESTUTIL_H
#define TESTS_SUITE_TESTUTIL_H


/* The repository root, where tests/data and configs live. */
#include "tests/testroot.h"

static inline int group_setup(void **state)
{
	return find_root();
}

static inline void data_path(char *out, size_t len, const char *file)
{
	snprintf(out, len, "%s/tests/data/suites/%s", root, file);
}

/* err must be one line "PATH:LINE:COL: ..." containing sub. */
static inline void check_err(const char *err, const char *path, int line, int col,
		      const char *sub)
{
	char prefix[2 * PATH_MAX + 64];	/* path may be a PATH_MAX + 256 buffer */

	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, sub)) {
		print_error("got:  %s\nwant: %s... %s ...\n", err, prefix, sub);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

/* Parse a suite held in a string; returns the error code. */
static inline int parse_str(const char *text, struct suite *s, char *err,
		     size_t errlen)
{
	return suite_parse(text, strlen(text), "t.json", s, err, errlen);
}

#endif
