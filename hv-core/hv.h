/* hv-core: the thin hypervisor over the KVM API — VM and vCPU lifecycle, guest
 * memory, the vCPU run loop with its exit dispatch, and device registration. */
#ifndef HV_CORE_HV_H
#define HV_CORE_HV_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "hv-core/abi.h"
#include "hv-core/mem.h"

struct hv_vm;
struct hv_vcpu;

/* What an exit handler tells the run loop. */
enum hv_action {
	HV_CONTINUE = 0,	/* re-enter the guest */
	HV_STOP = 1,		/* this vCPU is done */
};

/* A port or MMIO device model. `data` is the kvm_run data buffer: the
 * handler reads it on writes and fills it on reads. Returns enum hv_action
 * or a negative errno. */
typedef int (*hv_io_fn)(struct hv_vcpu *vcpu, uint64_t addr, bool write,
			void *data, uint32_t len, void *opaque);

/* Called for every call-channel request from the guest. */
typedef int (*hv_ucall_fn)(struct hv_vcpu *vcpu, uint32_t nr, void *opaque);

/* Called on each vCPU's own thread just before its first KVM_RUN, with the
 * call channel's opaque: anything the guest does comes after it. */
typedef void (*hv_start_fn)(struct hv_vcpu *vcpu, void *opaque);

struct hv_vm_opts {
	uint32_t nr_vcpus;	/* 1 .. min(HV_MAX_VCPUS, KVM_CAP_MAX_VCPUS) */
	/* Guest RAM: up to HV_MMIO_BASE below the device window, the rest in
	 * a second slot from 4 GiB (HV_HIGH_RAM_GPA). Reserved lazily: only
	 * what the guest touches costs host memory. */
	uint64_t mem_bytes;
	enum hv_backing ram_backing;	/* 0: anonymous 4 KiB pages */
	bool irqchip;		/* in-kernel interrupt controller */
	/* CPL3/EL0 is entered with interrupts on (x86 RFLAGS.IF, arm64
	 * PSTATE.I clear), so that the runtime's timer (hv_shared.timer_hz)
	 * reaches a CPL3/EL0 body. */
	bool user_irqs;
	/* Where vCPU i's thread runs: affinity[i], nr_vcpus sets the caller
	 * placed (probes/topo.h); NULL: wherever the scheduler puts it. */
	const cpu_set_t *affinity;
	uint32_t timeout_ms;	/* hv_vm_run gives up after this long */
	uint32_t stall_ms;	/* stall watchdog; 0: HV_STALL_MS */
	/* Each vCPU thread gets a file table of its own (unshare(CLONE_FILES)),
	 * so KVM_RUN's fdget skips the reference count a table shared by
	 * several threads needs: 47 instructions per exit on the emulated SVM
	 * host (ci/bench/x86emu-vmm.sh). Only for runs where no vCPU thread
	 * opens a file that another thread uses or closes: the tables diverge
	 * after the copy. */
	bool private_files;
	/* Spinning and halting, set on the VM before its vCPUs exist (KVM
	 * takes neither later). no_pause_exits: PAUSE runs without exiting,
	 * i.e. no pause-loop exiting (x86 KVM_CAP_X86_DISABLE_EXITS, PAUSE;
	 * no arm64 equivalent). halt_poll_set: the VM's halt-polling limit
	 * becomes halt_poll_ns (KVM_CAP_HALT_POLL; 0 turns it off). Where KVM
	 * lacks or refuses either, hv_vm_create returns -ENOTSUP with the
	 * capability and errno in err. */
	bool no_pause_exits;
	bool halt_poll_set;
	uint32_t halt_poll_ns;
};

#define HV_MAX_DEVS 16

struct hv_io_dev {
	uint64_t base;
	uint64_t len;
	hv_io_fn fn;
	void *opaque;
};

/* Host-side time of user-space exit handling (KVM_RUN return to re-entry).
 * The exit path only stores each sample in buf; the vCPU thread folds them
 * into hist and m when buf is full and when it ends (hv-core/vcpu.c), so
 * the probe costs a store, not a histogram update, per exit. */
#define HV_VMM_BUF 4096
/* Exit accounting (hv-core/exit.h): KVM's reasons, then the arch's. */
#define HV_EXIT_ARCH_BASE 64
#define HV_EXIT_OTHER (HV_EXIT_ARCH_BASE - 1)
#define HV_EXIT_ARCH_MAX 16
#define HV_EXIT_NR (HV_EXIT_ARCH_BASE + HV_EXIT_ARCH_MAX)
/* The same samples by KVM exit reason: a histogram for each of the first
 * HV_VMM_REASONS reasons seen (a benchmark takes one or two), the exact
 * total and count for every reason (hv-core/vcpu.c vmm_fold). */
#define HV_VMM_REASONS 6
struct hv_vmm_reason {
	uint8_t reason;			/* KVM exit reason, < HV_EXIT_ARCH_BASE */
	uint32_t *hist;			/* HIST_BUCKETS */
	struct hist_moments m;
};
struct hv_vmm_probe {
	bool on;
	bool skip;			/* this exit was the VMM's own bookkeeping */
	uint32_t *hist;			/* HIST_BUCKETS */
	struct hist_moments m;
	uint32_t *buf;			/* HV_VMM_BUF samples not folded yet */
	uint8_t *rbuf;			/* each one's exit reason */
	uint32_t nbuf;
	struct hv_vmm_reason by_reason[HV_VMM_REASONS];
	uint32_t n_reasons;
	/* every reason, histogram or not: samples and their sum */
	uint64_t exit_vmm_n[HV_EXIT_ARCH_BASE];
	uint64_t exit_vmm_cycles[HV_EXIT_ARCH_BASE];
};

struct hv_vcpu {
	struct hv_vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	int result;			/* 0, or negative errno the loop ended with */
	char err[256];
	struct hv_vmm_probe vmm;
	uint64_t t_ret;			/* host cycles when KVM_RUN last returned */
	/* hv_vcpu_stamp_next_entry's target: the run loop stores the host
	 * cycles right before the next KVM_RUN here, then clears it. */
	uint64_t *probe_enter;
	void *arch;			/* arch backend state */
	volatile uint64_t exits;	/* KVM_RUN returns with an exit, all kinds */
	uint64_t exit_stat[HV_EXIT_NR];	/* by reason: hv-core/exit.h */
	bool private_files;		/* the thread runs with its own file table */
	volatile int finished;		/* the thread has left its run loop */
	uint32_t user_entries;		/* times the VMM moved it to CPL3/EL0 */
	int stats_fd;			/* secondaries: KVM binary stats, -1: none */
	uint64_t blocking_off;		/* where "blocking" is in them */
};

struct hv_vm {
	int kvm_fd;
	int vm_fd;
	int run_size;
	uint8_t *mem;			/* host address of RAM at gpa 0 (region 0) */
	uint64_t mem_bytes;		/* all guest RAM, below and above the hole */
	struct hv_mem_region regions[HV_MAX_REGIONS];
	uint32_t n_regions;
	struct hv_mem_region *sys;	/* the system area, once created */
	uint64_t pt_low_next, pt_low_end;	/* the arch's low page-table pool */
	uint64_t pt_sys_used;
	uint64_t pt_root;		/* root page table (x86 CR3), 0: none yet */
	struct hv_shared *shared;
	struct hv_vm_opts opts;
	uint32_t nr_vcpus;
	struct hv_vcpu *vcpus;		/* opts.nr_vcpus of them */
	uint32_t n_pio, n_mmio;
	struct hv_io_dev pio[HV_MAX_DEVS];
	struct hv_io_dev mmio[HV_MAX_DEVS];
	int eventfds[HV_MAX_DEVS];
	uint32_t n_eventfds;
	hv_ucall_fn ucall;
	void *ucall_opaque;
	hv_start_fn on_start;
	volatile int stopping;		/* set by hv_vm_kick / a finished vCPU 0 */
	/* A call-channel handler waits on purpose (interleaved runs): the
	 * stall watchdog and the timeout do not count that time. */
	volatile int paused;
	void *arch;			/* arch backend state */
};

/* Errors: every function returns 0 or a negative errno and writes one line
 * naming the failed ioctl/syscall into err. None of them exits. */
int hv_vm_create(const struct hv_vm_opts *opts, struct hv_vm **out,
		 char *err, size_t errlen);
void hv_vm_destroy(struct hv_vm *vm);

/* Register devices before hv_vm_start. */
int hv_vm_add_pio(struct hv_vm *vm, uint16_t port, uint16_t len, hv_io_fn fn,
		  void *opaque, char *err, size_t errlen);
int hv_vm_add_mmio(struct hv_vm *vm, uint64_t gpa, uint64_t len, hv_io_fn fn,
		   void *opaque, char *err, size_t errlen);
/* An ioeventfd: guest writes of `len` bytes to addr complete in KVM, which
 * signals the eventfd. Returns the eventfd (the VM owns and closes it; a
 * device thread reads it) or a negative errno. */
int hv_vm_ioeventfd(struct hv_vm *vm, uint64_t addr, uint32_t len, bool pio,
		    char *err, size_t errlen);
/* The same, for callers that only need the exit to stay in KVM: 0 or -errno. */
int hv_vm_add_ioeventfd(struct hv_vm *vm, uint64_t addr, uint32_t len,
			bool pio, char *err, size_t errlen);
/* An irqfd (KVM_IRQFD): a write of a nonzero count to the returned eventfd
 * raises interrupt line `gsi` of the in-kernel irqchip (x86: IOAPIC/PIC pin,
 * arm64: SPI gsi + 32 on the vGIC). The VM owns the fd. -ENOTSUP with err
 * filled without an in-kernel irqchip or KVM_CAP_IRQFD. */
int hv_vm_irqfd(struct hv_vm *vm, uint32_t gsi, char *err, size_t errlen);
/* Inject one MSI (KVM_SIGNAL_MSI): x86 addr 0xfee0_0000 | dest << 12, data
 * the vector. Returns 1 when delivered, 0 when the guest blocked it (its
 * interrupt controller is off), -ENOTSUP where KVM_CAP_SIGNAL_MSI is
 * missing or the VM has no in-kernel irqchip, else -errno. */
int hv_vm_signal_msi(struct hv_vm *vm, uint64_t addr, uint32_t data,
		     char *err, size_t errlen);
void hv_vm_set_ucall(struct hv_vm *vm, hv_ucall_fn fn, void *opaque);
void hv_vm_set_start(struct hv_vm *vm, hv_start_fn fn);

/* Load the embedded guest image and fill the shared page's fixed fields. */
int hv_vm_load_guest(struct hv_vm *vm, char *err, size_t errlen);

/* hv_vm_wait's stall watchdog (hv-core/wait.c) watches every vCPU: one
 * with no exit and no guest heartbeat (vCPU 0: heartbeat, the others:
 * vcpu_heartbeat[]) for this long is stuck (e.g. an IPI that never
 * arrives): fail fast. A secondary vCPU that KVM shows blocked (halted,
 * waiting for an interrupt) is idle, not stuck; vCPU 0 drives the benchmark
 * and never idles on purpose. */
#define HV_STALL_MS 2000

/* Start one thread per vCPU; hv_vm_wait joins them (or kicks them out after
 * the timeout) and returns the first vCPU error, -ETIMEDOUT, -EDEADLK (stalled) or 0. */
int hv_vm_start(struct hv_vm *vm, char *err, size_t errlen);
int hv_vm_wait(struct hv_vm *vm, char *err, size_t errlen);
/* Set from a SIGINT handler: running guests end their measured loop early
 * and report what they measured. */
#include <signal.h>
extern volatile sig_atomic_t hv_interrupt_requested;

/* For the watchdog (wait.c): the vCPU's "blocking" statistic, opened
 * before its thread runs. */
void hv_vcpu_open_blocking(struct hv_vcpu *c);

/* SIGUSR1 only interrupts KVM_RUN (EINTR); its handler does nothing. */
#define HV_KICK_SIGNAL SIGUSR1

/* Ask every vCPU to leave KVM_RUN and stop (async-signal-safe). */
void hv_vm_kick(struct hv_vm *vm);

/* Guest-physical to host-virtual, or NULL outside RAM. */
void *hv_gpa_to_hva(struct hv_vm *vm, uint64_t gpa, uint64_t len);

/* The embedded guest image. */
extern const uint8_t hv_guest_image[];
extern const uint8_t hv_guest_image_end[];

/* Per-vCPU user-exit timing, switched on around the measured loop. */
void hv_vmm_probe_reset(struct hv_vcpu *vcpu);

/* For device models that time the exit path (on the vCPU's own thread):
 * is the guest inside its measured window (the runner switched the VMM
 * probe on), and the host cycle counter when KVM_RUN last returned. */
static inline bool hv_vcpu_in_window(const struct hv_vcpu *v)
{
	return v->vmm.on;
}
static inline uint64_t hv_vcpu_exit_cycles(const struct hv_vcpu *v)
{
	return v->t_ret;
}
/* Store the host cycle counter in *where right before this vCPU's next
 * KVM_RUN (once; one branch on the run loop when unused). */
static inline void hv_vcpu_stamp_next_entry(struct hv_vcpu *v, uint64_t *where)
{
	v->probe_enter = where;
}
/* The guest's TSC offset (x86 KVM_VCPU_TSC_OFFSET): write off, read back
 * what the host kept into *back (a host may keep its own). -ENOTSUP where
 * KVM has no such control (err filled), else 0 or -errno. */
int hv_vcpu_tsc_offset(struct hv_vcpu *v, int64_t off, int64_t *back,
		       char *err, size_t errlen);
/* The host's counter (arch_host_cycles) less this vCPU's guest counter,
 * measured: *off right within +-*width/2 ticks. arm64: KVM_GET_ONE_REG
 * of KVM_REG_ARM_TIMER_CNT (the guest's CNTVCT) between two host reads, the
 * middle of the narrowest of several; the vCPU must be initialized and not running (call
 * it from its own thread in an exit, or before it starts). -ENOTSUP on x86
 * (hv_vcpu_tsc_offset sets the offset there), else 0 or -errno, err filled. */
int hv_vcpu_counter_offset(struct hv_vcpu *v, int64_t *off, uint64_t *width,
			   char *err, size_t errlen);

/* ioctl helpers: the raw one returns -errno, the checked one also names it. */
int hv_ioctl(int fd, unsigned long req, void *arg, const char *name,
	     char *err, size_t errlen);
#define HV_IOCTL(fd, req, arg, err, len) hv_ioctl(fd, req, arg, #req, err, len)

#endif
