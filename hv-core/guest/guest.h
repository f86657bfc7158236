/* The freestanding guest runtime's portable API: the shared page, the call
 * channel, the probe pair, the registration of bodies and interrupt
 * handlers. Arch parts come from garch.h, found through the include path of
 * the arch being built. */
#ifndef HV_GUEST_GUEST_H
#define HV_GUEST_GUEST_H

#include <stdint.h>
#include "hv-core/abi.h"
#include "garch.h"

/*
 * The shared page. In the guest image it sits at its fixed guest-physical
 * address. The arch-neutral guest files are also built into the host
 * library with HV_NATIVE (the native target, hv-core/native.h): there a host
 * thread passes its page in, and the bodies marked .native run on it from
 * the same source.
 */
#ifdef HV_NATIVE
extern __thread struct hv_shared *hv_native_page;
#define SHARED hv_native_page
#else
#define SHARED ((struct hv_shared *)HV_SHARED_GPA)
#endif

/* One benchmark body. op() performs operation number i; the loop around it
 * times it (or timed() times itself). init() runs once before calibration
 * (at the body's privilege level) and may refuse by returning non-zero: an
 * enum hv_abort code (hv-core/abi.h), generic or from HV_ABORT_BODY_BASE on,
 * which goes to abort_code. */
struct gbody {
	const char *name;	/* what the host's row names (mb_bench.body) */
	int (*init)(void);
	void (*op)(uint64_t i);
	/* op without its instruction (same setup and return): what calibration
	 * times and subtracts, so a figure is the instruction alone. NULL: the
	 * runtime's empty function. */
	void (*null_op)(uint64_t i);
	/* Instead of op: an operation that takes its own timestamps and returns
	 * its cost (io-path: the round trip between its probes, which the host
	 * splits into segments, so no outer probe pair may wrap it). */
	uint64_t (*timed)(uint64_t i);
	void (*secondary)(uint32_t vcpu);	/* other vCPUs, if the body needs them */
	/* The secondary runs at the row's privilege level too (CPL3/EL0 when
	 * the suite asks cpl 3), not at CPL0: only user-level instructions,
	 * memory through the page's parameters. Otherwise it runs at CPL0. */
	int secondary_user;
	/* Also runs on a host thread (hv-core/native.h): only user-level
	 * instructions, memory only through the page's parameters; its
	 * secondary (user-level too) then runs on a host thread per vCPU
	 * past the first, until the page's stop. Such a body lives in an
	 * arch-neutral guest file. */
	int native;
};

/*
 * Registers a body under the name `id` (a C identifier, as the host's row
 * spells it), in the file that defines it: the linker gathers every
 * registration into the section gbody (the arch's guest.lds brackets it), so
 * no central list names a family's bodies. The rest are the gbody members:
 *	GUEST_BODY(cpuid, .op = op_cpuid, .null_op = null_cpuid);
 * The symbol gbody__<id> is how ci/test-bodies.sh finds each arch's bodies
 * in its guest ELF.
 */
#define GUEST_BODY(id, ...)                                                   \
	_Static_assert(sizeof(#id) <= HV_BODY_NAME_MAX, "body name too long"); \
	static const struct gbody gbody__##id                                 \
		__attribute__((used, section("gbody"), aligned(8))) = {        \
		.name = #id, __VA_ARGS__                                      \
	}

/* The body the host asked for (hv_shared.body), or NULL. */
const struct gbody *gbody_find(const char *name);

/*
 * An interrupt handler, registered like a body: GUEST_IRQ(n, fn) in the file
 * of the family that raises interrupt n. n is the x86 vector (32-255) or the
 * arm64 INTID (SGI 0-15, PPI 16-31, SPI 32 on). The runtime acknowledges the
 * interrupt first (x86: EOI to the x2APIC, the only APIC mode it uses;
 * arm64: ICC_IAR1_EL1, then ICC_EOIR1_EL1), then calls fn(n) on the vCPU
 * that took it, with interrupts masked. An interrupt no one registered is
 * reported as a fault naming it (x86: #NP, the vector in bits 3-10 of its
 * error code; arm64: vector 0x100, the INTID in the error code). One
 * handler per interrupt: ci/test-bodies.sh fails an image that registers one
 * twice or out of range. Handlers keep no writable globals (the arm64 image is
 * read-only): their state lives in the shared page.
 */
struct girq {
	uint32_t irq;
	void (*fn)(uint32_t irq);
};
#define GUEST_IRQ(n, handler) GUEST_IRQ_(n, handler, __COUNTER__)
#define GUEST_IRQ_(n, handler, k) GUEST_IRQ__(n, handler, k)
#define GUEST_IRQ__(n, handler, k)                                           \
	static const struct girq girq__##handler##_##k                        \
		__attribute__((used, section("girq"), aligned(8))) = { (n), (handler) }
extern const struct girq __start_girq[], __stop_girq[];

/* The measured benchmark loop, arch-neutral (hv-core/guest/common/bench.c). */
void bench_main(void);
/* After the arch setup: ABI check, READY, the body at the asked level. */
void __attribute__((noreturn)) guest_run(uint32_t vcpu);

/* Give up: status ABORT with this code (enum hv_abort), decoded by the host. */
void __attribute__((noreturn)) guest_abort(uint32_t code);

/* Secondary vCPUs: serve the body (e.g. answer IPIs) until told to stop. */
void secondary_main(uint32_t vcpu);
/* Whether this run's secondaries go to CPL3/EL0 (the body asks it and the
 * row runs there). */
int secondary_at_user(void);

/* The runtime's timer (hv_shared.timer_hz), arch code: arm a periodic
 * interrupt at hz on this vCPU, which counts into SHARED->timer_ticks,
 * and let interrupts in at CPL0/EL1 (the VMM lets them in at CPL3/EL0:
 * hv_vm_opts.user_irqs). 0, or -1 where the runtime has no timer. */
int garch_timer_start(uint32_t hz);

#ifdef HV_NATIVE
void hv_native_ucall(uint32_t nr);	/* hv-core/native.c */
#endif

static inline void ucall(uint32_t nr)
{
#ifdef HV_NATIVE
	hv_native_ucall(nr);
#else
	garch_ucall(nr);
#endif
}

static inline void *gmemset(void *d, int c, uint64_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

#endif
