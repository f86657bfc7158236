/* Suite files: JSON text -> validated list of (benchmark, parameters), every
 * error one line pointing at the offending value as PATH:LINE:COL. The
 * messages are suite_msg.c's, the parameter values suite_params.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvbench/suite_int.h"
#include "probes/topo.h"

/* A suite is a few dozen lines; anything this big is the wrong file. */
#define SUITE_MAX_BYTES (1u << 20)

static const char *const top_keys[] = { "name", "description", "defaults",
					"benchmarks" };

static void add_label(char *label, size_t len, const char *key,
		      const json_t *v)
{
	char val[96];
	size_t k = strlen(label);

	if (json_is_string(v)) {
		snprintf(val, sizeof(val), "%s", json_string_value(v));
	} else if (json_is_array(v)) {
		size_t i, o = 0;

		val[0] = '\0';
		for (i = 0; i < json_array_size(v) && o < sizeof(val); i++) {
			int w = snprintf(val + o, sizeof(val) - o, "%s%s",
					 i ? "," : "",
					 json_string_value(json_array_get(v, i)));
			if (w < 0)
				break;
			o += (size_t)w;
		}
	} else {
		suite_show(v, val, sizeof(val));
	}
	if (k < len && snprintf(label + k, len - k, " %s=%s", key, val) >=
			       (int)(len - k) && len > 4)
		memcpy(label + len - 4, "...", 4);
}

/* Whether some benchmark of the suite takes family parameter key. */
static bool suite_takes(const struct suite *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (mb_ext_index(s->entries[i].bench, key) >= 0)
			return true;
	return false;
}

static int check_defaults(struct suite_ctx *c, const struct suite *s)
{
	struct jsonpos_seg seg[2] = { { .key = "defaults" }, { 0 } };
	const char *names[64 + MB_MAX_EXT * 64], *key;
	char msg[1024], list[2048], hint[160], owners[1024];
	struct mb_params scratch;
	json_t *v;
	int elem;

	if (!c->defaults)
		return 0;
	if (!json_is_object(c->defaults))
		return suite_fail_at(c, seg, 1, 0,
			       "\"defaults\" must be an object {parameter: value, ...}, got %s",
			       suite_show(c->defaults, list, 64));
	mb_params_defaults(&scratch, NULL);
	json_object_foreach(c->defaults, key, v) {
		int gi = suite_generic_index(key);
		size_t n = 0, no = 0;

		seg[1].key = key;
		if (gi >= 0) {
			if (suite_apply_generic(mb_generic_get((size_t)gi), v,
					  &scratch, msg, sizeof(msg), &elem))
				return suite_fail_at(c, seg, 2, 0, "%s", msg);
			continue;
		}
		if (suite_takes(s, key))
			continue;
		/* Name the owners when it is a real family parameter. */
		owners[0] = '\0';
		for (size_t i = 0; i < mb_count(); i++) {
			if (mb_ext_index(mb_get(i), key) < 0)
				continue;
			size_t k = strlen(owners);

			snprintf(owners + k, sizeof(owners) - k, "%s%s",
				 no++ ? ", " : "", mb_get(i)->name);
		}
		if (no)
			return suite_fail_at(c, seg, 2, JSONPOS_KEY,
				       "parameter %s in defaults is taken by no benchmark of this suite (it belongs to: %s)",
				       suite_quote(key, hint, sizeof(hint)), owners);
		n = suite_param_names(NULL, names);
		for (size_t i = 0; i < s->n; i++) {
			const struct mb_bench *b = s->entries[i].bench;

			for (int j = 0; b->ext_params && b->ext_params[j].name;
			     j++) {
				bool dup = false;

				for (size_t t = 0; t < n; t++)
					dup |= !strcmp(names[t],
						       b->ext_params[j].name);
				if (!dup && n < sizeof(names) / sizeof(names[0]))
					names[n++] = b->ext_params[j].name;
			}
		}
		suite_join(list, sizeof(list), names, n, false);
		return suite_fail_at(c, seg, 2, JSONPOS_KEY,
			       "unknown parameter %s in defaults%s (valid here: %s)",
			       suite_quote(key, msg, sizeof(msg)),
			       suite_suggest(key, names, n, hint, sizeof(hint)), list);
	}
	return 0;
}

static const char *cpl_allowed(unsigned cpls)
{
	if ((cpls & MB_CPL_ANY) == MB_CPL0)
		return "0 or \"auto\"";
	if ((cpls & MB_CPL_ANY) == MB_CPL3)
		return "3 or \"auto\"";
	return "0, 3 or \"auto\"";
}

/* Fail at param as set by entry e: its own key, else the defaults key. */
static int fail_param(struct suite_ctx *c, const struct suite_entry *e,
		      uint64_t bit, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail_param(struct suite_ctx *c, const struct suite_entry *e,
		      uint64_t bit, const char *param, const char *fmt, ...)
{
	struct jsonpos_seg here[3] = { { .key = "benchmarks" },
				       { .index = e->index },
				       { .key = param } };
	struct jsonpos_seg dflt[2] = { { .key = "defaults" }, { .key = param } };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->set_here & bit)
		return suite_fail_at(c, here, 3, 0, "%s", msg);
	if (e->set_by_defaults & bit)
		return suite_fail_at(c, dflt, 2, 0,
			       "%s (set in defaults, applied to benchmarks[%zu] at %d:%d)",
			       msg, e->index, e->line, e->col);
	return suite_fail_at(c, here, 2, 0, "%s", msg);
}

/* Apply one parameter (from the entry, or from defaults) to e. */
static int apply_one(struct suite_ctx *c, struct suite_entry *e, const char *key,
		     const json_t *v, bool from_defaults, const json_t *obj)
{
	struct jsonpos_seg seg[4] = { { .key = "benchmarks" },
				      { .index = e->index },
				      { .key = key },
				      { 0 } };
	const struct mb_bench *b = e->bench;
	const char *names[64 + MB_MAX_EXT];
	char msg[1024], list[1024], hint[160];
	int gi = suite_generic_index(key), ei = mb_ext_index(b, key), elem = -1, rc;
	uint64_t bit;
	size_t n;

	if (gi >= 0) {
		bit = SUITE_GENERIC_BIT(gi);
		rc = suite_apply_generic(mb_generic_get((size_t)gi), v, &e->params,
				   msg, sizeof(msg), &elem);
	} else if (ei >= 0) {
		bit = SUITE_EXT_BIT(ei);
		rc = suite_apply_ext(&b->ext_params[ei], v, &e->params.ext[ei], msg,
			       sizeof(msg));
	} else if (from_defaults) {
		return 0;	/* check_defaults vouched for it */
	} else {
		n = suite_param_names(b, names);
		suite_join(list, sizeof(list), names, n, false);
		return suite_fail_at(c, seg, 3, JSONPOS_KEY,
			       "unknown parameter %s for benchmark %s%s (valid: %s)",
			       suite_quote(key, msg, sizeof(msg)), b->name,
			       suite_suggest(key, names, n, hint, sizeof(hint)),
			       list);
	}
	if (from_defaults)
		e->set_by_defaults |= bit;
	else
		e->set_here |= bit;
	if (rc == 0)
		return 0;
	if (from_defaults) {
		struct jsonpos_seg d[2] = { { .key = "defaults" }, { .key = key } };

		return suite_fail_at(c, d, 2, 0,
			       "%s (set in defaults, applied to benchmarks[%zu] at %d:%d)",
			       msg, e->index, e->line, e->col);
	}
	if (elem >= 0) {
		size_t ne = json_array_size(json_object_get(obj, key));

		seg[3].index = (size_t)elem < ne ? (size_t)elem : 0;
		return suite_fail_at(c, seg, 4, 0, "%s", msg);
	}
	return suite_fail_at(c, seg, 3, 0, "%s", msg);
}

/* The entry's object and benchmark name; parameters come later, once every
 * name is known (whether a defaults key is valid depends on them). */
static int entry_head(struct suite_ctx *c, const json_t *obj, size_t i,
		      struct suite_entry *e)
{
	struct jsonpos_seg seg[3] = { { .key = "benchmarks" },
				      { .index = i },
				      { .key = "name" } };
	const char *names[512], *name;
	char list[4096], hint[160], got[64];
	struct jsonpos pos = { 0 };
	const json_t *v;

	e->index = i;
	jsonpos_find_segs(c->text, c->len, seg, 2, 0, &pos);
	e->line = pos.line;
	e->col = pos.col;
	if (!json_is_object(obj))
		return suite_fail_at(c, seg, 2, 0,
			       "benchmarks[%zu] must be an object like {\"name\": \"cpuid\"}, got %s",
			       i, suite_show(obj, got, sizeof(got)));
	v = json_object_get(obj, "name");
	if (!v)
		return suite_fail_at(c, seg, 2, 0,
			       "benchmarks[%zu] has no \"name\"", i);
	name = json_string_value(v);
	if (!name)
		return suite_fail_at(c, seg, 3, 0,
			       "benchmark \"name\" must be a string, got %s",
			       suite_show(v, got, sizeof(got)));
	e->bench = mb_find(name);
	if (!e->bench) {
		size_t n = mb_count() <= 512 ? suite_bench_names(names) : 0;

		suite_join(list, sizeof(list), names, n, false);
		return suite_fail_at(c, seg, 3, 0,
			       "unknown benchmark %s%s (valid: %s)",
			       suite_quote(name, got, sizeof(got)),
			       suite_suggest(name, names, n, hint, sizeof(hint)),
			       list);
	}
	/* params.ext has MB_MAX_EXT slots; a longer row is a table bug that
	 * must not become a buffer overrun. */
	for (int k = 0; e->bench->ext_params && e->bench->ext_params[k].name;
	     k++)
		if (k >= MB_MAX_EXT)
			return suite_fail_at(c, seg, 3, 0,
				       "internal: benchmark %s has more than %d family parameters",
				       name, MB_MAX_EXT);
	mb_params_defaults(&e->params, e->bench);
	snprintf(e->label, sizeof(e->label), "%s", name);
	return 0;
}

/* Defaults first, then the entry's own keys, in file order. */
static int entry_params(struct suite_ctx *c, const json_t *obj,
			struct suite_entry *e)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(c->defaults, key, v) {
		if (json_object_get(obj, key))
			continue;	/* the entry overrides it */
		rc = apply_one(c, e, key, v, true, obj);
		if (rc)
			return rc;
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (!strcmp(key, "name"))
			continue;
		rc = apply_one(c, e, key, v, false, obj);
		if (rc)
			return rc;
		add_label(e->label, sizeof(e->label), key, v);
	}
	return 0;
}

/* Checks across parameters, once the entry is complete. */
static int check_entry(struct suite_ctx *c, struct suite_entry *e)
{
	const struct mb_bench *b = e->bench;
	unsigned cpls = b->cpls ? b->cpls : MB_CPL_ANY;	/* 0: row did not say */
	struct mb_params *p = &e->params;

	if (p->cpl != MB_CPL_AUTO && !(cpls & (1u << p->cpl)))
		return fail_param(c, e, SUITE_GENERIC_BIT(suite_generic_index("cpl")),
				  "cpl", "benchmark %s cannot run at cpl %d (allowed: %s)",
				  b->name, p->cpl, cpl_allowed(cpls));
	if (p->vcpus < b->min_vcpus)
		return fail_param(c, e, SUITE_GENERIC_BIT(suite_generic_index("vcpus")),
				  "vcpus", "benchmark %s needs at least %u vcpus, got %u",
				  b->name, b->min_vcpus, p->vcpus);
	if (b->max_batch && p->batch > b->max_batch)
		return fail_param(c, e, SUITE_GENERIC_BIT(suite_generic_index("batch")),
				  "batch", "benchmark %s takes at most %u operations per sample, got %u",
				  b->name, b->max_batch, p->batch);
	/* "auto" is resolved by the runner, whether the file said it or left
	 * it to the default. */
	p->cpl_auto = p->cpl == MB_CPL_AUTO;
	return 0;
}

static int parse_top(struct suite_ctx *c, json_t *root, struct suite *s)
{
	struct jsonpos_seg seg[2] = { { 0 }, { 0 } };
	const size_t ntop = sizeof(top_keys) / sizeof(top_keys[0]);
	char got[64], list[256], hint[160];
	const char *key;
	json_t *v, *benches;
	int rc;

	if (!json_is_object(root))
		return suite_fail_at(c, NULL, 0, 0,
			       "a suite must be a JSON object {\"name\": ..., \"benchmarks\": [...]}, got %s",
			       suite_show(root, got, sizeof(got)));
	json_object_foreach(root, key, v) {
		bool known = false;

		for (size_t i = 0; i < ntop; i++)
			known |= !strcmp(key, top_keys[i]);
		if (!known) {
			seg[0].key = key;
			suite_join(list, sizeof(list), top_keys, ntop, false);
			return suite_fail_at(c, seg, 1, JSONPOS_KEY,
				       "unknown key %s in suite%s (valid: %s)",
				       suite_quote(key, got, sizeof(got)),
				       suite_suggest(key, top_keys, ntop, hint, sizeof(hint)),
				       list);
		}
	}
	seg[0].key = "name";
	v = json_object_get(root, "name");
	if (!v)
		return suite_fail_at(c, NULL, 0, 0, "suite has no \"name\"");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(s->name))
		return suite_fail_at(c, seg, 1, 0,
			       "\"name\" must be a non-empty string of at most %zu bytes, got %s",
			       sizeof(s->name) - 1, suite_show(v, got, sizeof(got)));
	snprintf(s->name, sizeof(s->name), "%s", json_string_value(v));
	seg[0].key = "description";
	v = json_object_get(root, "description");
	if (v && (!json_is_string(v) ||
		  json_string_length(v) >= sizeof(s->description)))
		return suite_fail_at(c, seg, 1, 0,
			       "\"description\" must be a string of at most %zu bytes, got %s",
			       sizeof(s->description) - 1,
			       suite_show(v, got, sizeof(got)));
	if (v)
		snprintf(s->description, sizeof(s->description), "%s",
			 json_string_value(v));

	seg[0].key = "benchmarks";
	benches = json_object_get(root, "benchmarks");
	if (!benches)
		return suite_fail_at(c, NULL, 0, 0,
			       "suite has no \"benchmarks\": add \"benchmarks\": [{\"name\": \"cpuid\"}, ...]");
	if (!json_is_array(benches))
		return suite_fail_at(c, seg, 1, 0,
			       "\"benchmarks\" must be an array of objects, got %s",
			       suite_show(benches, got, sizeof(got)));
	if (json_array_size(benches) == 0)
		return suite_fail_at(c, seg, 1, 0,
			       "\"benchmarks\" is empty: list at least one benchmark");

	c->defaults = json_object_get(root, "defaults");
	/* Sweeps first: every variant is an entry of its own from here on. */
	size_t *orig = NULL;
	json_t *all = suite_expand(c, benches, &orig, &rc);
	if (!all)
		return rc;
	s->entries = calloc(json_array_size(all), sizeof(*s->entries));
	if (!s->entries) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(all); i++) {
		rc = entry_head(c, json_array_get(all, i), orig[i],
				&s->entries[i]);
		if (rc)
			goto out;
		s->n = i + 1;
	}
	rc = check_defaults(c, s);
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		rc = entry_params(c, json_array_get(all, i),
				  &s->entries[i]);
		if (rc == 0)
			rc = check_entry(c, &s->entries[i]);
	}
out:
	json_decref(all);
	free(orig);
	return rc;
}

int suite_parse(const char *text, size_t len, const char *path_for_errors,
		struct suite *out, char *err, size_t errlen)
{
	struct suite_ctx c = { .text = text, .len = len, .err = err, .errlen = errlen,
			 .path = path_for_errors ? path_for_errors : "<suite>" };
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (strlen(c.path) >= sizeof(out->path)) {
		snprintf(err, errlen, "%.64s...: path too long", c.path);
		return -ENAMETOOLONG;
	}
	if (mb_generic_count() > 32) {
		snprintf(err, errlen, "internal: more than 32 generic parameters");
		return -EINVAL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return suite_syntax_error(&c, &je);
	snprintf(out->path, sizeof(out->path), "%s", c.path);
	rc = parse_top(&c, root, out);
	json_decref(root);
	if (rc == 0) {
		out->text = malloc(len + 1);
		if (!out->text) {
			snprintf(err, errlen, "%s: out of memory", c.path);
			rc = -ENOMEM;
		} else {
			memcpy(out->text, text, len);
			out->text[len] = '\0';
			out->text_len = len;
		}
	}
	if (rc)
		suite_free(out);
	return rc;
}

int suite_load(const char *path, struct suite *out, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	/* O_NONBLOCK: open() of a FIFO would otherwise wait forever for a
	 * writer before the regular-file check below could refuse it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open suite file: %s", path,
			 strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SUITE_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a suite file (%s)", path,
			 S_ISREG(st.st_mode) ? "larger than 1 MiB" :
					       "not a regular file");
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG :
		       S_ISDIR(st.st_mode) ? -EISDIR : -ESPIPE;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: cannot read suite file: %s",
				 path, got < 0 ? strerror(-rc) : "file shrank");
			free(buf);
			close(fd);
			return rc;
		}
		len += (size_t)got;
	}
	close(fd);
	rc = suite_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

int suite_exit_code(int rc)
{
	/* README "Exit codes": a file that cannot be read is 4, one that was
	 * read but is invalid is 2, for suites and result files alike. */
	return rc == -EINVAL || rc == -EFBIG ? 2 : 4;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	free(s->entries);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int suite_param_pos(const struct suite *s, const struct suite_entry *e,
		    const char *param, int *line, int *col)
{
	struct jsonpos_seg here[3] = { { .key = "benchmarks" },
				       { .index = e->index },
				       { .key = param } };
	struct jsonpos_seg dflt[2] = { { .key = "defaults" }, { .key = param } };
	int gi = suite_generic_index(param), ei = mb_ext_index(e->bench, param);
	uint64_t bit;
	struct jsonpos pos;

	if (gi < 0 && ei < 0)
		return -ENOENT;
	bit = gi >= 0 ? SUITE_GENERIC_BIT(gi) : SUITE_EXT_BIT(ei);
	*line = e->line;
	*col = e->col;
	if ((e->set_here & bit) &&
	    !jsonpos_find_segs(s->text, s->text_len, here, 3, 0, &pos)) {
		*line = pos.line;
		*col = pos.col;
	} else if ((e->set_by_defaults & bit) &&
		   !jsonpos_find_segs(s->text, s->text_len, dflt, 2, 0, &pos)) {
		*line = pos.line;
		*col = pos.col;
	}
	return 0;
}

int suite_check_host(const struct suite *s, uint64_t host_mem_bytes,
		     unsigned host_arch, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct suite_entry *e = &s->entries[i];
		uint64_t want = (uint64_t)e->params.mem_mb << 20;
		int line, col;

		if (host_arch && e->bench->archs && !(e->bench->archs & host_arch))
			continue;
		if (e->params.cpus[0]) {
			cpu_set_t *aff = NULL;
			char why[256];

			if (topo_vcpu_affinity(e->params.cpus, false, 1, &aff, why,
					       sizeof(why)) < 0) {
				suite_param_pos(s, e, "cpus", &line, &col);
				snprintf(err, errlen, "%s:%d:%d: benchmark %s: %s", s->path,
					 line, col, e->bench->name, why);
				return -EINVAL;
			}
			free(aff);
		}
		if (!host_mem_bytes || want <= host_mem_bytes)
			continue;
		suite_param_pos(s, e, "mem_mb", &line, &col);
		snprintf(err, errlen,
			 "%s:%d:%d: mem_mb %u for benchmark %s is more than this host's memory (%llu MiB)",
			 s->path, line, col, e->params.mem_mb, e->bench->name,
			 (unsigned long long)(host_mem_bytes >> 20));
		return -EINVAL;
	}
	return 0;
}
