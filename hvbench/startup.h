/* Start-up timeline: when the process was exec'd, when the host was known,
 * when the first VM was created, entered, first called and took its first
 * sample. Marks live in a page shared with forked children (the jail), so
 * the parent sees the marks a child benchmark process made. */
#ifndef HVBENCH_STARTUP_H
#define HVBENCH_STARTUP_H

#include <jansson.h>
#include <stdint.h>

enum startup_mark {
	SU_EXEC,		/* execve (HVBENCH_EXEC_NS) or, without it, main() */
	SU_HOST_READY,		/* host probed (cached figures or measured) */
	SU_VM_CREATE,		/* the first benchmark VM: hv_vm_create called */
	SU_VCPUS_STARTED,	/* its first vCPU thread is about to enter KVM_RUN */
	SU_GUEST_READY,		/* the guest's first call (HV_UCALL_READY) */
	SU_FIRST_SAMPLE,	/* the guest begins its measured loop */
	SU_COUNT
};

/* The environment variable a parent sets to CLOCK_MONOTONIC nanoseconds
 * right before it execs hvbench, so SU_EXEC includes loading the binary. */
#define STARTUP_EXEC_ENV "HVBENCH_EXEC_NS"

/* In main(), first: maps the shared page and sets SU_EXEC. Without it every
 * mark is a no-op. */
void startup_init(void);
/* Records @m now (CLOCK_MONOTONIC), once: later calls keep the first. Safe
 * from any thread and from forked children. */
void startup_mark(enum startup_mark m);
/* Nanoseconds of mark @m, 0 if not reached. */
int64_t startup_ns(enum startup_mark m);
/* True when SU_EXEC came from STARTUP_EXEC_ENV (loading included). */
int startup_exec_from_env(void);
/* {"exec_to_host_ms", "exec_to_vm_create_ms", "vm_create_to_vcpu_start_ms",
 *  "vm_create_to_guest_ready_ms", "exec_to_first_sample_ms",
 *  "exec_source"}: the spans whose marks were reached. */
json_t *startup_json(void);

#endif
