/* Host set-up with the cache (hostsetup.h). */
#include "hvbench/hostsetup.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "hvbench/hostjson.h"
#include "hvbench/measure.h"
#include "probes/topo.h"

static json_t *measure_topology(void)
{
	struct topo *t = NULL;
	char err[256];
	json_t *j;

	if (topo_open(&t, err, sizeof(err)) < 0)
		return NULL;
	j = topo_json(t);
	topo_close(t);
	return j;
}

/* What a cold set-up measures beside the slowdown VMs, on a copy of the
 * host description so the two threads share nothing they write. */
struct side {
	pthread_t thr;
	struct hostinfo hi;
	json_t *topology;
};

static void *side_work(void *arg)
{
	struct side *s = arg;

	hostinfo_calibrate_tsc(&s->hi);
	s->topology = measure_topology();
	return NULL;
}

void host_setup(struct host_setup *hs)
{
	struct hc_data d = { 0 };
	struct hc_key k;
	bool have_key;

	memset(hs, 0, sizeof(*hs));
	hs->cpl0_slowdown = -1;
	hostinfo_probe_lazy(&hs->hi);
	have_key = hostcache_key(&k, hs->hi.backend, hs->hi.paging) == 0;
	if (!have_key || hostcache_path(&k, hs->cache_path, sizeof(hs->cache_path)) < 0) {
		hs->cache = HC_OFF;
		hs->cache_path[0] = '\0';
		snprintf(hs->cache_why, sizeof(hs->cache_why), "%s",
			 have_key ? "no cache folder: neither $XDG_CACHE_HOME nor $HOME is an absolute path" :
				    "the boot id or the binary's identity could not be read");
	} else {
		hs->cache = hostcache_load(hs->cache_path, &k, &d, hs->cache_why,
					   sizeof(hs->cache_why));
		if (hs->cache == HC_MISS)
			snprintf(hs->cache_why, sizeof(hs->cache_why), "no cache file yet");
	}
	/* A hit without a slowdown (it could not be measured then) or without
	 * a calibrated TSC where one is needed is measured again, whole. */
	if (hs->cache == HC_HIT &&
	    ((!strcmp(hs->hi.tsc_source, "pending") && !d.tsc_khz) ||
	     (d.cpl0_slowdown <= 0 && !hs->hi.kvm_error[0]))) {
		hs->cache = HC_STALE;
		snprintf(hs->cache_why, sizeof(hs->cache_why), "a figure was missing from it");
		json_decref(d.topology);
		memset(&d, 0, sizeof(d));
	}
	if (hs->cache == HC_HIT) {
		hostinfo_set_tsc(&hs->hi, d.tsc_khz);
		hs->cpl0_slowdown = d.cpl0_slowdown;
		hs->topology = d.topology;
		hs->from_cache = true;
		return;
	}
	/* The three slow measurements at once: the TSC calibration sleeps,
	 * hwloc reads sysfs, the slowdown runs two VMs (which read the host
	 * description, never its TSC frequency: KVM gives the guest's). */
	struct side side = { .hi = hs->hi };
	bool threaded = pthread_create(&side.thr, NULL, side_work, &side) == 0;

	if (!threaded)
		side_work(&side);
	if (!hs->hi.kvm_error[0]) {
		struct measure_env env = { .host = &hs->hi };

		hs->cpl0_slowdown = measure_cpl0_slowdown(&env, hs->slow_err,
							  sizeof(hs->slow_err));
	} else {
		snprintf(hs->slow_err, sizeof(hs->slow_err), "%s", hs->hi.kvm_error);
	}
	if (threaded)
		pthread_join(side.thr, NULL);
	hs->hi.tsc_khz = side.hi.tsc_khz;
	memcpy(hs->hi.tsc_source, side.hi.tsc_source, sizeof(hs->hi.tsc_source));
	hs->topology = side.topology;
	/* Only what was measured whole is worth keeping; a foreign file is
	 * left alone. */
	if (hs->cache == HC_OFF || hs->cache == HC_FOREIGN || hs->cpl0_slowdown <= 0)
		return;
	d.tsc_khz = !strcmp(hs->hi.tsc_source, "calibrated") ? hs->hi.tsc_khz : 0;
	d.cpl0_slowdown = hs->cpl0_slowdown;
	d.topology = hs->topology;
	hostcache_store(hs->cache_path, &k, &d, hs->cache_write_err,
			sizeof(hs->cache_write_err));
}

void host_setup_free(struct host_setup *hs)
{
	json_decref(hs->topology);
	hs->topology = NULL;
}

json_t *host_setup_json(const struct host_setup *hs)
{
	json_t *h = host_json(&hs->hi, hs->topology, hs->cpl0_slowdown);
	json_t *c = json_object();

	if (!h || !c) {
		json_decref(c);
		return h;
	}
	json_object_set_new(c, "status", json_string(hostcache_status_name(hs->cache)));
	json_object_set_new(c, "used", json_boolean(hs->from_cache));
	if (hs->cache_path[0])
		json_object_set_new(c, "path", json_string(hs->cache_path));
	if (hs->cache_why[0])
		json_object_set_new(c, "why", json_string(hs->cache_why));
	if (hs->cache_write_err[0])
		json_object_set_new(c, "write_error", json_string(hs->cache_write_err));
	json_object_set_new(h, "cache", c);
	return h;
}
