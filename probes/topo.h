/* Host CPU topology: hwloc's summary for result files (topo.c), and CPU
 * placement from sysfs for vCPU and device threads (topo_place.c), so the
 * threads land on known cores. One placement for every caller. */
#ifndef PROBES_TOPO_H
#define PROBES_TOPO_H

#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
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
/* Parses a CPU list ("0-1,3"): 0, or -EINVAL with err saying what is wrong. */
int topo_parse_cpus(const char *s, cpu_set_t *set, char *err, size_t errlen);
/*
 * Where @n vCPU threads run: *out is a malloc'ed array of n CPU sets (vCPU
 * i: (*out)[i]), or NULL when neither @cpus (a CPU list; NULL or "": any CPU
 * this process may use) nor @pin asks for a placement. @pin puts each vCPU
 * on one CPU: distinct cores first, then their SMT siblings, wrapping; else
 * each vCPU may run on any CPU of the set. 0 or -errno with err.
 */
int topo_vcpu_affinity(const char *cpus, bool pin, uint32_t n,
		       cpu_set_t **out, char *err, size_t errlen);
/* A CPU of @allowed other than @cpu, on another core if there is one; -1
 * if @allowed has no other CPU. */
int topo_other_cpu(const cpu_set_t *allowed, int cpu);
/* Binds @thr to @cpu. 0 or -errno with err naming the call. */
int topo_pin_thread(pthread_t thr, int cpu, char *err, size_t errlen);

#endif /* PROBES_TOPO_H */
