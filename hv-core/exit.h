/* Exit dispatch: one table indexed by KVM's exit reason. */
#ifndef HV_CORE_EXIT_H
#define HV_CORE_EXIT_H

struct hv_vcpu;

/* Returns enum hv_action or a negative errno with vcpu->err filled. */
int hv_dispatch_exit(struct hv_vcpu *vcpu);
/* KVM_EXIT_IO, which the run loop calls directly (the hottest exit). */
int hv_exit_io(struct hv_vcpu *vcpu);
/* The port device at port, NULL if none: the run loop keeps the last one
 * to call it without a lookup (devices do not change once vCPUs run). */
struct hv_vm;
struct hv_io_dev;
const struct hv_io_dev *hv_pio_dev(const struct hv_vm *vm, uint16_t port);
const char *hv_exit_reason_name(unsigned reason);

#endif
