/* The host cache (hvbench/hostcache.c, hostsetup.c): a valid file is used,
 * a corrupt, stale or foreign one is rejected and measured again, a store is
 * atomic, and an unwritable home (the jail's `nobody`) costs nothing but the
 * measurement. Real VMs for the set-up cases; no figure is asserted. */
#include <errno.h>
#include <fcntl.h>
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

#include "hvbench/hostcache.h"
#include "hvbench/hostsetup.h"

static char base[64];

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/hvbench-test-cache-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	setenv("XDG_CACHE_HOME", base, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *sample_topology(void)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:i, s:s, s:s, s:[{s:i, s:s, s:i, s:i, s:i}]}",
			 "packages", 1, "numa_nodes", 1, "cores", 2, "pus", 2,
			 "smt", 0, "threads_per_core", 1, "machine", "test machine",
			 "cpu_model", "test cpu", "caches", "level", 1, "type", "data",
			 "size_kib", 32, "line_bytes", 64, "count", 2);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	assert_true(fread(buf, 1, 65535, f) > 0);
	fclose(f);
	return buf;
}

/* Store, then load: every figure comes back, the file is ours alone and no
 * temporary file is left beside it. */
static void test_roundtrip(void **state)
{
	struct hc_key k;
	struct hc_data d = { 2596124, 3400.5, sample_topology() }, got;
	char path[4096], err[256], why[300];
	struct stat st;

	(void)state;
	assert_int_equal(hostcache_key(&k, "pvm", "shadow"), 0);
	assert_int_equal(hostcache_path(&k, path, sizeof(path)), 0);
	assert_non_null(strstr(path, base));
	assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_MISS);
	assert_int_equal(hostcache_store(path, &k, &d, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_HIT);
	assert_int_equal(got.tsc_khz, 2596124);
	assert_true(got.cpl0_slowdown == 3400.5);
	assert_true(json_equal(got.topology, d.topology));
	json_decref(got.topology);

	/* No leftovers: the folder holds the one file. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s/hvbench' | wc -l) -eq 1", base);
	assert_int_equal(system(cmd), 0);
	json_decref(d.topology);
}

/* Another boot, another build or another backend: stale. */
static void test_stale(void **state)
{
	struct hc_key k, other;
	struct hc_data d = { 2596124, 3400.5, NULL }, got;
	char path[4096], err[256], why[300];

	(void)state;
	assert_int_equal(hostcache_key(&k, "pvm", "shadow"), 0);
	assert_int_equal(hostcache_path(&k, path, sizeof(path)), 0);
	assert_int_equal(hostcache_store(path, &k, &d, err, sizeof(err)), 0);
	other = k;
	other.boot_id[0] = other.boot_id[0] == 'a' ? 'b' : 'a';
	assert_int_equal(hostcache_load(path, &other, &got, why, sizeof(why)), HC_STALE);
	assert_non_null(strstr(why, "boot"));
	other = k;
	other.exe_mtime_ns++;
	assert_int_equal(hostcache_load(path, &other, &got, why, sizeof(why)), HC_STALE);
	other = k;
	snprintf(other.paging, sizeof(other.paging), "npt");
	assert_int_equal(hostcache_load(path, &other, &got, why, sizeof(why)), HC_STALE);
	assert_null(got.topology);
}

/* Untrusted input: nothing but the exact format is used. */
static void test_corrupt(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"not json at all",
		"{\"format\": \"something else\"}",
		/* duplicate keys */
		"{\"format\": \"hvbench host cache 1\", \"format\": \"hvbench host cache 1\"}",
	};
	struct hc_key k;
	struct hc_data d = { 2596124, 3400.5, sample_topology() }, got;
	char path[4096], err[256], why[300];

	(void)state;
	assert_int_equal(hostcache_key(&k, "pvm", "shadow"), 0);
	assert_int_equal(hostcache_path(&k, path, sizeof(path)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i], 0600);
		assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_CORRUPT);
	}
	/* A good file edited: each figure out of range or of the wrong type. */
	static const char *const edits[][2] = {
		{ "\"tsc_khz\":2596124", "\"tsc_khz\":-5" },
		{ "\"tsc_khz\":2596124", "\"tsc_khz\":999999999999" },
		{ "\"tsc_khz\":2596124", "\"tsc_khz\":\"fast\"" },
		{ "\"cpl0_slowdown\":3400.5", "\"cpl0_slowdown\":-1.0" },
		{ "\"cpl0_slowdown\":3400.5", "\"cpl0_slowdown\":1e300" },
		{ "\"cores\":2", "\"cores\":-2" },
		{ "\"machine\":\"test machine\"", "\"machine\":\"esc\\u001b[2J\"" },
		{ "\"type\":\"data\"", "\"type\":\"magic\"" },
		{ "\"smt\":false", "\"smt\":false,\"extra\":1" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		assert_int_equal(hostcache_store(path, &k, &d, err, sizeof(err)), 0);
		char *text = read_all(path), *at = strstr(text, edits[i][0]);
		assert_non_null(at);
		char out[65536];
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, edits[i][1],
			 at + strlen(edits[i][0]));
		free(text);
		write_file(path, out, 0600);
		assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_CORRUPT);
		assert_null(got.topology);
	}
	/* Truncated: any prefix of a good file is rejected. */
	assert_int_equal(hostcache_store(path, &k, &d, err, sizeof(err)), 0);
	char *text = read_all(path);
	text[strlen(text) / 2] = '\0';
	write_file(path, text, 0600);
	free(text);
	assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_CORRUPT);
	json_decref(d.topology);
}

/* Not ours alone: a file others may write, a symlink: foreign, left alone. */
static void test_foreign(void **state)
{
	struct hc_key k;
	struct hc_data d = { 2596124, 3400.5, NULL }, got;
	char path[4096], err[256], why[300], target[4200];

	(void)state;
	assert_int_equal(hostcache_key(&k, "pvm", "shadow"), 0);
	assert_int_equal(hostcache_path(&k, path, sizeof(path)), 0);
	assert_int_equal(hostcache_store(path, &k, &d, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_FOREIGN);
	assert_true(hostcache_store(path, &k, &d, err, sizeof(err)) < 0);
	unlink(path);
	snprintf(target, sizeof(target), "%s.target", path);
	write_file(target, "{}", 0600);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(hostcache_load(path, &k, &got, why, sizeof(why)), HC_FOREIGN);
	assert_true(hostcache_store(path, &k, &d, err, sizeof(err)) < 0);
	char *t = read_all(target);
	assert_string_equal(t, "{}");	/* never written through */
	free(t);
	unlink(path);
	unlink(target);
}

/* With KVM: the first set-up measures and caches, the second uses the
 * cache, a corrupted cache is measured again and rewritten. */
static void test_setup_uses_cache(void **state)
{
	struct host_setup a, b, c;

	(void)state;
	host_setup(&a);
	if (a.hi.kvm_error[0]) {
		host_setup_free(&a);
		print_message("SKIP: %s\n", a.hi.kvm_error);
		skip();
	}
	assert_int_not_equal(a.cache, HC_HIT);
	assert_false(a.from_cache);
	assert_string_equal(a.cache_write_err, "");
	assert_true(a.cpl0_slowdown > 0);
	host_setup(&b);
	assert_int_equal(b.cache, HC_HIT);
	assert_true(b.from_cache);
	assert_true(b.cpl0_slowdown == a.cpl0_slowdown);
	assert_int_equal(b.hi.tsc_khz, a.hi.tsc_khz);
	assert_string_equal(b.hi.tsc_source, a.hi.tsc_source);
	assert_true((a.topology == NULL) == (b.topology == NULL));
	if (a.topology)
		assert_true(json_equal(a.topology, b.topology));
	json_t *j = host_setup_json(&b);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "cache"), "status")), "hit");
	json_decref(j);
	write_file(b.cache_path, "{\"format\": 1}", 0600);
	host_setup(&c);
	assert_int_equal(c.cache, HC_CORRUPT);
	assert_false(c.from_cache);
	assert_true(c.cpl0_slowdown > 0);
	host_setup_free(&c);
	host_setup(&c);
	assert_int_equal(c.cache, HC_HIT);
	host_setup_free(&a);
	host_setup_free(&b);
	host_setup_free(&c);
}

/* An unwritable cache home (the jail's `nobody` has HOME=/nonexistent):
 * the figures are measured, the run goes on, the write error is said. */
static void test_unwritable_home(void **state)
{
	struct host_setup a;
	char ro[128];

	(void)state;
	snprintf(ro, sizeof(ro), "%s/ro", base);
	assert_int_equal(mkdir(ro, 0500), 0);
	setenv("XDG_CACHE_HOME", ro, 1);
	host_setup(&a);
	setenv("XDG_CACHE_HOME", base, 1);
	if (a.hi.kvm_error[0]) {
		host_setup_free(&a);
		skip();
	}
	assert_false(a.from_cache);
	assert_true(a.cpl0_slowdown > 0);
	/* root may write anyway; anyone else must have been refused */
	if (geteuid() != 0)
		assert_string_not_equal(a.cache_write_err, "");
	host_setup_free(&a);

	/* No usable home at all: the cache is off, nothing else changes. */
	unsetenv("XDG_CACHE_HOME");
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "relative/not/a/home", 1);
	host_setup(&a);
	assert_int_equal(a.cache, HC_OFF);
	assert_true(a.cpl0_slowdown > 0);
	host_setup_free(&a);
	if (home)
		setenv("HOME", home, 1);
	free(home);
	setenv("XDG_CACHE_HOME", base, 1);

	/* As root: the same as `nobody`, whose home does not exist. */
	if (geteuid() == 0) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			unsetenv("XDG_CACHE_HOME");
			setenv("HOME", "/nonexistent", 1);
			if (setgid(65534) || setuid(65534))
				_exit(2);
			host_setup(&a);
			/* /dev/kvm may be closed to nobody: then no slowdown,
			 * but still no failure */
			_exit(a.cache == HC_HIT ? 3 : 0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_setup_uses_cache),
		cmocka_unit_test(test_unwritable_home),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
