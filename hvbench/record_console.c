/* The console rendering of a typed record (hvbench run's table): one line
 * per benchmark from its headline metric, the headline's breakdown when the
 * family gives one, and its raised flags; and the summary that counts them. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hvbench/record.h"

static const char *fmt_si(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "?");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fK", v / 1e3);
	else if (v < 10 && v != floor(v))	/* per-op figures of a batch */
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static void put_pct(FILE *f, double share)
{
	double v = 100 * share;

	fprintf(f, v >= 9.95 ? "%.0f%%" : "%.1f%%", v);
}

/* " = exit 45% + dispatch 0.3% + ...": the shares of the headline. */
static void put_breakdown(FILE *f, const struct rec *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_m; i++) {
		const struct rec_metric *m = &r->m[i];
		if (m->kind != REC_VALUE || !m->part_of || strcmp(m->part_of, r->headline))
			continue;
		const char *leaf = strrchr(m->name, '/');
		fprintf(f, "%s %s ", n++ ? " +" : " =", leaf ? leaf + 1 : m->name);
		put_pct(f, m->value);
	}
}

static void put_flags(FILE *f, const struct rec *r)
{
	for (size_t i = 0; i < r->n_flags; i++) {
		if (!r->flags[i].set)
			continue;
		fputs("  ", f);
		for (const char *c = r->flags[i].name; *c; c++)
			fputc(toupper((unsigned char)*c), f);
	}
}

/* Does the name already say token "k=v" (a "K=v" with k inside K: the
 * variant's work=1000 is the label's device_work_cycles=1000)? */
static bool said(const char *label, const char *tok)
{
	const char *eq = strchr(tok, '=');
	char buf[256];

	if (!eq)
		return false;
	snprintf(buf, sizeof(buf), "%s", label);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *e = strchr(t, '=');

		if (!e || strcmp(e + 1, eq + 1))
			continue;
		*e = '\0';
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - tok), tok);
		if (strstr(t, key))
			return true;
	}
	return false;
}

void rec_display_name(char *out, size_t len, const char *label, const char *variant)
{
	char buf[256];
	size_t k = 0;

	out[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", label ? label : "");
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (strncmp(t, "cpl=", 4) && k < len)
			k += (size_t)snprintf(out + k, len - k, "%s%s", k ? " " : "", t);
	snprintf(buf, sizeof(buf), "%s", variant ? variant : "");
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if ((!strncmp(t, "cpl", 3) && t[3] >= '0' && t[3] <= '9') || said(label ? label : "", t) ||
		    strstr(out, t))
			continue;
		if (k < len)
			k += (size_t)snprintf(out + k, len - k, "%s%s", k ? " " : "", t);
	}
}

void rec_print_line(FILE *f, const char *label, const struct rec *r)
{
	rec_print_line_w(f, label, 22, r);
}

void rec_print_line_w(FILE *f, const char *label, int width, const struct rec *r)
{
	const struct rec_metric *h = rec_headline(r);
	char a[32], b[32], d[32], name[256];
	json_t *cpl = json_object_get(r->params, "cpl");
	char level[8] = "";

	rec_display_name(name, sizeof(name), label, r->variant);
	if (json_is_integer(cpl))
		snprintf(level, sizeof(level), "cpl%d", (int)json_integer_value(cpl));
	if (r->status != REC_OK || !h || h->kind != REC_STATS) {
		fprintf(f, "  %-*s %-4s  %-11s %s\n", width, name, level, rec_status_name(r->status),
			r->reason ? r->reason : "");
		return;
	}
	json_t *res = rec_get(r, "resolution");
	json_int_t batch = json_integer_value(json_object_get(res, "ops_per_sample"));
	const char *stat = json_string_value(rec_get(r, "exit_stat"));
	char key[128];
	snprintf(key, sizeof(key), "exits_per_op/%s", stat ? stat : "exits");
	const struct rec_metric *ex = rec_metric_find(r, key);

	fprintf(f, "  %-*s %-4s", width, name, level);
	fprintf(f, "  %s p50 %8s %-6s p10-p90 %s-%s  n=%llu", h->name,
		fmt_si(rec_metric_stat(h, "p50"), a, sizeof(a)), h->unit,
		fmt_si(rec_metric_stat(h, "p10"), b, sizeof(b)),
		fmt_si(rec_metric_stat(h, "p90"), d, sizeof(d)),
		(unsigned long long)h->st.n);
	if (batch > 1)
		fprintf(f, "x%lld", (long long)batch);
	if (ex)
		fprintf(f, "  %s/op %.3f", stat ? stat : "exits", ex->value);
	put_breakdown(f, r);
	put_flags(f, r);
	fputc('\n', f);
}

void rec_tally_add(struct rec_tally *t, const struct rec *r)
{
	/* every flag any record checked gets a column, in the order seen */
	for (size_t i = 0; i < r->n_flags; i++) {
		size_t k;
		for (k = 0; k < t->n_names && strcmp(t->names[k], r->flags[i].name); k++)
			;
		if (k == t->n_names && k < REC_TALLY_MAX)
			snprintf(t->names[t->n_names++], sizeof(t->names[0]), "%s",
				 r->flags[i].name);
	}
	t->total++;
	if (r->status == REC_FAILED) {
		t->failed++;
		return;
	}
	if (r->status == REC_UNSUPPORTED) {
		t->unsupported++;
		return;
	}
	for (size_t i = 0; i < r->n_flags; i++) {
		if (!r->flags[i].set)
			continue;
		for (size_t k = 0; k < t->n_names; k++)
			if (!strcmp(t->names[k], r->flags[i].name)) {
				t->count[k]++;
				return;
			}
	}
	t->ok++;
}

void rec_tally_print(FILE *f, const struct rec_tally *t)
{
	fprintf(f, "%zu benchmarks: %zu ok", t->total, t->ok);
	for (size_t k = 0; k < t->n_names; k++)
		fprintf(f, ", %zu %s", t->count[k], t->names[k]);
	fprintf(f, ", %zu unsupported, %zu failed", t->unsupported, t->failed);
}

/* One row of the profile table: the reasons by count, most first. */
struct prof_row {
	const char *name;
	json_t *v;
};

static int by_count(const void *a, const void *b)
{
	double x = json_number_value(json_object_get(((const struct prof_row *)a)->v, "count"));
	double y = json_number_value(json_object_get(((const struct prof_row *)b)->v, "count"));

	return x < y ? 1 : x > y ? -1 : 0;
}

static void put_num(FILE *f, json_t *v, const char *fmt)
{
	char buf[32];

	if (json_is_number(v))
		fprintf(f, fmt, fmt_si(json_number_value(v), buf, sizeof(buf)));
	else
		fprintf(f, fmt, "-");
}

void rec_print_profile_legend(FILE *f)
{
	fprintf(f, "exit profiles: count/op, mean and p99 time per exit, share of the measured window, by exit reason;\n"
		   "  vmm_counters: the reasons that reach user space and the VMM's time on each (TSC); \"in KVM, unseen\":\n"
		   "  exits KVM keeps, counted by its statistics only; tracepoints: kvm:kvm_exit to kvm:kvm_entry (ns),\n"
		   "  every reason, from a separate short run of the row\n");
}

void rec_print_profile(FILE *f, const struct rec *r)
{
	json_t *p = rec_get(r, "exit_profile");
	json_t *rs = json_object_get(p, "reasons");
	const char *method = json_string_value(json_object_get(p, "method"));
	const char *unit = json_string_value(json_object_get(p, "unit"));
	struct prof_row rows[64];
	size_t n = 0;
	const char *k;
	json_t *v;
	char h0[40], h1[40], h2[40];

	if (!json_is_object(rs) || !method || !unit)
		return;
	snprintf(h0, sizeof(h0), "exits (%s)", method);
	snprintf(h1, sizeof(h1), "mean %s/exit", unit);
	snprintf(h2, sizeof(h2), "p99 %s/exit", unit);
	fprintf(f, "      %-24s %9s %17s %17s %8s\n", h0, "count/op", h1, h2, "share");
	/* a reason left with no count held only the call channel's exits */
	json_object_foreach(rs, k, v)
		if (n < sizeof(rows) / sizeof(rows[0]) &&
		    json_integer_value(json_object_get(v, "count")) > 0)
			rows[n++] = (struct prof_row){ k, v };
	qsort(rows, n, sizeof(rows[0]), by_count);
	for (size_t i = 0; i < n; i++) {
		json_t *share = json_object_get(rows[i].v, "share_of_window");
		fprintf(f, "        %-22s %9.3f", rows[i].name,
			json_number_value(json_object_get(rows[i].v, "per_op")));
		put_num(f, json_object_get(rows[i].v, "time_mean"), " %17s");
		put_num(f, json_object_get(rows[i].v, "time_p99"), " %17s");
		if (json_is_number(share))
			fprintf(f, " %7.2f%%\n", 100 * json_number_value(share));
		else
			fprintf(f, " %8s\n", "-");
	}
	json_t *ik = json_object_get(p, "in_kernel_per_op");
	if (json_is_number(ik))
		fprintf(f, "        %-22s %9.3f %17s %17s %8s\n", "in KVM, unseen",
			json_number_value(ik), "-", "-", "-");
}
