/* libFuzzer harness for the guest->host path: an arbitrary shared page and
 * call-channel numbers go through what the host does with them (on_ucall,
 * guest_check_shared/guest_check_rep, then the record's rendering), via
 * measure_render_shared. Input layout: fuzz/shared_layout.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/shared_layout.h"
#include "hvbench/measure_int.h"
#include "probes/hostinfo.h"

static struct hostinfo host = {
	.hostname = "fuzz", .arch = "x86_64", .backend = "pvm", .paging = "shadow",
	.tsc_khz = 2000000, .nr_cpus = 2,
};
static const int results[4] = { 0, -EDEADLK, -ETIMEDOUT, -EPROTO };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_shared page;
	struct measure_env env = { .host = &host, .cpl0_slowdown = 1.0 };
	uint32_t calls[FZ_MAX_CALLS];
	size_t ncalls, pos = 3;
	struct mb_params p;

	if (size < 3 || !mb_count())
		return 0;
	const struct mb_bench *b = mb_get(data[0] % mb_count());
	mb_params_defaults(&p, b);
	p.cpl = data[1] & 4 ? 3 : 0;
	ncalls = data[2] % (FZ_MAX_CALLS + 1);
	for (size_t i = 0; i < ncalls; i++) {
		if (pos >= size)
			return 0;
		calls[i] = data[pos++];
		if (calls[i] == 0xff) {
			if (size - pos < 4)
				return 0;
			memcpy(&calls[i], data + pos, 4);
			pos += 4;
		}
	}

	/* What measure_run and hv_vm_load_guest set up before the first run. */
	memset(&page, 0, sizeof(page));
	page.magic = HV_ABI_MAGIC;
	page.abi_version = HV_ABI_VERSION;
	page.nr_vcpus = 1;
	page.tsc_khz = host.tsc_khz;
	hv_body_name_put(page.body, b->body);
	page.cpl = (uint32_t)p.cpl;
	page.min_cycles = (uint64_t)p.min_time_ms * page.tsc_khz;
	page.batch = p.batch ? p.batch : 1;
	page.max_iters = (p.max_iters + page.batch - 1) / page.batch;
	page.warmup_iters = (p.warmup_iters + page.batch - 1) / page.batch;
	page.repetitions = p.repetitions;
	page.calib_iters = 2000;
	page.flags = b->no_subtract ? HV_F_NO_SUBTRACT : 0;
	fz_unpack(&page, data + pos, size - pos);

	json_t *rec = measure_render_shared(&env, b, &p, &page, calls, ncalls,
					    results[data[1] & 3]);
	if (!rec)
		abort();	/* only out of memory may give NULL */
	/* The record must serialize: that is what results.c does with it. */
	char *text = json_dumps(rec, JSON_COMPACT);
	if (!text)
		abort();
	free(text);
	json_decref(rec);
	return 0;
}
