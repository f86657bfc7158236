/* The Xentrace table of a workload: see xentrace.h. */
#include "probes/xentrace.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* A finite number >= 0 at @key of @o, else NAN. */
static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	double x = json_is_number(v) ? json_number_value(v) : NAN;

	return isfinite(x) && x >= 0 ? x : NAN;
}

static json_t *opt(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The KVM statistics the vmm rows already are (exits that reached user
 * space), and the totals. */
static bool kvm_row_skipped(const char *k)
{
	static const char *const skip[] = { "exits", "exits_caused", "io_exits", "mmio_exits", NULL };

	for (const char *const *s = skip; *s; s++)
		if (!strcmp(k, *s))
			return true;
	return false;
}

static int add_row(json_t *rows, const char *reason, const char *source, double count,
		   double time)
{
	return json_array_append_new(rows, json_pack("{s:s, s:s, s:f, s:o}", "reason", reason,
						     "source", source, "count", count,
						     "time", opt(time)));
}

json_t *xentrace_table(json_t *bench)
{
	json_t *run = json_object_get(bench, "run");
	json_t *prof = json_object_get(bench, "exit_profile");
	json_t *reasons = json_object_get(prof, "reasons");
	const char *unit = json_string_value(json_object_get(bench, "unit"));
	const char *method = json_string_value(json_object_get(prof, "method"));
	const char *punit = json_string_value(json_object_get(prof, "unit"));
	double guest = num(json_object_get(run, "guest"), "p50");
	double native = num(json_object_get(run, "native"), "p50");
	double hz = num(bench, "counter_hz");
	json_t *exits_o = json_object_get(json_object_get(prof, "kvm_stats"), "exits");
	double total = num(exits_o, "exits");
	bool tp = method && !strcmp(method, "tracepoints");
	double scale = NAN;	/* profile unit -> the record's */
	const char *k;
	json_t *v;

	if (!unit || !method || !punit || !json_is_object(reasons) || !isfinite(guest) ||
	    !isfinite(native) || native <= 0)
		return NULL;
	if (!strcmp(punit, unit))
		scale = 1;
	else if (!strcmp(punit, "ns") && isfinite(hz) && hz > 0)
		scale = hz / 1e9;	/* the record's counter runs at counter_hz */

	json_t *t = json_object(), *rows = json_array();
	if (!t || !rows) {
		json_decref(t);
		json_decref(rows);
		return NULL;
	}
	double sum_count = 0, sum_time = 0;
	bool any_time = false;

	json_object_foreach(reasons, k, v) {
		double c = num(v, "per_op"), m = num(v, "time_mean");

		/* a reason left with no count held only the call channel's */
		if (json_integer_value(json_object_get(v, "count")) <= 0 || !isfinite(c) || c <= 0)
			continue;
		double time = isfinite(m) && isfinite(scale) ? c * m * scale : NAN;
		add_row(rows, k, tp ? "tracepoint" : "vmm", c, time);
		sum_count += c;
		if (isfinite(time)) {
			sum_time += time;
			any_time = true;
		}
	}
	/* The VMM sees only what reaches user space: KVM's own categories
	 * are counted, not timed. The tracepoints see every reason. */
	if (!tp && json_is_object(exits_o)) {
		json_object_foreach(exits_o, k, v) {
			double c = json_is_number(v) ? json_number_value(v) : NAN;

			if (kvm_row_skipped(k) || !isfinite(c) || c < 0.005)
				continue;
			add_row(rows, k, "kvm", c, NAN);
			sum_count += c;
		}
	}
	if (!isfinite(total) || total < sum_count)
		total = sum_count;
	else if (total - sum_count >= 0.005)
		add_row(rows, "no reason named", "kvm", total - sum_count, NAN);

	double over = guest - native;
	size_t i;
	json_array_foreach(rows, i, v) {
		double c = num(v, "count"), time = num(v, "time");

		json_object_set_new(v, "share_of_exits", opt(total > 0 ? c / total : NAN));
		json_object_set_new(v, "share_of_overhead",
				    opt(over > 0 && isfinite(time) ? time / over : NAN));
	}
	json_object_set_new(t, "unit", json_string(unit));
	json_object_set_new(t, "guest", json_real(guest));
	json_object_set_new(t, "native", json_real(native));
	json_object_set_new(t, "overhead", json_real(over));
	json_object_set_new(t, "overhead_pct", json_real((guest / native - 1) * 100));
	json_object_set_new(t, "exits", json_real(total));
	json_object_set_new(t, "rows", rows);
	json_object_set_new(t, "timed_share_of_overhead",
			    opt(over > 0 && any_time ? sum_time / over : NAN));
	if (over > 0 && any_time && sum_time > over)
		json_object_set_new(t, "over_overhead", json_string(
			"the timed exits took more than the whole overhead: the native run pays "
			"part of the same cost (host interrupts reach a host thread too), and "
			"the tracepoint times come from a separate run of the row"));
	json_object_set_new(t, "note", json_string(
		tp ? "times: kvm:kvm_exit to kvm:kvm_entry, every reason, from a separate short run" :
		     "times: the VMM's user-space part of each exit it sees; KVM's in-kernel exits "
		     "(shadow-paging faults, interrupts, emulation) are counted, not timed, and with the "
		     "host's preemption make up what the timed rows leave of the overhead"));
	return t;
}
