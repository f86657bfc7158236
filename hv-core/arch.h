/* The arch hooks: portable hv-core code calls only these; each backend in
 * hv-core/arch/<arch>/ implements all of them. No #ifdef in portable code. */
#ifndef HV_CORE_ARCH_H
#define HV_CORE_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct hv_vm;
struct hv_vcpu;
struct hv_fault;

/* The archs, as bits (a benchmark row's archs is a set of them), and their
 * names: the one place that spells them. */
enum hv_arch {
	HV_ARCH_X86 = 1u << 0,
	HV_ARCH_ARM64 = 1u << 1,
};
#define HV_ARCH_ALL (HV_ARCH_X86 | HV_ARCH_ARM64)
static inline const char *hv_arch_name(unsigned arch)
{
	return arch == HV_ARCH_X86 ? "x86" : arch == HV_ARCH_ARM64 ? "arm64" : "?";
}

/* HV_ARCH_* of this build. */
unsigned arch_id(void);

/* The host's cycle/timer counter (x86 TSC, arm64 CNTVCT), cheap and serialized
 * enough to time the exit path. */
uint64_t arch_host_cycles(void);

/* VM-wide setup before vCPUs exist (irqchip, TSS address, ...). */
int arch_vm_init(struct hv_vm *vm, char *err, size_t errlen);
/* Called after every vCPU exists, before the first KVM_RUN (arm64 vGIC init). */
int arch_vm_finalize(struct hv_vm *vm, char *err, size_t errlen);
void arch_vm_destroy(struct hv_vm *vm);

/* The guest page-table builder behind hv_vm_map (hv-core/mem.h), which
 * has checked page and alignment: allocates tables with hv_vm_pt_page. */
int arch_map(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t len,
	     uint64_t page, uint32_t prot, char *err, size_t errlen);
/* The leaf size the guest's tables give gva, walked from vm->pt_root as the
 * guest's MMU would: HV_PAGE_4K/2M/1G, 0 where unmapped. */
uint64_t arch_leaf(struct hv_vm *vm, uint64_t gva);

/* Build the guest's system tables in guest memory (page tables, GDT, ...). */
int arch_guest_memory_setup(struct hv_vm *vm, char *err, size_t errlen);
/* Register state of a vCPU about to enter the guest image's entry point. */
int arch_vcpu_init(struct hv_vcpu *vcpu, char *err, size_t errlen);
void arch_vcpu_destroy(struct hv_vcpu *vcpu);
/* Register the call channel (x86: a port, arm64: an MMIO address). */
int arch_ucall_register(struct hv_vm *vm, char *err, size_t errlen);

/* Exit reasons the portable loop does not know. Returns enum hv_action or a
 * negative errno with vcpu->err filled. */
int arch_handle_exit(struct hv_vcpu *vcpu);
/* The name of arch exit counter n (hv-core/exit.h: id HV_EXIT_ARCH_BASE + n,
 * n < HV_EXIT_ARCH_MAX), or NULL where the arch counts nothing under n. */
const char *arch_exit_stat_name(unsigned n);

/* The guest counter frequency of a vCPU (kHz) and what to call its unit. */
uint64_t arch_guest_counter_khz(struct hv_vcpu *vcpu);

/* Move a vCPU stopped in an exit to the unprivileged level (x86 CPL3 with
 * IOPL 3, arm64 EL0) at entry with stack sp, its id in the first argument
 * register (x86 rdi, arm64 x0). */
int arch_vcpu_enter_user(struct hv_vcpu *vcpu, uint64_t entry, uint64_t sp);

/* hv_vcpu_counter_offset (hv-core/hv.h): host counter less guest counter,
 * bracketed, or -ENOTSUP with err filled. */
int arch_vcpu_counter_offset(struct hv_vcpu *vcpu, int64_t *off,
			     uint64_t *width, char *err, size_t errlen);

/* Where a vCPU stands, in words for error messages ("rip 0x100123 cpl 0"). */
void arch_vcpu_where(struct hv_vcpu *vcpu, char *buf, size_t len);

/* What the guest counter counts on this host, as a result-file unit:
 * "cycles", "counter_ticks" or, on an emulated machine, "instructions".
 * @measured is what the host probe found the counter to count (x86: the
 * hostinfo counter_unit), NULL or "" when it found nothing. */
const char *arch_counter_unit(const char *measured);

/* A guest fault in words, and as named fields for the result file: up to
 * @max of them into @out (the runner renders them), returns how many. */
struct hv_fault_field {
	const char *key;
	const char *str;	/* NULL: the value is num */
	int64_t num;
	char buf[32];		/* where str points when it was formatted */
};
#define HV_FAULT_FIELDS 8
const char *arch_fault_name(uint64_t vector);
size_t arch_fault_fields(const struct hv_fault *f, struct hv_fault_field *out,
			 size_t max);

/* Route guest accesses to one MSR to user space (x86 user-space MSR exits
 * through an MSR filter); fn answers them. -ENOTSUP with err filled where the
 * host or the arch cannot. */
typedef int (*arch_msr_fn)(uint32_t index, int write, uint64_t *data,
			   void *opaque);
int arch_user_msr(struct hv_vm *vm, uint32_t index, arch_msr_fn fn,
		  void *opaque, char *err, size_t errlen);
/* The KVM statistic the call channel's own exits show up in. */
const char *arch_ucall_stat(void);
/* And the KVM exit reason they reach the VMM with (KVM_EXIT_IO on x86, a
 * port write; KVM_EXIT_MMIO on arm64). */
unsigned arch_ucall_exit_reason(void);
/* KVM's name on this arch for a statistic the benchmark table names (the
 * table uses x86's names: "mmio_exits" is "mmio_exit_user" on arm64); the
 * name itself where the archs agree. */
const char *arch_kvm_stat_name(const char *name);

#endif
