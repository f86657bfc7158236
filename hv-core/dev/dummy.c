/* The dummy port device of the classic Xen/VT 0x22e study: nothing is there,
 * so a read returns all ones and a write is dropped. It does the least work a
 * device model can, which is the point: what remains is the exit path. */
#include <string.h>

#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

int dev_dummy_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque)
{
	if (!write)
		memset(data, 0xff, len);
	return HV_CONTINUE;
}
