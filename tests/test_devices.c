/* The devices family (microbench/devices/) on real VMs: every model moves
 * its packets intact and in order (the device checks each byte), the
 * emulated model takes exactly its two exits per doorbell, the direct one
 * none, virtio's kicks stay in KVM and thin out with the batch, the native twin runs the same driver on host threads, and a
 * hostile driver's descriptor is refused with the reason while the host
 * goes on. */
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hvbench/measure.h"
#include "microbench/devices/nic.h"
#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/record.h"
#include "tests/kvmtest.h"

static int64_t choice(const struct mb_bench *b, const char *param, const char *name)
{
	int i = mb_ext_index(b, param);

	assert_true(i >= 0);
	for (int64_t k = 0; b->ext_params[i].choices[k]; k++)
		if (!strcmp(b->ext_params[i].choices[k], name))
			return k;
	fail_msg("no %s \"%s\"", param, name);
	return -1;
}

static struct rec *run_nic_regs(const char *model, int64_t size, uint32_t batch, const char *fault,
			       int cpl, const char *regs)
{
	const struct mb_bench *b = mb_find("nic");
	struct mb_params p;

	assert_non_null(b);
	mb_params_defaults(&p, b);
	p.cpl = cpl;
	p.min_time_ms = cpl == 3 ? 10 : 5;
	p.repetitions = 2;
	p.timeout_ms = 60000;
	p.batch = batch;
	p.ext[mb_ext_index(b, "model")] = choice(b, "model", model);
	p.ext[mb_ext_index(b, "size")] = size;
	p.ext[mb_ext_index(b, "fault")] = choice(b, "fault", fault);
	p.ext[mb_ext_index(b, "regs")] = choice(b, "regs", regs);
	return measure_record(&env, b, &p);
}

static struct rec *run_nic(const char *model, int64_t size, uint32_t batch, const char *fault, int cpl)
{
	return run_nic_regs(model, size, batch, fault, cpl, "mmio");
}

static const struct rec_metric *need(const struct rec *r, const char *name)
{
	const struct rec_metric *m = rec_metric_find(r, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m;
}

/* A polling model needs a second CPU for its hardware thread: without one
 * the record says so, and there is nothing else to check. */
static bool lacks_cpu(const struct rec *r)
{
	if (r->status == REC_UNSUPPORTED && r->reason && strstr(r->reason, "second CPU")) {
		print_message("SKIP: %s\n", r->reason);
		return true;
	}
	return false;
}

static void assert_ok(const struct rec *r)
{
	assert_non_null(r);
	if (r->status != REC_OK)
		fail_msg("status %s: %s", rec_status_name(r->status), r->reason ? r->reason : "");
}

/* Every packet that was timed, and the warm-up's, reached the device whole
 * and in order: the device counts only those that passed its checks. */
static void assert_all_verified(const struct rec *r, uint32_t batch)
{
	const struct rec_metric *pp = need(r, "per_packet");
	double verified = need(r, "packets_verified")->value;

	assert_true(pp->st.n > 0);
	assert_true(verified >= (double)pp->st.n * pp->per);
	assert_true(need(r, "packets_per_s")->value > 0);
	assert_true(need(r, "bytes_per_s")->value > need(r, "packets_per_s")->value);
	assert_true(rec_metric_stat(need(r, "per_packet"), "p50") > 0);
	assert_int_equal(need(r, "per_packet")->per, batch);
}

/* A thread's CPU time per packet over the window is at most the window's
 * wall time per packet (5% and 50 ns of slack for the edges' reads). */
static void assert_within_wall(const struct rec *r, const char *name)
{
	double v = need(r, name)->value, wall = need(r, "host_cpu/wall")->value;

	if (!(v > 0 && v <= wall * 1.05 + 50))
		fail_msg("%s %.1f ns per packet against a window of %.1f", name, v, wall);
}

static void test_emulated_two_exits_per_doorbell(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic("emulated", 64, 1, "none", 3);

	assert_ok(r);
	assert_all_verified(r, 1);
	/* The tail register's write and the cause register's read: the
	 * device model served exactly two, KVM counted them as user-space
	 * MMIO exits, and no fewer exits in all. */
	double vmm = need(r, "exits_per_packet/vmm")->value;
	double mmio = need(r, "exits_per_op/mmio_exits")->value;
	print_message("emulated 64B batch 1: %.3f exits served by the device, %.3f MMIO exits (KVM) per packet\n",
		      vmm, mmio);
	assert_true(vmm == 2.0);
	assert_true(mmio > 1.99 && mmio < 2.01);
	assert_true(need(r, "exits_per_packet/kvm")->value >= 2.0 - 0.01);
	assert_false(rec_flagged(r, "suspect"));
	rec_free(r);
}

/* The same registers behind ports: two user-space exits per doorbell
 * again, none of them MMIO. (KVM's io_exits is not asserted: PVM handles
 * port I/O by emulation and leaves it at 0.) */
static void test_emulated_ports(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic_regs("emulated", 64, 1, "none", 3, "pio");

	assert_ok(r);
	assert_all_verified(r, 1);
	assert_true(need(r, "exits_per_packet/vmm")->value == 2.0);
	assert_true(need(r, "exits_per_op/mmio_exits")->value == 0);
	assert_true(need(r, "exits_per_packet/kvm")->value >= 2.0 - 0.01);
	assert_false(rec_flagged(r, "suspect"));
	assert_non_null(r->variant);
	assert_non_null(strstr(r->variant, "emulated-pio"));
	rec_free(r);
	r = run_nic_regs("emulated", 1500, 4, "none", 3, "pio");
	assert_ok(r);
	assert_true(need(r, "exits_per_packet/vmm")->value == 0.5);
	rec_free(r);
}

static void test_emulated_batch_shares_exits(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic("emulated", 1500, 8, "none", 3);

	assert_ok(r);
	assert_all_verified(r, 8);
	double mmio = need(r, "exits_per_op/mmio_exits")->value;
	assert_true(mmio > 0.249 && mmio < 0.251);
	assert_true(need(r, "exits_per_packet/vmm")->value == 0.25);
	rec_free(r);
}

static void test_direct_no_exit(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic("direct", 9000, 1, "none", 3);

	if (lacks_cpu(r)) {
		rec_free(r);
		skip();
	}
	assert_ok(r);
	assert_all_verified(r, 1);
	/* Deterministic: the data path has no register, so no MMIO or port
	 * exit at all; host interrupts may still come and go. */
	assert_true(need(r, "exits_per_op/mmio_exits")->value == 0);
	assert_true(need(r, "exits_per_op/io_exits")->value == 0);
	assert_true(need(r, "exits_per_packet/vmm")->value == 0);
	/* Nor any other, apart from what the host's own events cause. */
	assert_true(need(r, "exits_per_packet/kvm")->value < 0.01);
	assert_true(need(r, "host_cpu/device_thread")->value > 0);
	assert_true(rec_metric_stat(need(r, "device/busy"), "p50") > 0);
	assert_string_equal(json_string_value(rec_get(r, "completion")), "polling");
	rec_free(r);
}

static void test_native_twin(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic("native", 1500, 4, "none", 3);

	if (lacks_cpu(r)) {
		rec_free(r);
		skip();
	}
	assert_ok(r);
	assert_all_verified(r, 4);
	assert_true(need(r, "pct_of_native/direct")->value > 0);
	assert_string_equal(json_string_value(rec_get(r, "model")), "native");
	/* The twin's own split: its driver thread and the hardware's. */
	assert_within_wall(r, "host_cpu/driver_thread");
	assert_within_wall(r, "host_cpu/device_thread");
	assert_null(rec_metric_find(r, "host_cpu/vcpu_thread"));
	rec_free(r);
}

/* Every model in a VM carries its share of bare metal, measured in the
 * same record by the native twin at the same size and batch, and its host
 * CPU time per packet split by thread: the ratio is the two medians', the
 * CPU times fit in the window, and a model without a device thread
 * (emulated: the device model runs in the vCPU's exits) reports none. */
static void test_every_model_against_native(void **state)
{
	static const char *const models[] = { "emulated", "virtio", "direct" };

	NEED_KVM();
	for (size_t i = 0; i < 3; i++) {
		struct rec *r = run_nic(models[i], 1500, 4, "none", 3);
		char name[64];

		if (lacks_cpu(r)) {
			rec_free(r);
			continue;
		}
		assert_ok(r);
		assert_within_wall(r, "host_cpu/vcpu_thread");
		if (!strcmp(models[i], "emulated"))
			assert_null(rec_metric_find(r, "host_cpu/device_thread"));
		else
			assert_within_wall(r, "host_cpu/device_thread");
		json_t *nat = rec_get(r, "native");
		if (nat) {
			/* Only a host without a second CPU may lack the twin. */
			print_message("SKIP %s twin: %s\n", models[i],
				      json_string_value(json_object_get(nat, "reason")));
			assert_string_equal(json_string_value(json_object_get(nat, "status")), "unsupported");
			cpu_set_t cs;
			assert_int_equal(sched_getaffinity(0, sizeof(cs), &cs), 0);
			assert_true(CPU_COUNT(&cs) < 2);
			rec_free(r);
			continue;
		}
		snprintf(name, sizeof(name), "pct_of_native/%s", models[i]);
		double pct = need(r, name)->value;
		const struct rec_metric *nat_pp = need(r, "native_per_packet");
		double want = 100.0 * rec_metric_stat(nat_pp, "p50") / rec_metric_stat(need(r, "per_packet"), "p50");
		print_message("%s 1500B batch 4: %.1f%% of native; vCPU thread %.0f ns, device thread %.0f ns per packet\n",
			      models[i], pct, need(r, "host_cpu/vcpu_thread")->value,
			      rec_metric_find(r, "host_cpu/device_thread") ? rec_metric_find(r, "host_cpu/device_thread")->value : 0.0);
		assert_true(pct > 0);
		assert_true(fabs(pct - want) <= 1e-6 * want);
		assert_int_equal(nat_pp->per, 4);
		assert_true(nat_pp->st.n > 0);
		rec_free(r);
	}
}

/* virtio: the kick is an ioeventfd, so no exit reaches the VMM; each kick
 * still exits to KVM, and event-index suppression lets a batch share one:
 * exits per packet fall with the batch, below 0.2 at 32. */
static void test_virtio_batches_kicks(void **state)
{
	NEED_KVM();
	struct rec *one = run_nic("virtio", 64, 1, "none", 3);
	struct rec *many = run_nic("virtio", 64, 32, "none", 3);

	assert_ok(one);
	assert_ok(many);
	assert_all_verified(one, 1);
	assert_all_verified(many, 32);
	double e1 = need(one, "exits_per_packet/kvm")->value, e32 = need(many, "exits_per_packet/kvm")->value;
	double k1 = need(one, "virtio/kicks")->value, k32 = need(many, "virtio/kicks")->value;
	print_message("virtio 64B: exits per packet %.3f at batch 1, %.3f at 32; kicks %.3f, %.3f\n",
		      e1, e32, k1, k32);
	for (int i = 0; i < 2; i++) {
		const struct rec *r = i ? many : one;
		assert_true(need(r, "exits_per_op/mmio_exits")->value == 0);
		assert_true(need(r, "virtio/user_kicks")->value == 0);
		assert_true(need(r, "exits_per_packet/vmm")->value == 0);
		assert_non_null(strstr(json_string_value(rec_get(r, "completion")), "used index"));
		assert_false(rec_flagged(r, "suspect"));
	}
	/* At most one kick per batch, and every kick is an exit. */
	assert_true(k1 <= 1.0 + 1e-9 && k1 > 0);
	assert_true(k32 <= 1.0 / 32 + 1e-9 && k32 > 0);
	assert_true(e1 >= k1 - 0.01);
	assert_true(e32 >= k32 - 0.01);
	assert_true(e32 < e1);
	assert_true(e32 < 0.2);
	rec_free(one);
	rec_free(many);
}

/* A hostile driver: each fault is refused by the device, the record fails
 * with the device's own reason, and the next run works. */
static void test_hostile_descriptors(void **state)
{
	NEED_KVM();
	static const struct { const char *fault, *why; } cases[] = {
		{ "length", "length 9217 outside" },
		{ "address", "outside the device region" },
		{ "payload", "payload corrupted" },
		{ "sequence", "out of order" },
	};
	static const char *const models[] = { "emulated", "direct", "native", "virtio" };

	for (size_t m = 0; m < 4; m++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct rec *r = run_nic(models[m], 64, 1, cases[i].fault, 3);
			/* virtio's descriptors carry no sequence: its driver names
			 * a descriptor past the table instead. */
			const char *why = m == 3 && i == 3 ? "past the table" : cases[i].why;

			assert_non_null(r);
			if (lacks_cpu(r)) {
				rec_free(r);
				continue;
			}
			print_message("%s %s: %s\n", models[m], cases[i].fault, r->reason ? r->reason : "");
			assert_int_equal(r->status, REC_FAILED);
			assert_non_null(r->reason);
			assert_non_null(strstr(r->reason, "the device refused a descriptor"));
			assert_non_null(strstr(r->reason, why));
			rec_free(r);
		}
	struct rec *r = run_nic("emulated", 64, 1, "none", 3);
	assert_ok(r);
	rec_free(r);
}

/* A device that stops serving: the driver gives up within its wait, the
 * record fails with that diagnosis, nothing hangs. The emulated model's
 * cause register then says nothing was done; the others time out. */
static void test_device_stall(void **state)
{
	NEED_KVM();
	static const struct { const char *model, *why; } cases[] = {
		{ "emulated", "the cause register said the device had done nothing" },
		{ "direct", "the device completed no descriptor within 1 s" },
		{ "virtio", "the device completed no descriptor within 1 s" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rec *r = run_nic(cases[i].model, 64, 1, "stall", 3);

		assert_non_null(r);
		if (lacks_cpu(r)) {
			rec_free(r);
			continue;
		}
		print_message("%s stall: %s\n", cases[i].model, r->reason ? r->reason : "");
		assert_int_equal(r->status, REC_FAILED);
		assert_non_null(r->reason);
		assert_non_null(strstr(r->reason, cases[i].why));
		rec_free(r);
	}
}

/* The native twin's own device refuses a hostile driver too (in a native
 * record the VM's direct run meets the fault first, so the twin is driven
 * here directly), and reports the driver's give-up when it stalls. */
static void test_native_twin_refuses(void **state)
{
	const struct mb_bench *b = mb_find("nic");
	struct mb_params p;
	struct nic_state st = { .model = NIC_NATIVE, .size = 64, .batch = 1 };
	struct mb_setup_ctx c = { .bench = b, .params = &p };
	struct stats_summary sum;
	struct nic_dev *d = calloc(1, sizeof(*d));
	char err[320];

	assert_non_null(b);
	assert_non_null(d);
	mb_params_defaults(&p, b);
	p.min_time_ms = 5;
	p.repetitions = 1;
	st.orig = p;
	st.tsc_khz = host.tsc_khz;
	if (!st.tsc_khz || sched_getaffinity(0, sizeof(st.allowed), &st.allowed) < 0 ||
	    CPU_COUNT(&st.allowed) < 2) {
		print_message("SKIP: the twin needs the counter's rate and a second CPU\n");
		free(d);
		skip();
	}
	st.fault = NIC_F_NONE;
	struct nic_twin tw = { .sum = &sum, .dev = d };
	assert_int_equal(nic_native_run(&c, &st, &tw, err, sizeof(err)), 0);
	assert_true(sum.n > 0 && d->head >= sum.n);
	/* The twin's window: one span (no pauses), every timed packet in it,
	 * both threads read, neither busier than the wall clock. */
	assert_int_equal(tw.packets, sum.n * st.batch);
	assert_int_equal(tw.cpu.spans, 1);
	assert_true(tw.cpu.dev_ok && !tw.cpu.open && !tw.cpu.bad);
	assert_true(tw.cpu.drv_ns > 0 && tw.cpu.drv_ns <= tw.cpu.wall_ns + tw.cpu.wall_ns / 20 + 100000);
	assert_true(tw.cpu.dev_ns > 0 && tw.cpu.dev_ns <= tw.cpu.wall_ns + tw.cpu.wall_ns / 20 + 100000);
	st.fault = NIC_F_PAYLOAD;
	assert_true(nic_native_run(&c, &st, &tw, err, sizeof(err)) < 0);
	print_message("native payload: %s\n", err);
	assert_non_null(strstr(err, "the device refused a descriptor: packet 3: byte 32 of 64"));
	st.fault = NIC_F_STALL;
	assert_true(nic_native_run(&c, &st, &tw, err, sizeof(err)) < 0);
	print_message("native stall: %s\n", err);
	assert_non_null(strstr(err, "the device completed no descriptor within 1 s"));
	free(d);
}

/* CPL0 is emulated on some backends (slow, not wrong): the exits are the
 * same. */
static void test_emulated_cpl0(void **state)
{
	NEED_KVM();
	struct rec *r = run_nic("emulated", 64, 1, "none", 0);

	assert_ok(r);
	assert_all_verified(r, 1);
	double mmio = need(r, "exits_per_op/mmio_exits")->value;
	assert_true(mmio > 1.99 && mmio < 2.01);
	rec_free(r);
}

/* Dall et al.'s I/O latency out: one kick per sample, each seen by the
 * device thread once, no exit reaching the VMM (the ioeventfd completes
 * the write in KVM), the two clocks in order for every kick; or, where
 * the host's TSCs are not one timeline, unsupported saying so. I/O latency
 * in at CPL3 is unsupported with its reason (at CPL0: tests/test_iolat.c). */
static void test_io_latency(void **state)
{
	const struct mb_bench *out = mb_find("io_latency_out"), *in = mb_find("io_latency_in");
	struct mb_params p;

	NEED_KVM();
	assert_non_null(out);
	assert_non_null(in);
	mb_params_defaults(&p, out);
	p.cpl = 3;
	p.min_time_ms = 10;
	p.repetitions = 2;
	p.timeout_ms = 60000;
	struct rec *r = measure_record(&env, out, &p);
	assert_non_null(r);
	if (r->status == REC_UNSUPPORTED && r->reason && strstr(r->reason, "one timeline")) {
		print_message("SKIP: %s\n", r->reason);
	} else {
		assert_ok(r);
		const struct rec_metric *lat = need(r, "latency_out");
		json_t *tl = rec_get(r, "clock_check");
		print_message("io_latency_out cpl3: p50 %.0f %s, n %llu\n", lat->st.p50, lat->unit,
			      (unsigned long long)lat->st.n);
		assert_true(lat->st.p50 > 0 && lat->st.n > 0);
		assert_true(need(r, "clock_check/misses")->value == 0);
		assert_true(json_integer_value(json_object_get(tl, "kicks_answered")) >= (json_int_t)lat->st.n);
		assert_true(need(r, "kicks_per_wakeup")->value == 1.0);
		assert_true(need(r, "exits_per_op/mmio_exits")->value == 0);
		assert_true(need(r, "exits_per_op/exits_caused")->value >= 0.99);
	}
	rec_free(r);
	mb_params_defaults(&p, in);
	p.cpl = 3;
	r = measure_record(&env, in, &p);
	assert_int_equal(r->status, REC_UNSUPPORTED);
	assert_non_null(strstr(r->reason, "CPL3"));
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emulated_two_exits_per_doorbell),
		cmocka_unit_test(test_emulated_batch_shares_exits),
		cmocka_unit_test(test_emulated_ports),
		cmocka_unit_test(test_direct_no_exit),
		cmocka_unit_test(test_native_twin),
		cmocka_unit_test(test_every_model_against_native),
		cmocka_unit_test(test_virtio_batches_kicks),
		cmocka_unit_test(test_hostile_descriptors),
		cmocka_unit_test(test_device_stall),
		cmocka_unit_test(test_native_twin_refuses),
		cmocka_unit_test(test_emulated_cpl0),
		cmocka_unit_test(test_io_latency),
	};
	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
