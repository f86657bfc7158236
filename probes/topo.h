/* Host CPU topology (hwloc) and thread pinning, so vCPU threads land on
 * known cores and result files record the machine shape. */
#ifndef PROBES_TOPO_H
#define PROBES_TOPO_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

struct topo;

int topo_open(struct topo **out, char *err, size_t errlen);
void topo_close(struct topo *t);
/* Physical cores; hosts whose hwloc reports no core objects count PUs. */
int topo_num_cores(const struct topo *t);
int topo_num_pus(const struct topo *t);
/*
 * {"packages","numa_nodes","cores","pus","smt" (bool: more PUs than cores),
 *  "threads_per_core","machine" (DMI product or CPU model string),
 *  "cpu_model","caches":[{"level","type","size_kib","count"}]}
 */
json_t *topo_json(const struct topo *t);
/* Binds @thr to one PU of core (core_index modulo the core count). */
int topo_pin_thread_to_core(const struct topo *t, pthread_t thr,
			    int core_index, char *err, size_t errlen);

#endif /* PROBES_TOPO_H */
