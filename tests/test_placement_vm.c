/* Pinning by CPU set on a real VM: the vCPU thread runs where the placement
 * (probes/topo_place.c) put it, as hv-core applied it, seen from the vCPU
 * thread itself at the guest's first call. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/kvmtest.h"
#include "tests/vmmtest.h"
#include "probes/topo.h"

struct seen {
	cpu_set_t set;
	int calls;
};

static int on_ready(struct hv_vcpu *vcpu, uint32_t nr, void *opaque)
{
	struct seen *s = opaque;

	if (nr != HV_UCALL_READY)
		return HV_STOP;
	sched_getaffinity(0, sizeof(s->set), &s->set);
	s->calls++;
	return HV_STOP;
}

static void run_placed(const char *cpus, bool pin, struct seen *s)
{
	struct hv_vm_opts o = { .nr_vcpus = 1, .mem_bytes = 32ull << 20 };
	cpu_set_t *aff = NULL;
	char err[512];
	struct hv_vm *vm;

	assert_int_equal(topo_vcpu_affinity(cpus, pin, 1, &aff, err, sizeof(err)), 0);
	assert_non_null(aff);
	o.affinity = aff;
	vm = vmmtest_vm_opts(&o, err, sizeof(err));
	assert_int_equal(hv_vm_load_guest(vm, err, sizeof(err)), 0);
	memset(s, 0, sizeof(*s));
	hv_vm_set_ucall(vm, on_ready, s);
	vmmtest_run(vm, err, sizeof(err));
	hv_vm_destroy(vm);
	assert_int_equal(s->calls, 1);
	assert_true(CPU_EQUAL(&s->set, &aff[0]));
	free(aff);
}

static void test_vcpu_on_cpu_set(void **state)
{
	cpu_set_t allowed;
	char list[32];
	struct seen s;
	int last = -1, n;

	(void)state;
	NEED_KVM();
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			last = c;
	n = CPU_COUNT(&allowed);
	/* One CPU of the set: the thread is there, nowhere else. */
	snprintf(list, sizeof(list), "%d", last);
	run_placed(list, false, &s);
	assert_int_equal(CPU_COUNT(&s.set), 1);
	assert_true(CPU_ISSET(last, &s.set));
	/* pin within a set: one CPU, inside the set. */
	run_placed(list, true, &s);
	assert_int_equal(CPU_COUNT(&s.set), 1);
	assert_true(CPU_ISSET(last, &s.set));
	/* pin alone: one CPU of those allowed. */
	run_placed(NULL, true, &s);
	assert_int_equal(CPU_COUNT(&s.set), 1);
	CPU_AND(&s.set, &s.set, &allowed);
	assert_int_equal(CPU_COUNT(&s.set), 1);
	if (n < 2)
		print_message("note: one CPU allowed here; the set had one choice\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_on_cpu_set),
	};

	return cmocka_run_group_tests(tests, kvmtest_setup, NULL);
}
