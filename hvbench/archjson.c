/* JSON renderings of the arch hooks' neutral descriptions (archjson.h). */
#include "hvbench/archjson.h"

#include "hv-core/arch.h"
#include "probes/hostinfo.h"

json_t *fault_json(const struct hv_fault *f)
{
	struct hv_fault_field fields[HV_FAULT_FIELDS];
	size_t n = arch_fault_fields(f, fields, HV_FAULT_FIELDS);
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++)
		json_object_set_new(o, fields[i].key, fields[i].str ?
				    json_string(fields[i].str) :
				    json_integer((json_int_t)fields[i].num));
	return o;
}

const char *host_counter_unit(const struct hostinfo *hi)
{
	return arch_counter_unit(hi ? hi->counter_unit : NULL);
}
