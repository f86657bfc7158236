/* The guest->host fuzzer's seeds are real shared pages (fuzz/snapshot.c):
 * replayed through measure_render_shared, every page a guest left after DONE
 * renders as a measured record, so the harness starts from the deep paths
 * and the entry point renders what measure_run renders. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz/shared_layout.h"
#include "hvbench/measure_int.h"
#include "probes/hostinfo.h"

static struct hostinfo host = { .hostname = "t", .arch = "x86_64", .backend = "pvm",
				.tsc_khz = 2000000, .nr_cpus = 2 };

/* One seed: header, calls, packed page (see fuzz/shared_layout.h). */
static json_t *render(const uint8_t *d, size_t n, int *done)
{
	static struct hv_shared page;
	struct measure_env env = { .host = &host, .cpl0_slowdown = 1.0 };
	uint32_t calls[FZ_MAX_CALLS];
	size_t nc = d[2] % (FZ_MAX_CALLS + 1), pos = 3;
	struct mb_params p;

	const struct mb_bench *b = mb_get(d[0] % mb_count());
	mb_params_defaults(&p, b);
	p.cpl = d[1] & 4 ? 3 : 0;
	for (size_t i = 0; i < nc; i++)
		calls[i] = d[pos++];	/* the snapshot writer uses 1-byte numbers */
	*done = nc && calls[nc - 1] == HV_UCALL_DONE && !(d[1] & 3);
	memset(&page, 0, sizeof(page));
	fz_unpack(&page, d + pos, n - pos);
	return measure_render_shared(&env, b, &p, &page, calls, nc, (d[1] & 3) ? -EDEADLK : 0);
}

static void test_real_pages_render(void **state)
{
	const char *dir = "fuzz/corpus/fuzz_shared";
	static uint8_t buf[sizeof(struct hv_shared) + 64];
	struct dirent *de;
	int n = 0, ok = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		int done;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(len > 3);
		json_t *rec = render(buf, len, &done);
		assert_non_null(rec);
		const char *st = json_string_value(json_object_get(rec, "status"));
		assert_non_null(st);
		if (done) {
			/* a page a real guest finished: measured, never "broke the ABI" */
			if (strcmp(st, "ok"))
				fail_msg("%s: status %s (%s)", de->d_name, st,
					 json_string_value(json_object_get(rec, "reason")));
			assert_non_null(json_object_get(rec, "cycles"));
			assert_true(json_integer_value(json_object_get(rec, "iterations")) > 0);
			ok++;
		}
		json_decref(rec);
		n++;
	}
	closedir(d);
	print_message("# %d seed pages, %d finished ones rendered ok\n", n, ok);
	assert_true(ok >= 5);
}

/* The same page with one lie: the host refuses it, as measure_run does. */
static void test_lie_is_failed(void **state)
{
	static struct hv_shared page;
	struct measure_env env = { .host = &host, .cpl0_slowdown = 1.0 };
	const struct mb_bench *b = mb_find("empty");
	uint32_t calls[] = { HV_UCALL_READY, HV_UCALL_DONE };
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = 3;
	memset(&page, 0, sizeof(page));
	page.status = HV_GS_OK;
	page.nsamples = 0xffffffff;
	json_t *rec = measure_render_shared(&env, b, &p, &page, calls, 2, 0);
	assert_string_equal(json_string_value(json_object_get(rec, "status")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(rec, "reason")),
			       "guest broke the ABI: nsamples"));
	json_decref(rec);
	/* an unknown call number ends the run as a failure naming it */
	uint32_t bad[] = { HV_UCALL_READY, 0x12345678 };
	page.nsamples = 0;
	rec = measure_render_shared(&env, b, &p, &page, bad, 2, 0);
	assert_string_equal(json_string_value(json_object_get(rec, "status")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(rec, "reason")),
			       "unknown call number 305419896"));
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_pages_render),
		cmocka_unit_test(test_lie_is_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
