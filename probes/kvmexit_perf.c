/* The perf side of the kvm:kvm_exit reader (probes/kvmexit.h): the events'
 * ids and formats from tracefs, one kvm_exit event per thread sampling
 * every hit with its time and raw record, the thread's kvm_entry into the
 * same ring, kvm_userspace_exit counted beside them as a witness that the
 * VM ran; and the rings read back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "probes/kvmexit_int.h"

#define RING_PAGES 64	/* 256 KiB per thread: drained at the end of a short run, or every 20 ms */

static const char *const tracefs[] = {
	"/sys/kernel/tracing/events/kvm",
	"/sys/kernel/debug/tracing/events/kvm",
};

/* The text of events/kvm/<event>/format, NULL with err set. */
static char *read_format(const char *dir, const char *event, char *path, size_t plen,
			 char *err, size_t errlen)
{
	char *text = calloc(1, 1 << 16);
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, plen, "%s/%s/format", dir, event);
	if (!text || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "kvm:%s not readable in tracefs (%s): %s", event, path,
			 text ? strerror(errno) : "out of memory");
		free(text);
		return NULL;
	}
	while (len < (1 << 16) - 1 && (n = read(fd, text + len, (1 << 16) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	return text;
}

int kvmexit_open(struct kvmexit **out, char *err, size_t errlen)
{
	char path[160], e2[160];
	const char *dir = NULL;
	char *text = NULL;
	struct kvmexit *k;
	int r;

	*out = NULL;
	for (size_t i = 0; i < sizeof(tracefs) / sizeof(tracefs[0]) && !text; i++) {
		dir = tracefs[i];
		text = read_format(dir, "kvm_exit", path, sizeof(path), i ? e2 : err,
				   i ? sizeof(e2) : errlen);
	}
	if (!text)
		return -ENOENT;
	if (!(k = kvmexit_new())) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(k->format_path, sizeof(k->format_path), "%s", path);
	r = kvmexit_parse_format(k, text, err, errlen);
	free(text);
	if (r == 0 && !k->id) {
		snprintf(err, errlen, "%s has no ID line", path);
		r = -EINVAL;
	}
	if (r < 0) {
		kvmexit_close(k);
		return r;
	}
	/* kvm_entry and kvm_userspace_exit are optional: without the first
	 * the exits are counted, not timed. */
	if ((text = read_format(dir, "kvm_entry", path, sizeof(path), e2, sizeof(e2)))) {
		kvmexit_parse_entry_format(k, text, e2, sizeof(e2));
		free(text);
	}
	if ((text = read_format(dir, "kvm_userspace_exit", path, sizeof(path), e2, sizeof(e2)))) {
		const char *id = strstr(text, "\nID:");
		k->user_id = id ? strtoull(id + 4, NULL, 10) : 0;
		free(text);
	}
	/* kvm_pio, kvm_mmio, kvm_msr, optional too: where the exits went */
	static const char *const io_events[IO_KINDS] = { "kvm_pio", "kvm_mmio", "kvm_msr" };
	for (int i = 0; i < IO_KINDS; i++)
		if ((text = read_format(dir, io_events[i], path, sizeof(path), e2, sizeof(e2)))) {
			kvmio_parse_format(k, i, text);
			free(text);
		}
	k->ring_len = (size_t)(RING_PAGES + 1) * (size_t)sysconf(_SC_PAGESIZE);
	*out = k;
	return 0;
}

/* One tracepoint event: on thread tid (cpu -1), or in the inherited mode
 * on process pid and every task it starts from now on, on one CPU. */
static int tp_open(const struct kvmexit *k, uint64_t id, pid_t tid, int cpu, bool sample, bool mono)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.config = id,
		.inherit = k->inherit,
	};

	if (sample) {
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW | (k->inherit ? PERF_SAMPLE_TID : 0);
		a.wakeup_events = 1u << 30;	/* read by polling, never woken */
		a.use_clockid = mono;
		a.clockid = CLOCK_MONOTONIC;
	}
	return (int)syscall(SYS_perf_event_open, &a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The events of one thread (cpu -1) or of one CPU (inherited mode),
 * counting at once, with their ring. */
static int attach(struct kvmexit *k, pid_t tid, int cpu)
{
	struct stream *st = &k->s[k->n_s];
	int fd = tp_open(k, k->id, tid, cpu, true, true);

	if (fd >= 0)
		k->clock_mono = true;
	else if (errno == EINVAL)	/* a kernel without use_clockid */
		fd = tp_open(k, k->id, tid, cpu, true, false);
	if (fd < 0) {
		int e = errno;
		char on[32] = "";
		if (cpu >= 0)
			snprintf(on, sizeof(on), ", inherited, cpu %d", cpu);
		snprintf(k->open_err, sizeof(k->open_err),
			 "perf_event_open(kvm:kvm_exit, raw samples, tid %d%s): %s%s", (int)tid, on,
			 strerror(e), e == EACCES || e == EPERM ?
			 " (needs root, CAP_PERFMON or perf_event_paranoid -1)" : "");
		return -e;
	}
	void *ring = mmap(NULL, k->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		snprintf(k->open_err, sizeof(k->open_err), "mmap of the kvm_exit ring: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	st->tid = cpu >= 0 ? -1 : tid;
	st->cpu = cpu;
	st->fd_exit = fd;
	st->ring = ring;
	if (k->entry_id) {
		st->fd_entry = tp_open(k, k->entry_id, tid, cpu, true, k->clock_mono);
		if (st->fd_entry >= 0 && ioctl(st->fd_entry, PERF_EVENT_IOC_SET_OUTPUT, fd) < 0) {
			close(st->fd_entry);
			st->fd_entry = -1;
		}
	}
	if (k->user_id)
		st->fd_user = tp_open(k, k->user_id, tid, cpu, false, false);
	for (int j = 0; j < IO_KINDS; j++) {
		st->fd_io[j] = k->want_io && k->io_ev[j].id ? tp_open(k, k->io_ev[j].id, tid, cpu, true, k->clock_mono) : -1;
		if (st->fd_io[j] >= 0 && ioctl(st->fd_io[j], PERF_EVENT_IOC_SET_OUTPUT, fd) < 0) {
			close(st->fd_io[j]);
			st->fd_io[j] = -1;
		}
	}
	k->n_s++;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void kvmexit_want_io(struct kvmexit *k, bool on)
{
	k->want_io = on;
}

void kvmexit_set_ring_pages(struct kvmexit *k, unsigned pages)
{
	/* a power of two, as perf wants, before any ring is mapped */
	unsigned p = 1;

	while (p < pages && p < 4096)
		p <<= 1;
	if (!k->n_s)
		k->ring_len = (size_t)(p + 1) * (size_t)sysconf(_SC_PAGESIZE);
}

/* Whether thread tid has its events already. */
static bool attached(const struct kvmexit *k, pid_t tid)
{
	for (size_t i = 0; i < k->n_s; i++)
		if (k->s[i].tid == tid)
			return true;
	return false;
}

int kvmexit_attach_new(struct kvmexit *k, pid_t pid)
{
	char dir[64];
	DIR *d;
	struct dirent *e;
	int r = 0, n = 0;
	size_t over = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if (!(d = opendir(dir))) {
		r = -errno;
		snprintf(k->open_err, sizeof(k->open_err), "%s: %s", dir, strerror(errno));
		return r;
	}
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);
		if (tid <= 0 || attached(k, tid))
			continue;
		if (k->n_s >= MAX_THREADS) {
			over++;
			continue;
		}
		r = attach(k, tid, -1);
		if (r == -ESRCH) {	/* the thread ended since the listing */
			k->open_err[0] = '\0';
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		n++;
	}
	closedir(d);
	if (over > k->untraced)
		k->untraced = over;
	return r < 0 ? r : n;
}

int kvmexit_attach_pid(struct kvmexit *k, pid_t pid)
{
	int r = kvmexit_attach_new(k, pid);

	if (r < 0)
		return r;
	k->on = true;
	k->t_on = mono_ns();
	return 0;
}

int kvmexit_attach_inherit(struct kvmexit *k, pid_t pid)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int r = 0;

	if (k->n_s) {
		snprintf(k->open_err, sizeof(k->open_err), "kvmexit_attach_inherit: threads are traced already");
		return -EBUSY;
	}
	if (ncpu > MAX_THREADS) {
		snprintf(k->open_err, sizeof(k->open_err),
			 "%ld CPUs: the inherited mode has one ring per CPU, at most %d", ncpu, MAX_THREADS);
		return -E2BIG;
	}
	k->inherit = true;
	for (int cpu = 0; cpu < ncpu && r == 0; cpu++) {
		r = attach(k, pid, cpu);
		if (r == -ENODEV) {	/* an offline CPU: nothing of pid runs there */
			k->open_err[0] = '\0';
			r = 0;
		}
	}
	if (r == 0 && !k->n_s) {
		snprintf(k->open_err, sizeof(k->open_err), "no online CPU took the events");
		r = -ENODEV;
	}
	if (r < 0)
		return r;
	k->on = true;
	k->t_on = mono_ns();
	return 0;
}

size_t kvmexit_threads(const struct kvmexit *k, size_t *untraced)
{
	if (untraced)
		*untraced = k->untraced;
	if (k->inherit)	/* the threads that wrote records */
		return k->n_th;
	return k->n_s;
}

/* Every event of one thread enabled or disabled. */
static void stream_ioctl(const struct stream *st, unsigned long req)
{
	int fds[3 + IO_KINDS] = { st->fd_exit, st->fd_entry, st->fd_user,
				  st->fd_io[IO_PIO], st->fd_io[IO_MMIO], st->fd_io[IO_MSR] };

	for (int j = 0; j < 3 + IO_KINDS; j++)
		if (fds[j] >= 0)
			ioctl(fds[j], req, 0);
}

/* The first time: every thread of this process (the vCPU threads exist by
 * the time the guest opens its measured window). */
void kvmexit_enable(struct kvmexit *k)
{
	if (!k || k->on)
		return;
	if (!k->n_s) {
		kvmexit_attach_pid(k, getpid());
		return;
	}
	for (size_t i = 0; i < k->n_s; i++)
		stream_ioctl(&k->s[i], PERF_EVENT_IOC_ENABLE);
	k->on = true;
	k->t_on = mono_ns();
}

void kvmexit_disable(struct kvmexit *k)
{
	if (!k || !k->on)
		return;
	for (size_t i = 0; i < k->n_s; i++)
		stream_ioctl(&k->s[i], PERF_EVENT_IOC_DISABLE);
	k->window_ns += mono_ns() - k->t_on;
	k->on = false;
}

const char *kvmexit_error(const struct kvmexit *k)
{
	return k && k->open_err[0] ? k->open_err : NULL;
}

/* Every whole record in stream i's ring; the ring's bytes are the kernel's,
 * so every size is checked against what is there before use. */
static void drain_one(struct kvmexit *k, size_t i)
{
	struct perf_event_mmap_page *m = k->s[i].ring;
	uint8_t *data = (uint8_t *)m + m->data_offset;
	uint64_t size = m->data_size, head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = m->data_tail, last_t = 0;
	uint8_t rec[1024];

	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		for (size_t j = 0; j < sizeof(h); j++)
			((uint8_t *)&h)[j] = data[(tail + j) % size];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		if (h.size <= sizeof(rec)) {
			for (size_t j = 0; j < h.size; j++)
				rec[j] = data[(tail + j) % size];
			/* sample: header, (u32 pid, u32 tid: inherited), u64
			 * time, u32 raw size, raw */
			size_t at = sizeof(h) + (k->inherit ? 8 : 0);
			if (h.type == PERF_RECORD_SAMPLE && h.size >= at + 12) {
				uint64_t t;
				uint32_t raw_size, tid = (uint32_t)k->s[i].tid;
				if (k->inherit)
					memcpy(&tid, rec + sizeof(h) + 4, 4);
				memcpy(&t, rec + at, 8);
				memcpy(&raw_size, rec + at + 8, 4);
				if (at + 12 + (uint64_t)raw_size > h.size)
					;	/* not the layout asked for: skipped */
				else if (k->inherit)
					kvmexit_hold(k, (pid_t)tid, last_t = t, rec + at + 12, raw_size);
				else
					kvmexit_feed(k, (pid_t)tid, t, rec + at + 12, raw_size);
			} else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
				uint64_t lost;
				memcpy(&lost, rec + sizeof(h) + 8, 8);
				if (k->inherit)	/* after the ring's last record before it */
					kvmexit_hold_lost(k, -1, last_t, lost);
				else
					kvmexit_lost(k, k->s[i].tid, lost);
			}
		}
		tail += h.size;
	}
	__atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
}

/* How long after its time a record may still be unreadable in its ring:
 * the kernel stamps and writes it with preemption off, microseconds. */
#define HOLD_SLACK_NS (2 * 1000 * 1000ull)

void kvmexit_drain(struct kvmexit *k)
{
	uint64_t user = 0;
	/* Inherited mode: what every ring holds up to a moment before they
	 * were read is complete; later records wait for the next drain. When
	 * counting has stopped (or the clocks differ) everything goes. */
	uint64_t cutoff = k && k->on && k->clock_mono ? mono_ns() - HOLD_SLACK_NS : UINT64_MAX;

	for (size_t i = 0; k && i < k->n_s; i++) {
		uint64_t v;
		drain_one(k, i);
		if (k->s[i].fd_user >= 0 && read(k->s[i].fd_user, &v, sizeof(v)) == sizeof(v))
			user += v;
	}
	if (k) {
		k->user_exits = user;
		if (k->inherit)
			kvmexit_feed_held(k, cutoff);
	}
}

void kvmexit_close(struct kvmexit *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n_s; i++) {
		munmap(k->s[i].ring, k->ring_len);
		if (k->s[i].fd_entry >= 0)
			close(k->s[i].fd_entry);
		if (k->s[i].fd_user >= 0)
			close(k->s[i].fd_user);
		for (int j = 0; j < IO_KINDS; j++)
			if (k->s[i].fd_io[j] >= 0)
				close(k->s[i].fd_io[j]);
		close(k->s[i].fd_exit);
	}
	for (size_t i = 0; i < k->n_seen; i++)
		free(k->seen[i].hist);
	free(k->held);
	free(k);
}
