/* What kind of virtualization host this is (backend, paging, TSC, PMU, PLE,
 * KVM caps, SR-IOV): printed by `hvbench info`, stored in every result file. */
#ifndef PROBES_HOSTINFO_H
#define PROBES_HOSTINFO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct hostinfo {
	char hostname[256], kernel[256], cpu_vendor[64], cpu_model[128];
	char arch[16];		/* uname machine: "x86_64" | "aarch64" */
	/* "vmx" | "svm" | "pvm" | "arm64-vhe" | "arm64-nvhe" | "arm64-protected"
	 * | "arm64" (KVM/arm64, mode not found) | "unknown" */
	char backend[16];
	char backend_source[64];	/* arm64: where the KVM mode was read */
	/* The CPU is a software model, not hardware: arm64 MIDR implementer 0
	 * ("reserved for software use", QEMU TCG's -cpu max). Counter readings
	 * then measure emulated work, not time. */
	bool emulated;
	/* x86: what said so (hypervisor signature, DMI); "" on arm64 */
	char emulated_source[160];
	/* x86: "cycles", or "instructions" when the TSC advanced once per
	 * instruction on an emulated CPU (QEMU -icount shift=0); "" on arm64,
	 * whose unit is the counter's (arch_counter_unit) */
	char counter_unit[16];
	char counter_unit_source[160];	/* how that was found out */
	double tsc_per_insn;	/* x86: TSC ticks per instruction of a known loop */
	char paging[32];	/* "ept" | "npt" | "shadow" | "stage2" | "unknown" */
	/* KVM_GET_API_VERSION, -1 if /dev/kvm cannot be opened or asked. A
	 * scratch KVM_CREATE_VM is tried too: kvm_error != "" is the test for
	 * "unusable", even when the API version is known. */
	int kvm_api_version;
	char kvm_error[256];	/* e.g. "no /dev/kvm", "" if fine */
	uint64_t tsc_khz;	/* x86 TSC or arm64 CNTVCT frequency, 0 if unknown */
	char tsc_source[32];	/* "sysfs" | "calibrated" | "cntfrq" | "unknown" */
	bool tsc_invariant;	/* x86: constant_tsc && nonstop_tsc; arm64: always */
	/* x86 "cpuid_fault": the CPU can make CPUID at CPL3 fault, which is
	 * how a PVM host traps a guest's user-mode CPUID. */
	bool cpuid_fault;
	bool pmu_available;	/* perf_event_open(PERF_TYPE_HARDWARE cycles) works */
	char pmu_reason[128];	/* why not, "" if available */
	/* kvm_intel ple_gap/ple_window, or kvm_amd pause_filter_thresh (gap,
	 * in cycles) / pause_filter_count (window, in PAUSEs); -1 if n/a */
	int ple_gap, ple_window;
	char ple_source[64];
	/* kvm's min_timer_period_us: the shortest period it gives a periodic
	 * local APIC timer (a faster one is slowed to it); -1 if n/a */
	int lapic_min_period_us;
	int nr_cpus;		/* online CPUs */
	uint64_t mem_bytes;
};

/* Fills @hi; never fails hard: unknown strings become "unknown", numbers -1
 * (tsc_khz 0). Takes ~50 ms when the TSC must be calibrated. Returns 0. */
int hostinfo_probe(struct hostinfo *hi);
/* The same without the slow part: where the TSC must be calibrated (x86
 * without sysfs tsc_freq_khz), tsc_khz stays 0 and tsc_source "pending"
 * until hostinfo_calibrate_tsc measures it or hostinfo_set_tsc gives a
 * frequency calibrated earlier on this boot (hvbench/hostcache.h). */
int hostinfo_probe_lazy(struct hostinfo *hi);
void hostinfo_calibrate_tsc(struct hostinfo *hi);
void hostinfo_set_tsc(struct hostinfo *hi, uint64_t khz);
/* x86: hi->emulated, emulated_source, counter_unit(_source), tsc_per_insn
 * (probes/emudetect.c); nothing on arm64. hostinfo_probe calls it. */
void hostinfo_probe_emulation(struct hostinfo *hi);
/* Every field; numeric keys carry their unit ("tsc_khz", "mem_bytes"). */
json_t *hostinfo_json(const struct hostinfo *hi);
/*
 * KVM_CHECK_EXTENSION for the caps hvbench uses, checked on a scratch VM fd
 * when possible (VM-specific answers), else on /dev/kvm: {"KVM_CAP_X": value,
 * ..., "KVM_CAP_X86_DISABLE_EXITS_bits": ["HLT", ...], "checked_on": "vm"|
 * "system"} or {"error": "..."} when /dev/kvm is unusable.
 */
json_t *hostinfo_kvm_caps_json(void);
/* [{"bdf","vendor","device","driver","totalvfs","numvfs"}] for PCI devices
 * that can do SR-IOV; [] when there are none. */
json_t *hostinfo_sriov_json(void);

#endif /* PROBES_HOSTINFO_H */
