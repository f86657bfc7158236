/* kvm:kvm_exit counted by exit reason: the tracepoint's raw records, read
 * through perf with the field layout and the reason names taken from its
 * tracefs format file (VMX basic exit reasons, SVM exit codes, arm64
 * exception types and ESR classes), each exit timed to the thread's next
 * kvm:kvm_entry (probes/kvmexit.c decodes, probes/kvmexit_perf.c reads). */
#ifndef PROBES_KVMEXIT_H
#define PROBES_KVMEXIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kvmexit;
struct hostinfo;
struct exitprof;

/* Does it make sense to count here? VT-x/SVM and arm64 hosts: under PVM
 * the tracepoint never fires (HOST.md). 1 yes, 0 no. */
int kvmexit_host_fires(const struct hostinfo *hi);

/* Read the tracepoints' ids and formats (kvm_exit; kvm_entry and
 * kvm_userspace_exit where there). Returns 0, or a negative errno with err
 * set. */
int kvmexit_open(struct kvmexit **out, char *err, size_t errlen);
/* Count from now / stop counting (any thread). The first enable opens one
 * event per thread of the process, so call it once the vCPU threads run;
 * that needs what perf needs for raw tracepoint samples: root or
 * perf_event_paranoid -1. kvmexit_error says what failed, NULL if nothing. */
void kvmexit_enable(struct kvmexit *k);
/* Trace every thread of another process (at most 64), enabled at once:
 * 0, or a negative errno with kvmexit_error set. */
int kvmexit_attach_pid(struct kvmexit *k, pid_t pid);
/* The threads of pid that started since: their events, counting at once
 * (at most 64 threads in all; the most one rescan found past that are
 * kept as untraced). How many were attached, or -errno (kvmexit_error). */
int kvmexit_attach_new(struct kvmexit *k, pid_t pid);
/* Trace process pid and every thread and process it starts from now on
 * (perf's inherit, one ring per CPU: at most 64 CPUs), enabled at once.
 * Called on a process that has not started its threads yet (a command
 * held before its exec), nothing of it is missed, not even a vCPU
 * thread's first exits. Not with kvmexit_attach_pid/attach_new. 0, or a
 * negative errno with kvmexit_error set. */
int kvmexit_attach_inherit(struct kvmexit *k, pid_t pid);
/* Threads with events (inherited mode: threads that wrote records);
 * *untraced: threads seen past the limit, at most. */
size_t kvmexit_threads(const struct kvmexit *k, size_t *untraced);
/* Also sample kvm:kvm_pio, kvm:kvm_mmio and kvm:kvm_msr on every thread
 * attached from now on (kvmexit_io_json): a record more per I/O exit,
 * ~5% of a PVM user-space exit's round trip (ci/bench/profile-overhead.sh). */
void kvmexit_want_io(struct kvmexit *k, bool on);
/* Each thread's ring, in pages (rounded up to a power of two; default 64),
 * before the first attach: a busy VM read every few ms needs more. */
void kvmexit_set_ring_pages(struct kvmexit *k, unsigned pages);
void kvmexit_disable(struct kvmexit *k);
const char *kvmexit_error(const struct kvmexit *k);
/* Read every record written so far (call with counting stopped, or often
 * enough that the ring does not fill: lost records are counted). */
void kvmexit_drain(struct kvmexit *k);
/* {"isa", "per_op": {reason: n/ops}, "codes": {reason: code}, "total_per_op",
 * "events", "lost", ...}; ucalls exits of the call channel's own reason
 * (ucall_reason, e.g. "io") are taken out first. NULL when out of memory. */
json_t *kvmexit_json(struct kvmexit *k, uint64_t ops, uint64_t ucalls);
void kvmexit_close(struct kvmexit *k);
/* The profile (probes/exitprof.h, method "tracepoints", times in ns from
 * exit to entry), ucalls taken out as kvmexit_json does. 0 or -ENOMEM;
 * exitprof_free(e) after. */
int kvmexit_profile(struct kvmexit *k, uint64_t ops, uint64_t ucalls, struct exitprof *e);
/* Does the tracepoint fire? vmm_exits: exits known to have happened while
 * it was enabled (the call channel's). 1 yes (or cannot tell: none known),
 * 0 no, with why filled. */
int kvmexit_check_fires(const struct kvmexit *k, uint64_t vmm_exits, char *why, size_t len);
/* "svm", "vmx", "arm64" or "unknown": which table decoded the reasons. */
const char *kvmexit_isa(const struct kvmexit *k);
/* Where the exits went (probes/kvmio.c): {"pio": [{"port", "dir" (in,
 * out), "size", "count"}], "mmio": [{"gpa", "type" (kvm_mmio's names),
 * "len", "count"}], "msr": [{"msr", "dir" (rdmsr, wrmsr), "gp", "count"}],
 * each busiest first and present where its event is in tracefs, "events",
 * "other" (keys past the first 64)}; NULL where none of the three is, or
 * they were not asked for. */
json_t *kvmexit_io_json(const struct kvmexit *k);
/* kvm_exit records read; the others through the pointers (may be NULL). */
uint64_t kvmexit_events(const struct kvmexit *k, uint64_t *entries, uint64_t *paired,
			uint64_t *lost, uint64_t *user_exits);

/* For tests: parse a format file's text. Fills the reason table; returns
 * 0 or -EINVAL with err set. Reasons: kvmexit_reason_name(k, isa, code). */
int kvmexit_parse_format(struct kvmexit *k, const char *text, char *err, size_t errlen);
struct kvmexit *kvmexit_new(void);
const char *kvmexit_reason_name(const struct kvmexit *k, int isa, uint32_t code);
/* Count one raw record (the tracepoint's data) as read from the ring. */
void kvmexit_count_raw(struct kvmexit *k, const void *raw, uint32_t size);

#endif
