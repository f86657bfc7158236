/* kvm:kvm_exit counted by exit reason (probes/kvmexit.h). One perf event
 * on the tracepoint, sampling every hit with its raw record; the offsets of
 * exit_reason and isa and the names of the reasons come from the event's
 * format file, so the decoding follows the running kernel. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/hostinfo.h"
#include "probes/kvmexit.h"

#define KVM_ISA_VMX 1	/* arch/x86/kvm/trace.h */
#define KVM_ISA_SVM 2
#define MAX_NAMES 256
#define MAX_SEEN 64
#define RING_PAGES 64	/* 256 KiB: a counting pass of a few hundred ops */
#define MAX_THREADS 16	/* vCPU, device and helper threads of one run */

struct reason_name {
	int isa;
	uint32_t code;
	char name[40];
};

struct seen {
	int isa;
	uint32_t code;
	uint64_t n;
};

struct kvmexit {
	uint64_t id;		/* the tracepoint's id in tracefs */
	/* One event per thread of the process: perf refuses a ring on an
	 * inherited per-task event, so each thread gets its own. */
	int fd[MAX_THREADS];
	void *ring[MAX_THREADS];
	size_t n_fd, ring_len;
	char open_err[160];
	uint32_t reason_off, reason_size, isa_off, isa_size;
	bool have_isa;
	struct reason_name names[MAX_NAMES];
	size_t n_names;
	struct seen seen[MAX_SEEN];
	size_t n_seen;
	uint64_t events, lost, other;	/* other: reasons past MAX_SEEN */
	char format_path[96];
};

static const char *const tracefs[] = {
	"/sys/kernel/tracing/events/kvm/kvm_exit",
	"/sys/kernel/debug/tracing/events/kvm/kvm_exit",
};

int kvmexit_host_fires(const struct hostinfo *hi)
{
	return hi && (!strcmp(hi->backend, "svm") || !strcmp(hi->backend, "vmx"));
}

struct kvmexit *kvmexit_new(void)
{
	struct kvmexit *k = calloc(1, sizeof(*k));

	return k;
}

/* "field:unsigned int exit_reason;\toffset:8;\tsize:4;" -> offset, size */
static int field(const char *text, const char *name, uint32_t *off, uint32_t *size)
{
	char pat[64];
	const char *p = text;

	snprintf(pat, sizeof(pat), " %s;", name);
	while ((p = strstr(p, pat))) {
		const char *line = p;
		while (line > text && line[-1] != '\n')
			line--;
		const char *o = strstr(p, "offset:"), *s = strstr(p, "size:");
		const char *eol = strchr(p, '\n');
		if (!strncmp(line + strspn(line, " \t"), "field:", 6) && o && s &&
		    (!eol || (o < eol && s < eol))) {
			*off = (uint32_t)strtoul(o + 7, NULL, 10);
			*size = (uint32_t)strtoul(s + 5, NULL, 10);
			return *size == 1 || *size == 2 || *size == 4 || *size == 8 ? 0 : -1;
		}
		p += strlen(pat);
	}
	return -1;
}

/* The { value, "name" } pairs of one __print_symbolic list starting at p;
 * a value may be "0x040 + 14" (SVM's exception codes). Returns the end. */
static const char *symbols(struct kvmexit *k, const char *p, int isa)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth <= 0)
			return p;
		if (*p != '{')
			continue;
		char *end;
		long long v = strtoll(p + 1, &end, 0);
		while (*end == ' ')
			end++;
		while (*end == '+') {
			v += strtoll(end + 1, &end, 0);
			while (*end == ' ')
				end++;
		}
		if (*end != ',')
			continue;
		const char *q = strchr(end, '"');
		const char *qe = q ? strchr(q + 1, '"') : NULL;
		if (!qe || k->n_names >= MAX_NAMES)
			continue;
		struct reason_name *r = &k->names[k->n_names++];
		size_t len = (size_t)(qe - q - 1);
		if (len >= sizeof(r->name))
			len = sizeof(r->name) - 1;
		r->isa = isa;
		r->code = (uint32_t)v;
		memcpy(r->name, q + 1, len);
		r->name[len] = '\0';
		p = qe;
	}
	return p;
}

int kvmexit_parse_format(struct kvmexit *k, const char *text, char *err, size_t errlen)
{
	if (field(text, "exit_reason", &k->reason_off, &k->reason_size) < 0) {
		snprintf(err, errlen, "kvm_exit format has no exit_reason field");
		return -EINVAL;
	}
	k->have_isa = field(text, "isa", &k->isa_off, &k->isa_size) == 0;
	/* print fmt: (REC->isa == 1) ? __print_symbolic(REC->exit_reason &
	 * 0xffff, VMX...) : __print_symbolic(REC->exit_reason, SVM...) */
	const char *fmt = strstr(text, "print fmt:");
	const char *v = fmt ? strstr(fmt, "__print_symbolic(") : NULL;
	if (v) {
		const char *end = symbols(k, v + strlen("__print_symbolic"), KVM_ISA_VMX);
		const char *s = strstr(end, "__print_symbolic(");
		if (s)
			symbols(k, s + strlen("__print_symbolic"), KVM_ISA_SVM);
	}
	return 0;
}

const char *kvmexit_reason_name(const struct kvmexit *k, int isa, uint32_t code)
{
	/* VMX's table is keyed by the basic reason (low 16 bits). */
	uint32_t c = isa == KVM_ISA_VMX ? (code & 0xffff) : code;

	for (size_t i = 0; i < k->n_names; i++)
		if (k->names[i].isa == isa && k->names[i].code == c)
			return k->names[i].name;
	return NULL;
}

static uint64_t get(const uint8_t *raw, uint32_t size, uint32_t off, uint32_t len)
{
	uint64_t v = 0;

	if (off + len > size)
		return UINT64_MAX;
	switch (len) {
	case 1: v = raw[off]; break;
	case 2: { uint16_t x; memcpy(&x, raw + off, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, raw + off, 4); v = x; break; }
	default: memcpy(&v, raw + off, 8);
	}
	return v;
}

void kvmexit_count_raw(struct kvmexit *k, const void *raw, uint32_t size)
{
	uint64_t code = get(raw, size, k->reason_off, k->reason_size);
	/* Kernels before the isa field traced VMX and SVM alike: call it SVM
	 * only when the table has nothing else. */
	int isa = k->have_isa ? (int)get(raw, size, k->isa_off, k->isa_size) : KVM_ISA_VMX;

	if (code == UINT64_MAX)
		return;
	k->events++;
	for (size_t i = 0; i < k->n_seen; i++)
		if (k->seen[i].isa == isa && k->seen[i].code == (uint32_t)code) {
			k->seen[i].n++;
			return;
		}
	if (k->n_seen >= MAX_SEEN) {
		k->other++;
		return;
	}
	k->seen[k->n_seen++] = (struct seen){ isa, (uint32_t)code, 1 };
}

int kvmexit_open(struct kvmexit **out, char *err, size_t errlen)
{
	char path[128], idbuf[32];
	struct kvmexit *k;
	int fd = -1;
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof(tracefs) / sizeof(tracefs[0]); i++) {
		snprintf(path, sizeof(path), "%s/id", tracefs[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "kvm:kvm_exit not readable in tracefs (%s): %s",
			 tracefs[0], strerror(errno));
		return -errno;
	}
	ssize_t n = read(fd, idbuf, sizeof(idbuf) - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "cannot read %s", path);
		return -EIO;
	}
	idbuf[n] = '\0';
	k = kvmexit_new();
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(k->format_path, sizeof(k->format_path), "%s/format", tracefs[i]);
	char *text = calloc(1, 1 << 16);
	int r = -EIO;
	if (text && (fd = open(k->format_path, O_RDONLY | O_CLOEXEC)) >= 0) {
		size_t len = 0;
		while (len < (1 << 16) - 1 && (n = read(fd, text + len, (1 << 16) - 1 - len)) > 0)
			len += (size_t)n;
		close(fd);
		r = kvmexit_parse_format(k, text, err, errlen);
	} else {
		snprintf(err, errlen, "cannot read %s", k->format_path);
	}
	free(text);
	if (r < 0) {
		free(k);
		return r;
	}

	k->id = strtoull(idbuf, NULL, 10);
	k->ring_len = (size_t)(RING_PAGES + 1) * (size_t)sysconf(_SC_PAGESIZE);
	*out = k;
	return 0;
}

/* An event on thread tid, counting at once, with its ring. */
static int attach(struct kvmexit *k, pid_t tid)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.config = k->id,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_RAW,
		.wakeup_events = 1u << 30,	/* read by polling, never woken */
	};
	int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0) {
		snprintf(k->open_err, sizeof(k->open_err),
			 "perf_event_open(kvm:kvm_exit, raw samples, tid %d): %s (needs root or perf_event_paranoid -1)",
			 (int)tid, strerror(errno));
		return -errno;
	}
	void *ring = mmap(NULL, k->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		snprintf(k->open_err, sizeof(k->open_err), "mmap of the kvm_exit ring: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	k->fd[k->n_fd] = fd;
	k->ring[k->n_fd++] = ring;
	return 0;
}

/* The first time: every thread of the process (the vCPU threads exist by
 * the time the guest opens its measured window). */
void kvmexit_enable(struct kvmexit *k)
{
	if (!k)
		return;
	if (k->n_fd) {
		for (size_t i = 0; i < k->n_fd; i++)
			ioctl(k->fd[i], PERF_EVENT_IOC_ENABLE, 0);
		return;
	}
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d) {
		snprintf(k->open_err, sizeof(k->open_err), "/proc/self/task: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d)) && k->n_fd < MAX_THREADS) {
		pid_t tid = (pid_t)strtol(e->d_name, NULL, 10);
		if (tid > 0 && attach(k, tid) < 0)
			break;
	}
	closedir(d);
}

void kvmexit_disable(struct kvmexit *k)
{
	for (size_t i = 0; k && i < k->n_fd; i++)
		ioctl(k->fd[i], PERF_EVENT_IOC_DISABLE, 0);
}

const char *kvmexit_error(const struct kvmexit *k)
{
	return k && k->open_err[0] ? k->open_err : NULL;
}

static void drain_one(struct kvmexit *k, void *ring)
{
	struct perf_event_mmap_page *m = ring;
	uint8_t *data = (uint8_t *)ring + m->data_offset;
	uint64_t size = m->data_size, head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = m->data_tail;
	uint8_t rec[1024];

	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof(h); i++)
			((uint8_t *)&h)[i] = data[(tail + i) % size];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		if (h.size <= sizeof(rec)) {
			for (size_t i = 0; i < h.size; i++)
				rec[i] = data[(tail + i) % size];
			if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + 4) {
				uint32_t raw_size;
				memcpy(&raw_size, rec + sizeof(h), 4);
				if (sizeof(h) + 4 + raw_size <= h.size)
					kvmexit_count_raw(k, rec + sizeof(h) + 4, raw_size);
			} else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
				uint64_t lost;
				memcpy(&lost, rec + sizeof(h) + 8, 8);
				k->lost += lost;
			}
		}
		tail += h.size;
	}
	__atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
}

void kvmexit_drain(struct kvmexit *k)
{
	for (size_t i = 0; k && i < k->n_fd; i++)
		drain_one(k, k->ring[i]);
}

json_t *kvmexit_json(struct kvmexit *k, uint64_t ops, uint64_t ucalls)
{
	json_t *o = json_object(), *per = json_object(), *codes = json_object();
	int isa = k->n_seen ? k->seen[0].isa : 0;
	uint64_t total = 0;

	if (!o || !per || !codes) {
		json_decref(o);
		json_decref(per);
		json_decref(codes);
		return NULL;
	}
	/* The call channel is a port write: its exits inside the window are
	 * not the operation's. */
	for (size_t i = 0; i < k->n_seen && ucalls; i++) {
		struct seen *s = &k->seen[i];
		if ((s->isa == KVM_ISA_SVM && s->code == 0x7b) ||
		    (s->isa == KVM_ISA_VMX && (s->code & 0xffff) == 30)) {
			uint64_t d = s->n < ucalls ? s->n : ucalls;
			s->n -= d;
			ucalls -= d;
		}
	}
	for (size_t i = 0; i < k->n_seen; i++) {
		struct seen *s = &k->seen[i];
		const char *nm = kvmexit_reason_name(k, s->isa, s->code);
		char key[64];

		total += s->n;
		if (!s->n)
			continue;
		if (nm)
			snprintf(key, sizeof(key), "%s", nm);
		else
			snprintf(key, sizeof(key), "0x%x", s->code);
		json_object_set_new(per, key, json_real(ops ? (double)s->n / (double)ops : 0));
		json_object_set_new(codes, key, json_integer(s->code));
	}
	json_object_set_new(o, "isa", json_string(isa == KVM_ISA_SVM ? "svm" : isa == KVM_ISA_VMX ? "vmx" : "unknown"));
	json_object_set_new(o, "ops", json_integer((json_int_t)ops));
	json_object_set_new(o, "events", json_integer((json_int_t)k->events));
	json_object_set_new(o, "lost", json_integer((json_int_t)k->lost));
	json_object_set_new(o, "per_op", per);
	json_object_set_new(o, "codes", codes);
	json_object_set_new(o, "total_per_op", json_real(ops ? (double)(total + k->other) / (double)ops : 0));
	json_object_set_new(o, "format", json_string(k->format_path));
	return o;
}

void kvmexit_close(struct kvmexit *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n_fd; i++) {
		munmap(k->ring[i], k->ring_len);
		close(k->fd[i]);
	}
	free(k);
}
