/* Where a value or key sits in JSON text (line:col), found by a minimal
 * tokenizer walk, because jansson keeps no positions for semantic errors. */
#ifndef HVBENCH_JSONPOS_H
#define HVBENCH_JSONPOS_H

#include <stddef.h>

/*
 * A position. line and col count from 1; col counts characters (UTF-8 code
 * points, a tab is one), the way jansson counts its own error columns, so
 * syntax and semantic errors agree. offset is in bytes.
 */
struct jsonpos {
	size_t offset;
	int line, col;
};

/* One step of a path: an object key, or an array index when key is NULL. */
struct jsonpos_seg {
	const char *key;
	size_t index;
};

/* Point at the key of the last segment instead of its value (for "unknown
 * parameter" errors); the last segment must then be a key. */
#define JSONPOS_KEY 1

/* Position of byte offset off (clamped to len). */
void jsonpos_at(const char *text, size_t len, size_t off, struct jsonpos *out);

/*
 * Position of the value (or key) at segs[0..n) from the root; n == 0 is the
 * root value. The first occurrence of a key wins (the suite loader rejects
 * duplicates anyway). Returns 0, -ENOENT when the path is not in the text,
 * -EINVAL when the text is not JSON up to that point.
 */
int jsonpos_find_segs(const char *text, size_t len,
		      const struct jsonpos_seg *segs, size_t n, int flags,
		      struct jsonpos *out);

/*
 * The same with a path string: `benchmarks[2].cpl`, `defaults`, `` (root);
 * a key that is not a plain identifier is written `["we.ird"]` with \" and
 * \\ escaped. Returns -EINVAL for a malformed path too.
 */
int jsonpos_find(const char *text, size_t len, const char *path, int flags,
		 struct jsonpos *out);

#endif
