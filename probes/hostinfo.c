/* Host virtualization probe: KVM backend and paging mode, TSC, PMU, PLE,
 * KVM capabilities and SR-IOV devices, from sysfs, procfs and /dev/kvm. */
#include "probes/hostinfo.h"
#include "probes/hostinfo_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The only architecture-specific code: reading the cycle counter, and the
 * counter frequency register that arm64 provides and x86 does not. */
static int arch_read_tsc(uint64_t *v)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
#else
	*v = 0;	/* defined on every path: callers may keep it */
	return -ENOTSUP;
#endif
}

static uint64_t arch_counter_freq_hz(void)
{
#if defined(__aarch64__)
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
#else
	return 0;
#endif
}

/* Module boolean parameters read as "Y"/"N" (or "1"/"0"); -1 if absent. */
static int read_file_bool(const char *path)
{
	char buf[16];

	if (hi_read_str(path, buf, sizeof(buf)))
		return -1;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Value of the first "key<tabs>: value" line in /proc/cpuinfo. */
static int cpuinfo_get(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	size_t klen = strlen(key);
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *p;

		if (strncmp(line, key, klen) ||
		    (line[klen] != '\t' && line[klen] != ' ' &&
		     line[klen] != ':'))
			continue;
		p = strchr(line + klen, ':');
		if (!p)
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\n")] = '\0';
		hi_copy_str(out, len, p);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';

		if (start && end)
			return true;
		p += wl;
	}
	return false;
}

static const char *arm_implementer(long id)
{
	switch (id) {
	case 0x41: return "ARM";
	case 0x42: return "Broadcom";
	case 0x43: return "Cavium";
	case 0x46: return "Fujitsu";
	case 0x48: return "HiSilicon";
	case 0x4e: return "NVIDIA";
	case 0x51: return "Qualcomm";
	case 0x61: return "Apple";
	case 0xc0: return "Ampere";
	default: return NULL;
	}
}

static void probe_cpu(struct hostinfo *hi, char *flags, size_t flen)
{
	char impl[32], part[32];

	if (cpuinfo_get("vendor_id", hi->cpu_vendor, sizeof(hi->cpu_vendor)))
		hi_copy_str(hi->cpu_vendor, sizeof(hi->cpu_vendor), "unknown");
	if (cpuinfo_get("model name", hi->cpu_model, sizeof(hi->cpu_model)))
		hi_copy_str(hi->cpu_model, sizeof(hi->cpu_model), "unknown");
	/* arm64 /proc/cpuinfo has no vendor or model strings, only ids. */
	if (!cpuinfo_get("CPU implementer", impl, sizeof(impl))) {
		long id = strtol(impl, NULL, 0);
		const char *name = arm_implementer(id);

		/* 0 is "reserved for software use": QEMU's emulated CPUs. */
		hi->emulated = id == 0;
		if (id == 0)
			name = "software model (QEMU TCG)";

		hi_copy_str(hi->cpu_vendor, sizeof(hi->cpu_vendor),
			 name ? name : impl);
		if (!cpuinfo_get("CPU part", part, sizeof(part)))
			snprintf(hi->cpu_model, sizeof(hi->cpu_model),
				 "implementer %s part %s", impl, part);
	}
	if (cpuinfo_get("flags", flags, flen) &&
	    cpuinfo_get("Features", flags, flen))
		flags[0] = '\0';
}

/* KVM/arm64's mode: what KVM said at boot ("VHE mode initialized
 * successfully", "Hyp mode initialized successfully" for nVHE, "Protected
 * nVHE mode ..."), else what the kernel command line asked for. */
static void arm64_kvm_mode(struct hostinfo *hi)
{
	static const struct { const char *msg, *mode; } msgs[] = {
		/* protected first: its message contains the VHE one */
		{ "Protected nVHE mode initialized successfully", "arm64-protected" },
		{ "VHE mode initialized successfully", "arm64-vhe" },
		{ "Hyp mode initialized successfully", "arm64-nvhe" },
	};
	char cmdline[4096];
	int n = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);

	hi_copy_str(hi->backend, sizeof(hi->backend), "arm64");
	hi_copy_str(hi->backend_source, sizeof(hi->backend_source), "unknown");
	if (n > 0) {
		char *buf = malloc((size_t)n + 1);
		int got = buf ? klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, n) : -1;

		if (got > 0) {
			buf[got] = '\0';
			for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
				if (strstr(buf, msgs[i].msg)) {
					hi_copy_str(hi->backend, sizeof(hi->backend), msgs[i].mode);
					hi_copy_str(hi->backend_source, sizeof(hi->backend_source),
						 "kernel log");
					free(buf);
					return;
				}
		}
		free(buf);
	}
	if (hi_read_str("/proc/cmdline", cmdline, sizeof(cmdline)) == 0) {
		const char *m = strstr(cmdline, "kvm-arm.mode=");
		if (m) {
			m += strlen("kvm-arm.mode=");
			hi_copy_str(hi->backend_source, sizeof(hi->backend_source),
				 "/proc/cmdline kvm-arm.mode");
			if (!strncmp(m, "nvhe", 4))
				hi_copy_str(hi->backend, sizeof(hi->backend), "arm64-nvhe");
			else if (!strncmp(m, "protected", 9))
				hi_copy_str(hi->backend, sizeof(hi->backend), "arm64-protected");
		}
	}
}

static void probe_backend(struct hostinfo *hi, const char *flags)
{
	bool arm = !strcmp(hi->arch, "aarch64");
	int b;

	/* PVM first: it is the module that drives /dev/kvm when loaded, even
	 * on hardware that also has VMX/SVM. */
	if (path_exists("/sys/module/kvm_pvm")) {
		hi_copy_str(hi->backend, sizeof(hi->backend), "pvm");
		hi_copy_str(hi->paging, sizeof(hi->paging), "shadow");
		return;
	}
	if (path_exists("/sys/module/kvm_intel")) {
		hi_copy_str(hi->backend, sizeof(hi->backend), "vmx");
		b = read_file_bool("/sys/module/kvm_intel/parameters/ept");
		hi_copy_str(hi->paging, sizeof(hi->paging),
			 b < 0 ? "unknown" : b ? "ept" : "shadow");
		return;
	}
	if (path_exists("/sys/module/kvm_amd")) {
		hi_copy_str(hi->backend, sizeof(hi->backend), "svm");
		b = read_file_bool("/sys/module/kvm_amd/parameters/npt");
		hi_copy_str(hi->paging, sizeof(hi->paging),
			 b < 0 ? "unknown" : b ? "npt" : "shadow");
		return;
	}
	if (arm && path_exists("/dev/kvm")) {
		arm64_kvm_mode(hi);
		hi_copy_str(hi->paging, sizeof(hi->paging), "stage2");
		return;
	}
	/* No vendor module loaded: report what the CPU could do. */
	if (has_word(flags, "vmx"))
		hi_copy_str(hi->backend, sizeof(hi->backend), "vmx");
	else if (has_word(flags, "svm"))
		hi_copy_str(hi->backend, sizeof(hi->backend), "svm");
	else
		hi_copy_str(hi->backend, sizeof(hi->backend), "unknown");
	hi_copy_str(hi->paging, sizeof(hi->paging), "unknown");
}

static void probe_kvm(struct hostinfo *hi)
{
	int fd, vm, e;

	hi->kvm_api_version = -1;
	hi->kvm_error[0] = '\0';
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			hi_copy_str(hi->kvm_error, sizeof(hi->kvm_error),
				 "no /dev/kvm");
		else if (e == EACCES || e == EPERM)
			hi_copy_str(hi->kvm_error, sizeof(hi->kvm_error),
				 "permission denied on /dev/kvm");
		else
			snprintf(hi->kvm_error, sizeof(hi->kvm_error),
				 "open /dev/kvm: %s", strerror(e));
		return;
	}
	hi->kvm_api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (hi->kvm_api_version < 0) {
		snprintf(hi->kvm_error, sizeof(hi->kvm_error),
			 "ioctl KVM_GET_API_VERSION: %s", strerror(errno));
		hi->kvm_api_version = -1;
		close(fd);
		return;
	}
	/* A backend can load yet refuse VMs (e.g. virtualization disabled in
	 * firmware), which only KVM_CREATE_VM reveals. */
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		snprintf(hi->kvm_error, sizeof(hi->kvm_error),
			 "ioctl KVM_CREATE_VM: %s", strerror(errno));
	else
		close(vm);
	close(fd);
}

static int64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Pairs a TSC read with the clock read it is closest to in time, by keeping
 * the tightest of a few bracketing attempts. A failed read keeps *tsc and
 * *ns as they were. */
static void tsc_clock_pair(uint64_t *tsc, int64_t *ns)
{
	int64_t best = INT64_MAX;
	int i;

	for (i = 0; i < 16; i++) {
		int64_t a = ns_now(), b;
		uint64_t t;

		if (arch_read_tsc(&t))
			return;
		b = ns_now();
		if (b - a < best) {
			best = b - a;
			*tsc = t;
			*ns = a + (b - a) / 2;
		}
	}
}

/* Against CLOCK_MONOTONIC_RAW over 50 ms: the one slow probe, so
 * hostinfo_probe_lazy leaves it to the caller (a cache may know the answer). */
void hostinfo_calibrate_tsc(struct hostinfo *hi)
{
	struct timespec d = { 0, 50 * 1000 * 1000 };
	uint64_t t0 = 0, t1 = 0;
	int64_t n0 = 0, n1 = 0;

	if (strcmp(hi->tsc_source, "pending"))
		return;
	hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "unknown");
	if (arch_read_tsc(&t0))
		return;
	tsc_clock_pair(&t0, &n0);
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	tsc_clock_pair(&t1, &n1);
	if (n1 > n0 && t1 > t0) {
		hi->tsc_khz = (uint64_t)((double)(t1 - t0) * 1e6 /
					 (double)(n1 - n0) + 0.5);
		hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "calibrated");
	}
}

void hostinfo_set_tsc(struct hostinfo *hi, uint64_t khz)
{
	if (strcmp(hi->tsc_source, "pending") || !khz)
		return;
	hi->tsc_khz = khz;
	hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "calibrated");
}

static void probe_tsc(struct hostinfo *hi, const char *flags)
{
	uint64_t hz = arch_counter_freq_hz(), t0;
	long khz;

	hi->tsc_khz = 0;
	hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "unknown");
	hi->tsc_invariant = has_word(flags, "constant_tsc") &&
			    has_word(flags, "nonstop_tsc");
	if (hz) {
		/* The arm64 generic timer runs at a fixed rate by definition. */
		hi->tsc_khz = hz / 1000;
		hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "cntfrq");
		hi->tsc_invariant = true;
		return;
	}
	if (!hi_read_long("/sys/devices/system/cpu/cpu0/tsc_freq_khz", &khz) &&
	    khz > 0) {
		hi->tsc_khz = (uint64_t)khz;
		hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "sysfs");
		return;
	}
	if (!arch_read_tsc(&t0))
		hi_copy_str(hi->tsc_source, sizeof(hi->tsc_source), "pending");
}

static void probe_pmu(struct hostinfo *hi)
{
	struct perf_event_attr attr;
	int fd, e;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	/* User-only, so perf_event_paranoid does not make a present PMU look
	 * absent to an unprivileged run. */
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.disabled = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1,
		     PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		hi->pmu_available = true;
		hi->pmu_reason[0] = '\0';
		return;
	}
	e = errno;
	hi->pmu_available = false;
	if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)
		snprintf(hi->pmu_reason, sizeof(hi->pmu_reason),
			 "no hardware PMU: perf_event_open(cycles): %s",
			 strerror(e));
	else
		snprintf(hi->pmu_reason, sizeof(hi->pmu_reason),
			 "perf_event_open(cycles): %s", strerror(e));
}

static void probe_ple(struct hostinfo *hi)
{
	long gap, win;

	hi->ple_gap = -1;
	hi->ple_window = -1;
	if (!strcmp(hi->backend, "vmx") &&
	    !hi_read_long("/sys/module/kvm_intel/parameters/ple_gap", &gap) &&
	    !hi_read_long("/sys/module/kvm_intel/parameters/ple_window", &win)) {
		hi->ple_gap = (int)gap;
		hi->ple_window = (int)win;
		hi_copy_str(hi->ple_source, sizeof(hi->ple_source),
			 "kvm_intel ple_gap/ple_window");
		return;
	}
	/* AMD's threshold is the gap between PAUSEs, its count the window. */
	if (!strcmp(hi->backend, "svm") &&
	    !hi_read_long("/sys/module/kvm_amd/parameters/pause_filter_thresh", &gap) &&
	    !hi_read_long("/sys/module/kvm_amd/parameters/pause_filter_count", &win)) {
		hi->ple_gap = (int)gap;
		hi->ple_window = (int)win;
		hi_copy_str(hi->ple_source, sizeof(hi->ple_source),
			 "kvm_amd pause_filter_thresh/pause_filter_count");
		return;
	}
	snprintf(hi->ple_source, sizeof(hi->ple_source),
		 "n/a (no PLE parameters for backend %s)", hi->backend);
}

int hostinfo_probe_lazy(struct hostinfo *hi)
{
	struct utsname u;
	char flags[4096];
	long n, pages, psz;

	memset(hi, 0, sizeof(*hi));
	if (gethostname(hi->hostname, sizeof(hi->hostname)) ||
	    !hi->hostname[0])
		hi_copy_str(hi->hostname, sizeof(hi->hostname), "unknown");
	hi->hostname[sizeof(hi->hostname) - 1] = '\0';
	if (uname(&u) == 0) {
		hi_copy_str(hi->kernel, sizeof(hi->kernel), u.release);
		hi_copy_str(hi->arch, sizeof(hi->arch), u.machine);
	} else {
		hi_copy_str(hi->kernel, sizeof(hi->kernel), "unknown");
		hi_copy_str(hi->arch, sizeof(hi->arch), "unknown");
	}
	probe_cpu(hi, flags, sizeof(flags));
	if (!strcmp(hi->arch, "x86_64"))
		hostinfo_probe_emulation(hi);
	hi->cpuid_fault = has_word(flags, "cpuid_fault");
	probe_backend(hi, flags);
	probe_kvm(hi);
	probe_tsc(hi, flags);
	probe_pmu(hi);
	probe_ple(hi);
	long mp;
	hi->lapic_min_period_us = hi_read_long("/sys/module/kvm/parameters/min_timer_period_us", &mp) == 0 &&
				  mp >= 0 && mp < (1L << 30) ? (int)mp : -1;

	n = sysconf(_SC_NPROCESSORS_ONLN);
	hi->nr_cpus = n > 0 ? (int)n : -1;
	pages = sysconf(_SC_PHYS_PAGES);
	psz = sysconf(_SC_PAGESIZE);
	hi->mem_bytes = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
	return 0;
}

json_t *hostinfo_json(const struct hostinfo *hi)
{
	json_t *o = json_object();

	json_object_set_new(o, "hostname", json_string(hi->hostname));
	json_object_set_new(o, "kernel", json_string(hi->kernel));
	json_object_set_new(o, "cpu_vendor", json_string(hi->cpu_vendor));
	json_object_set_new(o, "cpu_model", json_string(hi->cpu_model));
	json_object_set_new(o, "arch", json_string(hi->arch));
	json_object_set_new(o, "backend", json_string(hi->backend));
	if (hi->backend_source[0])
		json_object_set_new(o, "backend_source", json_string(hi->backend_source));
	json_object_set_new(o, "paging", json_string(hi->paging));
	json_object_set_new(o, "emulated", json_boolean(hi->emulated));
	if (hi->emulated_source[0])
		json_object_set_new(o, "emulated_source", json_string(hi->emulated_source));
	if (hi->counter_unit[0]) {
		json_object_set_new(o, "counter_unit", json_string(hi->counter_unit));
		json_object_set_new(o, "counter_unit_source", json_string(hi->counter_unit_source));
		json_object_set_new(o, "tsc_per_insn", json_real(hi->tsc_per_insn));
	}
	json_object_set_new(o, "kvm_api_version",
			    json_integer(hi->kvm_api_version));
	json_object_set_new(o, "kvm_error", json_string(hi->kvm_error));
	json_object_set_new(o, "tsc_khz", json_integer((json_int_t)hi->tsc_khz));
	json_object_set_new(o, "tsc_source", json_string(hi->tsc_source));
	json_object_set_new(o, "tsc_invariant", json_boolean(hi->tsc_invariant));
	json_object_set_new(o, "cpuid_fault", json_boolean(hi->cpuid_fault));
	json_object_set_new(o, "pmu_available", json_boolean(hi->pmu_available));
	json_object_set_new(o, "pmu_reason", json_string(hi->pmu_reason));
	json_object_set_new(o, "ple_gap", json_integer(hi->ple_gap));
	json_object_set_new(o, "ple_window", json_integer(hi->ple_window));
	json_object_set_new(o, "ple_source", json_string(hi->ple_source));
	json_object_set_new(o, "nr_cpus", json_integer(hi->nr_cpus));
	json_object_set_new(o, "mem_bytes",
			    json_integer((json_int_t)hi->mem_bytes));
	return o;
}

int hostinfo_probe(struct hostinfo *hi)
{
	hostinfo_probe_lazy(hi);
	hostinfo_calibrate_tsc(hi);
	return 0;
}
