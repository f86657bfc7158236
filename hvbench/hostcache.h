/* What is a property of the host, measured once per boot and binary: the
 * calibrated TSC frequency, the guest CPL0 slowdown, the topology summary.
 * Kept under $XDG_CACHE_HOME/hvbench (default ~/.cache/hvbench), one small
 * JSON file per binary path. The file is untrusted input: it is used only
 * when it is ours, whole, well-formed, in range and made by this binary on
 * this boot for this KVM backend; anything else is measured again. A cache
 * that cannot be read or written (an unwritable home, the jail's `nobody`)
 * only costs the measurement. */
#ifndef HVBENCH_HOSTCACHE_H
#define HVBENCH_HOSTCACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum hc_status {
	HC_OFF,		/* no usable folder (no $XDG_CACHE_HOME, no $HOME) */
	HC_MISS,	/* no file yet */
	HC_HIT,		/* used */
	HC_STALE,	/* another boot, binary or KVM backend: measured again */
	HC_CORRUPT,	/* not the format, out of range, truncated: measured again */
	HC_FOREIGN,	/* not a regular file of ours: measured again, left alone */
};

/* What the cache is keyed by: every field must match. */
struct hc_key {
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id */
	char exe[1024];		/* the binary's path */
	uint64_t exe_dev, exe_ino, exe_size;
	int64_t exe_mtime_ns;
	char backend[16], paging[32];	/* a reloaded KVM module (npt=0) */
};

struct hc_data {
	uint64_t tsc_khz;	/* 0: none */
	double cpl0_slowdown;	/* <= 0: none */
	json_t *topology;	/* owned; NULL: none */
};

/* The key of this process on this host (@backend/@paging from hostinfo).
 * 0, or -errno when the boot id or the binary cannot be read. */
int hostcache_key(struct hc_key *k, const char *backend, const char *paging);
/* The file for @k: <dir>/host-<16 hex of sha256(exe)>.json, dir from the
 * environment. 0, or -ENOENT (HC_OFF) when there is no cache folder. */
int hostcache_path(const struct hc_key *k, char *buf, size_t len);
/* Reads and checks @path against @k. Returns the status; *d is filled only
 * on HC_HIT (d->topology then owned by the caller). @why says why not. */
enum hc_status hostcache_load(const char *path, const struct hc_key *k,
			      struct hc_data *d, char *why, size_t whylen);
/* Writes @d for @k atomically (temporary file + rename, folder made 0700).
 * 0 or -errno with @err. Never replaces something that is not our file. */
int hostcache_store(const char *path, const struct hc_key *k,
		    const struct hc_data *d, char *err, size_t errlen);
const char *hostcache_status_name(enum hc_status s);

#endif
