/* Synthetic but realistic hvbench result files, for the analysis tests and
 * for trying the dashboard on hundreds of runs without a KVM host. */
#ifndef ANALYSIS_AN_SYNTH_H
#define ANALYSIS_AN_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct an_synth {
	const char *hostname;
	const char *backend; /* "vmx", "pvm", "arm64-vhe", ... */
	const char *arch; /* "x86_64" or "aarch64" */
	const char *paging; /* host.paging; NULL: "ept" (x86_64) or "stage2" */
	const char *unit; /* "cycles", "counter_ticks", "instructions" */
	double counter_hz; /* 0 for instructions */
	const char *started; /* ISO-8601 UTC */
	double scale; /* multiplies every cost: 1.10 is a 10% regression */
	double spread; /* relative stddev of the bulk, e.g. 0.02 */
	size_t n_samples; /* samples stored per benchmark */
	uint64_t seed;
	bool io_path; /* add the 0x22e study records */
	bool suspect; /* mark one benchmark suspect */
};

void an_synth_default(struct an_synth *s);
/* Writes one result file; returns 0 or -1 with a message in @err. */
int an_synth_write(const char *path, const struct an_synth *s, char *err,
		   size_t errlen);

#endif
