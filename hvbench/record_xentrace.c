/* The console's Xentrace table of a workload (probes/xentrace.h) under its
 * line: guest against native, then per exit reason its count per run, its
 * share of the exits, its time per run and that time's share of the
 * overhead. Names come from the record: the terminal escaper downstream
 * handles them like every other string of a result. */
#include <math.h>
#include <stdio.h>

#include "hvbench/record.h"
#include "probes/xentrace.h"

static const char *si(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%.1fK", v / 1e3);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static void cell(FILE *f, json_t *v, const char *fmt, double scale)
{
	char buf[32];

	if (json_is_number(v))
		snprintf(buf, sizeof(buf), fmt, json_number_value(v) * scale);
	else
		snprintf(buf, sizeof(buf), "-");
	fprintf(f, " %14s", buf);
}

void rec_print_xentrace(FILE *f, json_t *bench)
{
	json_t *t = xentrace_table(bench);
	json_t *rows = json_object_get(t, "rows"), *v;
	const char *unit = json_string_value(json_object_get(t, "unit"));
	size_t i;
	char h[48];

	if (!t || !unit)
		return;
	json_t *ci = json_object_get(bench, "overhead");
	double lo = json_number_value(json_object_get(ci, "ci95_low"));
	double hi = json_number_value(json_object_get(ci, "ci95_high"));
	char g[32], n[32], range[64] = "";

	if (json_is_number(json_object_get(ci, "ci95_low")) &&
	    json_is_number(json_object_get(ci, "ci95_high")))
		snprintf(range, sizeof(range), " [95%% CI %+.1f%%, %+.1f%%]", lo, hi);
	fprintf(f, "      Xentrace table: guest %s vs native %s %s per run (medians), overhead %+.1f%%%s, %.4g exits per run\n",
		si(json_number_value(json_object_get(t, "guest")), g, sizeof(g)),
		si(json_number_value(json_object_get(t, "native")), n, sizeof(n)), unit,
		json_number_value(json_object_get(t, "overhead_pct")), range,
		json_number_value(json_object_get(t, "exits")));
	snprintf(h, sizeof(h), "%s/run", unit);
	fprintf(f, "      %-24s %6s %14s %14s %14s %14s\n", "exit reason", "seen by", "count/run",
		"% of exits", h, "% of overhead");
	json_array_foreach(rows, i, v) {
		fprintf(f, "        %-22s %6s", json_string_value(json_object_get(v, "reason")),
			json_string_value(json_object_get(v, "source")));
		cell(f, json_object_get(v, "count"), "%.4g", 1);
		cell(f, json_object_get(v, "share_of_exits"), "%.1f%%", 100);
		cell(f, json_object_get(v, "time"), "%.4g", 1);
		cell(f, json_object_get(v, "share_of_overhead"), "%.1f%%", 100);
		fputc('\n', f);
	}
	json_t *ts = json_object_get(t, "timed_share_of_overhead");
	json_t *oo = json_object_get(t, "over_overhead");
	if (json_is_number(ts))
		fprintf(f, "        timed exits: %.1f%% of the overhead%s%s; %s\n",
			100 * json_number_value(ts), oo ? ": " : "", oo ? json_string_value(oo) : "",
			json_string_value(json_object_get(t, "note")));
	else
		fprintf(f, "        %s\n", json_string_value(json_object_get(t, "note")));
	char u[32];
	snprintf(u, sizeof(u), "%s", unit);	/* the table owns unit */
	json_decref(t);
	/* macro_timer: the guest timer beside its table. */
	json_t *tm = json_object_get(bench, "timer");
	if (json_is_object(tm) && json_is_number(json_object_get(tm, "asked_hz"))) {
		char c[32] = "-";
		json_t *cost = json_object_get(tm, "cost_per_tick");

		if (json_is_number(cost))
			si(json_number_value(cost), c, sizeof(c));
		fprintf(f, "      guest timer: %.0f Hz asked, %.0f Hz measured, %.4g interrupts per run, %s %s per tick against the twin (no timer there)%s%s\n",
			json_number_value(json_object_get(tm, "asked_hz")),
			json_number_value(json_object_get(tm, "measured_hz")),
			json_number_value(json_object_get(tm, "ticks_per_run")), c, u,
			json_is_string(json_object_get(bench, "timer_note")) ? "; " : "",
			json_is_string(json_object_get(bench, "timer_note")) ?
				json_string_value(json_object_get(bench, "timer_note")) : "");
	}
}
