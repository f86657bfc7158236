/* The I/O breakdown of the kvm:kvm_exit reader (probes/kvmexit.h): which
 * ports, MMIO addresses and MSRs a VM's exits went to, from kvm:kvm_pio,
 * kvm:kvm_mmio and kvm:kvm_msr sampled into each thread's ring beside its
 * exits. These fire where kvm:kvm_exit does not (PVM), from KVM's x86
 * emulation and MMIO paths. Field offsets and kvm_mmio's type names come
 * from the events' tracefs formats; every record is the kernel's and is
 * checked against its size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/kvmexit_int.h"

/* The fields each kind keys on, in io_event.f[] order. */
static const char *const fields[IO_KINDS][4] = {
	[IO_PIO] = { "rw", "port", "size", "count" },
	[IO_MMIO] = { "type", "len", "gpa", NULL },
	[IO_MSR] = { "write", "ecx", "exception", NULL },
};

int kvmio_parse_format(struct kvmexit *k, int kind, const char *text)
{
	struct io_event *e = &k->io_ev[kind];

	e->id = 0;
	if (kvmexit_field(text, "common_type", &e->type) < 0)
		return -1;
	for (int i = 0; i < 4 && fields[kind][i]; i++)
		if (kvmexit_field(text, fields[kind][i], &e->f[i]) < 0)
			return -1;
	if (kind == IO_MMIO) {	/* __print_symbolic(REC->type, { 0, "unsatisfied-read" }, ...) */
		const char *p = strstr(text, "__print_symbolic(REC->type");
		k->n_mmio_names = 0;
		if (p)
			kvmexit_symbols(k->mmio_names, &k->n_mmio_names,
					sizeof(k->mmio_names) / sizeof(k->mmio_names[0]),
					p + strlen("__print_symbolic"), 0);
	}
	e->id = kvmexit_format_id(text);
	return e->id ? 0 : -1;
}

static void count(struct kvmexit *k, uint8_t kind, uint32_t dir, uint32_t size, uint64_t addr)
{
	k->io_events++;
	for (size_t i = 0; i < k->n_io; i++) {
		struct io_seen *s = &k->io[i];
		if (s->kind == kind && s->dir == dir && s->size == size && s->addr == addr) {
			s->n++;
			return;
		}
	}
	if (k->n_io >= MAX_IO) {
		k->io_other++;
		return;
	}
	k->io[k->n_io++] = (struct io_seen){ .kind = kind, .dir = dir, .size = size, .addr = addr, .n = 1 };
}

void kvmio_feed(struct kvmexit *k, uint64_t type, const void *raw, uint32_t size)
{
	for (int kind = 0; kind < IO_KINDS; kind++) {
		const struct io_event *e = &k->io_ev[kind];
		uint64_t v[4] = { 0, 0, 0, 0 };

		if (!e->id || type != e->id)
			continue;
		for (int i = 0; i < 4 && fields[kind][i]; i++)
			if ((v[i] = tp_get(raw, size, &e->f[i])) == UINT64_MAX)
				return;	/* too short: not counted */
		switch (kind) {
		case IO_PIO:	/* rw, port, size; a string op's count is one exit */
			count(k, IO_PIO, v[0] != 0, (uint32_t)v[2], v[1]);
			break;
		case IO_MMIO:	/* type, len, gpa */
			count(k, IO_MMIO, (uint32_t)v[0], (uint32_t)v[1], v[2]);
			break;
		default:	/* write, ecx, exception: #GP kept as size 1 */
			count(k, IO_MSR, v[0] != 0, v[2] != 0, v[1]);
		}
		return;
	}
}

static const char *mmio_type(const struct kvmexit *k, uint32_t t, char *buf, size_t len)
{
	for (size_t i = 0; i < k->n_mmio_names; i++)
		if (k->mmio_names[i].code == t)
			return k->mmio_names[i].name;
	snprintf(buf, len, "type %u", t);
	return buf;
}

static int by_count(const void *a, const void *b)
{
	const struct io_seen *x = *(const struct io_seen *const *)a, *y = *(const struct io_seen *const *)b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : x->addr < y->addr ? -1 : x->addr > y->addr;
}

json_t *kvmexit_io_json(const struct kvmexit *k)
{
	static const char *const kinds[IO_KINDS] = { "pio", "mmio", "msr" };
	const struct io_seen *order[MAX_IO];
	json_t *o = json_object(), *lists[IO_KINDS];
	bool any = false;
	char addr[24], tbuf[24];

	for (int i = 0; i < IO_KINDS; i++) {
		lists[i] = json_array();
		any |= k->want_io && k->io_ev[i].id != 0;
	}
	if (!o || !any) {
		json_decref(o);
		for (int i = 0; i < IO_KINDS; i++)
			json_decref(lists[i]);
		return NULL;
	}
	for (size_t i = 0; i < k->n_io; i++)
		order[i] = &k->io[i];
	qsort(order, k->n_io, sizeof(order[0]), by_count);
	for (size_t i = 0; i < k->n_io; i++) {
		const struct io_seen *s = order[i];
		json_t *r;

		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)s->addr);
		if (s->kind == IO_PIO)
			r = json_pack("{s:s, s:s, s:i, s:I}", "port", addr, "dir", s->dir ? "out" : "in",
				      "size", (int)s->size, "count", (json_int_t)s->n);
		else if (s->kind == IO_MMIO)
			r = json_pack("{s:s, s:s, s:i, s:I}", "gpa", addr, "type",
				      mmio_type(k, s->dir, tbuf, sizeof(tbuf)), "len", (int)s->size,
				      "count", (json_int_t)s->n);
		else
			r = json_pack("{s:s, s:s, s:b, s:I}", "msr", addr, "dir", s->dir ? "wrmsr" : "rdmsr",
				      "gp", s->size != 0, "count", (json_int_t)s->n);
		json_array_append_new(lists[s->kind], r);
	}
	for (int i = 0; i < IO_KINDS; i++)
		if (k->io_ev[i].id)
			json_object_set_new(o, kinds[i], lists[i]);
		else
			json_decref(lists[i]);
	json_object_set_new(o, "events", json_integer((json_int_t)k->io_events));
	json_object_set_new(o, "other", json_integer((json_int_t)k->io_other));
	return o;
}
