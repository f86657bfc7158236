/* CPU placement from sysfs: which CPUs share a core, CPU lists, and where
 * vCPU and device threads run. No hwloc here: this is on every run's path,
 * and reading a few sysfs files costs microseconds, loading hwloc tens of ms. */
#include "probes/topo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_topo(int cpu, const char *what)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, what);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Same physical core: same package and core id (unknown: not the same). */
static bool same_core(int a, int b)
{
	int ca = read_topo(a, "core_id");

	return ca >= 0 && ca == read_topo(b, "core_id") &&
	       read_topo(a, "physical_package_id") ==
		       read_topo(b, "physical_package_id");
}

int topo_parse_cpus(const char *s, cpu_set_t *set, char *err, size_t errlen)
{
	const char *p = s;

	CPU_ZERO(set);
	if (!s || !*s) {
		snprintf(err, errlen, "an empty CPU list");
		return -EINVAL;
	}
	while (*p) {
		char *end;
		long a, b;

		if (*p < '0' || *p > '9')
			goto bad;
		a = strtol(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				goto bad;
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b >= CPU_SETSIZE) {
			snprintf(err, errlen, "CPU list \"%s\": range %ld-%ld is %s", s,
				 a, b, a > b ? "backwards" : "past the last CPU number " "this build can address");
			return -EINVAL;
		}
		for (long c = a; c <= b; c++)
			CPU_SET((int)c, set);
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "CPU list \"%s\": expected numbers and ranges separated by commas, e.g. \"0-1,3\"", s);
	return -EINVAL;
}

/* The CPUs of @set in placement order: the first CPU of every core, then
 * the second of every core (SMT siblings), and so on. Returns the count. */
static int place_order(const cpu_set_t *set, int *order)
{
	int cpus[CPU_SETSIZE], n = 0, k = 0, round = 0;
	int rank[CPU_SETSIZE];	/* how many earlier CPUs share this one's core */

	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set))
			cpus[n++] = c;
	for (int i = 0; i < n; i++) {
		rank[i] = 0;
		for (int j = 0; j < i; j++)
			if (same_core(cpus[i], cpus[j]))
				rank[i]++;
	}
	while (k < n) {
		for (int i = 0; i < n; i++)
			if (rank[i] == round)
				order[k++] = cpus[i];
		round++;
	}
	return n;
}

int topo_vcpu_affinity(const char *cpus, bool pin, uint32_t n,
		       cpu_set_t **out, char *err, size_t errlen)
{
	cpu_set_t allowed, want;
	int order[CPU_SETSIZE], m;
	cpu_set_t *sets;

	*out = NULL;
	if (!pin && (!cpus || !*cpus))
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	if (cpus && *cpus) {
		int r = topo_parse_cpus(cpus, &want, err, errlen);

		if (r < 0)
			return r;
		CPU_AND(&want, &want, &allowed);
		if (!CPU_COUNT(&want)) {
			snprintf(err, errlen, "\"cpus\": \"%s\" has no CPU this process may run on", cpus);
			return -EINVAL;
		}
	} else {
		want = allowed;
	}
	sets = calloc(n ? n : 1, sizeof(*sets));
	if (!sets) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m = place_order(&want, order);
	for (uint32_t i = 0; i < n; i++) {
		if (pin) {
			CPU_ZERO(&sets[i]);
			CPU_SET(order[i % (uint32_t)m], &sets[i]);
		} else {
			sets[i] = want;
		}
	}
	*out = sets;
	return 0;
}

int topo_other_cpu(const cpu_set_t *allowed, int cpu)
{
	int any = -1;

	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (c == cpu || !CPU_ISSET(c, allowed))
			continue;
		/* An SMT sibling shares the core: take it only if nothing else. */
		if (!same_core(c, cpu))
			return c;
		if (any < 0)
			any = c;
	}
	return any;
}

int topo_pin_thread(pthread_t thr, int cpu, char *err, size_t errlen)
{
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	r = pthread_setaffinity_np(thr, sizeof(set), &set);
	if (r) {
		snprintf(err, errlen, "pthread_setaffinity_np (cpu %d): %s", cpu,
			 strerror(r));
		return -r;
	}
	return 0;
}
