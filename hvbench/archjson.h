/* The runner's side of two arch hooks that hv-core keeps free of jansson
 * and of the host probes: a guest fault as a JSON record, and the counter's
 * unit on this host. */
#ifndef HVBENCH_ARCHJSON_H
#define HVBENCH_ARCHJSON_H

#include <jansson.h>

struct hv_fault;
struct hostinfo;

/* arch_fault_fields rendered as one object ({"vector", "name", ...}). */
json_t *fault_json(const struct hv_fault *f);
/* arch_counter_unit with what the host probe measured (@hi may be NULL). */
const char *host_counter_unit(const struct hostinfo *hi);

#endif
