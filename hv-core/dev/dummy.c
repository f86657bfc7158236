/* The dummy port device of the classic Xen/VT 0x22e study: nothing is there,
 * so a read returns all ones and a write is dropped. It does the least work a
 * device model can, which is the point: what remains is the exit path. */
#include <string.h>

#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

int dev_dummy_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque)
{
	/* Fixed-size stores, not a memset call: accesses are 1 to 8 bytes,
	 * and a libc call would be most of what this device costs. */
	if (write)
		return HV_CONTINUE;
	switch (len) {
	case 1: *(uint8_t *)data = 0xff; break;
	case 2: memcpy(data, &(uint16_t){ 0xffff }, 2); break;
	case 4: memcpy(data, &(uint32_t){ 0xffffffffu }, 4); break;
	case 8: memcpy(data, &(uint64_t){ ~0ull }, 8); break;
	default: memset(data, 0xff, len);
	}
	return HV_CONTINUE;
}
