/* KVM binary statistics (KVM_GET_STATS_FD) of a VM or vCPU fd: the exit and
 * MMU counters the kernel keeps, read before and after every benchmark. */
#ifndef PROBES_KVMSTATS_H
#define PROBES_KVMSTATS_H

#include <stddef.h>
#include <stdint.h>

struct kvmstats;

/*
 * Opens the stats fd of @kvm_obj_fd (a VM or a vCPU fd) and reads its
 * descriptors. Only scalar statistics (descriptor size == 1) are exposed:
 * histograms (halt_wait_hist, ...) are skipped, because expanding them would
 * add hundreds of bucket counters to every result file for little use.
 * The stats fd holds a reference on the VM/vCPU until kvmstats_close().
 */
int kvmstats_open(int kvm_obj_fd, struct kvmstats **out, char *err,
		  size_t errlen);
/* Number of u64 values kvmstats_read() fills. */
size_t kvmstats_count(const struct kvmstats *s);
const char *kvmstats_name(const struct kvmstats *s, size_t i);
/* The kernel's id string, e.g. "kvm-1234/vcpu-0". */
const char *kvmstats_id(const struct kvmstats *s);
/* Index of @name, or -1 if this VM/vCPU has no such statistic. */
int kvmstats_index(const struct kvmstats *s, const char *name);
/* 1 for KVM_STATS_TYPE_CUMULATIVE, 0 for INSTANT/PEAK: only cumulative
 * values may be subtracted to get a per-benchmark delta. */
int kvmstats_is_cumulative(const struct kvmstats *s, size_t i);
/* KVM_STATS_UNIT_* | KVM_STATS_BASE_* flags and the exponent, so a caller can
 * tell that e.g. halt_wait_ns is in 10^-9 seconds. */
uint32_t kvmstats_unit(const struct kvmstats *s, size_t i, int *exponent);
/*
 * Fills values[0 .. kvmstats_count()-1]. One pread of the data block into a
 * buffer sized at open time: no allocation, so it may run around every
 * benchmark iteration. Returns 0 or -errno.
 */
int kvmstats_read(struct kvmstats *s, uint64_t *values);
void kvmstats_close(struct kvmstats *s);

#endif /* PROBES_KVMSTATS_H */
