/* The devices family's records for the report and the plot: read once by
 * an_devices_rows, shown as "% of bare metal" per model (one table) and
 * the exits and host CPU per packet by model. */
#include "analysis/an_devices.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/an_result.h"
#include "analysis/an_util.h"

const char *const an_dev_models[AN_DEV_MODELS] = {
	"emulated", "emulated-pio", "virtio", "direct", "native",
};

static double metric(const struct an_bench *b, const char *name, bool median)
{
	const struct an_metric *m = an_bench_metric(b, name);

	if (!m)
		return NAN;
	if (m->stats)
		return m->st.present ? (median ? m->st.p50 : m->st.mean) : NAN;
	return m->value;
}

/* A size or batch as the file has it: an integer in range, else -1. */
static long param_int(const struct an_bench *b, const char *k, long max)
{
	json_t *v = json_object_get(b->params, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return -1;
	return (long)json_integer_value(v);
}

size_t an_devices_rows(const struct an_result *r, struct an_dev_row *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_benches && n < max; i++) {
		const struct an_bench *b = &r->benches[i];
		const char *model = json_string_value(json_object_get(b->params, "model"));
		const char *regs = json_string_value(json_object_get(b->params, "regs"));
		struct an_dev_row *d = &out[n];
		char key[32];
		int col;

		if (!b->ok || strcmp(b->name, "nic") || !model)
			continue;
		snprintf(key, sizeof(key), "%.20s%s", model,
			 !strcmp(model, "emulated") && regs && !strcmp(regs, "pio") ? "-pio" : "");
		for (col = 0; col < AN_DEV_MODELS && strcmp(an_dev_models[col], key); col++)
			;
		if (col == AN_DEV_MODELS)
			continue;	/* a model this build does not know */
		memset(d, 0, sizeof(*d));
		d->b = b;
		d->model = an_dev_models[col];
		d->col = col;
		d->size = param_int(b, "size", 1 << 20);
		d->batch = param_int(b, "batch", 1 << 20);
		d->per_packet = b->cycles.present ? b->cycles.p50 : NAN;
		if (!strcmp(model, "native")) {
			d->native = d->per_packet;
			d->pct = 100.0;
		} else {
			char name[48];

			snprintf(name, sizeof(name), "pct_of_native/%s", model);
			d->native = metric(b, "native_per_packet", true);
			d->pct = metric(b, name, false);
		}
		d->exits_kvm = metric(b, "exits_per_packet/kvm", false);
		d->exits_vmm = metric(b, "exits_per_packet/vmm", false);
		d->mmio = metric(b, "exits_per_op/mmio_exits", false);
		d->pio = metric(b, "exits_per_op/io_exits", false);
		d->cpu_driver = metric(b, "host_cpu/vcpu_thread", false);
		if (isnan(d->cpu_driver))
			d->cpu_driver = metric(b, "host_cpu/driver_thread", false);
		d->cpu_device = metric(b, "host_cpu/device_thread", false);
		d->cpu_wall = metric(b, "host_cpu/wall", false);
		n++;
	}
	return n;
}

static void cell(struct an_buf *b, double v, const char *suffix)
{
	char num[32];

	if (isnan(v)) {
		an_buf_put(b, "<td class='num muted'>-</td>");
		return;
	}
	an_fmt_num(num, sizeof(num), v);
	an_buf_printf(b, "<td class='num'>%s%s</td>", num, suffix);
}

void an_report_devices(struct an_buf *b, const struct an_result *r)
{
	struct an_dev_row *rows = calloc(r->n_benches ? r->n_benches : 1, sizeof(*rows));
	size_t n = rows ? an_devices_rows(r, rows, r->n_benches) : 0;
	bool used[AN_DEV_MODELS] = { 0 };

	if (!n) {
		free(rows);
		return;
	}
	for (size_t i = 0; i < n; i++)
		used[rows[i].col] = true;
	an_buf_put(b, "<section id='devices'><h2>Device virtualization: % of bare metal</h2>"
		      "<p class='muted'>Each model's packets per second as a share of the native twin's "
		      "(the same driver and device model on host threads, at the same size and batch, "
		      "measured in the same record): 100% is bare metal.</p>\n"
		      "<table id='devices-native'><thead><tr><th>size</th><th>batch</th>");
	for (int c = 0; c < AN_DEV_MODELS; c++)
		if (used[c])
			an_buf_printf(b, "<th>%s</th>", an_dev_models[c]);
	an_buf_put(b, "</tr></thead><tbody>\n");
	/* One row per (size, batch), in the order they first appear. */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = rows[k].size == rows[i].size && rows[k].batch == rows[i].batch;
		if (seen)
			continue;
		an_buf_printf(b, "<tr><td class='num'>%ld B</td><td class='num'>%ld</td>",
			      rows[i].size, rows[i].batch);
		for (int c = 0; c < AN_DEV_MODELS; c++) {
			double v = NAN;

			if (!used[c])
				continue;
			for (size_t k = i; k < n; k++)
				if (rows[k].col == c && rows[k].size == rows[i].size &&
				    rows[k].batch == rows[i].batch && isnan(v))
					v = rows[k].pct;
			cell(b, v, isnan(v) ? "" : " %");
		}
		an_buf_put(b, "</tr>\n");
	}
	an_buf_put(b, "</tbody></table>\n"
		      "<h3>Exits and host CPU per packet</h3>"
		      "<table id='devices-cpu'><thead><tr><th>record</th><th>median per packet</th>"
		      "<th>native twin</th><th>% of bare metal</th><th>exits (KVM)</th>"
		      "<th>exits reaching the VMM</th><th>vCPU / driver thread</th>"
		      "<th>device thread</th><th>window</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct an_dev_row *d = &rows[i];

		an_buf_put(b, "<tr><td>");
		an_buf_html(b, d->b->variant ? d->b->variant : d->model);
		an_buf_put(b, "</td>");
		cell(b, d->per_packet, "");
		cell(b, d->native, "");
		cell(b, d->pct, isnan(d->pct) ? "" : " %");
		cell(b, d->exits_kvm, "");
		cell(b, d->exits_vmm, "");
		cell(b, d->cpu_driver, isnan(d->cpu_driver) ? "" : " ns");
		cell(b, d->cpu_device, isnan(d->cpu_device) ? "" : " ns");
		cell(b, d->cpu_wall, isnan(d->cpu_wall) ? "" : " ns");
		an_buf_put(b, "</tr>\n");
	}
	an_buf_put(b, "</tbody></table><p class='muted small'>Medians in the record's unit; exits per "
		      "packet; CPU time per packet timed over the measured window (ns), the window's wall "
		      "time per packet beside it. The emulated model has no device thread: its device "
		      "model runs in the vCPU thread's exits.</p></section>\n");
	free(rows);
}
