/* The report's Xentrace section: per workload, guest against native and
 * per exit reason its count per run, share of the exits, time per run and
 * share of the overhead, from the record as the file holds it. Every
 * string from the file goes through an_buf_html. */
#include "analysis/an_xentrace.h"

#include <math.h>

#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "probes/xentrace.h"

static void td(struct an_buf *b, json_t *v, double scale, const char *unit)
{
	char num[32];
	double x = json_is_number(v) ? json_number_value(v) * scale : NAN;

	an_fmt_num(num, sizeof(num), x);
	an_buf_printf(b, "<td class='num'>%s", num);
	if (unit && !isnan(x))
		an_buf_printf(b, " <span class='muted small'>%s</span>", unit);
	an_buf_put(b, "</td>");
}

void an_report_xentrace(struct an_buf *b, const struct an_result *r)
{
	json_t *bs = json_object_get(r->root, "benchmarks"), *x;
	size_t i, n = 0;

	json_array_foreach(bs, i, x) {
		json_t *t = xentrace_table(x), *v;
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *unit = json_string_value(json_object_get(t, "unit"));
		size_t k;

		if (!t || !name || !unit) {
			json_decref(t);
			continue;
		}
		if (!n++)
			an_buf_put(b, "<section id='xentrace'><h2>Where the overhead goes (Xentrace tables)</h2>"
				      "<p class='muted'>Per workload run in the guest and natively from the same code: "
				      "the median run of each, and per exit reason its count per run, its share of the "
				      "run's exits, the time it took per run where the exit profile times it, and that "
				      "time's share of the overhead (guest less native).</p>\n");
		an_buf_put(b, "<h3>");
		an_buf_html(b, name);
		an_buf_put(b, "</h3><p>guest ");
		char g[32], nat[32];
		an_fmt_num(g, sizeof(g), json_number_value(json_object_get(t, "guest")));
		an_fmt_num(nat, sizeof(nat), json_number_value(json_object_get(t, "native")));
		an_buf_printf(b, "%s vs native %s ", g, nat);
		an_buf_html(b, an_unit_short(unit));
		an_buf_printf(b, " per run (medians): overhead %+.1f%%</p>\n",
			      json_number_value(json_object_get(t, "overhead_pct")));
		an_buf_put(b, "<table><thead><tr><th>exit reason</th><th>seen by</th><th>count/run</th>"
			      "<th>% of exits</th><th>time/run</th><th>% of overhead</th></tr></thead><tbody>\n");
		json_array_foreach(json_object_get(t, "rows"), k, v) {
			an_buf_put(b, "<tr><td>");
			an_buf_html(b, json_string_value(json_object_get(v, "reason")));
			an_buf_put(b, "</td><td>");
			an_buf_html(b, json_string_value(json_object_get(v, "source")));
			an_buf_put(b, "</td>");
			td(b, json_object_get(v, "count"), 1, NULL);
			td(b, json_object_get(v, "share_of_exits"), 100, "%");
			td(b, json_object_get(v, "time"), 1, an_unit_short(unit));
			td(b, json_object_get(v, "share_of_overhead"), 100, "%");
			an_buf_put(b, "</tr>\n");
		}
		an_buf_put(b, "</tbody></table><p class='muted small'>");
		json_t *ts = json_object_get(t, "timed_share_of_overhead");
		if (json_is_number(ts))
			an_buf_printf(b, "Timed exits: %.1f%% of the overhead. ", 100 * json_number_value(ts));
		if (json_is_string(json_object_get(t, "over_overhead"))) {
			an_buf_html(b, json_string_value(json_object_get(t, "over_overhead")));
			an_buf_put(b, ". ");
		}
		an_buf_html(b, json_string_value(json_object_get(t, "note")));
		an_buf_put(b, "</p>\n");
		json_decref(t);
	}
	if (n)
		an_buf_put(b, "</section>\n");
}
