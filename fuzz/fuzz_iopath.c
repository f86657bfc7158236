/* libFuzzer harness for the io-path probe-slot decoder: guest stamps (and
 * the host's, shifted by a test offset) of any value through iop_ring_flush,
 * then the segment statistics and the clock verdict built from them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hv-core/hv.h"
#include "microbench/iopath.h"
#include "probes/stats.h"

#define MAX_SLOTS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_vm vm;
	static struct hv_shared page;
	static struct iop_probe_slot ring[MAX_SLOTS];
	static uint32_t hist[IOP_NSEG][HIST_BUCKETS];
	struct iop_state s;
	size_t hdr = 8 + 8 + 1 + 16;	/* offset, guest_after, flags, x_lo/x_hi */
	char why[768];
	double skew, rt;

	if (size < hdr)
		return 0;
	memset(&s, 0, sizeof(s));
	memset(hist, 0, sizeof(hist));
	vm.shared = &page;
	s.vm = &vm;
	s.ring = ring;
	memcpy(&s.test_offset, data, 8);
	memcpy((void *)&IOP_SLOT(&page)->guest_after, data + 8, 8);
	s.prev_open = data[16] & 1;
	s.cpl = data[16] & 2 ? 3 : 0;
	s.clk.min_exit = s.clk.min_entry = INT64_MAX;
	s.clk.cpu = data[16] & 4 ? 1 : -1;
	s.clk.rounds = data[16] & 8 ? IOP_CLOCK_ROUNDS : 0;	/* the exchange's bounds count */
	s.clk.offset_control = "fuzz";
	memcpy(&s.clk.x_lo, data + 17, 8);
	memcpy(&s.clk.x_hi, data + 25, 8);
	for (int i = 0; i < IOP_NSEG; i++) {
		s.hist[i] = hist[i];
		hist_moments_init(&s.m[i]);
	}
	s.n_ring = (uint32_t)((size - hdr) / sizeof(struct iop_probe_slot));
	if (s.n_ring > MAX_SLOTS)
		s.n_ring = MAX_SLOTS;
	memcpy(ring, data + hdr, s.n_ring * sizeof(struct iop_probe_slot));
	if (!s.n_ring)
		s.prev_open = false;	/* the ring code never leaves it open empty */

	iop_ring_flush(&s);
	rt = 0;
	for (int i = 0; i < IOP_NSEG; i++) {
		struct stats_summary st;

		if (s.m[i].n && stats_from_histogram(s.hist[i], &s.m[i], &st) == 0)
			rt += st.p50;
	}
	iop_clock_verdict(&s, rt, &skew, why, sizeof(why));
	json_decref(iop_clock_json(&s));
	return 0;
}
