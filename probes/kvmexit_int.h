/* Inside the kvm:kvm_exit reader: shared by the decoder (probes/kvmexit.c)
 * and the perf side (probes/kvmexit_perf.c). Not for other callers. */
#ifndef PROBES_KVMEXIT_INT_H
#define PROBES_KVMEXIT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/histogram.h"
#include "probes/kvmexit.h"

#define MAX_NAMES 320
#define MAX_SEEN 64
#define MAX_THREADS 64	/* a VMM's threads: hvbench has few, QEMU dozens */

struct reason_name {
	int isa;
	uint32_t code;
	char name[40];
};

/* One reason seen, with its exit-to-entry times (hist allocated on the
 * first time, off the guest's path: the ring is read afterwards). */
struct seen {
	int isa;
	uint32_t code;
	uint64_t n;
	uint32_t *hist;
	struct hist_moments m;
};

/* One traced thread: its kvm_exit event owns the ring, its kvm_entry event
 * writes into the same ring (PERF_EVENT_IOC_SET_OUTPUT), so the thread's
 * exits and entries come in the order they happened. */
struct stream {
	pid_t tid;
	int fd_exit, fd_entry, fd_user;
	void *ring;
	uint64_t n_exits;
	bool pending;		/* an exit waits for its entry */
	int isa;
	uint32_t code;
	uint64_t t;
};

/* A tracepoint field: where it is in the raw record. */
struct tp_field {
	uint32_t off, size;
	bool ok;
};

struct kvmexit {
	uint64_t id, entry_id, user_id;	/* tracefs ids; 0: not there */
	struct tp_field type, reason, isa, ret;	/* kvm_exit's (type: common_type) */
	struct tp_field entry_type;
	bool arm64;			/* reason is esr_ec, ret says trap or not */
	uint32_t arm64_trap;		/* ret's value named "TRAP" */
	struct reason_name names[MAX_NAMES];
	size_t n_names;
	struct seen seen[MAX_SEEN];
	size_t n_seen;
	uint64_t events, entries, paired, lost, other;	/* other: reasons past MAX_SEEN */
	uint64_t user_exits;		/* kvm_userspace_exit, counted */
	struct stream s[MAX_THREADS];
	size_t n_s, ring_len;
	size_t untraced;		/* the most threads one rescan found past MAX_THREADS */
	bool clock_mono;		/* sample times are CLOCK_MONOTONIC */
	uint64_t t_on, window_ns;	/* enabled since t_on; summed enabled time */
	bool on;
	char open_err[200];
	char format_path[160];
};

/* The decoder's entry points the perf side calls. */
int kvmexit_parse_entry_format(struct kvmexit *k, const char *text, char *err, size_t errlen);
/* One raw record of stream i at time t (ns): an exit or an entry. */
void kvmexit_feed(struct kvmexit *k, size_t i, uint64_t t, const void *raw, uint32_t size);

#endif
