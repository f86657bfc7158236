/* Inside the kvm:kvm_exit reader: shared by the decoder (probes/kvmexit.c)
 * and the perf side (probes/kvmexit_perf.c). Not for other callers. */
#ifndef PROBES_KVMEXIT_INT_H
#define PROBES_KVMEXIT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
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

/* The I/O tracepoints, sampled into the same ring: kvm:kvm_pio (rw, port,
 * size, count), kvm:kvm_mmio (type, len, gpa), kvm:kvm_msr (write, ecx,
 * exception), their fields in that order (probes/kvmio.c). */
enum { IO_PIO, IO_MMIO, IO_MSR, IO_KINDS };
#define MAX_IO 64

/* One ring and its events: a traced thread's (tid, cpu -1), or in the
 * inherited mode one CPU's for the whole process tree (cpu, tid -1). The
 * kvm_exit event owns the ring; kvm_entry and the I/O events write into it
 * (PERF_EVENT_IOC_SET_OUTPUT), so a thread's records come in the order they
 * happened. */
struct stream {
	pid_t tid;
	int cpu;
	int fd_exit, fd_entry, fd_user, fd_io[IO_KINDS];
	void *ring;
};

/* A thread that wrote records: its exit waiting for its entry. */
#define MAX_VTHREADS 256
struct vthread {
	pid_t tid;
	uint64_t n_exits;
	bool pending;
	int isa;
	uint32_t code;
	uint64_t t;
};

/* A record of the inherited mode, held until every CPU's ring has been
 * read past its time (records of one thread can sit in two CPUs' rings
 * when it migrated between an exit and its entry). */
#define HELD_RAW 256
struct held {
	uint64_t t, seq;
	pid_t tid;
	uint32_t size;
	uint8_t raw[HELD_RAW];
};

/* A tracepoint field: where it is in the raw record. */
struct tp_field {
	uint32_t off, size;
	bool ok;
};

/* Field f of a raw record of size bytes (the kernel's: checked against
 * size); UINT64_MAX where it is not there. */
static inline uint64_t tp_get(const uint8_t *raw, uint32_t size, const struct tp_field *f)
{
	uint64_t v = 0;

	if (!f->ok || f->off + f->size > size)
		return UINT64_MAX;
	switch (f->size) {
	case 1: v = raw[f->off]; break;
	case 2: { uint16_t x; memcpy(&x, raw + f->off, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, raw + f->off, 4); v = x; break; }
	default: memcpy(&v, raw + f->off, 8);
	}
	return v;
}

struct io_event {
	uint64_t id;		/* 0: not in this kernel's tracefs */
	struct tp_field type, f[4];
};

/* One port (and direction and size), MMIO address (and type and length)
 * or MSR (and direction, and whether it raised #GP), with its count. */
struct io_seen {
	uint8_t kind;
	uint32_t dir, size;
	uint64_t addr, n;
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
	struct vthread th[MAX_VTHREADS];
	size_t n_th, th_last;		/* th_last: the thread found last */
	bool inherit;			/* kvmexit_attach_inherit: per-CPU rings, TID in samples */
	struct held *held;		/* the inherited mode's records not yet fed */
	size_t n_held, cap_held;
	uint64_t held_seq;
	size_t untraced;		/* the most threads one rescan found past MAX_THREADS */
	bool clock_mono;		/* sample times are CLOCK_MONOTONIC */
	uint64_t t_on, window_ns;	/* enabled since t_on; summed enabled time */
	bool on;
	char open_err[200];
	char format_path[160];
	bool want_io;			/* kvmexit_want_io: open the I/O events too */
	struct io_event io_ev[IO_KINDS];
	struct reason_name mmio_names[8];	/* kvm_mmio's type names, from its format */
	size_t n_mmio_names;
	struct io_seen io[MAX_IO];
	size_t n_io;
	uint64_t io_events, io_other;		/* io_other: keys past MAX_IO */
};

/* kvm_pio/kvm_mmio/kvm_msr's format text: its id and fields (kind IO_*);
 * 0 or -1 (the event is then left out). */
int kvmio_parse_format(struct kvmexit *k, int kind, const char *text);
/* A raw record of common_type type, neither an exit nor an entry: counted
 * when it is one of the I/O events. */
void kvmio_feed(struct kvmexit *k, uint64_t type, const void *raw, uint32_t size);
/* The field parser of the formats (kvmexit.c). */
int kvmexit_field(const char *text, const char *name, struct tp_field *f);
uint64_t kvmexit_format_id(const char *text);
const char *kvmexit_symbols(struct reason_name *names, size_t *n, size_t max, const char *p, int isa);

/* The decoder's entry points the perf side calls. */
int kvmexit_parse_entry_format(struct kvmexit *k, const char *text, char *err, size_t errlen);
/* One raw record of thread tid at time t (ns): an exit, an entry or an
 * I/O record. Records of one thread must come in time order. */
void kvmexit_feed(struct kvmexit *k, pid_t tid, uint64_t t, const void *raw, uint32_t size);
/* The inherited mode: hold a record (copied; -ENOMEM or -E2BIG where it
 * cannot be held: then counted lost), then feed, in time order, every held
 * record at or before cutoff (UINT64_MAX: all). */
int kvmexit_hold(struct kvmexit *k, pid_t tid, uint64_t t, const void *raw, uint32_t size);
void kvmexit_feed_held(struct kvmexit *k, uint64_t cutoff);
/* n lost records: the exits waiting for an entry are not timed (tid -1:
 * every thread's). kvmexit_hold_lost does it in time order, at t, for
 * the inherited mode, where later records wait to be fed. */
void kvmexit_lost(struct kvmexit *k, pid_t tid, uint64_t n);
void kvmexit_hold_lost(struct kvmexit *k, pid_t tid, uint64_t t, uint64_t n);

#endif
