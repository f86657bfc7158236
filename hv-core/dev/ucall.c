/* The guest->host call channel device: a 32-bit write of the call number to
 * one port (x86) or MMIO address (arm64); arguments are in the shared page. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/dev/dev.h"
#include "hv-core/hv.h"

int dev_ucall_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque)
{
	struct hv_vm *vm = vcpu->vm;
	uint32_t nr = 0;

	if (!write || len != 4) {
		snprintf(vcpu->err, sizeof(vcpu->err),
			 "vcpu %u: call channel needs a 32-bit write (got %s of %u bytes)",
			 vcpu->id, write ? "write" : "read", len);
		return -EPROTO;
	}
	memcpy(&nr, data, sizeof(nr));
	if (!vm->ucall)
		return nr == HV_UCALL_DONE || nr == HV_UCALL_FAULT ? HV_STOP :
								     HV_CONTINUE;
	return vm->ucall(vcpu, nr, vm->ucall_opaque);
}
