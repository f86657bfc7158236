/* The benchmark table: every benchmark is declared once, as one row, and the
 * CLI `list`, the suite validator, the runner, the docs and the tests read it. */
#ifndef MICROBENCH_MB_H
#define MICROBENCH_MB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv-core/arch.h"

struct hv_vm;
struct hv_vm_opts;
struct hv_vcpu;
struct hostinfo;
struct mb_params;
struct rec;		/* probes/record.h */

/* A row's archs: hv-core's arch bits (hv-core/arch.h), under the table's
 * names. */
enum mb_arch {
	MB_ARCH_X86 = HV_ARCH_X86,
	MB_ARCH_ARM64 = HV_ARCH_ARM64,
};

/* Which privilege levels a body may run at: bit n = CPL n (arm64: EL0 is
 * "cpl 3", EL1 is "cpl 0", so suite files stay portable). */
#define MB_CPL0 (1u << 0)
#define MB_CPL3 (1u << 3)
#define MB_CPL_ANY (MB_CPL0 | MB_CPL3)
#define MB_CPL_AUTO (-1)

/* Parameters every benchmark takes. */
#define MB_MAX_PMU_EVENTS 8
#define MB_MAX_EXT 8

struct mb_params {
	int cpl;		/* 0, 3 or MB_CPL_AUTO before resolution */
	bool cpl_auto;		/* the suite said "auto" */
	uint32_t min_time_ms;
	uint64_t max_iters;
	uint64_t warmup_iters;
	uint32_t batch;		/* operations per timed sample */
	uint32_t repetitions;
	uint32_t vcpus;
	uint32_t mem_mb;
	bool pin;
	bool profile;		/* hvbench run prints the exit profile under the line */
	char cpus[64];		/* CPU list the vCPU threads run on ("0-1,3"), "" any */
	uint32_t timeout_ms;	/* watchdog: a benchmark that runs longer fails */
	size_t n_pmu_events;
	char pmu_events[MB_MAX_PMU_EVENTS][96];
	/* Family parameters, in the order of the benchmark's ext_params; a
	 * choice parameter stores the index of the chosen string. */
	int64_t ext[MB_MAX_EXT];
	/* Set by the runner, never by a suite: this run is the short check
	 * before measuring (hvbench/preflight.c), with a shorter stall watchdog. */
	bool preflight;
	uint32_t stall_ms;
	/* Set by the runner: this run is the short pass after measuring that
	 * counts kvm:kvm_exit by reason (probes/kvmexit.h), kept out of the
	 * measured run because the tracepoint's cost would be in its figures. */
	bool count_exits;
};

enum mb_param_type {
	MB_PT_INT,	/* integer in [min, max] */
	MB_PT_BOOL,
	MB_PT_CHOICE,	/* one of choices[] (strings), or integer choices when int_choices */
};

/* A family-specific parameter (e.g. the 0x22e study's "device_model"). */
struct mb_param_def {
	const char *name;
	enum mb_param_type type;
	const char *help;
	int64_t min, max;		/* MB_PT_INT */
	const char *const *choices;	/* MB_PT_CHOICE: NULL-terminated */
	int64_t def;			/* default: value, or choice index */
};

/* Where a run is when a row's window hook is called. */
enum mb_window_point { MB_WIN_BEGIN, MB_WIN_END, MB_WIN_PAUSE_BEGIN, MB_WIN_PAUSE_END };

/* Host-side hook results. */
struct mb_setup_ctx {
	struct hv_vm *vm;
	struct mb_params *params;	/* resolved; setup may tighten limits */
	const struct hostinfo *host;
	const struct mb_bench *bench;
	char *err;
	size_t errlen;
	void *priv;			/* setup's per-run state, for the later hooks */
};

struct mb_bench {
	const char *name;
	const char *family;
	const char *description;
	unsigned archs;			/* MB_ARCH_* */
	const char *exit_kind;		/* the exit it provokes, in words */
	double expected_exits;		/* per op; < 0: depends on the host, not checked */
	const char *exit_stat;		/* KVM stat the expectation is checked against */
	/* The guest body, by the name its GUEST_BODY gave it on each arch in
	 * archs (ci/test-bodies.sh checks that every arch has it). */
	const char *body;
	unsigned cpls;			/* MB_CPL* allowed */
	uint32_t min_vcpus;
	bool irqchip;			/* needs the in-kernel interrupt controller */
	bool user_irqs;			/* CPL3 entered with interrupts on (hv_vm_opts) */
	const struct mb_param_def *ext_params;	/* NULL-terminated by name */
	/* When the body faults or never completes (stall watchdog), the host
	 * cannot do this operation: report "unsupported" with this reason (plus
	 * what was seen) instead of "failed". */
	const char *fault_means_unsupported;
	/* What the body's own abort codes mean: abort_reasons[i] for code
	 * HV_ABORT_BODY_BASE + i (hv-core/abi.h), NULL-terminated; may be NULL. */
	const char *const *abort_reasons;
	/* KVM statistics (x86 names) the row reports per operation in every
	 * record, as exits_per_op/<name> (vCPU statistics) or
	 * exits_per_op/vm.<name> (the VM's): zero included, where the probe
	 * would leave out one that did not move. Those this kernel lacks are
	 * listed in the record's "kvm_stats_missing". NULL-terminated. */
	const char *const *kvm_stats;
	bool no_subtract;		/* report the raw probe pair (empty) */
	uint32_t batch;			/* default operations per sample (0: 1) */
	uint32_t max_batch;		/* 0: any; bodies that time themselves set it */
	/* Why the operation does not exit at this level on this host, where a
	 * capability explains it (e.g. no CPUID faulting): NULL if none does.
	 * The preflight (hvbench/preflight.c) finds out; this says why. */
	const char *(*no_exit_reason)(const struct hostinfo *hi, int cpl);
	/* Where the expectation depends on the arch, the vendor or the
	 * backend (one row, one definition: the rule per host lives here):
	 * exits per op on this host at this level, < 0 when the table cannot
	 * say; the rule that applied goes into why (may be NULL). NULL hook:
	 * expected_exits everywhere. Read it through mb_expected_exits. */
	double (*expected_on)(const struct hostinfo *hi, int cpl, char *why, size_t len);
	/* What expected_on says for each backend, in words, for `hvbench
	 * list` and the docs (one line per backend, "; " between). */
	const char *expected_rules;
	/* Can this host run it at all? 0 = yes; otherwise write why into why. */
	int (*available)(const struct hostinfo *hi, char *why, size_t len);
	/* Host-side setup after the VM exists, before vCPUs run (devices,
	 * ioeventfds, MSR filters). Returns 0, -ENOTSUP for "unsupported" (err
	 * says why) or another negative errno for "failed". */
	int (*setup)(struct mb_setup_ctx *ctx);
	/* What the VM must be given before its vCPUs exist, which setup is
	 * too late for (hv-core/hv.h hv_vm_opts: no_pause_exits, halt
	 * polling): called on the runner's options before hv_vm_create. A
	 * VM KVM cannot make so is "unsupported" with KVM's errno. */
	void (*vm_opts)(const struct mb_params *p, struct hv_vm_opts *o);
	/* The guest's HV_UCALL_PROBE, on the calling vCPU thread. Returns enum
	 * hv_action or a negative errno with vcpu->err filled. */
	int (*probe_ucall)(struct mb_setup_ctx *ctx, struct hv_vcpu *vcpu);
	/* The measured window's edges, on the vCPU thread that drives it:
	 * MB_WIN_BEGIN (warm-up and calibration done), MB_WIN_END, and the
	 * pauses of an interleaved run between repetitions (the guest waits
	 * outside its timed loop), so that what a row reads over the window
	 * (its threads' CPU time) can leave the pauses out. */
	void (*window)(struct mb_setup_ctx *ctx, enum mb_window_point pt);
	/* After the run, the vCPU threads joined and the record built: add the
	 * family's metrics, flags and blocks to rec through probes/record.h
	 * (it may turn ok into unsupported, or name its headline metric) and
	 * free ctx->priv. Called whenever setup returned 0. */
	void (*finish)(struct mb_setup_ctx *ctx, struct rec *rec);
};

/* The row's expected exits per op on this host at this level (< 0: not
 * checked), with the rule in why when the row has one ("" otherwise). */
static inline double mb_expected_exits(const struct mb_bench *b, const struct hostinfo *hi,
				       int cpl, char *why, size_t len)
{
	if (why && len)
		why[0] = '\0';
	if (b->expected_on && hi)
		return b->expected_on(hi, cpl, why, len);
	return b->expected_exits;
}

/*
 * Registers a row, in the file that defines it: the linker gathers every
 * registration into the section mb_bench, so no central list names a
 * family. The table is sorted by family, then by file and by the order of
 * the registrations in it, so `hvbench list` is the same on every build.
 * A binary registers every row it links (the host library is linked whole),
 * so a test can add a family of its own without editing any file here.
 */
struct mb_reg {
	const struct mb_bench *bench;
	const char *file;
	unsigned line;
};
#define MB_REGISTER(row) MB_REGISTER_(row, __COUNTER__)
#define MB_REGISTER_(row, n) MB_REGISTER__(row, n)
#define MB_REGISTER__(row, n)                                                  \
	static struct mb_reg mb_reg_##n                                       \
		__attribute__((used, section("mb_bench"), aligned(sizeof(void *)))) = { \
		&(row), __FILE__, __LINE__                                    \
	}

/* The whole table, across families. */
size_t mb_count(void);
const struct mb_bench *mb_get(size_t i);
const struct mb_bench *mb_find(const char *name);
/* The arch this binary was built for (MB_ARCH_*), and its name. */
unsigned mb_host_arch(void);
const char *mb_arch_name(unsigned arch);
/* The names of the archs in @archs, joined by @sep ("x86,arm64"). */
const char *mb_archs_str(unsigned archs, const char *sep, char *buf, size_t len);
/* What abort code `code` (hv-core/abi.h enum hv_abort) means for row b: the
 * one place that decodes them. Writes a sentence into buf and returns it. */
const char *mb_abort_reason(const struct mb_bench *b, uint32_t code, char *buf,
			    size_t len);
/* Index of a family parameter in bench->ext_params, or -1. */
int mb_ext_index(const struct mb_bench *b, const char *name);

/* Generic parameters, with their defaults and limits, for the validator,
 * `hvbench list --params` and the docs: one table (microbench/table.c),
 * each row with the mb_params field it fills. */
enum mb_generic_kind {
	MB_G_CPL,	/* 0, 3 or "auto" (MB_CPL_AUTO) into int cpl */
	MB_G_INT,	/* integer min..max into a uint32_t or uint64_t */
	MB_G_BOOL,	/* true/false into a bool */
	MB_G_CPUS,	/* a CPU list string ("0-1,3") into a char array */
	MB_G_EVENTS,	/* at most max event names into pmu_events[] */
};
struct mb_generic_param {
	const char *name;
	const char *type;	/* in words: "int", "bool", "cpl", "cpu list", "string list" */
	const char *help;
	int64_t min, max, def;
	enum mb_generic_kind kind;
	size_t off, size;	/* the field in struct mb_params */
};
size_t mb_generic_count(void);
const struct mb_generic_param *mb_generic_get(size_t i);
/* The value of an integer-like (CPL, INT, BOOL) parameter, and its store. */
int64_t mb_generic_int(const struct mb_params *p, const struct mb_generic_param *g);
void mb_generic_set_int(struct mb_params *p, const struct mb_generic_param *g,
			int64_t v);
void mb_params_defaults(struct mb_params *p, const struct mb_bench *b);

#endif
