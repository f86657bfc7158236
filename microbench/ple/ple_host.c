/* What the host's KVM does about a spinning vCPU, for every record of the
 * ple family: its pause-loop exiting (kvm_intel PLE, kvm_amd pause filter)
 * and halt-polling module parameters, read from sysfs, and the lock check
 * of the spinlock row. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microbench/mb.h"
#include "microbench/ple/ple.h"
#include "probes/hostinfo.h"
#include "probes/record.h"

static const struct {
	const char *module, *param;
} ple_params[] = {
	{ "kvm_intel", "ple_gap" }, { "kvm_intel", "ple_window" },
	{ "kvm_intel", "ple_window_grow" }, { "kvm_intel", "ple_window_shrink" },
	{ "kvm_intel", "ple_window_max" },
	{ "kvm_amd", "pause_filter_count" }, { "kvm_amd", "pause_filter_thresh" },
	{ "kvm_amd", "pause_filter_count_grow" }, { "kvm_amd", "pause_filter_count_shrink" },
	{ "kvm_amd", "pause_filter_count_max" },
	{ "kvm", "halt_poll_ns" },
};

/* A module parameter's value: a decimal integer and nothing else. */
static int read_param(const char *root, const char *module, const char *param, int64_t *v)
{
	char path[512], buf[64], *end;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/sys/module/%s/parameters/%s", root, module, param);
	if (!(f = fopen(path, "r")))
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	long long x = strtoll(buf, &end, 10);
	if (end == buf || errno || (*end && *end != '\n'))
		return -EINVAL;
	*v = x;
	return 0;
}

json_t *ple_host_settings(const char *root, const struct hostinfo *hi, bool *available)
{
	json_t *o = json_object(), *params = json_object(), *absent = json_array();
	int64_t gap = -1, count = -1;
	char reason[320];

	if (!o || !params || !absent) {
		json_decref(o);
		json_decref(params);
		json_decref(absent);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(ple_params) / sizeof(ple_params[0]); i++) {
		char name[96];
		int64_t v = 0;

		snprintf(name, sizeof(name), "%s.%s", ple_params[i].module, ple_params[i].param);
		if (read_param(root, ple_params[i].module, ple_params[i].param, &v) < 0) {
			json_array_append_new(absent, json_string(name));
			continue;
		}
		json_object_set_new(params, name, json_integer(v));
		if (!strcmp(name, "kvm_intel.ple_gap"))
			gap = v;
		if (!strcmp(name, "kvm_amd.pause_filter_count"))
			count = v;
	}
	*available = gap > 0 || count > 0;
	if (gap > 0)
		snprintf(reason, sizeof(reason), "kvm_intel ple_gap %" PRId64 ": VT-x exits a PAUSE loop that outlasts ple_window", gap);
	else if (count > 0)
		snprintf(reason, sizeof(reason), "kvm_amd pause_filter_count %" PRId64 ": SVM exits after that many PAUSEs within pause_filter_thresh cycles of each other", count);
	else if (gap == 0)
		snprintf(reason, sizeof(reason), "kvm_intel ple_gap is 0: pause-loop exiting is off (the CPU lacks it, or the module was loaded so)");
	else if (count == 0)
		snprintf(reason, sizeof(reason), "kvm_amd pause_filter_count is 0: the pause filter is off (the CPU lacks it, or the module was loaded so; QEMU TCG's SVM has none)");
	else
		snprintf(reason, sizeof(reason), "neither kvm_intel nor kvm_amd is loaded (backend %s)%s",
			 hi ? hi->backend : "unknown",
			 hi && !strcmp(hi->backend, "pvm") ?
			 ": PVM runs guest CPL3 natively, where PAUSE never exits, and has no pause-loop exiting" :
			 mb_host_arch() == MB_ARCH_ARM64 ?
			 ": arm64 traps WFE (KVM's default), not PAUSE; YIELD never traps" : "");
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "absent", absent);
	json_object_set_new(o, "pause_exiting", json_string(*available ? "available" : "not available"));
	json_object_set_new(o, "reason", json_string(reason));
	return o;
}

void ple_record_host(struct rec *rec, const struct hostinfo *hi, double unnamed, const char *unit)
{
	bool avail = false;
	json_t *o = ple_host_settings("", hi, &avail);
	char note[600];

	if (!o)
		return;
	if (!avail) {
		int n = snprintf(note, sizeof(note), "PLE not available on this host: %s",
				 json_string_value(json_object_get(o, "reason")));
		if (unnamed >= 0 && n > 0 && (size_t)n < sizeof(note))
			snprintf(note + n, sizeof(note) - (size_t)n,
				 "; measured: at most %.3g pause exits %s (x86: exits KVM names no reason for; arm64: WFE exits)",
				 unnamed, unit);
		rec_set(rec, "ple", json_string(note));
	}
	rec_set(rec, "ple_host", o);
}

const char *const ple_kvm_stats[] = {
	"exits", "io_exits", "mmio_exits", "irq_exits", "halt_exits", "signal_exits",
	"irq_window_exits", "nmi_window_exits", "request_irq_exits",
	"directed_yield_attempted", "directed_yield_successful",
	"halt_attempted_poll", "halt_successful_poll", "halt_wakeup", "preemption_reported",
	"wfe_exit_stat",	/* arm64's: WFE traps, its pause-loop exits */
	NULL,
};

/* The exits KVM names a reason for. */
static const char *const named_exits[] = {
	"io_exits", "mmio_exits", "irq_exits", "halt_exits", "signal_exits",
	"irq_window_exits", "nmi_window_exits", "request_irq_exits", NULL,
};

static double metric_value(const struct rec *rec, const char *name, double def)
{
	const struct rec_metric *m = rec_metric_find(rec, name);

	return m && m->kind == REC_VALUE ? m->value : def;
}

double ple_pause_exits_max(const struct rec *rec, double own)
{
	/* arm64 counts its spin-wait exits itself (WFE traps), and has no
	 * irq_exits to tell host interrupts from the rest. */
	if (mb_host_arch() == MB_ARCH_ARM64)
		return metric_value(rec, "exits_per_op/wfe_exit_stat", -1);
	double all = metric_value(rec, "exits_per_op/exits", -1), named = 0;
	char path[128];

	if (all < 0)
		return -1;
	for (const char *const *e = named_exits; *e; e++) {
		snprintf(path, sizeof(path), "exits_per_op/%s", *e);
		named += metric_value(rec, path, 0);
	}
	return all > named + own ? all - named - own : 0;
}

int ple_lock_check(uint64_t counter, uint64_t sum, uint64_t holder, uint32_t nr_vcpus,
		   char *why, size_t len)
{
	if (holder > nr_vcpus) {
		snprintf(why, len, "the lock's holder word says vCPU %" PRIu64 " of %u", holder, nr_vcpus);
		return -1;
	}
	if (counter == sum || (holder && counter == sum + 1))
		return 0;
	snprintf(why, len, "the lock let two in: the counter it protects is %" PRIu64 ", the vCPUs' acquisitions sum to %" PRIu64 "%s",
		 counter, sum, holder ? " (one vCPU stopped inside its section)" : "");
	return -1;
}
