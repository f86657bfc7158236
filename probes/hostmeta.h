/* What a reader of a result from another host needs to know of it (issue
 * 19), read fresh for every run from /proc and /sys: the CPU's identity and
 * microcode, the kernel's command line, every parameter of the KVM modules
 * loaded, THP and hugetlb settings, the frequency governor and boost, SMT,
 * and the kernel's boot id (which "hosts" are one machine in one boot).
 * Each value is the file's text, trimmed, at most 255 bytes, anything but
 * printable ASCII replaced by '?'; a file that is not there is left out. */
#ifndef PROBES_HOSTMETA_H
#define PROBES_HOSTMETA_H

#include <jansson.h>

/* The keys cpu, kernel_cmdline, boot_id, kvm_params, memory, cpufreq, smt (schema:
 * docs/results-schema.md, "host"), read under root ("" for the machine's
 * own /proc and /sys; a test's fake tree otherwise). NULL: out of memory. */
json_t *hostmeta_json(const char *root);

#endif
