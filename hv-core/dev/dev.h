/* Device models: each is one small file in hv-core/dev/, registered on a VM
 * through hv_vm_add_pio / hv_vm_add_mmio. */
#ifndef HV_CORE_DEV_H
#define HV_CORE_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct hv_vcpu;

/* The guest->host call channel: a 32-bit write of the call number. */
int dev_ucall_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque);
/* The dummy device behind port 0x22e: reads return all ones (an absent
 * device), writes are dropped. */
int dev_dummy_io(struct hv_vcpu *vcpu, uint64_t addr, bool write, void *data,
		 uint32_t len, void *opaque);

#endif
