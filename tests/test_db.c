/* Tests of the results store (store/, `hvbench db`) on real SQLite files:
 * a file imported twice is stored once, a corrupt one is skipped with its
 * reason (exit 1) while the others are stored, export gives back files the
 * loader reads as the same records, a newer schema is refused with both
 * versions, an older one is migrated, hostile strings (SQL injection
 * attempts, quotes, control characters) are stored verbatim, and importers
 * running at once store each file once. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/an_result.h"
#include "analysis/an_synth.h"
#include "analysis/an_util.h"
#include "store/db.h"
#include "store/db_query.h"

#include "tests/an_testutil.h"

static const char hostile_host[] = "h'); DROP TABLE runs; --";
static const char hostile_name[] = "x\"' OR 1=1; DELETE FROM records; -- \\ ü \x01";

static void synth(const char *name, const char *host, const char *started,
		  double scale, uint64_t seed)
{
	struct an_synth s;
	char err[512];

	an_synth_default(&s);
	s.hostname = host;
	s.started = started;
	s.scale = scale;
	s.seed = seed;
	s.n_samples = 200;
	assert_int_equal(an_synth_write(tpath(name), &s, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hvbench-test-db.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_row(void *arg, int nc, const char *const *v)
{
	*(long long *)arg = v[0] ? atoll(v[0]) : -1;
	return 0;
}

static long long count(struct db *db, const char *sql)
{
	char err[512];
	long long n = -1;

	assert_int_equal(db_query(db, sql, 0, NULL, count_row, &n, err, sizeof(err)), 0);
	return n;
}

static struct db *open_db(const char *name)
{
	struct db *db;
	char err[512];
	int rc = db_open(tpath(name), DB_CREATE, &db, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	return db;
}

static void test_import_twice_once(void **state)
{
	struct db *db;
	char err[1024];
	long long id, id2;
	long long runs, recs, mets, samples;

	synth("a.json", "alpha", "2026-11-01T10:00:00Z", 1.0, 1);
	db = open_db("twice.db");
	assert_int_equal(db_import_file(db, tpath("a.json"), NULL, &id, err, sizeof(err)),
			 DB_IMPORTED);
	runs = count(db, "SELECT count(*) FROM runs");
	recs = count(db, "SELECT count(*) FROM records");
	mets = count(db, "SELECT count(*) FROM metrics");
	samples = count(db, "SELECT count(*) FROM samples");
	assert_int_equal(runs, 1);
	assert_true(recs > 5);
	assert_true(mets >= recs);
	assert_true(samples > 0);
	assert_int_equal(db_import_file(db, tpath("a.json"), NULL, &id2, err, sizeof(err)),
			 DB_DUPLICATE);
	assert_non_null(strstr(err, "stored already"));
	/* the same content under another name and with other spacing is
	 * the same run: the key is the canonical JSON's hash */
	{
		json_t *doc = json_load_file(tpath("a.json"), 0, NULL);

		assert_non_null(doc);
		assert_int_equal(json_dump_file(doc, tpath("a-copy.json"), JSON_INDENT(4)), 0);
		json_decref(doc);
	}
	assert_int_equal(db_import_file(db, tpath("a-copy.json"), NULL, &id2, err, sizeof(err)),
			 DB_DUPLICATE);
	assert_int_equal(count(db, "SELECT count(*) FROM runs"), runs);
	assert_int_equal(count(db, "SELECT count(*) FROM records"), recs);
	assert_int_equal(count(db, "SELECT count(*) FROM metrics"), mets);
	assert_int_equal(count(db, "SELECT count(*) FROM samples"), samples);
	assert_int_equal(count(db, "SELECT count(*) FROM hosts"), 1);
	db_close(db);
}

static void test_corrupt_skipped(void **state)
{
	char *out, *err, dbarg[600];
	struct db *db;
	FILE *f;

	assert_int_equal(mkdir(tpath("mixed"), 0755), 0);
	synth("mixed/1-good.json", "beta", "2026-11-02T10:00:00Z", 1.0, 2);
	f = fopen(tpath("mixed/2-corrupt.json"), "w");
	assert_non_null(f);
	fputs("{\"schema\": \"hvbench-result/2\", \"benchmarks\": [", f);
	fclose(f);
	f = fopen(tpath("mixed/3-foreign.json"), "w");
	assert_non_null(f);
	fputs("{\"name\": \"package.json of something else\"}\n", f);
	fclose(f);
	synth("mixed/4-good.json", "beta", "2026-11-03T10:00:00Z", 1.0, 3);
	snprintf(dbarg, sizeof(dbarg), "--db=%s", tpath("mixed.db"));
	assert_int_equal(run_cmd(cmd_db, &out, &err, "db", "import", dbarg,
				 tpath("mixed"), NULL), 1);
	/* each bad file named with its reason, on a line of its own */
	assert_non_null(strstr(err, "2-corrupt.json:1:"));
	assert_non_null(strstr(err, "3-foreign.json: not an hvbench result file"));
	assert_non_null(strstr(out, "2 stored, 0 stored already, 2 skipped"));
	free(out);
	free(err);
	db = open_db("mixed.db");
	assert_int_equal(count(db, "SELECT count(*) FROM runs"), 2);
	db_close(db);
	/* a missing file: 4, the rest still stored */
	assert_int_equal(run_cmd(cmd_db, &out, &err, "db", "import", dbarg,
				 tpath("nonexistent.json"), tpath("mixed/1-good.json"),
				 NULL), 4);
	assert_non_null(strstr(err, "nonexistent.json: cannot read"));
	free(out);
	free(err);
}

static void same_stats(const struct an_stats *a, const struct an_stats *b)
{
	assert_int_equal(a->present, b->present);
	if (!a->present)
		return;
	const double *x = &a->n, *y = &b->n;

	for (int i = 0; i < 11; i++)
		assert_true((isnan(x[i]) && isnan(y[i])) || x[i] == y[i]);
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Every record of @a is in @b with the same identity, status and
 * statistics; the documents' host and run fields agree. */
static void same_result(const char *pa, const char *pb)
{
	struct an_result *a, *b;
	char err[1024];

	assert_int_equal(an_result_load(pa, AN_LOAD_SAMPLES, &a, err, sizeof(err)), 0);
	assert_int_equal(an_result_load(pb, AN_LOAD_SAMPLES, &b, err, sizeof(err)), 0);
	same_str(a->started, b->started);
	same_str(a->suite_name, b->suite_name);
	same_str(a->host.hostname, b->host.hostname);
	same_str(a->host.kernel, b->host.kernel);
	assert_int_equal(a->n_benches, b->n_benches);
	for (size_t i = 0; i < a->n_benches; i++) {
		const struct an_bench *x = &a->benches[i], *y = &b->benches[i];

		assert_string_equal(x->key, y->key);
		assert_ptr_equal(an_result_find(b, x->key) != NULL, true);
		same_str(x->name, y->name);
		same_str(x->variant, y->variant);
		same_str(x->status, y->status);
		same_str(x->reason, y->reason);
		same_str(x->unit, y->unit);
		assert_true(json_equal(x->params, y->params));
		same_stats(&x->cycles, &y->cycles);
		assert_int_equal(x->n_metrics, y->n_metrics);
		for (size_t m = 0; m < x->n_metrics; m++) {
			same_str(x->metrics[m].name, y->metrics[m].name);
			same_stats(&x->metrics[m].st, &y->metrics[m].st);
		}
		assert_int_equal(x->n_reps, y->n_reps);
		for (size_t k = 0; k < x->n_reps; k++)
			assert_true(x->rep_p50[k] == y->rep_p50[k]);
		assert_int_equal(x->n_samples, y->n_samples);
		for (size_t k = 0; k < x->n_samples; k++)
			assert_true(x->samples[k] == y->samples[k]);
	}
	/* and the documents are equal as JSON */
	assert_true(json_equal(a->root, b->root));
	an_result_free(a);
	an_result_free(b);
}

static void test_round_trip(void **state)
{
	char *out, *err, dbarg[600];
	const char *src[] = { "rt/1.json", "rt/2.json", "rt/3.json" };

	assert_int_equal(mkdir(tpath("rt"), 0755), 0);
	synth(src[0], "gamma", "2026-11-04T10:00:00Z", 1.0, 4);
	synth(src[1], "gamma", "2026-11-05T10:00:00Z", 1.2, 5);
	synth(src[2], "delta", "2026-11-05T11:00:00Z", 1.0, 6);
	snprintf(dbarg, sizeof(dbarg), "--db=%s", tpath("rt.db"));
	assert_int_equal(run_cmd(cmd_db, &out, &err, "db", "import", dbarg,
				 tpath("rt"), "tests/data/analysis/x86-vmx.json",
				 "tests/data/analysis/arm64-emulated.json",
				 "tests/data/analysis/pvm-v2.json", NULL), 0);
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_db, &out, &err, "db", "export", dbarg,
				 "-o", tpath("rt-out"), NULL), 0);
	assert_non_null(strstr(out, "6 runs written"));
	free(out);
	free(err);
	/* run ids follow the import order; names say host and start */
	same_result(tpath(src[0]), tpath("rt-out/gamma-2026-11-04T10_00_00Z-r1.json"));
	same_result(tpath(src[1]), tpath("rt-out/gamma-2026-11-05T10_00_00Z-r2.json"));
	same_result(tpath(src[2]), tpath("rt-out/delta-2026-11-05T11_00_00Z-r3.json"));
	same_result("tests/data/analysis/x86-vmx.json",
		    tpath("rt-out/bench-x86-2026-11-20T10_00_00Z-r4.json"));
	same_result("tests/data/analysis/arm64-emulated.json",
		    tpath("rt-out/qemu-arm64-2026-11-21T11_00_00Z-r5.json"));
	same_result("tests/data/analysis/pvm-v2.json",
		    tpath("rt-out/vm-2026-12-02T00_11_47Z-r6.json"));
	/* the exported files import as the same runs: nothing new */
	assert_int_equal(run_cmd(cmd_db, &out, &err, "db", "import", dbarg,
				 tpath("rt-out"), NULL), 0);
	assert_non_null(strstr(out, "0 stored, 6 stored already"));
	free(out);
	free(err);

	/* the dashboard from the store is the site from the files: the
	 * front page byte for byte (host pages name runs, not files) */
	assert_int_equal(run_cmd(cmd_dashboard, &out, &err, "dashboard", dbarg,
				 "-o", tpath("site-db"), NULL), 0);
	assert_non_null(strstr(out, "6 stored runs"));
	free(out);
	free(err);
	assert_int_equal(run_cmd(cmd_dashboard, &out, &err, "dashboard",
				 tpath("rt-out"), "-o", tpath("site-files"), NULL), 0);
	free(out);
	free(err);
	{
		char *a, *b;
		size_t la, lb;

		assert_int_equal(an_read_file(tpath("site-db/index.html"), &a, &la), 0);
		assert_int_equal(an_read_file(tpath("site-files/index.html"), &b, &lb), 0);
		assert_true(la > 1000);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
		assert_int_equal(an_read_file(tpath("site-db/host-gamma-vmx-quick.html"), &a, &la), 0);
		assert_non_null(strstr(a, "run 2"));
		free(a);
	}

	/* slower: gamma's latest (scale 1.2) against delta's (1.0) */
	{
		struct db *db = open_db("rt.db");
		struct db_slower_opts so = { .baseline = "delta" };
		struct db_table t = { 0 };
		size_t n_slower;
		char e[1024];

		assert_int_equal(db_q_slower(db, &so, &t, &n_slower, e, sizeof(e)), 0);
		assert_int_equal(n_slower, 1);
		assert_true(t.nrows > 0);
		for (size_t r = 0; r < t.nrows; r++) {
			assert_string_equal(t.cells[r * t.ncols], "gamma");
			assert_true(atof(t.cells[r * t.ncols + 11]) > 1.1);
		}
		db_table_free(&t);
		so.baseline = "gamma";
		assert_int_equal(db_q_slower(db, &so, &t, &n_slower, e, sizeof(e)), 0);
		assert_int_equal(n_slower, 0);
		db_table_free(&t);
		assert_int_equal(db_q_latest(db, "gamma", &t, e, sizeof(e)), 0);
		assert_int_equal(t.nrows, 1);
		assert_string_equal(t.cells[5], "2026-11-05T10:00:00Z");
		db_table_free(&t);
		db_close(db);
	}
}

static int set_version(void *arg, int nc, const char *const *v)
{
	return 0;
}

static void test_migrations(void **state)
{
	struct db *db;
	char err[1024];
	long long id;

	/* a store at version 1 (no samples table) is brought up to date */
	assert_int_equal(db_open(tpath("old.db"), DB_CREATE | DB_NO_MIGRATE, &db,
				 err, sizeof(err)), 0);
	assert_int_equal(db_migrate(db, 1, err, sizeof(err)), 0);
	assert_int_equal(db_version(db, err, sizeof(err)), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'samples'"), 0);
	db_close(db);
	db = open_db("old.db");
	assert_int_equal(db_version(db, err, sizeof(err)), DB_SCHEMA_VERSION);
	synth("m.json", "epsilon", "2026-11-06T10:00:00Z", 1.0, 7);
	assert_int_equal(db_import_file(db, tpath("m.json"), NULL, &id, err, sizeof(err)),
			 DB_IMPORTED);
	assert_true(count(db, "SELECT count(*) FROM samples") > 0);
	/* a newer hvbench's store is refused, naming both versions */
	assert_int_equal(db_query(db, "UPDATE schema_version SET version = 99", 0,
				  NULL, set_version, NULL, err, sizeof(err)), 0);
	db_close(db);
	assert_int_equal(db_open(tpath("old.db"), 0, &db, err, sizeof(err)), -2);
	assert_null(db);
	assert_non_null(strstr(err, "version 99"));
	assert_non_null(strstr(err, "this hvbench's 2"));
	/* and the store is left as it was */
	assert_int_equal(db_open(tpath("old.db"), DB_NO_MIGRATE, &db, err, sizeof(err)), 0);
	assert_int_equal(db_version(db, err, sizeof(err)), 99);
	assert_int_equal(count(db, "SELECT count(*) FROM runs"), 1);
	db_close(db);
	/* not a store at all */
	synth("not-a-db.db", "zeta", "2026-11-06T10:00:00Z", 1.0, 8);
	assert_int_equal(db_open(tpath("not-a-db.db"), 0, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not-a-db.db"));
	assert_int_equal(db_open(tpath("missing.db"), 0, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void test_hostile_strings(void **state)
{
	json_t *doc, *b;
	struct db *db;
	struct db_table t = { 0 };
	char err[1024];
	long long id;

	synth("h.json", "plain", "2026-11-07T10:00:00Z", 1.0, 9);
	doc = json_load_file(tpath("h.json"), 0, NULL);
	assert_non_null(doc);
	json_object_set_new(json_object_get(doc, "host"), "hostname",
			    json_string(hostile_host));
	b = json_array_get(json_object_get(doc, "benchmarks"), 0);
	json_object_set_new(b, "name", json_string(hostile_name));
	json_object_set_new(json_object_get(doc, "suite"), "name",
			    json_string("'; DROP TABLE hosts; --"));
	assert_int_equal(json_dump_file(doc, tpath("hostile.json"), 0), 0);
	json_decref(doc);
	db = open_db("hostile.db");
	assert_int_equal(db_import_file(db, tpath("hostile.json"), NULL, &id, err, sizeof(err)),
			 DB_IMPORTED);
	/* every table is still there, and holds the strings as they were */
	assert_int_equal(count(db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM hosts"), 1);
	assert_true(count(db, "SELECT count(*) FROM records") > 1);
	assert_int_equal(db_q_history(db, hostile_name, hostile_host, NULL, &t, err,
				      sizeof(err)), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.cells[0], hostile_host);
	db_table_free(&t);
	assert_int_equal(db_q_latest(db, NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.cells[0], hostile_host);
	assert_string_equal(t.cells[3], "'; DROP TABLE hosts; --");
	db_table_free(&t);
	/* the export names the file with safe characters only */
	doc = db_run_doc(db, id, true, err, sizeof(err));
	assert_non_null(doc);
	b = json_array_get(json_object_get(doc, "benchmarks"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "name")), hostile_name);
	json_decref(doc);
	db_close(db);
}

/* Four processes import the same files at once, each in its own order:
 * SQLite's write lock makes them take turns, none fails, each file is
 * stored once. */
static void test_concurrent_sqlite(void **state)
{
	enum { NF = 12, NP = 4 };
	char name[64];
	pid_t pids[NP];
	struct db *db;

	assert_int_equal(mkdir(tpath("conc"), 0755), 0);
	for (int i = 0; i < NF; i++) {
		snprintf(name, sizeof(name), "conc/%02d.json", i);
		synth(name, i % 2 ? "eta" : "theta", "2026-11-08T10:00:00Z", 1.0, 100 + i);
	}
	for (int p = 0; p < NP; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			char err[1024];
			long long id;
			int bad = 0;

			if (db_open(tpath("conc.db"), DB_CREATE, &db, err, sizeof(err)))
				_exit(2);
			for (int k = 0; k < NF; k++) {
				static const int step[NP] = { 1, 5, 7, 11 }; /* prime to NF */
				int i = (k * step[p] + p) % NF; /* every file, its own order */
				enum db_import_status st;

				snprintf(name, sizeof(name), "conc/%02d.json", i);
				st = db_import_file(db, tpath(name), NULL, &id, err, sizeof(err));
				bad |= st != DB_IMPORTED && st != DB_DUPLICATE;
			}
			db_close(db);
			_exit(bad);
		}
	}
	for (int p = 0; p < NP; p++) {
		int ws;

		assert_int_equal(waitpid(pids[p], &ws, 0), pids[p]);
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), 0);
	}
	db = open_db("conc.db");
	assert_int_equal(count(db, "SELECT count(*) FROM runs"), NF);
	assert_int_equal(count(db, "SELECT count(DISTINCT content_hash) FROM runs"), NF);
	assert_int_equal(count(db, "SELECT count(*) FROM hosts"), 2);
	assert_int_equal(count(db, "SELECT count(*) FROM (SELECT run_id, idx FROM records GROUP BY run_id, idx HAVING count(*) > 1) d"), 0);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_twice_once),
		cmocka_unit_test(test_corrupt_skipped),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_concurrent_sqlite),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
