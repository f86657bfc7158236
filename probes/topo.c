/* hwloc-backed topology summary for result files and `hvbench info`. */
#include "probes/topo.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct topo {
	hwloc_topology_t h;
	hwloc_obj_type_t core_type;	/* CORE, or PU where no cores */
};

int topo_open(struct topo **out, char *err, size_t errlen)
{
	struct topo *t;
	int ret;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "topo_open: out of memory");
		return -ENOMEM;
	}
	if (hwloc_topology_init(&t->h) < 0) {
		ret = -errno;
		snprintf(err, errlen, "hwloc_topology_init: %s",
			 strerror(errno));
		free(t);
		return ret ? ret : -EINVAL;
	}
	if (hwloc_topology_load(t->h) < 0) {
		ret = -errno;
		snprintf(err, errlen, "hwloc_topology_load: %s",
			 strerror(errno));
		hwloc_topology_destroy(t->h);
		free(t);
		return ret ? ret : -EINVAL;
	}
	t->core_type = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_CORE) > 0 ?
			       HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	*out = t;
	return 0;
}

void topo_close(struct topo *t)
{
	if (!t)
		return;
	hwloc_topology_destroy(t->h);
	free(t);
}

int topo_num_cores(const struct topo *t)
{
	return hwloc_get_nbobjs_by_type(t->h, t->core_type);
}

int topo_num_pus(const struct topo *t)
{
	return hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PU);
}

static const char *obj_info(hwloc_obj_t o, const char *key)
{
	const char *v = o ? hwloc_obj_get_info_by_name(o, key) : NULL;

	return v && *v ? v : NULL;
}

static const char *cache_type_name(hwloc_obj_cache_type_t t)
{
	switch (t) {
	case HWLOC_OBJ_CACHE_DATA:
		return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION:
		return "instruction";
	default:
		return "unified";
	}
}

struct cache_kind {
	unsigned level;
	hwloc_obj_cache_type_t type;
	hwloc_uint64_t size;
	unsigned line;
	int count;
};

/* One entry per distinct (level, type, size): the per-core copies of L1/L2
 * would only repeat themselves, so they are folded into "count". */
static json_t *caches_json(hwloc_topology_t h)
{
	struct cache_kind kinds[32];
	int depth, nd = hwloc_topology_get_depth(h), nk = 0, k;
	json_t *arr = json_array();

	for (depth = 0; depth < nd; depth++) {
		unsigned i, n;

		if (!hwloc_obj_type_is_cache(hwloc_get_depth_type(h, depth)))
			continue;
		n = hwloc_get_nbobjs_by_depth(h, depth);
		for (i = 0; i < n; i++) {
			hwloc_obj_t o = hwloc_get_obj_by_depth(h, depth, i);
			struct hwloc_cache_attr_s *c = &o->attr->cache;

			for (k = 0; k < nk; k++)
				if (kinds[k].level == c->depth &&
				    kinds[k].type == c->type &&
				    kinds[k].size == c->size)
					break;
			if (k < nk) {
				kinds[k].count++;
				continue;
			}
			if (nk == (int)(sizeof(kinds) / sizeof(kinds[0])))
				continue;
			kinds[nk++] = (struct cache_kind){ c->depth, c->type,
							   c->size, c->linesize,
							   1 };
		}
	}
	for (k = 0; k < nk; k++) {
		json_t *e = json_object();

		json_object_set_new(e, "level", json_integer(kinds[k].level));
		json_object_set_new(e, "type",
				    json_string(cache_type_name(kinds[k].type)));
		json_object_set_new(e, "size_kib",
				    json_integer((json_int_t)(kinds[k].size / 1024)));
		json_object_set_new(e, "line_bytes", json_integer(kinds[k].line));
		json_object_set_new(e, "count", json_integer(kinds[k].count));
		json_array_append_new(arr, e);
	}
	return arr;
}

json_t *topo_json(const struct topo *t)
{
	hwloc_obj_t root = hwloc_get_root_obj(t->h);
	hwloc_obj_t pkg = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_PACKAGE, 0);
	int cores = topo_num_cores(t), pus = topo_num_pus(t);
	const char *cpu_model = obj_info(pkg, "CPUModel");
	const char *machine = obj_info(root, "DMIProductName");
	json_t *o = json_object();

	if (!cpu_model)
		cpu_model = obj_info(root, "CPUModel");
	if (!machine)
		machine = cpu_model;
	json_object_set_new(o, "packages",
			    json_integer(hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PACKAGE)));
	json_object_set_new(o, "numa_nodes",
			    json_integer(hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE)));
	json_object_set_new(o, "cores", json_integer(cores));
	json_object_set_new(o, "pus", json_integer(pus));
	json_object_set_new(o, "smt", json_boolean(pus > cores));
	json_object_set_new(o, "threads_per_core",
			    json_integer(cores > 0 ? pus / cores : 0));
	json_object_set_new(o, "machine",
			    json_string(machine ? machine : "unknown"));
	json_object_set_new(o, "cpu_model",
			    json_string(cpu_model ? cpu_model : "unknown"));
	json_object_set_new(o, "caches", caches_json(t->h));
	return o;
}
