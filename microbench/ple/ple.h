/* The ple family's host-side helpers shared by its rows (issue 16): what
 * the host's KVM does about spinning, in every record, and the lock check
 * of the spinlock row. */
#ifndef MICROBENCH_PLE_PLE_H
#define MICROBENCH_PLE_PLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hostinfo;
struct rec;

/*
 * The host's pause-loop exiting and halt-polling settings, read under
 * root ("" for the real /sys): kvm_intel ple_gap, ple_window,
 * ple_window_grow, ple_window_shrink, ple_window_max; kvm_amd
 * pause_filter_count, pause_filter_thresh; kvm halt_poll_ns. Returns
 * {"params": {"kvm_intel.ple_gap": 128, ...}, "absent": [names],
 * "pause_exiting": "available" | "not available", "reason": words}; on
 * *available whether this host's KVM intercepts PAUSE loops at all (a
 * non-zero ple_gap or pause_filter_count). NULL when out of memory.
 */
json_t *ple_host_settings(const char *root, const struct hostinfo *hi, bool *available);

/* The settings into rec ("ple_host"), and where PLE is not available, the
 * record's "ple" note saying so with the evidence (the settings' reason,
 * and the measured exits KVM named no reason for, per unit, when
 * measured >= 0). */
void ple_record_host(struct rec *rec, const struct hostinfo *hi,
		     double unnamed, const char *unit);

/* What KVM counts that bears on spinning, for the rows' kvm_stats (in
 * every record, zero included). KVM keeps no pause-exit counter: a PAUSE
 * exit is in "exits" under no reason of its own. directed_yield_* count
 * the guest's PV sched-yield hypercall (KVM_HC_SCHED_YIELD), not the yield
 * a PAUSE exit makes (kvm_vcpu_on_spin): these bodies never make it.
 * wfe_exit_stat is arm64's (x86 records list it in kvm_stats_missing). */
extern const char *const ple_kvm_stats[];

/* The most pause-loop exits per operation there can have been: x86, the
 * exits KVM counted under none of the reasons it names (exits less io,
 * mmio, irq, halt, signal and window exits); arm64, wfe_exit_stat (WFE
 * traps, its pause-loop exits). own: exits per operation the row's body
 * made on purpose that KVM names no reason for on every backend (the
 * call channel's port write is none on PVM), taken out. -1 when the
 * record has no exit counts. */
double ple_pause_exits_max(const struct rec *rec, double own);

/* The lock's own check, on what the guest left (untrusted): the counter
 * the lock protects must equal the sum of every vCPU's acquisitions, or
 * be one ahead of it when the run stopped a vCPU inside its section
 * (holder 1..nr_vcpus). 0 when it holds; -1 with why filled when not. */
int ple_lock_check(uint64_t counter, uint64_t sum, uint64_t holder, uint32_t nr_vcpus,
		   char *why, size_t len);

#endif
