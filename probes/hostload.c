/* Host load around a run (1-minute load average, CPU time taken by other
 * processes over a 100 ms window): the context `compare` needs to tell a
 * noisy measurement from a real change. */
#include "probes/hostload.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cpu_times {
	unsigned long long busy, total;
	unsigned ncpus;
};

/* The aggregate "cpu" line: user nice system idle iowait irq softirq steal;
 * idle + iowait is idle time, steal is time the (outer) hypervisor took and
 * counts as busy for us: the vCPU was not ours to run. */
static int read_stat(struct cpu_times *t)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	unsigned long long v[8] = { 0 };

	if (!f)
		return -1;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu ", 4)) {
			sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu",
			       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		} else if (!strncmp(line, "cpu", 3) && line[3] >= '0' &&
			   line[3] <= '9') {
			t->ncpus++;
		}
	}
	fclose(f);
	for (int i = 0; i < 8; i++)
		t->total += v[i];
	t->busy = t->total - v[3] - v[4];
	return t->total ? 0 : (errno = EINVAL, -1);
}

/* utime + stime (and, with @children, cutime + cstime: children already
 * waited for) of process @pid's stat file, in clock ticks. */
static int read_stat_ticks(const char *path, bool children,
			   unsigned long long *ticks)
{
	FILE *f = fopen(path, "re");
	char buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long long cut = 0, cst = 0;
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Fields after the command name, which may hold spaces: from ')' on,
	 * utime and stime are the 12th and 13th, cutime and cstime next. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
			 &ut, &st, &cut, &cst) != 4)
		return errno = EINVAL, -1;
	*ticks = ut + st;
	if (children)
		*ticks += (unsigned long long)(cut > 0 ? cut : 0) +
			  (unsigned long long)(cst > 0 ? cst : 0);
	return 0;
}

/* CPU time of the running children of every thread of this process (the
 * jailed benchmark processes), from /proc/self/task/ */
static unsigned long long live_children_ticks(void)
{
	unsigned long long sum = 0, t;
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[128];
		FILE *f;
		int pid;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%d", &pid) == 1) {
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			if (!read_stat_ticks(path, true, &t))
				sum += t;
		}
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* This process's CPU time, its threads' and its children's (running or
 * waited for), so a window that overlaps a benchmark child does not count
 * the benchmark as another tenant's load. */
static int read_self(unsigned long long *ticks)
{
	if (read_stat_ticks("/proc/self/stat", true, ticks))
		return -1;
	*ticks += live_children_ticks();
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int hostload_read(struct hostload *out, unsigned interval_ms)
{
	struct cpu_times a, b;
	unsigned long long sa, sb;
	struct timespec d = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
	double t0, frac, self;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen("/proc/loadavg", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lf", &out->load1) != 1) {
		fclose(f);
		return errno = EINVAL, -1;
	}
	fclose(f);
	if (read_stat(&a) || read_self(&sa))
		return -1;
	t0 = now_ms();
	nanosleep(&d, NULL);
	if (read_stat(&b) || read_self(&sb))
		return -1;
	out->interval_ms = now_ms() - t0;
	out->cpus = b.ncpus ? b.ncpus : 1;
	/* Shares of the summed jiffies, scaled to CPUs: robust to the window
	 * being a little longer than asked. */
	frac = b.total > a.total ? (double)(b.busy - a.busy) / (b.total - a.total) : 0;
	self = b.total > a.total ? (double)(sb - sa) / (b.total - a.total) : 0;
	out->busy_cpus = frac * out->cpus;
	out->self_cpus = self * out->cpus;
	out->other_cpus = out->busy_cpus > out->self_cpus ?
			  out->busy_cpus - out->self_cpus : 0;
	return 0;
}

json_t *hostload_json(const struct hostload *h, int rc)
{
	if (rc)
		return json_pack("{s:s}", "error", strerror(errno));
	return json_pack("{s:f, s:f, s:f, s:f, s:f}", "load1", h->load1, "cpus",
			 h->cpus, "busy_cpus", h->busy_cpus, "other_cpus",
			 h->other_cpus, "interval_ms", h->interval_ms);
}

json_t *hostload_sample(void)
{
	struct hostload h;
	int rc = hostload_read(&h, HOSTLOAD_INTERVAL_MS);

	return hostload_json(&h, rc);
}

void hostload_attach(json_t *doc, json_t *start)
{
	json_t *o = json_object();

	if (!o || !start) {
		json_decref(o);
		json_decref(start);
		return;
	}
	json_object_set_new(o, "start", start);
	json_object_set_new(doc, "host_load", o);
}

void hostload_finish(json_t *doc)
{
	json_t *o = json_object_get(doc, "host_load");

	if (o)
		json_object_set_new(o, "end", hostload_sample());
}

struct hostload_window {
	pthread_t thr;
	struct hostload h;
	int rc;
	bool started;
};

static void *window_thread(void *arg)
{
	struct hostload_window *w = arg;

	w->rc = hostload_read(&w->h, HOSTLOAD_INTERVAL_MS);
	return NULL;
}

struct hostload_window *hostload_begin(void)
{
	struct hostload_window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (pthread_create(&w->thr, NULL, window_thread, w) == 0)
		w->started = true;
	else
		w->rc = hostload_read(&w->h, HOSTLOAD_INTERVAL_MS);
	return w;
}

json_t *hostload_collect(struct hostload_window *w)
{
	json_t *j;

	if (!w)
		return NULL;
	if (w->started)
		pthread_join(w->thr, NULL);
	j = hostload_json(&w->h, w->rc);
	free(w);
	return j;
}
