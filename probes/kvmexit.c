/* kvm:kvm_exit decoded by exit reason (probes/kvmexit.h): the offsets of
 * the fields and the names of the reasons come from the events' tracefs
 * format files, so the decoding follows the running kernel — VMX basic
 * exit reasons and SVM exit codes (x86's "isa" field), arm64's exception
 * type and ESR exception class. Each exit is paired with its thread's next
 * kvm:kvm_entry for the time the host spent on it. The perf side (opening,
 * rings) is probes/kvmexit_perf.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/exitprof.h"
#include "probes/hostinfo.h"
#include "probes/kvmexit_int.h"

#define KVM_ISA_VMX 1	/* arch/x86/kvm/trace.h */
#define KVM_ISA_SVM 2
/* arm64's kvm_exit has no isa field: hvbench's own numbers for its tables */
#define ISA_ARM64_EC 16		/* ESR_ELx.EC, when the exit was a trap */
#define ISA_ARM64_RET 17	/* the exception type otherwise (IRQ, SERROR...) */

int kvmexit_host_fires(const struct hostinfo *hi)
{
	/* arm64 traces its exits in the host kernel's run loop, whatever the
	 * mode (VHE, nVHE, protected) */
	return hi && (!strcmp(hi->backend, "svm") || !strcmp(hi->backend, "vmx") ||
		      !strncmp(hi->backend, "arm64", 5));
}

struct kvmexit *kvmexit_new(void)
{
	struct kvmexit *k = calloc(1, sizeof(*k));

	for (size_t i = 0; k && i < MAX_THREADS; i++)
		k->s[i].fd_exit = k->s[i].fd_entry = k->s[i].fd_user = k->s[i].fd_io[IO_PIO] =
			k->s[i].fd_io[IO_MMIO] = k->s[i].fd_io[IO_MSR] = -1;
	return k;
}

/* "field:unsigned int exit_reason;\toffset:8;\tsize:4;" -> offset, size */
int kvmexit_field(const char *text, const char *name, struct tp_field *f)
{
	char pat[64];
	const char *p = text;

	snprintf(pat, sizeof(pat), " %s;", name);
	f->ok = false;
	while ((p = strstr(p, pat))) {
		const char *line = p;
		while (line > text && line[-1] != '\n')
			line--;
		const char *o = strstr(p, "offset:"), *s = strstr(p, "size:");
		const char *eol = strchr(p, '\n');
		if (!strncmp(line + strspn(line, " \t"), "field:", 6) && o && s &&
		    (!eol || (o < eol && s < eol))) {
			f->off = (uint32_t)strtoul(o + 7, NULL, 10);
			f->size = (uint32_t)strtoul(s + 5, NULL, 10);
			f->ok = f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8;
			return f->ok ? 0 : -1;
		}
		p += strlen(pat);
	}
	return -1;
}

/* "ID: 103" */
uint64_t kvmexit_format_id(const char *text)
{
	const char *p = strstr(text, "\nID:");

	if (!p && !strncmp(text, "ID:", 3))
		p = text - 1;
	return p ? strtoull(p + 4, NULL, 10) : 0;
}

/* A symbol's value: "14", "0x040 + 14" (SVM's exception codes), "(0x00)"
 * (arm64's). *end is left past it. */
static long long sym_value(const char *p, const char **end)
{
	long long v = 0;
	size_t i = 0;

	for (;;) {
		i += strspn(p + i, " (");
		char *e;
		v += strtoll(p + i, &e, 0);
		i = (size_t)(e - p);
		i += strspn(p + i, " )");
		if (p[i] != '+')
			break;
		i++;
	}
	*end = p + i;
	return v;
}

/* The { value, "name" } pairs of one __print_symbolic list starting at p
 * (its opening parenthesis), into names[*n..max). Returns the end. */
const char *kvmexit_symbols(struct reason_name *names, size_t *n, size_t max, const char *p, int isa)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth <= 0)
			return p;
		if (*p != '{')
			continue;
		const char *end;
		long long v = sym_value(p + 1, &end);
		if (*end != ',')
			continue;
		const char *q = strchr(end, '"');
		const char *qe = q ? strchr(q + 1, '"') : NULL;
		if (!qe || *n >= max)
			continue;
		struct reason_name *r = &names[(*n)++];
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

const char *kvmexit_reason_name(const struct kvmexit *k, int isa, uint32_t code)
{
	/* VMX's table is keyed by the basic reason (low 16 bits). */
	uint32_t c = isa == KVM_ISA_VMX ? (code & 0xffff) : code;

	for (size_t i = 0; i < k->n_names; i++)
		if (k->names[i].isa == isa && k->names[i].code == c)
			return k->names[i].name;
	return NULL;
}

int kvmexit_parse_format(struct kvmexit *k, const char *text, char *err, size_t errlen)
{
	const char *fmt = strstr(text, "print fmt:");
	const char *p;
	int n_reason = 0;

	kvmexit_field(text, "common_type", &k->type);
	k->id = kvmexit_format_id(text);
	k->arm64 = kvmexit_field(text, "exit_reason", &k->reason) < 0;
	if (k->arm64 && (kvmexit_field(text, "esr_ec", &k->reason) < 0 || kvmexit_field(text, "ret", &k->ret) < 0)) {
		snprintf(err, errlen, "kvm_exit format has neither exit_reason (x86) nor esr_ec and ret (arm64)");
		return -EINVAL;
	}
	kvmexit_field(text, "isa", &k->isa);
	/* x86: (REC->isa == 1) ? __print_symbolic(REC->exit_reason & 0xffff,
	 * VMX...) : __print_symbolic(REC->exit_reason, SVM...); arm64:
	 * __print_symbolic(REC->ret, types...), __print_symbolic(REC->esr_ec,
	 * classes...) */
	for (p = fmt; p && (p = strstr(p, "__print_symbolic(")); ) {
		const char *arg = p + strlen("__print_symbolic(");
		const char *open = arg - 1;
		int isa = -1;
		arg += strspn(arg, " (");
		if (!strncmp(arg, "REC->exit_reason", 16))
			isa = n_reason++ == 0 ? KVM_ISA_VMX : KVM_ISA_SVM;
		else if (!strncmp(arg, "REC->esr_ec", 11))
			isa = ISA_ARM64_EC;
		else if (!strncmp(arg, "REC->ret", 8))
			isa = ISA_ARM64_RET;
		p = isa < 0 ? arg : kvmexit_symbols(k->names, &k->n_names, MAX_NAMES, open, isa);
	}
	k->arm64_trap = 2;	/* named in the table below where the kernel has it */
	for (size_t i = 0; i < k->n_names; i++)
		if (k->names[i].isa == ISA_ARM64_RET && !strcmp(k->names[i].name, "TRAP"))
			k->arm64_trap = k->names[i].code;
	return 0;
}

int kvmexit_parse_entry_format(struct kvmexit *k, const char *text, char *err, size_t errlen)
{
	k->entry_id = kvmexit_format_id(text);
	/* without common_type in both formats, an entry cannot be told from
	 * an exit in the shared ring: count exits, time nothing */
	if (!k->entry_id || !k->type.ok || kvmexit_field(text, "common_type", &k->entry_type) < 0) {
		snprintf(err, errlen, "kvm_entry format has no ID or no common_type field");
		k->entry_id = 0;
		return -EINVAL;
	}
	return 0;
}

/* The reason of one exit record: its table and code; -1 when too short. */
static int decode(const struct kvmexit *k, const void *raw, uint32_t size, int *isa,
		  uint32_t *code)
{
	uint64_t c = tp_get(raw, size, &k->reason);

	if (c == UINT64_MAX)
		return -1;
	if (k->arm64) {
		uint64_t ret = tp_get(raw, size, &k->ret);
		if (ret == UINT64_MAX)
			return -1;
		/* only a trap has a meaningful exception class */
		*isa = (uint32_t)ret == k->arm64_trap ? ISA_ARM64_EC : ISA_ARM64_RET;
		*code = (uint32_t)ret == k->arm64_trap ? (uint32_t)c : (uint32_t)ret;
		return 0;
	}
	/* Kernels before the isa field traced VMX and SVM alike: call it VMX,
	 * the first table. */
	*isa = k->isa.ok ? (int)tp_get(raw, size, &k->isa) : KVM_ISA_VMX;
	*code = (uint32_t)c;
	return 0;
}

static struct seen *seen_of(struct kvmexit *k, int isa, uint32_t code)
{
	for (size_t i = 0; i < k->n_seen; i++)
		if (k->seen[i].isa == isa && k->seen[i].code == code)
			return &k->seen[i];
	if (k->n_seen >= MAX_SEEN)
		return NULL;
	struct seen *s = &k->seen[k->n_seen++];
	*s = (struct seen){ .isa = isa, .code = code };
	hist_moments_init(&s->m);
	return s;
}

void kvmexit_count_raw(struct kvmexit *k, const void *raw, uint32_t size)
{
	int isa;
	uint32_t code;

	if (decode(k, raw, size, &isa, &code) < 0)
		return;
	k->events++;
	struct seen *s = seen_of(k, isa, code);
	if (s)
		s->n++;
	else
		k->other++;
}

/* Thread tid's pairing state; NULL past MAX_VTHREADS (its exits are
 * counted, not timed). The last one found is tried first. */
static struct vthread *vthread_of(struct kvmexit *k, pid_t tid)
{
	if (k->th_last < k->n_th && k->th[k->th_last].tid == tid)
		return &k->th[k->th_last];
	for (size_t i = 0; i < k->n_th; i++)
		if (k->th[i].tid == tid)
			return &k->th[k->th_last = i];
	if (k->n_th >= MAX_VTHREADS)
		return NULL;
	k->th[k->n_th] = (struct vthread){ .tid = tid };
	return &k->th[k->th_last = k->n_th++];
}

void kvmexit_feed(struct kvmexit *k, pid_t tid, uint64_t t, const void *raw, uint32_t size)
{
	uint64_t type = tp_get(raw, size, &k->type);

	if (!k->type.ok || type == k->id) {
		int isa;
		uint32_t code;
		if (decode(k, raw, size, &isa, &code) < 0)
			return;
		kvmexit_count_raw(k, raw, size);
		struct vthread *v = vthread_of(k, tid);
		if (!v)
			return;
		v->n_exits++;
		v->pending = true;
		v->isa = isa;
		v->code = code;
		v->t = t;
	} else if (k->entry_id && tp_get(raw, size, &k->entry_type) == k->entry_id) {
		k->entries++;
		struct vthread *v = vthread_of(k, tid);
		if (!v || !v->pending)
			return;	/* the first entry of the window, or a lost exit */
		v->pending = false;
		struct seen *s = seen_of(k, v->isa, v->code);
		if (!s || t < v->t)
			return;
		if (!s->hist && !(s->hist = calloc(HIST_BUCKETS, sizeof(uint32_t))))
			return;
		hist_record(s->hist, &s->m, t - v->t);
		k->paired++;
	} else {
		(void)vthread_of(k, tid);	/* a thread that wrote records */
		kvmio_feed(k, type, raw, size);	/* kvm_pio, kvm_mmio, kvm_msr */
	}
}

void kvmexit_lost(struct kvmexit *k, pid_t tid, uint64_t n)
{
	k->lost += n;
	for (size_t i = 0; i < k->n_th; i++)
		if (tid < 0 || k->th[i].tid == tid)
			k->th[i].pending = false;	/* its entry may be lost */
}

#define HELD_LOST UINT32_MAX	/* a held slot's size: a lost-record mark */

/* A free slot at the end of the held records, NULL when out of memory. */
static struct held *held_slot(struct kvmexit *k)
{
	if (k->n_held == k->cap_held) {
		size_t cap = k->cap_held ? 2 * k->cap_held : 1024;
		struct held *h = cap <= SIZE_MAX / sizeof(*h) ? realloc(k->held, cap * sizeof(*h)) : NULL;
		if (!h)
			return NULL;
		k->held = h;
		k->cap_held = cap;
	}
	return &k->held[k->n_held++];
}

void kvmexit_hold_lost(struct kvmexit *k, pid_t tid, uint64_t t, uint64_t n)
{
	struct held *h = held_slot(k);

	k->lost += n;
	if (!h) {	/* no mark: every waiting exit is dropped now */
		kvmexit_lost(k, tid, 0);
		return;
	}
	*h = (struct held){ .t = t, .seq = k->held_seq++, .tid = tid, .size = HELD_LOST };
}

int kvmexit_hold(struct kvmexit *k, pid_t tid, uint64_t t, const void *raw, uint32_t size)
{
	if (size > HELD_RAW) {
		kvmexit_hold_lost(k, tid, t, 1);
		return -E2BIG;
	}
	struct held *h = held_slot(k);
	if (!h) {
		kvmexit_lost(k, tid, 1);
		return -ENOMEM;
	}
	h->t = t;
	h->seq = k->held_seq++;
	h->tid = tid;
	h->size = size;
	memcpy(h->raw, raw, size);
	return 0;
}

static int held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;	/* a ring's own order */
}

void kvmexit_feed_held(struct kvmexit *k, uint64_t cutoff)
{
	size_t i = 0;

	if (!k->n_held)
		return;
	qsort(k->held, k->n_held, sizeof(*k->held), held_cmp);
	for (; i < k->n_held && k->held[i].t <= cutoff; i++) {
		const struct held *h = &k->held[i];
		if (h->size == HELD_LOST)	/* counted when held */
			kvmexit_lost(k, h->tid, 0);
		else
			kvmexit_feed(k, h->tid, h->t, h->raw, h->size);
	}
	memmove(k->held, k->held + i, (k->n_held - i) * sizeof(*k->held));
	k->n_held -= i;
}

/* The call channel is a port write (x86) or an MMIO write (arm64 data
 * abort): how many of seen[i]'s exits are its, out of ucalls. */
static uint64_t ucalls_of(const struct kvmexit *k, size_t i, uint64_t *ucalls)
{
	const struct seen *s = &k->seen[i];
	bool chan = (s->isa == KVM_ISA_SVM && s->code == 0x7b) ||
		    (s->isa == KVM_ISA_VMX && (s->code & 0xffff) == 30) ||
		    (s->isa == ISA_ARM64_EC && s->code == 0x24);	/* DABT_LOW */
	uint64_t d = chan ? (s->n < *ucalls ? s->n : *ucalls) : 0;

	*ucalls -= d;
	return d;
}

static void key_of(const struct kvmexit *k, const struct seen *s, char *key, size_t len)
{
	const char *nm = kvmexit_reason_name(k, s->isa, s->code);

	if (nm)
		snprintf(key, len, "%s", nm);
	else
		snprintf(key, len, "0x%x", s->code);
}

static const char *isa_name(const struct kvmexit *k)
{
	int isa = k->n_seen ? k->seen[0].isa : 0;

	if (k->arm64)
		return "arm64";
	return isa == KVM_ISA_SVM ? "svm" : isa == KVM_ISA_VMX ? "vmx" : "unknown";
}

json_t *kvmexit_json(struct kvmexit *k, uint64_t ops, uint64_t ucalls)
{
	json_t *o = json_object(), *per = json_object(), *codes = json_object();
	uint64_t total = 0;

	if (!o || !per || !codes) {
		json_decref(o);
		json_decref(per);
		json_decref(codes);
		return NULL;
	}
	for (size_t i = 0; i < k->n_seen; i++) {
		struct seen *s = &k->seen[i];
		uint64_t n = s->n - ucalls_of(k, i, &ucalls);
		char key[64];

		total += n;
		if (!n)
			continue;
		key_of(k, s, key, sizeof(key));
		json_object_set_new(per, key, json_real(ops ? (double)n / (double)ops : 0));
		json_object_set_new(codes, key, json_integer(s->code));
	}
	json_object_set_new(o, "isa", json_string(isa_name(k)));
	json_object_set_new(o, "ops", json_integer((json_int_t)ops));
	json_object_set_new(o, "events", json_integer((json_int_t)k->events));
	json_object_set_new(o, "lost", json_integer((json_int_t)k->lost));
	json_object_set_new(o, "per_op", per);
	json_object_set_new(o, "codes", codes);
	json_object_set_new(o, "total_per_op", json_real(ops ? (double)(total + k->other) / (double)ops : 0));
	json_object_set_new(o, "format", json_string(k->format_path[0] ? k->format_path : "(text)"));
	return o;
}

int kvmexit_profile(struct kvmexit *k, uint64_t ops, uint64_t ucalls, struct exitprof *e)
{
	exitprof_init(e, "tracepoints", k->clock_mono || !k->n_s ? "ns" : "ns (perf clock)",
		      "host time per exit: kvm:kvm_exit to the same thread's next kvm:kvm_entry (the kernel's handling, and for exits to user space the VMM's too)");
	e->ops = ops;
	e->window = k->window_ns;
	e->call_channel_exits = ucalls;
	for (size_t i = 0; i < k->n_th; i++)	/* the threads that exited: vCPUs */
		e->vcpus += k->th[i].n_exits > 0;
	for (size_t i = 0; i < k->n_seen; i++) {
		struct seen *s = &k->seen[i];
		char key[64];

		key_of(k, s, key, sizeof(key));
		struct exitprof_reason *r = exitprof_reason(e, key, s->code);
		if (!r)
			continue;
		r->count = s->n - ucalls_of(k, i, &ucalls);
		if (s->hist && exitprof_add_times(r, s->hist, &s->m) < 0)
			return -ENOMEM;
	}
	return 0;
}

int kvmexit_check_fires(const struct kvmexit *k, uint64_t vmm_exits, char *why, size_t len)
{
	if (k->events || !vmm_exits)
		return 1;
	snprintf(why, len, "kvm:kvm_exit recorded 0 events while the VMM saw %llu exits in the same window: the tracepoint does not fire on this host%s",
		 (unsigned long long)vmm_exits, k->user_exits ? " (kvm:kvm_userspace_exit did)" : "");
	return 0;
}

const char *kvmexit_isa(const struct kvmexit *k)
{
	return isa_name(k);
}

uint64_t kvmexit_events(const struct kvmexit *k, uint64_t *entries, uint64_t *paired,
			uint64_t *lost, uint64_t *user_exits)
{
	if (entries)
		*entries = k->entries;
	if (paired)
		*paired = k->paired;
	if (lost)
		*lost = k->lost;
	if (user_exits)
		*user_exits = k->user_exits;
	return k->events;
}
