/* The devices family (issue 14) in the analysis: its records read once
 * (model, size, batch, share of bare metal, exits and CPU per packet) for
 * the report's "% of bare metal" table and the plot's charts. */
#ifndef ANALYSIS_AN_DEVICES_H
#define ANALYSIS_AN_DEVICES_H

#include <stddef.h>

struct an_bench;
struct an_buf;
struct an_result;

/* One status-ok nic record. Strings are ours (a model the family knows),
 * never the file's; numbers NAN where the record lacks them. */
struct an_dev_row {
	const struct an_bench *b;
	const char *model;	/* "emulated", "emulated-pio", "virtio", "direct", "native" */
	int col;		/* the model's column, 0..AN_DEV_MODELS-1 */
	long size, batch;
	double per_packet;	/* the headline's median, in the record's unit */
	double native;		/* the native twin's median (native: per_packet) */
	double pct;		/* % of bare metal; native: 100 */
	double exits_kvm, exits_vmm, mmio, pio;	/* per packet */
	double cpu_driver, cpu_device, cpu_wall;	/* ns per packet */
};

#define AN_DEV_MODELS 5
extern const char *const an_dev_models[AN_DEV_MODELS];

/* The nic records of @r into @out (at most @max), in file order; how many. */
size_t an_devices_rows(const struct an_result *r, struct an_dev_row *out, size_t max);
/* The report's section (id='devices'): "% of bare metal" per model in one
 * table, size and batch by row; then the per-record exits and CPU split.
 * Nothing when @r has no nic record. */
void an_report_devices(struct an_buf *b, const struct an_result *r);

#endif
