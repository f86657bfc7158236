/* The benchmark registry: the rows every family registered (MB_REGISTER), in
 * one stable order, and the generic parameters every benchmark takes, so no
 * other file keeps a second list. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "microbench/mb.h"
#include "hv-core/abi.h"
#include "hv-core/arch.h"

/* The generic parameters: the one list. The suite parser and validator,
 * the result's params, `hvbench list --params`, the defaults below and the
 * docs check (tests/test_suite.c) all read this table; each row names the
 * mb_params field behind it, so none of them lists the parameters again. */
#define G(n, t, k, f, h, lo, hi, d)                                            \
	{ .name = n, .type = t, .help = h, .min = lo, .max = hi, .def = d,     \
	  .kind = k, .off = offsetof(struct mb_params, f),                     \
	  .size = sizeof(((struct mb_params *)0)->f) }
static const struct mb_generic_param generic[] = {
	G("cpl", "cpl", MB_G_CPL, cpl, "privilege level of the body: 0, 3 or \"auto\" (3 where guest CPL0 is emulated, else 0); arm64: 0=EL1, 3=EL0", 0, 3, MB_CPL_AUTO),
	G("min_time_ms", "int", MB_G_INT, min_time_ms, "measure at least this long per repetition (ms)", 1, 600000, 200),
	G("max_iters", "int", MB_G_INT, max_iters, "stop a repetition after this many operations even if min_time_ms has not passed (the record then says \"capped\")", 1, 1000000000, 1000000000),
	G("warmup_iters", "int", MB_G_INT, warmup_iters, "operations run and discarded before measuring", 0, 100000000, 1000),
	G("batch", "int", MB_G_INT, batch, "operations between one pair of probes; figures stay per operation (sample / batch). Raise it for operations shorter than the counter's resolution", 1, 4096, 1),
	G("repetitions", "int", MB_G_INT, repetitions, "measured loops per benchmark (statistics pool them; compare bases its verdicts on the per-repetition values and needs >= 4)", 1, 1000, 5),
	G("vcpus", "int", MB_G_INT, vcpus, "vCPUs in the benchmark VM (at most what the host's KVM allows, KVM_CAP_MAX_VCPUS)", 1, HV_MAX_VCPUS, 1),
	G("mem_mb", "int", MB_G_INT, mem_mb, "guest RAM (MiB); what is past the device window (3328 MiB) goes above 4 GiB. Reserved as the guest touches it", HV_MIN_MEM_MB, HV_MAX_MEM >> 20, 32),
	G("pin", "bool", MB_G_BOOL, pin, "pin each vCPU thread to its own host CPU: distinct cores first, then SMT siblings (within \"cpus\" when given)", 0, 1, 0),
	G("profile", "bool", MB_G_BOOL, profile, "print this benchmark's exit profile (exits by reason: count per op, time per exit, share) under its line; every record stores it as exit_profile either way, and hvbench run --profile prints it for every entry", 0, 1, 0),
	G("cpus", "cpu list", MB_G_CPUS, cpus, "host CPUs the vCPU threads run on, e.g. \"0-1,3\" (\"\": any); with pin, one CPU of the set each", 0, 0, 0),
	G("timeout_ms", "int", MB_G_INT, timeout_ms, "fail the benchmark if it has not finished after this long (ms)", 100, 3600000, 60000),
	G("pmu_events", "string list", MB_G_EVENTS, pmu_events, "host PMU events (libpfm4 names) counted on the vCPU threads, reported per op", 0, MB_MAX_PMU_EVENTS, 0),
};
#undef G

/* The linker's bracket of the section (weak: a binary without rows links). */
extern struct mb_reg __start_mb_bench[] __attribute__((weak));
extern struct mb_reg __stop_mb_bench[] __attribute__((weak));
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int reg_cmp(const void *a, const void *b)
{
	const struct mb_reg *x = a, *y = b;
	int c = strcmp(x->bench->family, y->bench->family);

	if (!c)
		c = strcmp(x->file, y->file);
	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	return c;
}

/* Link order is the archive's and the linker's: sort once, in place. */
static size_t n_rows(void)
{
	struct mb_reg *start = __start_mb_bench, *stop = __stop_mb_bench;

	return start && stop > start ? (size_t)(stop - start) : 0;
}

static void sort_rows(void)
{
	if (n_rows())
		qsort(__start_mb_bench, n_rows(), sizeof(struct mb_reg), reg_cmp);
}

static const struct mb_reg *rows(size_t *n)
{
	pthread_once(&sorted_once, sort_rows);
	*n = n_rows();
	return __start_mb_bench;
}

size_t mb_generic_count(void)
{
	return sizeof(generic) / sizeof(generic[0]);
}

const struct mb_generic_param *mb_generic_get(size_t i)
{
	return i < mb_generic_count() ? &generic[i] : NULL;
}

size_t mb_count(void)
{
	size_t n;

	rows(&n);
	return n;
}

const struct mb_bench *mb_get(size_t i)
{
	size_t n;
	const struct mb_reg *r = rows(&n);

	return i < n ? r[i].bench : NULL;
}

const struct mb_bench *mb_find(const char *name)
{
	for (size_t i = 0, n = mb_count(); i < n; i++)
		if (!strcmp(mb_get(i)->name, name))
			return mb_get(i);
	return NULL;
}

const char *mb_abort_reason(const struct mb_bench *b, uint32_t code, char *buf,
			    size_t len)
{
	static const struct {
		uint32_t code;
		const char *name, *what;
	} generic_codes[] = {
#define ABORT_ROW(name, code, what) { code, #name, what },
		HV_ABORT_CODES(ABORT_ROW)
#undef ABORT_ROW
	};

	for (size_t i = 0; i < sizeof(generic_codes) / sizeof(generic_codes[0]); i++) {
		if (generic_codes[i].code != code)
			continue;
		if (code == HV_ABORT_NO_BODY && b && b->body)
			snprintf(buf, len, "HV_ABORT_%s: no body \"%s\" in the %s guest image",
				 generic_codes[i].name, b->body, mb_arch_name(mb_host_arch()));
		else
			snprintf(buf, len, "HV_ABORT_%s: %s", generic_codes[i].name,
				 generic_codes[i].what);
		return buf;
	}
	if (code >= HV_ABORT_BODY_BASE && b && b->abort_reasons) {
		uint32_t k = code - HV_ABORT_BODY_BASE, i = 0;

		while (i < k && b->abort_reasons[i])
			i++;
		if (i == k && b->abort_reasons[k]) {
			snprintf(buf, len, "body %s: %s", b->body, b->abort_reasons[k]);
			return buf;
		}
	}
	snprintf(buf, len, "not a code the runtime or body %s defines",
		 b && b->body ? b->body : "(none)");
	return buf;
}

int mb_ext_index(const struct mb_bench *b, const char *name)
{
	for (int i = 0; b->ext_params && b->ext_params[i].name; i++)
		if (!strcmp(b->ext_params[i].name, name))
			return i;
	return -1;
}

unsigned mb_host_arch(void)
{
	return arch_id();
}

const char *mb_arch_name(unsigned arch)
{
	return hv_arch_name(arch);
}

const char *mb_archs_str(unsigned archs, const char *sep, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (unsigned bit = 1; bit && bit <= HV_ARCH_ALL && k < len; bit <<= 1) {
		if (!(archs & bit & HV_ARCH_ALL))
			continue;
		int w = snprintf(buf + k, len - k, "%s%s", k ? sep : "", hv_arch_name(bit));
		if (w < 0)
			break;
		k += (size_t)w;
	}
	return buf;
}

int64_t mb_generic_int(const struct mb_params *p, const struct mb_generic_param *g)
{
	const char *f = (const char *)p + g->off;

	switch (g->kind) {
	case MB_G_CPL:
		return p->cpl;
	case MB_G_BOOL:
		return *(const bool *)f;
	case MB_G_INT:
		return g->size == sizeof(uint64_t) ? (int64_t)*(const uint64_t *)f :
						     (int64_t)*(const uint32_t *)f;
	default:
		return 0;
	}
}

void mb_generic_set_int(struct mb_params *p, const struct mb_generic_param *g,
			int64_t v)
{
	char *f = (char *)p + g->off;

	switch (g->kind) {
	case MB_G_CPL:
		p->cpl = (int)v;
		break;
	case MB_G_BOOL:
		*(bool *)f = v != 0;
		break;
	case MB_G_INT:
		if (g->size == sizeof(uint64_t))
			*(uint64_t *)f = (uint64_t)v;
		else
			*(uint32_t *)f = (uint32_t)v;
		break;
	default:
		break;
	}
}

/* Defaults come from the generic table above, row by row; a row may ask
 * for more (batch, vCPUs) and sets its family parameters' own. */
void mb_params_defaults(struct mb_params *p, const struct mb_bench *b)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < mb_generic_count(); i++)
		mb_generic_set_int(p, &generic[i], generic[i].def);
	if (b && b->batch)
		p->batch = b->batch;
	if (b && b->min_vcpus > p->vcpus)
		p->vcpus = b->min_vcpus;
	for (int i = 0; b && b->ext_params && b->ext_params[i].name; i++)
		p->ext[i] = b->ext_params[i].def;
}
