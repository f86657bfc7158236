/* Suite files (`hvbench run SUITE.json`): parse and validate them against the
 * benchmark table, with every error pointing at PATH:LINE:COL. */
#ifndef HVBENCH_SUITE_H
#define HVBENCH_SUITE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "microbench/mb.h"

/* Which parameters a file set, as bits: generic parameter i (table order)
 * is bit i, family parameter j (the bench's ext_params order) is bit 32 + j. */
#define SUITE_GENERIC_BIT(i) (1ull << (i))
#define SUITE_EXT_BIT(j) (1ull << (32 + (j)))

struct suite_entry {
	const struct mb_bench *bench;
	struct mb_params params;	/* defaults, then "defaults", then the entry */
	char label[128];		/* "pio_user cpl=3": the entry's own params */
	int line, col;			/* the entry's object in the file */
	size_t index;			/* its position in "benchmarks" */
	uint64_t set_here;		/* params given in the entry itself */
	uint64_t set_by_defaults;	/* params taken from "defaults" */
};

struct suite {
	char name[128];
	char description[256];
	char path[4096];
	size_t n;
	struct suite_entry *entries;
	/* The file's text, kept so later checks can still point at a line. */
	char *text;
	size_t text_len;
};

/* Read and validate a suite file. 0, or -errno with one line in err:
 * "PATH:LINE:COL: message" (I/O errors: "PATH: message"). -EINVAL and
 * -EFBIG (over 1 MiB) mean the file was read and is not a valid suite;
 * anything else (-ENOENT, -EACCES, -ESPIPE for a FIFO or other non-regular
 * file, -EISDIR, -EIO...) that it could not be read: suite_exit_code(). */
int suite_load(const char *path, struct suite *out, char *err, size_t errlen);
/* The exit code of a failed suite_load: 2 (invalid) or 4 (unreadable). */
int suite_exit_code(int rc);

/* The same from text; path_for_errors (may be NULL) prefixes messages and is
 * kept in out->path. */
int suite_parse(const char *text, size_t len, const char *path_for_errors,
		struct suite *out, char *err, size_t errlen);

void suite_free(struct suite *s);

/*
 * Checks that need the host, run before any VM starts: mem_mb beyond the
 * host's RAM (host_mem_bytes 0 = unknown, not checked), a "cpus" list with
 * no CPU this process may run on. Entries not built for
 * host_arch (MB_ARCH_*) are skipped: the runner records them as unsupported.
 * 0, or -EINVAL with "PATH:LINE:COL: message" in err.
 */
int suite_check_host(const struct suite *s, uint64_t host_mem_bytes,
		     unsigned host_arch, char *err, size_t errlen);

/* Where an entry's parameter got its value: the entry's key, else the
 * "defaults" key, else the entry's object. 0 or -ENOENT. */
int suite_param_pos(const struct suite *s, const struct suite_entry *e,
		    const char *param, int *line, int *col);

/*
 * Resolved parameters for the result file: every generic and family
 * parameter, in table order, choices as strings, "cpl" as 0 or 3 and
 * "cpl_auto": true after it when the suite said "auto". The caller resolves
 * cpl first: an unresolved MB_CPL_AUTO gives NULL, as does out of memory.
 */
json_t *suite_params_json(const struct suite_entry *e);
json_t *suite_params_to_json(const struct mb_bench *b,
			     const struct mb_params *p);

#endif
