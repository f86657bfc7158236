/* The `host` block of result files and of `hvbench info --json`. */
#ifndef HVBENCH_HOSTJSON_H
#define HVBENCH_HOSTJSON_H

#include <jansson.h>

struct hostinfo;
/* hostinfo + topology (topo_json's summary, copied; NULL: none) + KVM caps
 * + the measured CPL0 slowdown (<= 0: not measured, stored as null). */
json_t *host_json(const struct hostinfo *hi, const json_t *topology,
		  double cpl0_slowdown);

#endif
