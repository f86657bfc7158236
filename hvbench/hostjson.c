/* The `host` block of result files and of `hvbench info --json`: what the
 * probes found, plus the figures only a running VM can tell. */
#include "hvbench/hostjson.h"
#include "probes/hostinfo.h"
#include "probes/hostmeta.h"
#include "probes/iommu.h"

#include <stdlib.h>

/* The probe reports the pause-loop-exiting knobs as three flat fields; the
 * file groups them as `ple` {gap, window, source} (docs/results-schema.md),
 * so a reader finds one object and -1 says "not applicable" in one place. */
static int nest_ple(json_t *h)
{
	static const char *const keys[][2] = {
		{ "ple_gap", "gap" },
		{ "ple_window", "window" },
		{ "ple_source", "source" },
	};
	json_t *ple = json_object();
	size_t i;

	if (!ple)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(h, keys[i][0]);

		if (!v)
			continue;
		json_object_set(ple, keys[i][1], v);
		json_object_del(h, keys[i][0]);
	}
	return json_object_set_new(h, "ple", ple);
}

json_t *host_json(const struct hostinfo *hi, const json_t *topology,
		  double cpl0_slowdown)
{
	json_t *h = hostinfo_json(hi);

	if (!h)
		return NULL;
	if (nest_ple(h) < 0) {
		json_decref(h);
		return NULL;
	}
	/* Machines we run on directly are real; the arm64 emulation harness
	 * sets this through the guest kernel's view (see ci/arm64). */
	if (!json_object_get(h, "emulated"))
		json_object_set_new(h, "emulated", json_false());
	json_object_set_new(h, "kvm_caps", hostinfo_kvm_caps_json());
	json_object_set_new(h, "cpl0_slowdown",
			    cpl0_slowdown > 0 ? json_real(cpl0_slowdown) : json_null());
	struct iommu_info *ii = calloc(1, sizeof(*ii));
	if (ii && iommu_probe("/", ii) == 0)
		json_object_set_new(h, "iommu", iommu_json(ii));
	free(ii);
	if (topology)
		json_object_set_new(h, "topology", json_deep_copy(topology));
	/* read now, not cached: a governor or a module parameter may have
	 * changed since the host cache was written */
	json_t *meta = hostmeta_json("");
	if (meta)
		json_object_update_missing(h, meta);
	json_decref(meta);
	return h;
}
