/* Host PMU and software perf counters named by a suite ("pmu_events"),
 * encoded with libpfm4 and counted on one thread (the vCPU thread). */
#ifndef PROBES_PMU_H
#define PROBES_PMU_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pmu_set;

/*
 * Opens one counter per name on thread @tid (0 = the calling thread),
 * counting user and kernel. An event libpfm4 cannot encode or the kernel
 * refuses to open is kept in the set as unavailable with a reason: hosts
 * without a hardware PMU are normal. Fails (-errno) only on real errors such
 * as pfm_initialize() or out of memory. Counting starts at open.
 */
int pmu_set_open(const char *const *names, size_t n, pid_t tid,
		 struct pmu_set **out, char *err, size_t errlen);
size_t pmu_set_count(const struct pmu_set *p);
const char *pmu_set_name(const struct pmu_set *p, size_t i);
/* NULL if the event is counting, else why not. */
const char *pmu_set_unavailable_reason(const struct pmu_set *p, size_t i);
/*
 * Fills values[0 .. count-1]; unavailable events read 0. Values are scaled by
 * time_enabled/time_running when the kernel multiplexed the counter.
 * Returns 0 or -errno of the failing read.
 */
int pmu_set_read(struct pmu_set *p, uint64_t *values);
void pmu_set_close(struct pmu_set *p);

/* PMUs libpfm4 detects here ({"pfm_version", "pmus":[{name, desc, type,
 * nevents, num_cntrs, num_fixed_cntrs, default}]} or {"error"}), for
 * `hvbench info`. */
json_t *pmu_list_json(void);

#endif /* PROBES_PMU_H */
