/* x86 guest body of the io-path (0x22e) study: one port access per op, its
 * TSC stamped into the shared probe slot right before and right after. */
#include <stdint.h>
#include "guest.h"
#include "x86.h"
#include "microbench/guest/x86/pio.h"
#include "microbench/iopath_abi.h"

static uint16_t io_port;
static uint64_t (*io_op)(uint16_t port);

/* The timed region is rdtsc, one store, the access, rdtsc: the host's stamps
 * fall inside it, and the store tells the host when the guest left. */
#define IO_OP(fn, access)                                                   \
	static uint64_t fn(uint16_t port)                                   \
	{                                                                   \
		struct iop_probe_slot *p = IOP_SLOT(SHARED);                   \
		uint64_t t0 = garch_probe_begin();                          \
		p->guest_before = t0;                                       \
		access;                                                     \
		uint64_t t1 = garch_probe_end();                            \
		p->guest_after = t1;                                        \
		return t1 - t0;                                             \
	}

IO_OP(in1, PIO_IN1(PIO_INSN, port))
IO_OP(in2, PIO_IN2(PIO_INSN, port))
IO_OP(in4, PIO_IN4(PIO_INSN, port))
IO_OP(out1, PIO_OUT1(PIO_INSN, port))
IO_OP(out2, PIO_OUT2(PIO_INSN, port))
IO_OP(out4, PIO_OUT4(PIO_INSN, port))

/* Answer the host's clock rounds until it says done. The loop is kept short:
 * the time between seeing a round and stamping it widens the bracket. */
static void clock_respond(struct hv_shared *s)
{
	volatile uint64_t *ping = &s->scratch[IOP_S_PING];
	volatile uint64_t *pong = &s->scratch[IOP_S_PONG];
	volatile uint64_t *stamp = &s->scratch[IOP_S_STAMP];
	uint64_t last = 0;

	for (;;) {
		uint64_t k = *ping;

		if (k == last)
			continue;
		if (k == IOP_CLOCK_DONE)
			break;
		*stamp = garch_probe_begin();
		*pong = k;	/* x86 keeps the two stores in order */
		last = k;
		s->heartbeat++;
	}
}

static int io_path_init(void)
{
	struct hv_shared *s = SHARED;
	static uint64_t (*const ops[2][5])(uint16_t) = {
		{ [1] = in1, [2] = in2, [4] = in4 },
		{ [1] = out1, [2] = out2, [4] = out4 },
	};
	uint64_t size = s->param[IOP_P_SIZE];

	if (size > 4 || !ops[!!s->param[IOP_P_OUT]][size])
		return HV_ABORT_BAD_PARAM;
	io_op = ops[!!s->param[IOP_P_OUT]][size];
	io_port = (uint16_t)s->param[IOP_P_PORT];
	/* The host pins its threads and starts the clock helper now. */
	ucall(HV_UCALL_PROBE);
	if (s->flags & HV_F_SAMPLES_PREFIX)
		clock_respond(s);
	return 0;
}

static uint64_t io_path_op(uint64_t i)
{
	return io_op(io_port);
}

GUEST_BODY(io_path, .init = io_path_init, .timed = io_path_op);
