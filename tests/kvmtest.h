/* Shared by the tests that run real VMs: the host, the runner's
 * environment (with the measured CPL0 slowdown), and the skip that says why
 * when /dev/kvm cannot be used. Include after <cmocka.h>. */
#ifndef TESTS_KVMTEST_H
#define TESTS_KVMTEST_H

#include "hvbench/measure.h"
#include "probes/hostinfo.h"

static struct hostinfo host;
static struct measure_env env;

/* cmocka group setup: probe the host; with KVM, measure the CPL0 slowdown
 * too, which "cpl": "auto" needs. */
static int kvmtest_setup(void **state)
{
	char err[256];

	(void)state;
	hostinfo_probe(&host);
	env.host = &host;
	if (!host.kvm_error[0])
		env.cpl0_slowdown = measure_cpl0_slowdown(&env, err, sizeof(err));
	return 0;
}

#define NEED_KVM()                                                   \
	do {                                                         \
		if (host.kvm_error[0]) {                             \
			print_message("SKIP: %s\n", host.kvm_error); \
			skip();                                      \
		}                                                    \
	} while (0)

#endif
