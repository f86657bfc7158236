/* perf_event counters for the events a suite names, encoded by libpfm4;
 * missing events are reported, not fatal. */
#include "probes/pmu.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct pmu_event {
	char *name;
	char *reason;	/* NULL when fd is open */
	int fd;
};

struct pmu_set {
	size_t n;
	struct pmu_event *ev;
};

static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;
static int pfm_init_ret;

/* pfm_initialize() is not thread-safe; benchmarks may open sets from several
 * vCPU threads at once. */
static void pfm_init_once(void)
{
	pfm_init_ret = pfm_initialize();
}

static int pfm_ready(char *err, size_t errlen)
{
	pthread_once(&pfm_once, pfm_init_once);
	if (pfm_init_ret != PFM_SUCCESS) {
		snprintf(err, errlen, "pfm_initialize: %s",
			 pfm_strerror(pfm_init_ret));
		return -ENODEV;
	}
	return 0;
}

static int set_reason(struct pmu_event *e, const char *fmt, const char *a,
		      const char *b)
{
	if (asprintf(&e->reason, fmt, a, b) < 0) {
		e->reason = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Returns 0 whether or not the event opened (see e->reason), -ENOMEM only. */
static int open_event(struct pmu_event *e, pid_t tid)
{
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	int ret, fd;

	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = &attr;
	arg.size = sizeof(arg);
	ret = pfm_get_os_event_encoding(e->name, PFM_PLM0 | PFM_PLM3,
					PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret != PFM_SUCCESS)
		return set_reason(e, "libpfm4 cannot encode %s: %s", e->name,
				  pfm_strerror(ret));

	attr.size = sizeof(attr);
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			   PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr.disabled = 0;
	attr.inherit = 0;
	fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int e_no = errno;

		/* ENOENT/EOPNOTSUPP are how the kernel says "no such PMU
		 * here", which is the common case in a guest. */
		if (e_no == ENOENT || e_no == EOPNOTSUPP || e_no == ENODEV)
			return set_reason(e,
					  "perf_event_open(%s): %s (event not supported by this host's PMU)",
					  e->name, strerror(e_no));
		return set_reason(e, "perf_event_open(%s): %s", e->name,
				  strerror(e_no));
	}
	e->fd = fd;
	return 0;
}

int pmu_set_open(const char *const *names, size_t n, pid_t tid,
		 struct pmu_set **out, char *err, size_t errlen)
{
	struct pmu_set *p;
	size_t i;
	int ret;

	*out = NULL;
	ret = pfm_ready(err, errlen);
	if (ret)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->ev = calloc(n ? n : 1, sizeof(*p->ev));
	if (!p->ev)
		goto oom;
	for (i = 0; i < n; i++)
		p->ev[i].fd = -1;
	p->n = n;
	for (i = 0; i < n; i++) {
		p->ev[i].name = strdup(names[i] ? names[i] : "");
		if (!p->ev[i].name)
			goto oom;
		if (open_event(&p->ev[i], tid))
			goto oom;
	}
	*out = p;
	return 0;
oom:
	pmu_set_close(p);
	snprintf(err, errlen, "pmu_set_open: out of memory");
	return -ENOMEM;
}

size_t pmu_set_count(const struct pmu_set *p)
{
	return p->n;
}

const char *pmu_set_name(const struct pmu_set *p, size_t i)
{
	return i < p->n ? p->ev[i].name : NULL;
}

const char *pmu_set_unavailable_reason(const struct pmu_set *p, size_t i)
{
	if (i >= p->n)
		return "no such event index";
	return p->ev[i].fd >= 0 ? NULL : p->ev[i].reason;
}

int pmu_set_read(struct pmu_set *p, uint64_t *values)
{
	int first_err = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		uint64_t buf[3];	/* value, time_enabled, time_running */
		ssize_t r;

		values[i] = 0;
		if (p->ev[i].fd < 0)
			continue;
		r = read(p->ev[i].fd, buf, sizeof(buf));
		if (r != (ssize_t)sizeof(buf)) {
			if (!first_err)
				first_err = r < 0 ? -errno : -EIO;
			continue;
		}
		if (buf[2] == 0)
			continue;	/* never scheduled: no estimate */
		if (buf[2] < buf[1])
			values[i] = (uint64_t)((double)buf[0] *
					       ((double)buf[1] / (double)buf[2]));
		else
			values[i] = buf[0];
	}
	return first_err;
}

void pmu_set_close(struct pmu_set *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n && p->ev; i++) {
		if (p->ev[i].fd >= 0)
			close(p->ev[i].fd);
		free(p->ev[i].name);
		free(p->ev[i].reason);
	}
	free(p->ev);
	free(p);
}

static const char *pmu_type_name(pfm_pmu_type_t t)
{
	switch (t) {
	case PFM_PMU_TYPE_CORE:
		return "core";
	case PFM_PMU_TYPE_UNCORE:
		return "uncore";
	case PFM_PMU_TYPE_OS_GENERIC:
		return "os_generic";
	default:
		return "unknown";
	}
}

json_t *pmu_list_json(void)
{
	char err[256];
	json_t *o = json_object(), *arr = json_array();
	pfm_pmu_t pmu;

	if (!o || !arr) {
		json_decref(o);
		json_decref(arr);
		return NULL;
	}
	if (pfm_ready(err, sizeof(err))) {
		json_object_set_new(o, "error", json_string(err));
		json_decref(arr);
		return o;
	}
	json_object_set_new(o, "pfm_version",
			    json_sprintf("%d.%d", PFM_MAJ_VERSION(pfm_get_version()),
					 PFM_MIN_VERSION(pfm_get_version())));
	pfm_for_all_pmus(pmu) {
		pfm_pmu_info_t info;
		json_t *j;

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(pmu, &info) != PFM_SUCCESS ||
		    !info.is_present)
			continue;
		j = json_object();
		json_object_set_new(j, "name", json_string(info.name));
		json_object_set_new(j, "desc",
				    json_string(info.desc ? info.desc : ""));
		json_object_set_new(j, "type",
				    json_string(pmu_type_name(info.type)));
		json_object_set_new(j, "nevents", json_integer(info.nevents));
		json_object_set_new(j, "num_cntrs",
				    json_integer(info.num_cntrs));
		json_object_set_new(j, "num_fixed_cntrs",
				    json_integer(info.num_fixed_cntrs));
		json_object_set_new(j, "default", json_boolean(info.is_dfl));
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "pmus", arr);
	return o;
}
