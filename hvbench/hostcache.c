/* The host cache (hostcache.h): key, path, checked load, atomic store. */
#include "hvbench/hostcache.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvbench/sha256.h"

#define HC_FORMAT "hvbench host cache 1"
#define HC_MAX_BYTES (64 * 1024)

const char *hostcache_status_name(enum hc_status s)
{
	static const char *const names[] = { "off", "miss", "hit", "stale",
					     "corrupt", "foreign" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		return r < 0 ? -errno : -ENODATA;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int hostcache_key(struct hc_key *k, const char *backend, const char *paging)
{
	struct stat st;
	ssize_t n;
	int r;

	memset(k, 0, sizeof(*k));
	r = read_small("/proc/sys/kernel/random/boot_id", k->boot_id,
		       sizeof(k->boot_id));
	if (r < 0)
		return r;
	n = readlink("/proc/self/exe", k->exe, sizeof(k->exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(k->exe) - 1)
		return n < 0 ? -errno : -ENAMETOOLONG;
	k->exe[n] = '\0';
	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	k->exe_dev = st.st_dev;
	k->exe_ino = st.st_ino;
	k->exe_size = (uint64_t)st.st_size;
	k->exe_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	snprintf(k->backend, sizeof(k->backend), "%s", backend);
	snprintf(k->paging, sizeof(k->paging), "%s", paging);
	return 0;
}

/* $XDG_CACHE_HOME/hvbench, else $HOME/.cache/hvbench; relative or empty
 * values are ignored, as the XDG spec says. */
static int cache_dir(char *buf, size_t len, char *base, size_t blen)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(base, blen, "%s", x);
	else if (h && h[0] == '/')
		n = snprintf(base, blen, "%s/.cache", h);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= blen)
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s/hvbench", base);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int hostcache_path(const struct hc_key *k, char *buf, size_t len)
{
	char dir[4096], base[4096], hex[65];
	int r = cache_dir(dir, sizeof(dir), base, sizeof(base)), n;

	if (r < 0)
		return r;
	sha256_hex(k->exe, strlen(k->exe), hex);
	n = snprintf(buf, len, "%s/host-%.16s.json", dir, hex);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Ours and nobody else's to write: a regular file (or folder) owned by this
 * user, not writable by group or others. */
static int ours(const struct stat *st, mode_t type)
{
	return (st->st_mode & S_IFMT) == type && st->st_uid == geteuid() &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static int folder_ok(const char *path)
{
	char dir[4096], *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return lstat(dir, &st) == 0 && ours(&st, S_IFDIR);
}

static const char *str_field(json_t *o, const char *key, size_t max)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) > max)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

static int int_field(json_t *o, const char *key, json_int_t lo, json_int_t hi,
		     json_int_t *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi)
		return -1;
	*v = json_integer_value(j);
	return 0;
}

/* A clean copy of a topology summary (probes/topo.h's shape), or NULL when
 * anything is missing, of the wrong type or out of range: nothing from the
 * file reaches a result unless it is exactly what topo_json writes. */
static json_t *topology_copy(json_t *t)
{
	static const char *const ints[] = { "packages", "numa_nodes", "cores",
					    "pus", "threads_per_core" };
	static const char *const cints[] = { "level", "size_kib", "line_bytes",
					     "count" };
	json_t *o, *caches, *c;
	const char *m, *cm;
	json_int_t v;
	size_t i, j;

	if (!json_is_object(t) || json_object_size(t) != 9 ||
	    !json_is_boolean(json_object_get(t, "smt")) ||
	    !(m = str_field(t, "machine", 256)) ||
	    !(cm = str_field(t, "cpu_model", 256)) ||
	    !json_is_array(caches = json_object_get(t, "caches")) ||
	    json_array_size(caches) > 32)
		return NULL;
	o = json_object();
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (int_field(t, ints[i], 0, 1 << 20, &v) < 0)
			goto bad;
		json_object_set_new(o, ints[i], json_integer(v));
	}
	json_object_set_new(o, "smt", json_boolean(json_is_true(json_object_get(t, "smt"))));
	json_object_set_new(o, "machine", json_string(m));
	json_object_set_new(o, "cpu_model", json_string(cm));
	json_t *out = json_array();
	json_object_set_new(o, "caches", out);
	json_array_foreach(caches, i, c) {
		const char *type = str_field(c, "type", 16);
		json_t *e;

		if (!json_is_object(c) || json_object_size(c) != 5 || !type ||
		    (strcmp(type, "data") && strcmp(type, "instruction") &&
		     strcmp(type, "unified")))
			goto bad;
		e = json_object();
		json_array_append_new(out, e);
		for (j = 0; j < sizeof(cints) / sizeof(cints[0]); j++) {
			if (int_field(c, cints[j], 0, (json_int_t)1 << 40, &v) < 0)
				goto bad;
			json_object_set_new(e, cints[j], json_integer(v));
		}
		json_object_set_new(e, "type", json_string(type));
	}
	return o;
bad:
	json_decref(o);
	return NULL;
}

static int key_matches(json_t *root, const struct hc_key *k, char *why,
		       size_t len)
{
	json_t *b = json_object_get(root, "binary");
	const char *boot = str_field(root, "boot_id", 64);
	const char *exe = str_field(b, "path", sizeof(k->exe));
	const char *be = str_field(root, "backend", 64);
	const char *pg = str_field(root, "paging", 64);
	json_int_t dev, ino, size, mt;

	if (!boot || !exe || !be || !pg || !json_is_object(b) ||
	    /* stored as the 64-bit patterns of the unsigned values */
	    int_field(b, "dev", INT64_MIN, INT64_MAX, &dev) < 0 ||
	    int_field(b, "ino", INT64_MIN, INT64_MAX, &ino) < 0 ||
	    int_field(b, "size", 0, INT64_MAX, &size) < 0 ||
	    int_field(b, "mtime_ns", INT64_MIN, INT64_MAX, &mt) < 0) {
		snprintf(why, len, "the key fields are missing or malformed");
		return -EINVAL;
	}
	if (strcmp(boot, k->boot_id)) {
		snprintf(why, len, "written on another boot");
		return 1;
	}
	if (strcmp(exe, k->exe) || (uint64_t)dev != k->exe_dev ||
	    (uint64_t)ino != k->exe_ino || (uint64_t)size != k->exe_size ||
	    mt != k->exe_mtime_ns) {
		snprintf(why, len, "written by another build of the binary");
		return 1;
	}
	if (strcmp(be, k->backend) || strcmp(pg, k->paging)) {
		snprintf(why, len, "written for KVM backend %s/%s, now %s/%s", be,
			 pg, k->backend, k->paging);
		return 1;
	}
	return 0;
}

enum hc_status hostcache_load(const char *path, const struct hc_key *k,
			      struct hc_data *d, char *why, size_t whylen)
{
	char *buf = NULL;
	json_t *root = NULL, *topo, *slow;
	json_error_t je;
	enum hc_status st = HC_CORRUPT;
	struct stat sb;
	json_int_t khz;
	ssize_t n;
	int fd, r;

	memset(d, 0, sizeof(*d));
	why[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return HC_MISS;
		snprintf(why, whylen, "open %s: %s", path, strerror(errno));
		return errno == ELOOP ? HC_FOREIGN : HC_CORRUPT;
	}
	if (fstat(fd, &sb) < 0 || !ours(&sb, S_IFREG) || !folder_ok(path)) {
		snprintf(why, whylen, "%s or its folder is not a file of this user that only it can write", path);
		close(fd);
		return HC_FOREIGN;
	}
	if (sb.st_size <= 0 || sb.st_size > HC_MAX_BYTES ||
	    !(buf = malloc((size_t)sb.st_size))) {
		snprintf(why, whylen, "size %lld out of range", (long long)sb.st_size);
		close(fd);
		return HC_CORRUPT;
	}
	n = read(fd, buf, (size_t)sb.st_size);
	close(fd);
	if (n != sb.st_size) {
		snprintf(why, whylen, "short read");
		goto out;
	}
	root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		snprintf(why, whylen, "not JSON: %s", root ? "not an object" : je.text);
		goto out;
	}
	const char *fmt = str_field(root, "format", 64);
	if (!fmt || strcmp(fmt, HC_FORMAT)) {
		snprintf(why, whylen, "not a host cache of this format");
		goto out;
	}
	r = key_matches(root, k, why, whylen);
	if (r) {
		st = r > 0 ? HC_STALE : HC_CORRUPT;
		goto out;
	}
	/* The figures: a TSC between 1 MHz and 100 GHz, a slowdown between
	 * 1/100 and 10^7 (or null: it could not be measured), a topology of
	 * exactly the shape topo_json writes. */
	slow = json_object_get(root, "cpl0_slowdown");
	topo = json_object_get(root, "topology");
	if (int_field(root, "tsc_khz", 0, 100000000, &khz) < 0 ||
	    (khz != 0 && khz < 1000) ||
	    !(json_is_null(slow) || (json_is_real(slow) &&
				     isfinite(json_real_value(slow)) &&
				     json_real_value(slow) >= 0.01 &&
				     json_real_value(slow) <= 1e7)) ||
	    !(json_is_null(topo) || (d->topology = topology_copy(topo)))) {
		snprintf(why, whylen, "a figure is missing, of the wrong type or out of range");
		goto out;
	}
	d->tsc_khz = (uint64_t)khz;
	d->cpl0_slowdown = json_is_real(slow) ? json_real_value(slow) : 0;
	st = HC_HIT;
out:
	if (st != HC_HIT) {
		json_decref(d->topology);
		memset(d, 0, sizeof(*d));
	}
	json_decref(root);
	free(buf);
	return st;
}

static int make_dirs(const char *path)
{
	char dir[4096], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p)
		return -EINVAL;
	*p = '\0';
	/* The cache base (~/.cache) and our folder; never the home itself. */
	p = strrchr(dir, '/');
	if (p && p != dir) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return folder_ok(path) ? 0 : -EPERM;
}

int hostcache_store(const char *path, const struct hc_key *k,
		    const struct hc_data *d, char *err, size_t errlen)
{
	char tmp[4200];
	struct stat sb;
	json_t *root;
	char *text;
	int fd, r;

	r = make_dirs(path);
	if (r < 0) {
		snprintf(err, errlen, "cache folder for %s: %s", path,
			 r == -EPERM ? "not ours alone" : strerror(-r));
		return r;
	}
	if (lstat(path, &sb) == 0 && !ours(&sb, S_IFREG)) {
		snprintf(err, errlen, "%s is not a file of ours: left alone", path);
		return -EPERM;
	}
	root = json_pack("{s:s, s:s, s:{s:s, s:I, s:I, s:I, s:I}, s:s, s:s, s:I, s:o, s:O}",
		"format", HC_FORMAT, "boot_id", k->boot_id,
		"binary", "path", k->exe, "dev", (json_int_t)k->exe_dev,
		"ino", (json_int_t)k->exe_ino, "size", (json_int_t)k->exe_size,
		"mtime_ns", (json_int_t)k->exe_mtime_ns,
		"backend", k->backend, "paging", k->paging,
		"tsc_khz", (json_int_t)d->tsc_khz,
		"cpl0_slowdown", d->cpl0_slowdown > 0 ? json_real(d->cpl0_slowdown) : json_null(),
		"topology", d->topology ? d->topology : json_null());
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "mkstemp %s: %s", tmp, strerror(errno));
		free(text);
		return r;
	}
	size_t len = strlen(text);
	r = write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
	free(text);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		snprintf(err, errlen, "writing %s: %s", path, strerror(-r));
	}
	return r;
}
