/* The `host` block of result files and of `hvbench info --json`: what the
 * probes found, plus the figures only a running VM can tell. */
#include "hvbench/hostjson.h"
#include "probes/hostinfo.h"
#include "probes/topo.h"

json_t *host_json(const struct hostinfo *hi, struct topo *topo,
		  double cpl0_slowdown)
{
	json_t *h = hostinfo_json(hi);

	if (!h)
		return NULL;
	/* Machines we run on directly are real; the arm64 emulation harness
	 * sets this through the guest kernel's view (see ci/arm64). */
	if (!json_object_get(h, "emulated"))
		json_object_set_new(h, "emulated", json_false());
	json_object_set_new(h, "kvm_caps", hostinfo_kvm_caps_json());
	json_object_set_new(h, "cpl0_slowdown",
			    cpl0_slowdown > 0 ? json_real(cpl0_slowdown) : json_null());
	if (topo)
		json_object_set_new(h, "topology", topo_json(topo));
	return h;
}
