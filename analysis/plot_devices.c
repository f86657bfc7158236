/* The devices family's charts of `hvbench plot`: throughput per model
 * normalised to native, and exits per packet by kind. Labels come from the
 * file (the record's variant) and reach gnuplot only through ch_put_label,
 * reduced to the label set as every chart's are. */
#include "analysis/an_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_devices.h"
#include "analysis/an_result.h"
#include "analysis/an_util.h"
#include "analysis/plot_int.h"

static void row_label(struct an_buf *b, const struct an_dev_row *d)
{
	char own[96];

	if (d->b->variant) {
		ch_put_label(b, d->b->variant);
		return;
	}
	snprintf(own, sizeof(own), "%s %ldB batch %ld", d->model, d->size, d->batch);
	ch_put_label(b, own);
}

static int native_chart(struct an_plot_ctx *c, struct an_result *r, const char *stem,
			const struct an_dev_row *rows, size_t n)
{
	struct an_chart ch = { .name = "devices-native", .tpl = an_tpl_devices_native,
			    .stem = stem, .height = 620 };
	char nrows[24];
	size_t k = 0;
	int ret;

	for (size_t i = 0; i < n; i++) {
		if (isnan(rows[i].pct))
			continue;
		row_label(&ch.data, &rows[i]);
		ch_put_val(&ch.data, rows[i].pct, c->logscale);
		an_buf_put(&ch.data, "\n");
		k++;
	}
	if (!k) {
		ch_free(&ch);
		return 0;
	}
	snprintf(nrows, sizeof(nrows), "%zu", k);
	ch.title = "Device models: throughput as a share of bare metal (the native twin at the same size and batch)";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(k);
	ch.unit = "%";
	ch_var(&ch, "NROWS", nrows);
	ch_var(&ch, "LOGSCALE", c->logscale ? "set logscale y 10" : "unset logscale y");
	ch_var(&ch, "YMIN", c->logscale ? "*" : "0");
	ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

static int exits_chart(struct an_plot_ctx *c, struct an_result *r, const char *stem,
		       const struct an_dev_row *rows, size_t n)
{
	static const char *const cols[] = { "record", "KVM: all exits", "KVM: MMIO", "KVM: port I/O",
					    "reached the VMM" };
	struct an_chart ch = { .name = "devices-exits", .tpl = an_tpl_devices_exits,
			    .stem = stem, .height = 620 };
	size_t k = 0;
	int ret;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		an_buf_put(&ch.data, i ? " " : "");
		ch_put_label(&ch.data, cols[i]);
	}
	an_buf_put(&ch.data, "\n");
	for (size_t i = 0; i < n; i++) {
		const struct an_dev_row *d = &rows[i];

		if (isnan(d->exits_kvm))
			continue;	/* native: no VM */
		row_label(&ch.data, d);
		ch_put_val(&ch.data, d->exits_kvm, false);
		ch_put_val(&ch.data, isnan(d->mmio) ? 0 : d->mmio, false);
		ch_put_val(&ch.data, isnan(d->pio) ? 0 : d->pio, false);
		ch_put_val(&ch.data, isnan(d->exits_vmm) ? 0 : d->exits_vmm, false);
		an_buf_put(&ch.data, "\n");
		k++;
	}
	if (!k) {
		ch_free(&ch);
		return 0;
	}
	ch.title = "Device models: exits per packet (KVM's counters by kind, and those the VMM's device model served)";
	ch.subtitle = ch_subtitle(&r, 1);
	ch.width = ch_width_for(k * 2);
	ch.unit = "per packet";
	ch_var(&ch, "NCOLS", "5");
	ret = ch_run(c, &ch);
	ch_free(&ch);
	return ret;
}

int an_chart_devices(struct an_plot_ctx *c, struct an_result *r, const char *stem)
{
	struct an_dev_row *rows = calloc(r->n_benches ? r->n_benches : 1, sizeof(*rows));
	size_t n;
	int ret;

	if (!rows) {
		snprintf(c->err, sizeof(c->err), "devices charts: out of memory");
		return -3;
	}
	n = an_devices_rows(r, rows, r->n_benches);
	ret = n ? native_chart(c, r, stem, rows, n) : 0;
	if (!ret && n)
		ret = exits_chart(c, r, stem, rows, n);
	free(rows);
	return ret;
}
