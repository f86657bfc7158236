/* The kvm:kvm_exit probe (probes/kvmexit.h): exits counted by reason and
 * timed exit to entry over the measured window, for the separate counting
 * run only (hvbench/exitcount.c), as "kvm_exit" and the tracepoint method's
 * exit profile "exit_profile_tracepoints" (which exitcount.c makes the
 * record's "exit_profile"), or "kvm_exit_error" when it could not count or
 * the tracepoint does not fire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hv-core/hv.h"
#include "probes/exitprof.h"
#include "probes/kvmexit.h"
#include "probes/probe.h"

static bool kx_wanted(const struct probe_run *run)
{
	return run->count_exits;
}

/* The reader, and the VMM's own count of the exits while it was on: the
 * witness that tells a tracepoint that does not fire from a quiet guest. */
struct kx {
	struct kvmexit *k;
	uint64_t exits_on, exits_off;
};

static uint64_t vm_exits(const struct hv_vm *vm)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].exits;
	return n;
}

static int kx_open(struct probe_run *run, void **priv, char *err, size_t errlen)
{
	struct kx *x = calloc(1, sizeof(*x));
	int r;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = kvmexit_open(&x->k, err, errlen);
	if (r < 0) {
		free(x);
		return r;
	}
	*priv = x;
	return 0;
}

static void kx_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	struct kx *x = priv;

	if (pt == PROBE_WINDOW_BEGIN) {
		kvmexit_enable(x->k);
		x->exits_on = vm_exits(run->vm);
	} else if (pt == PROBE_WINDOW_END) {
		/* the exit of this call itself happened while enabled */
		x->exits_off = vm_exits(run->vm);
		kvmexit_disable(x->k);
	}
}

static void kx_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct kx *x = priv;
	struct kvmexit *k = x->k;
	char why[256];

	if (kvmexit_error(k)) {
		rec_set(rec, "kvm_exit_error", json_string(kvmexit_error(k)));
		return;
	}
	kvmexit_drain(k);
	/* The call channel's exits happened while it was enabled: a
	 * tracepoint that saw none of them does not fire here. */
	if (!kvmexit_check_fires(k, x->exits_off - x->exits_on, why, sizeof(why))) {
		rec_set(rec, "kvm_exit_error", json_string(why));
		return;
	}
	json_t *kx = kvmexit_json(k, run->ops, run->window_ucalls);
	if (kx)
		rec_set(rec, "kvm_exit", kx);
	struct exitprof e;
	uint64_t entries, paired, lost;
	if (kvmexit_profile(k, run->ops, run->window_ucalls, &e) == 0) {
		e.vcpus = run->vm->nr_vcpus;
		json_t *o = exitprof_json(&e);
		uint64_t events = kvmexit_events(k, &entries, &paired, &lost, NULL);
		if (o) {
			json_object_set_new(o, "isa", json_string(kvmexit_isa(k)));
			json_object_set_new(o, "events", json_pack("{s:I, s:I, s:I, s:I}",
				"kvm_exit", (json_int_t)events, "kvm_entry", (json_int_t)entries,
				"paired", (json_int_t)paired, "lost", (json_int_t)lost));
			rec_set(rec, "exit_profile_tracepoints", o);
		}
	}
	exitprof_free(&e);
}

static void kx_emit_error(struct probe_run *run, const char *why, struct rec *rec)
{
	rec_set(rec, "kvm_exit_error", json_string(why));
}

static void kx_close(void *priv)
{
	struct kx *x = priv;

	if (x)
		kvmexit_close(x->k);
	free(x);
}

const struct probe_ops probe_kvmexit = {
	.name = "kvmexit",
	.wanted = kx_wanted,
	.vcpu_thread_files = true,
	.open = kx_open,
	.optional = true,
	.at = kx_at,
	.emit = kx_emit,
	.emit_error = kx_emit_error,
	.close = kx_close,
};
