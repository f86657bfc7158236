/* `hvbench db`: the results store's command line — import, export, query
 * (store/db_query.c), version. Exit codes as the README's table. */
#include "store/db.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/an_util.h"
#include "hvbench/cli.h"
#include "hvbench/safefile.h"
#include "store/db_query.h"

static const char db_usage[] =
	"usage: hvbench db COMMAND [--db PATH|postgresql://...] ...\n"
	"\n"
	"The results store: result files in one schema, kept by SQLite (a file;\n"
	"default " DB_DEFAULT_PATH ") or PostgreSQL (--db postgresql://USER@HOST/DB,\n"
	"or a libpq URL with ?host=/socket/dir). $HVBENCH_DB is the default --db.\n"
	"\n"
	"  import FILE|DIR...   store result files (a DIR: its *.json, recursively)\n"
	"  export -o DIR        write the stored runs back as result files\n"
	"  query QUESTION       latest | history NAME | slower --baseline HOST\n"
	"  version              the store's schema version and this hvbench's\n"
	"\n"
	"hvbench db COMMAND --help says more. docs/store.md: schema, migrations.\n"
	"\n"
	"exit: 0 done, 1 done, but a file was skipped (import: not a result file)\n"
	"      or a host is slower (query slower: a significant regression),\n"
	"      2 bad command line or a store of a newer schema (read but refused),\n"
	"      4 a file or the store could not be read or written\n";

static const char import_usage[] =
	"usage: hvbench db import [--db PATH|URL] [--no-samples] [-q] FILE|DIR...\n"
	"\n"
	"Stores each result file in one transaction, keyed by the SHA-256 of its\n"
	"canonical JSON: a file already stored (by this or another importer) is\n"
	"stored once. A file that is not a valid result (corrupt, foreign, newer\n"
	"schema) is skipped with 'FILE: reason' and the import goes on.\n"
	"\n"
	"  --no-samples  leave the raw samples out (the statistics stay)\n"
	"  -q, --quiet   no line per file, only the summary\n"
	"\n"
	"exit: 0 done, 1 done, but a file was skipped (not a result file),\n"
	"      2 bad command line or a store of a newer schema (read but refused),\n"
	"      4 a file or the store could not be read or written\n";

static const char export_usage[] =
	"usage: hvbench db export [--db PATH|URL] -o DIR [--run ID]... [--no-samples]\n"
	"\n"
	"Writes every stored run (or the --run IDs) to DIR as a result file,\n"
	"HOST-STARTED-rID.json, atomically: the document as it was imported, its\n"
	"samples put back; compare, report, plot and dashboard read them.\n"
	"\n"
	"exit: 0 done, 2 bad command line or a store of a newer schema (read but refused),\n"
	"      4 a file or the store could not be read or written\n";

static const char query_usage[] =
	"usage: hvbench db query [--db PATH|URL] [--json|--csv] QUESTION\n"
	"\n"
	"  latest [--host H]                  the latest run of every host and suite\n"
	"  history NAME [--host H] [--variant V]\n"
	"                                     every stored record NAME, oldest first\n"
	"                                     per host and row, with its headline's\n"
	"                                     n, median (p50), 95% CI, mean, stddev\n"
	"  slower --baseline HOST [--backend B] [--suite S] [--threshold PCT]\n"
	"                                     every host's latest run against the\n"
	"                                     baseline's, by hvbench compare's rules\n"
	"                                     (default threshold 5%): the rows it\n"
	"                                     calls slower\n"
	"\n"
	"  --json   an array of objects; --csv   RFC 4180 with a header row\n"
	"\n"
	"exit: 0 done, 1 a host is slower (slower: a significant regression),\n"
	"      2 bad command line or a store of a newer schema (read but refused),\n"
	"      4 a file or the store could not be read or written\n";

/* The exit code for db_open's failure. */
static int open_exit(int rc)
{
	return rc == -2 ? EXIT_USAGE : EXIT_IO;
}

struct import_ctx {
	struct db *db;
	struct db_import_opts o;
	bool quiet, stop;
	size_t imported, dup, skipped, unreadable;
};

static void import_one(struct import_ctx *c, const char *path)
{
	char err[1024];
	long long id;

	switch (db_import_file(c->db, path, &c->o, &id, err, sizeof(err))) {
	case DB_IMPORTED:
		c->imported++;
		/* flushed: a line on the output is a file committed */
		if (!c->quiet) {
			printf("%s: stored as run %lld\n", path, id);
			fflush(stdout);
		}
		break;
	case DB_DUPLICATE:
		c->dup++;
		if (!c->quiet)
			printf("%s\n", err);
		break;
	case DB_SKIPPED:
		c->skipped++;
		fprintf(stderr, "%s\n", err);
		break;
	case DB_UNREADABLE:
		c->unreadable++;
		fprintf(stderr, "%s\n", err);
		break;
	case DB_FAILED:
		/* The store failed (gone, full): what was reported stored is
		 * committed; nothing of this file is. */
		fprintf(stderr, "db import: %s\n", err);
		c->stop = true;
		break;
	}
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void import_dir(struct import_ctx *c, const char *dir, int depth)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, not_hidden, alphasort);

	if (n < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", dir, strerror(errno));
		c->unreadable++;
		return;
	}
	for (int i = 0; i < n; i++) {
		char *p = an_path_join(dir, ents[i]->d_name);
		size_t l = strlen(ents[i]->d_name);
		struct stat st;

		if (p && !c->stop && !lstat(p, &st)) {
			if (S_ISDIR(st.st_mode) && depth < 16)
				import_dir(c, p, depth + 1);
			else if (S_ISREG(st.st_mode) && l > 5 &&
				 !strcmp(ents[i]->d_name + l - 5, ".json"))
				import_one(c, p);
		}
		free(p);
		free(ents[i]);
	}
	free(ents);
}

static int db_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "no-samples", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct import_ctx c = { 0 };
	const char *url = NULL;
	char err[1024];
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'n': c.o.no_samples = true; break;
		case 'q': c.quiet = true; break;
		case 'h': fputs(import_usage, stdout); return EXIT_OK;
		default: fputs(import_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "db import: name the result files or folders\n%s",
			import_usage);
		return EXIT_USAGE;
	}
	url = db_url(url);
	rc = db_open(url, DB_CREATE, &c.db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "db import: %s\n", err);
		return open_exit(rc);
	}
	for (int i = optind; i < argc && !c.stop; i++) {
		struct stat st;

		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode))
			import_dir(&c, argv[i], 0);
		else
			import_one(&c, argv[i]);
	}
	printf("db import: %zu stored, %zu stored already, %zu skipped, %zu unreadable%s\n",
	       c.imported, c.dup, c.skipped, c.unreadable,
	       c.stop ? "; stopped: the store failed" : "");
	db_close(c.db);
	if (c.stop || c.unreadable)
		return EXIT_IO;
	return c.skipped ? EXIT_BENCH_FAILED : EXIT_OK;
}

/* A file name from stored text: only [A-Za-z0-9._-], never leading '.'. */
static void safe_part(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 1 < len; s++) {
		char ch = *s;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			  (ch == '.' && o);

		out[o++] = ok ? ch : '_';
	}
	out[o] = 0;
	if (!o)
		snprintf(out, len, "unknown");
}

static int export_run(struct db *db, const char *dir, long long id,
		      bool samples)
{
	char err[1024], host[64], started[40], name[160];
	json_t *doc = db_run_doc(db, id, samples, err, sizeof(err));
	json_t *h;
	char *text, *path;
	int ret = 0;

	if (!doc) {
		fprintf(stderr, "db export: %s\n", err);
		return -1;
	}
	h = json_object_get(doc, "host");
	safe_part(host, sizeof(host), json_string_value(json_object_get(h, "hostname")));
	safe_part(started, sizeof(started),
		  json_string_value(json_object_get(doc, "started")));
	snprintf(name, sizeof(name), "%s-%s-r%lld.json", host, started, id);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	path = an_path_join(dir, name);
	if (!text || !path) {
		fprintf(stderr, "db export: run %lld: out of memory\n", id);
		ret = -1;
	} else {
		size_t l = strlen(text);

		text[l] = '\n'; /* json_dumps' NUL becomes the last newline */
		if (an_write_file(path, text, l + 1, false, err, sizeof(err))) {
			fprintf(stderr, "db export: %s\n", err);
			ret = -1;
		}
	}
	free(text);
	free(path);
	json_decref(doc);
	return ret;
}

static int db_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "run", required_argument, NULL, 'r' },
		{ "no-samples", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *url = NULL, *dir = NULL;
	long long *ids = NULL;
	size_t n = 0, nfail = 0;
	bool samples = true;
	struct db *db;
	char err[1024], *end;
	int ch, rc, ret = EXIT_USAGE;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'o': dir = optarg; break;
		case 'n': samples = false; break;
		case 'r': {
			long long *m = realloc(ids, (n + 1) * sizeof(*ids));

			if (!m)
				goto usage;
			ids = m;
			ids[n] = strtoll(optarg, &end, 10);
			if (*end || end == optarg || ids[n] < 1) {
				fprintf(stderr, "db export: --run '%s': expected a run id (a number)\n",
					optarg);
				goto usage;
			}
			n++;
			break;
		}
		case 'h': fputs(export_usage, stdout); free(ids); return EXIT_OK;
		default: goto usage;
		}
	}
	if (optind != argc || !dir) {
		fprintf(stderr, "db export: %s\n", dir ? "unexpected argument" :
			"say where: -o DIR");
		goto usage;
	}
	if (an_mkdirs(dir, err, sizeof(err)) || sf_check_dir(dir, err, sizeof(err))) {
		fprintf(stderr, "db export: %s\n", err);
		free(ids);
		return EXIT_IO;
	}
	rc = db_open(db_url(url), 0, &db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "db export: %s\n", err);
		free(ids);
		return open_exit(rc);
	}
	if (!ids && db_run_ids(db, &ids, &n, err, sizeof(err))) {
		fprintf(stderr, "db export: %s\n", err);
		db_close(db);
		return EXIT_IO;
	}
	for (size_t i = 0; i < n; i++)
		nfail += export_run(db, dir, ids[i], samples) != 0;
	printf("db export: %zu runs written to %s%s\n", n - nfail, dir,
	       nfail ? " (some failed)" : "");
	db_close(db);
	free(ids);
	return nfail ? EXIT_IO : EXIT_OK;
usage:
	fputs(export_usage, stderr);
	free(ids);
	return ret;
}

/* CSV rows end in CRLF (RFC 4180), which the terminal escaper on stdout
 * would spell \u000d: the table goes to file descriptor 1 as it is unless
 * that is a terminal (then through stdout, escaped: a hostile name carries
 * no control sequence to a terminal). JSON escapes controls itself. */
static int print_table(const struct db_table *t, enum db_fmt fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int ret;

	if (!m)
		return -1;
	ret = db_table_print(t, fmt, m);
	if (fclose(m) || ret) {
		free(buf);
		return -1;
	}
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		ret = fwrite(buf, 1, len, stdout) != len || fflush(stdout) ? -1 : 0;
	else
		ret = sf_write_all(STDOUT_FILENO, buf, len) ? -1 : 0;
	free(buf);
	return ret;
}

static int db_query_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "variant", required_argument, NULL, 'v' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "backend", required_argument, NULL, 'B' },
		{ "suite", required_argument, NULL, 's' },
		{ "threshold", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct db_slower_opts so = { 0 };
	const char *url = NULL, *host = NULL, *variant = NULL, *q;
	enum db_fmt fmt = DB_FMT_TEXT;
	struct db_table t = { 0 };
	size_t n_slower = 0;
	struct db *db;
	char err[1024], *end;
	int ch, rc, ret = EXIT_OK;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'j': fmt = DB_FMT_JSON; break;
		case 'c': fmt = DB_FMT_CSV; break;
		case 'H': host = optarg; break;
		case 'v': variant = optarg; break;
		case 'b': so.baseline = optarg; break;
		case 'B': so.backend = optarg; break;
		case 's': so.suite = optarg; break;
		case 't':
			so.threshold = strtod(optarg, &end) / 100;
			if (end == optarg || (*end && strcmp(end, "%")) ||
			    !(so.threshold > 0 && so.threshold < 10)) {
				fprintf(stderr, "db query: --threshold '%s': expected a percentage above 0, e.g. 5%%\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(query_usage, stdout); return EXIT_OK;
		default: fputs(query_usage, stderr); return EXIT_USAGE;
		}
	}
	q = optind < argc ? argv[optind] : "";
	if (!((!strcmp(q, "latest") && optind + 1 == argc) ||
	      (!strcmp(q, "history") && optind + 2 == argc) ||
	      (!strcmp(q, "slower") && optind + 1 == argc && so.baseline))) {
		fprintf(stderr, "db query: %s\n%s",
			!*q ? "which question? latest, history NAME or slower --baseline HOST" :
			!strcmp(q, "slower") ? "slower needs --baseline HOST" :
					       "unknown question or extra arguments",
			query_usage);
		return EXIT_USAGE;
	}
	rc = db_open(db_url(url), 0, &db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "db query: %s\n", err);
		return open_exit(rc);
	}
	if (!strcmp(q, "latest"))
		rc = db_q_latest(db, host, &t, err, sizeof(err));
	else if (!strcmp(q, "history"))
		rc = db_q_history(db, argv[optind + 1], host, variant, &t, err,
				  sizeof(err));
	else
		rc = db_q_slower(db, &so, &t, &n_slower, err, sizeof(err));
	if (rc || t.oom) {
		fprintf(stderr, "db query: %s\n", t.oom ? "out of memory" : err);
		ret = EXIT_IO;
	} else if (print_table(&t, fmt)) {
		fprintf(stderr, "db query: stdout: write failed\n");
		ret = EXIT_IO;
	} else if (!strcmp(q, "slower")) {
		fprintf(stderr, "db query slower: %zu host(s) slower than %s\n",
			n_slower, so.baseline);
		ret = n_slower ? EXIT_BENCH_FAILED : EXIT_OK;
	}
	db_table_free(&t);
	db_close(db);
	return ret;
}

static int db_version_cmd(int argc, char **argv)
{
	const char *url = NULL;
	struct db *db;
	char err[1024];
	int v, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc) {
			url = argv[++i];
		} else if (!strncmp(argv[i], "--db=", 5)) {
			url = argv[i] + 5;
		} else {
			fputs(strcmp(argv[i], "--help") ? db_usage : "usage: hvbench db version [--db PATH|URL]\n",
			      strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? EXIT_USAGE : EXIT_OK;
		}
	}
	/* Opened without migrating: version says what is there. */
	rc = db_open(db_url(url), DB_NO_MIGRATE, &db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "db version: %s\n", err);
		return open_exit(rc);
	}
	v = db_version(db, err, sizeof(err));
	if (v < 0)
		v = 0; /* no schema_version table: nothing stored yet */
	printf("store %s: schema version %d; this hvbench writes version %d\n",
	       db_url(url), v, DB_SCHEMA_VERSION);
	db_close(db);
	return v > DB_SCHEMA_VERSION ? EXIT_USAGE : EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "import", db_import },
		{ "export", db_export },
		{ "query", db_query_cmd },
		{ "version", db_version_cmd },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(db_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hvbench db: unknown command '%s'\n%s", argv[1], db_usage);
	return EXIT_USAGE;
}
