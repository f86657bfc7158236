/* Exit dispatch: one table indexed by KVM's exit reason. */
#ifndef HV_CORE_EXIT_H
#define HV_CORE_EXIT_H

#include <stdint.h>

struct hv_vcpu;

/* Returns enum hv_action or a negative errno with vcpu->err filled. */
int hv_dispatch_exit(struct hv_vcpu *vcpu);
/* KVM_EXIT_IO, which the run loop calls directly (the hottest exit). */
int hv_exit_io(struct hv_vcpu *vcpu);
/* The port device at port, NULL if none: the run loop keeps the last one
 * to call it without a lookup (devices do not change once vCPUs run). */
struct hv_vm;
struct hv_io_dev;
const struct hv_io_dev *hv_pio_dev(const struct hv_vm *vm, uint16_t port);
const char *hv_exit_reason_name(unsigned reason);

/* Exit accounting, per vCPU, always on: the vCPU thread bumps a plain
 * counter per KVM_RUN return (no atomics: one writer per counter). Ids
 * below HV_EXIT_ARCH_BASE are KVM's exit reasons (the generic ones, the same
 * numbers on every arch; HV_EXIT_OTHER collects reasons past the table);
 * ids from HV_EXIT_ARCH_BASE are what an arch backend decodes further
 * (arch_exit_stat_name), as Jailhouse numbers its arch VM exits after the
 * generic ones. Read them from any thread: a torn value is impossible for
 * an aligned 64-bit counter, a slightly stale one is fine. */
struct hv_vcpu;
uint64_t hv_exit_stat(const struct hv_vcpu *vcpu, unsigned id);
/* The same id summed over every vCPU of the VM. */
uint64_t hv_vm_exit_stat(const struct hv_vm *vm, unsigned id);
/* The counter's name ("io", "mmio", "x86_msr_filter"), or NULL where the id
 * names no reason. Ids run 0..HV_EXIT_NR-1. */
const char *hv_exit_stat_name(unsigned id);
/* Zero a vCPU's counters; only while its thread does not run. */
void hv_exit_stats_reset(struct hv_vcpu *vcpu);

#endif
