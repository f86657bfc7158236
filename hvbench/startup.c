/* Start-up marks in one anonymous shared page (see startup.h). */
#include "hvbench/startup.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

struct marks {
	_Atomic int64_t ns[SU_COUNT];
	int exec_from_env;
};

static struct marks *marks;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void startup_init(void)
{
	const char *env = getenv(STARTUP_EXEC_ENV);
	int64_t now = now_ns(), t = 0;
	void *p;

	if (marks)
		return;
	p = mmap(NULL, sizeof(struct marks), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	marks = p;
	if (env) {
		char *end;

		errno = 0;
		t = strtoll(env, &end, 10);
		/* Only a stamp from the past few seconds is this exec's. */
		if (errno || *end || t <= 0 || t > now || now - t > 10000000000ll)
			t = 0;
	}
	marks->exec_from_env = t != 0;
	atomic_store(&marks->ns[SU_EXEC], t ? t : now);
	/* Children (jailed benchmarks, the startup probe) get their own. */
	unsetenv(STARTUP_EXEC_ENV);
}

void startup_mark(enum startup_mark m)
{
	int64_t zero = 0;

	if (!marks || m < 0 || m >= SU_COUNT)
		return;
	/* VMs before the host is known (the CPL0 probe on a cold cache) are
	 * not the first benchmark's. */
	if (m > SU_HOST_READY && !atomic_load(&marks->ns[SU_HOST_READY]))
		return;
	atomic_compare_exchange_strong(&marks->ns[m], &zero, now_ns());
}

int64_t startup_ns(enum startup_mark m)
{
	if (!marks || m < 0 || m >= SU_COUNT)
		return 0;
	return atomic_load(&marks->ns[m]);
}

int startup_exec_from_env(void)
{
	return marks && marks->exec_from_env;
}

static void span(json_t *o, const char *key, enum startup_mark a,
		 enum startup_mark b)
{
	int64_t ta = startup_ns(a), tb = startup_ns(b);

	if (ta && tb && tb >= ta)
		json_object_set_new(o, key, json_real((double)(tb - ta) / 1e6));
}

json_t *startup_json(void)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	span(o, "exec_to_host_ms", SU_EXEC, SU_HOST_READY);
	span(o, "exec_to_vm_create_ms", SU_EXEC, SU_VM_CREATE);
	span(o, "vm_create_to_vcpu_start_ms", SU_VM_CREATE, SU_VCPUS_STARTED);
	span(o, "vm_create_to_guest_ready_ms", SU_VM_CREATE, SU_GUEST_READY);
	span(o, "exec_to_first_sample_ms", SU_EXEC, SU_FIRST_SAMPLE);
	json_object_set_new(o, "exec_source", json_string(startup_exec_from_env() ?
		"execve (the parent's stamp): loading the binary included" :
		"main(): loading the binary not included"));
	return o;
}
