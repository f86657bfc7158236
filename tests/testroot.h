/* Shared by the tests that read files of the repository: where it is. */
#ifndef TESTS_TESTROOT_H
#define TESTS_TESTROOT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[PATH_MAX];

static int is_root(const char *dir)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/README.md", dir);
	return access(p, R_OK) == 0;
}

/* HVBENCH_SRCDIR, else the working directory or above, else the folders
 * above the test binary (build/<arch>/tests/). */
static int find_root(void)
{
	char dir[PATH_MAX];
	const char *env = getenv("HVBENCH_SRCDIR");
	ssize_t n;

	if (env && is_root(env)) {
		snprintf(root, sizeof(root), "%s", env);
		return 0;
	}
	if (getcwd(dir, sizeof(dir))) {
		for (int up = 0; up < 5; up++) {
			if (is_root(dir)) {
				snprintf(root, sizeof(root), "%s", dir);
				return 0;
			}
			char *slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
		}
	}
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n > 0) {
		dir[n] = '\0';
		for (int up = 0; up < 6; up++) {
			char *slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
			if (is_root(dir)) {
				snprintf(root, sizeof(root), "%s", dir);
				return 0;
			}
		}
	}
	fprintf(stderr, "cannot find the repository (set HVBENCH_SRCDIR)\n");
	return -1;
}

#endif
