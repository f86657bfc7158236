/* The kvm:kvm_exit probe (probes/kvmexit.h): exits counted by reason over
 * the measured window, for the separate counting run only
 * (hvbench/exitcount.c), as "kvm_exit" or "kvm_exit_error". */
#include "probes/kvmexit.h"
#include "probes/probe.h"

static bool kx_wanted(const struct probe_run *run)
{
	return run->count_exits;
}

static int kx_open(struct probe_run *run, void **priv, char *err, size_t errlen)
{
	struct kvmexit *k = NULL;
	int r = kvmexit_open(&k, err, errlen);

	*priv = k;
	return r;
}

static void kx_at(void *priv, struct probe_run *run, enum probe_point pt)
{
	if (pt == PROBE_WINDOW_BEGIN)
		kvmexit_enable(priv);
	else if (pt == PROBE_WINDOW_END)
		kvmexit_disable(priv);
}

static void kx_emit(void *priv, struct probe_run *run, struct rec *rec)
{
	struct kvmexit *k = priv;

	if (kvmexit_error(k)) {
		rec_set(rec, "kvm_exit_error", json_string(kvmexit_error(k)));
		return;
	}
	kvmexit_drain(k);
	json_t *kx = kvmexit_json(k, run->ops, run->window_ucalls);
	if (kx)
		rec_set(rec, "kvm_exit", kx);
}

static void kx_emit_error(struct probe_run *run, const char *why, struct rec *rec)
{
	rec_set(rec, "kvm_exit_error", json_string(why));
}

static void kx_close(void *priv)
{
	kvmexit_close(priv);
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
