/* The list of probes the runner drives (probes/probe.h) and the loop over
 * the ones open for a run. A new probe is one file and one line here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"

extern const struct probe_ops probe_kvmstats, probe_pmu, probe_kvmexit,
	probe_vmm, probe_profile;

/* Nesting order: the costliest snapshot outermost. */
const struct probe_ops *const probe_all[] = {
	&probe_kvmstats,
	&probe_pmu,
	&probe_kvmexit,
	&probe_vmm,
	&probe_profile,		/* innermost: its window is the guest's own */
	NULL,
};

static bool wanted(const struct probe_ops *o, const struct probe_run *run)
{
	return !o->wanted || o->wanted(run);
}

bool probe_set_thread_files(const struct probe_run *run)
{
	for (size_t i = 0; probe_all[i]; i++)
		if (probe_all[i]->vcpu_thread_files && wanted(probe_all[i], run))
			return true;
	return false;
}

int probe_set_open(struct probe_set *ps, struct probe_run *run, char *err,
		   size_t errlen)
{
	memset(ps, 0, sizeof(*ps));
	for (size_t i = 0; probe_all[i]; i++) {
		const struct probe_ops *o = probe_all[i];
		void *priv = NULL;
		char why[256] = "";

		if (!wanted(o, run))
			continue;
		if (ps->n == PROBE_MAX) {
			snprintf(err, errlen, "more than %d probes", PROBE_MAX);
			probe_set_close(ps);
			return -E2BIG;
		}
		int r = o->open ? o->open(run, &priv, why, sizeof(why)) : 0;
		if (r < 0 && !o->optional) {
			snprintf(err, errlen, "%s", why);
			probe_set_close(ps);
			return r;
		}
		if (r < 0) {
			ps->failed[ps->n_failed] = o;
			snprintf(ps->why[ps->n_failed++], sizeof(ps->why[0]), "%s", why);
			continue;
		}
		ps->ops[ps->n] = o;
		ps->priv[ps->n++] = priv;
	}
	return 0;
}

static bool is_end(enum probe_point pt)
{
	return pt == PROBE_CALIB_END || pt == PROBE_WINDOW_END || pt == PROBE_PAUSE_END;
}

void probe_set_at(struct probe_set *ps, struct probe_run *run, enum probe_point pt)
{
	for (size_t k = 0; k < ps->n; k++) {
		size_t i = is_end(pt) ? ps->n - 1 - k : k;
		if (ps->ops[i]->at)
			ps->ops[i]->at(ps->priv[i], run, pt);
	}
}

void probe_set_emit(struct probe_set *ps, struct probe_run *run, struct rec *rec)
{
	for (size_t i = 0; i < ps->n_failed; i++)
		if (ps->failed[i]->emit_error)
			ps->failed[i]->emit_error(run, ps->why[i], rec);
	if (!run->window_done)
		return;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->ops[i]->emit)
			ps->ops[i]->emit(ps->priv[i], run, rec);
}

void probe_set_close(struct probe_set *ps)
{
	for (size_t i = ps->n; i-- > 0;)
		if (ps->ops[i]->close)
			ps->ops[i]->close(ps->priv[i]);
	ps->n = 0;
	ps->n_failed = 0;
}
