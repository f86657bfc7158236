/* What every run and `hvbench info` learn about the host before the first
 * benchmark VM: the probes (hostinfo), the topology summary and the guest
 * CPL0 slowdown, the slow parts taken from the host cache when it is valid
 * (hvbench/hostcache.h) and measured, then cached, when it is not. */
#ifndef HVBENCH_HOSTSETUP_H
#define HVBENCH_HOSTSETUP_H

#include <jansson.h>
#include <stdbool.h>

#include "hvbench/hostcache.h"
#include "probes/hostinfo.h"

struct host_setup {
	struct hostinfo hi;
	double cpl0_slowdown;	/* <= 0: unknown (slow_err says why) */
	char slow_err[512];
	json_t *topology;	/* owned; NULL when hwloc could not load it */
	enum hc_status cache;	/* what the cache said before this run */
	char cache_path[4096];	/* "" with HC_OFF */
	char cache_why[300];	/* why it was not used, "" on a hit */
	char cache_write_err[300];	/* why it could not be (re)written, "" */
	bool from_cache;	/* the slow figures came from the cache */
};

/* Fills @hs. Without /dev/kvm (hi.kvm_error) the slowdown is not measured.
 * Never fails: each unknown is recorded as such. */
void host_setup(struct host_setup *hs);
void host_setup_free(struct host_setup *hs);
/* host_json (hvbench/hostjson.h) plus "cache": {"status", "path", "why"?,
 * "write_error"?}: where the slow figures came from. */
json_t *host_setup_json(const struct host_setup *hs);

#endif
