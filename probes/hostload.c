/* Host load around a run (1-minute load average, CPU time taken by other
 * processes over a 100 ms window): the context `compare` needs to tell a
 * noisy measurement from a real change. */
#include "probes/hostload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct cpu_times {
	unsigned long long busy, total;
	unsigned ncpus;
};

/*
 * Everything the window reads runs on its own thread while the runner forks
 * benchmark children: no malloc (fopen, opendir) on that path, only
 * open/read/getdents64 into stack buffers, so a fork can never copy an
 * allocator lock held by this thread (ASan's allocator is not fork-safe; a
 * child of check-sanitize deadlocked in it). Returns bytes read (the buffer
 * NUL-terminated) or -1.
 */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

/* The aggregate "cpu" line: user nice system idle iowait irq softirq steal;
 * idle + iowait is idle time, steal is time the (outer) hypervisor took and
 * counts as busy for us: the vCPU was not ours to run. The cpu lines come
 * first in /proc/stat; a buffer that ends inside them (more CPUs than it
 * holds) counts the CPUs it saw. */
static int read_stat(struct cpu_times *t)
{
	char buf[128 * 1024];
	unsigned long long v[8] = { 0 };
	ssize_t n = read_small("/proc/stat", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	memset(t, 0, sizeof(*t));
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (!strncmp(line, "cpu ", 4)) {
			sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu",
			       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		} else if (!strncmp(line, "cpu", 3) && line[3] >= '0' &&
			   line[3] <= '9') {
			t->ncpus++;
		} else {
			break;	/* past the cpu lines */
		}
		line = nl ? nl + 1 : NULL;
	}
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
	char buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long long cut = 0, cst = 0;

	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
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

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* CPU time of the running children of every thread of this process (the
 * jailed benchmark processes), from /proc/self/task/ */
static unsigned long long live_children_ticks(void)
{
	unsigned long long sum = 0, t;
	char dents[8192];
	long n;
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, fd, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(dents + off);
			char path[128], kids[4096], *p, *end;

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", de->d_name);
			if (read_small(path, kids, sizeof(kids)) <= 0)
				continue;
			for (p = kids;; p = end) {
				long pid = strtol(p, &end, 10);
				if (end == p || pid <= 0)
					break;
				snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
				if (!read_stat_ticks(path, true, &t))
					sum += t;
			}
		}
	}
	close(fd);
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
	char la[256];

	memset(out, 0, sizeof(*out));
	if (read_small("/proc/loadavg", la, sizeof(la)) < 0)
		return -1;
	if (sscanf(la, "%lf", &out->load1) != 1)
		return errno = EINVAL, -1;
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
	int park[2];	/* the thread waits on park[0] until collect */
	bool started;
};

/*
 * The thread must not end while the runner may fork: ending a thread makes
 * ASan hand the thread's allocator cache back under the allocator's lock, and
 * a child forked then starts with that lock held by nobody (its vCPU thread
 * hung in malloc under check-sanitize). So after its window it parks in a
 * read() on a pipe, and ends only inside hostload_collect, which runs on the
 * thread that forks.
 */
static void *window_thread(void *arg)
{
	struct hostload_window *w = arg;
	char c;

	w->rc = hostload_read(&w->h, HOSTLOAD_INTERVAL_MS);
	while (read(w->park[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

struct hostload_window *hostload_begin(void)
{
	struct hostload_window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (pipe2(w->park, O_CLOEXEC) == 0) {
		if (pthread_create(&w->thr, NULL, window_thread, w) == 0) {
			w->started = true;
			return w;
		}
		close(w->park[0]);
		close(w->park[1]);
	}
	w->rc = hostload_read(&w->h, HOSTLOAD_INTERVAL_MS);
	return w;
}

json_t *hostload_collect(struct hostload_window *w)
{
	json_t *j;

	if (!w)
		return NULL;
	if (w->started) {
		/* A byte, not a close: forked children hold copies of park[1]. */
		while (write(w->park[1], "", 1) < 0 && errno == EINTR)
			;
		pthread_join(w->thr, NULL);
		close(w->park[0]);
		close(w->park[1]);
	}
	j = hostload_json(&w->h, w->rc);
	free(w);
	return j;
}
