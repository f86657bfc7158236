/* `hvbench run`'s command line as a suite (run_args.h). The benchmarks named
 * become a suite of their own ("command line"); settings become the suite's
 * defaults (a scalar generic parameter, which then wins over every entry's
 * own value) or each entry's value (a family parameter, or a sweep: a list
 * or a {"from", "to", "step"} range), and the result is parsed as any suite
 * is. A message about a setting names the command line, not a position in
 * text the user never wrote. */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hvbench/measure.h"
#include "hvbench/run_args.h"
#include "hvbench/suite_int.h"
#include "microbench/mb.h"

#define CMDLINE "command line"

void run_args_init(struct run_args *a)
{
	memset(a, 0, sizeof(*a));
	a->settings = json_object();
}

void run_args_free(struct run_args *a)
{
	json_decref(a->settings);
	free(a->names);
	memset(a, 0, sizeof(*a));
}

/* A value as JSON where it parses as JSON (3, true, [16, 64],
 * {"from": 0, "to": 8000, "step": 2000}), else the text as a string. */
static json_t *value_of(const char *s)
{
	json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);

	return v ? v : json_string(s);
}

/* "500ms", "2s", "1.5s", "1m"; a bare number is milliseconds. */
static int duration_ms(const char *s, long long *ms)
{
	char *end;
	double v = strtod(s, &end);
	double scale = !strcmp(end, "ms") || !*end ? 1 : !strcmp(end, "s") ? 1e3 :
		       !strcmp(end, "m") || !strcmp(end, "min") ? 6e4 : -1;

	if (end == s || scale < 0 || !(v > 0) || v * scale > 1e12)
		return -1;
	*ms = (long long)(v * scale + 0.5);
	return *ms >= 1 ? 0 : -1;
}

int run_args_option(struct run_args *a, int opt, const char *arg, char *err, size_t len)
{
	const char *key = NULL;
	json_t *v = NULL;
	long long ms;

	switch (opt) {
	case RA_OPT_CPL: key = "cpl"; v = value_of(arg); break;
	case RA_OPT_REPS: key = "repetitions"; v = value_of(arg); break;
	case RA_OPT_BATCH: key = "batch"; v = value_of(arg); break;
	case RA_OPT_VCPUS: key = "vcpus"; v = value_of(arg); break;
	case RA_OPT_MIN_TIME:
		if (duration_ms(arg, &ms) < 0) {
			snprintf(err, len, "--min-time %s: not a duration (500ms, 2s, 1.5s, 1m; a bare number is ms)", arg);
			return -1;
		}
		key = "min_time_ms";
		v = json_integer(ms);
		break;
	case RA_OPT_PARAM: {
		const char *eq = strchr(arg, '=');
		char name[64];

		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
			snprintf(err, len, "-P %s: expected NAME=VALUE, e.g. -P ws_kib=1024 or -P 'ws_kib=[16, 1024]'", arg);
			return -1;
		}
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = '\0';
		json_object_set_new(a->settings, name, value_of(eq + 1));
		return 0;
	}
	case RA_OPT_FILTER: a->filter = arg; return 0;
	case RA_OPT_EXCLUDE: a->exclude = arg; return 0;
	case RA_OPT_DRY_RUN: a->dry_run = true; return 0;
	default:
		snprintf(err, len, "internal: option %d", opt);
		return -1;
	}
	json_object_set_new(a->settings, key, v);
	return 0;
}

static bool looks_like_file(const char *s)
{
	struct stat st;
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".json")) ||
	       (stat(s, &st) == 0 && !S_ISDIR(st.st_mode));
}

int run_args_positional(struct run_args *a, int argc, char **argv, char *err, size_t len)
{
	if (argc < 1) {
		snprintf(err, len, "expected a suite file or benchmark names (try hvbench run --help)");
		return -1;
	}
	if (argc == 1 && looks_like_file(argv[0])) {
		a->suite_path = argv[0];
		return 0;
	}
	a->names = calloc((size_t)argc, sizeof(*a->names));
	if (!a->names) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (looks_like_file(argv[i])) {
			snprintf(err, len, "%s: one suite file, or benchmark names, not both", argv[i]);
			return -1;
		}
		a->names[a->n_names++] = argv[i];
	}
	return 0;
}

/* "PATH:LINE:COL: msg" -> "PATH: msg" (the text was written here). */
static void strip_pos(char *err, const char *path)
{
	size_t n = strlen(path);
	char *p = err + n + 1, *q = p, *r;

	if (strncmp(err, path, n) || err[n] != ':')
		return;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == p || *q != ':')
		return;
	r = ++q;
	while (isdigit((unsigned char)*r))
		r++;
	if (r == q || *r != ':')
		return;
	memmove(p, r + 1, strlen(r + 1) + 1);
}

static bool is_sweep(const char *key, const json_t *v)
{
	return (json_is_array(v) && strcmp(key, "pmu_events")) ||
	       (json_is_object(v) && json_object_get(v, "from"));
}

/* The settings into root (a parsed suite), as the file comment says. */
static int inject(json_t *root, json_t *settings, char *err, size_t len)
{
	json_t *benches = json_object_get(root, "benchmarks"), *e, *v;
	json_t *defaults = json_object_get(root, "defaults");
	const char *key;
	size_t i;

	json_object_foreach(settings, key, v) {
		int gi = suite_generic_index(key);
		size_t taken = 0;

		if (gi >= 0 && !is_sweep(key, v)) {
			if (!defaults) {
				defaults = json_object();
				json_object_set_new(root, "defaults", defaults);
			}
			json_object_set(defaults, key, v);
			json_array_foreach(benches, i, e)
				json_object_del(e, key);
			continue;
		}
		json_array_foreach(benches, i, e) {
			const struct mb_bench *b = mb_find(json_string_value(json_object_get(e, "name")));

			if (b && (gi >= 0 || mb_ext_index(b, key) >= 0)) {
				json_object_set(e, key, v);
				taken++;
			}
		}
		if (!taken) {
			snprintf(err, len, CMDLINE ": no benchmark of this run takes a parameter \"%.64s\" (hvbench list --json shows each one's)", key);
			return -1;
		}
	}
	return 0;
}

static int parse_text(json_t *root, const char *path, struct suite *out, char *err, size_t len)
{
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int rc;

	if (!text) {
		snprintf(err, len, "%s: out of memory", path);
		return -ENOMEM;
	}
	rc = suite_parse(text, strlen(text), path, out, err, len);
	free(text);
	if (rc)
		strip_pos(err, path);
	return rc;
}

static int filter(struct suite *s, const struct run_args *a, char *err, size_t len)
{
	regex_t rf, rx;
	size_t n0 = s->n, k = 0;
	int e;

	if (!a->filter && !a->exclude)
		return 0;
	if (a->filter && (e = regcomp(&rf, a->filter, REG_EXTENDED | REG_NOSUB))) {
		char m[200];
		regerror(e, &rf, m, sizeof(m));
		snprintf(err, len, "--filter %.200s: %s", a->filter, m);
		return -EINVAL;
	}
	if (a->exclude && (e = regcomp(&rx, a->exclude, REG_EXTENDED | REG_NOSUB))) {
		char m[200];
		regerror(e, &rx, m, sizeof(m));
		snprintf(err, len, "--exclude %.200s: %s", a->exclude, m);
		if (a->filter)
			regfree(&rf);
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n; i++) {
		const char *l = s->entries[i].label;

		if ((!a->filter || !regexec(&rf, l, 0, NULL, 0)) &&
		    (!a->exclude || regexec(&rx, l, 0, NULL, 0)))
			s->entries[k++] = s->entries[i];
	}
	s->n = k;
	if (a->filter)
		regfree(&rf);
	if (a->exclude)
		regfree(&rx);
	if (!k) {
		snprintf(err, len, "%s: --filter/--exclude leave none of its %zu benchmarks (--dry-run without them lists the labels they match)",
			 s->path, n0);
		return -EINVAL;
	}
	return 0;
}

int run_args_suite(const struct run_args *a, struct suite *out, char *err, size_t len)
{
	json_t *root;
	int rc;

	if (a->suite_path) {
		/* The file alone first: its own mistakes are pointed at. */
		rc = suite_load(a->suite_path, out, err, len);
		if (rc)
			return suite_exit_code(rc);
		if (json_object_size(a->settings)) {
			char path[4200];

			root = json_loadb(out->text, out->text_len, 0, NULL);
			snprintf(path, sizeof(path), "%s with the command line's settings", a->suite_path);
			suite_free(out);
			if (!root) {
				snprintf(err, len, "%s: cannot be read again", a->suite_path);
				return 4;
			}
			rc = inject(root, a->settings, err, len);
			if (rc == 0 && (rc = parse_text(root, path, out, err, len)) == 0)
				snprintf(out->path, sizeof(out->path), "%s", a->suite_path);
			json_decref(root);
			if (rc)
				return 2;
		}
	} else {
		json_t *list = json_array();

		for (size_t i = 0; i < a->n_names; i++)
			json_array_append_new(list, json_pack("{s:s}", "name", a->names[i]));
		root = json_pack("{s:s, s:o}", "name", CMDLINE, "benchmarks", list);
		/* The names alone first, then with the settings. */
		rc = parse_text(root, CMDLINE, out, err, len);
		if (rc == 0 && json_object_size(a->settings)) {
			suite_free(out);
			rc = inject(root, a->settings, err, len);
			if (rc == 0)
				rc = parse_text(root, CMDLINE, out, err, len);
		}
		json_decref(root);
		if (rc)
			return 2;
	}
	if (filter(out, a, err, len)) {
		suite_free(out);
		return 2;
	}
	return 0;
}
