/*
 * Harness self-test for ci/arm64: runs inside the emulated arm64 machine.
 *
 * Opens /dev/kvm, KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_ARM_PREFERRED_TARGET,
 * KVM_CREATE_VCPU, KVM_ARM_VCPU_INIT, then runs a 5-instruction guest that
 * stores to an unmapped address in a loop (one KVM_EXIT_MMIO per store) and
 * times the round trips with the virtual counter. Writes OUT/result.json with
 * jansson (dynamically linked on purpose, like hwloc and libpfm4 which it also
 * calls: it proves the harness ships the shared libraries hvbench-arm64 needs)
 * and OUT/sub/blob.bin (checks nested paths and binary transfer).
 *
 * Usage: selftest [--out DIR] [--in FILE] [--iters N] [--blob-kb N] [--exit N]
 * Exit: the --exit value when everything worked, 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <jansson.h>
#include <linux/kvm.h>
#include <perfmon/pfmlib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define GUEST_CODE_GPA 0x10000ULL
#define MMIO_GPA 0x10000000ULL

static const uint32_t guest_code[] = {
	0xd2a20000, /* mov  x0, #0x10000000 */
	0x52800541, /* mov  w1, #42 */
	0xb9000001, /* 1: str w1, [x0] */
	0x11000421, /* add  w1, w1, #1 */
	0x17fffffe, /* b    1b */
};

static json_t *res;

static int fail(const char *what)
{
	fprintf(stderr, "selftest: %s: %s\n", what, strerror(errno));
	json_object_set_new(res, "ok", json_false());
	json_object_set_new(res, "error", json_sprintf("%s: %s", what, strerror(errno)));
	return 1;
}

static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static inline uint64_t cntfrq(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static int mkdirs(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return (mkdir(buf, 0755) && errno != EEXIST) ? -1 : 0;
}

static int run_kvm(long iters)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	json_object_set_new(res, "api_version", json_integer(api));
	printf("selftest: KVM_GET_API_VERSION = %d\n", api);
	if (api != KVM_API_VERSION) {
		errno = EINVAL;
		return fail("KVM_GET_API_VERSION");
	}
	int ipa = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	json_object_set_new(res, "max_ipa_bits", json_integer(ipa));

	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	json_object_set_new(res, "create_vm", json_true());

	size_t memsz = 0x10000;
	void *mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memcpy(mem, guest_code, sizeof(guest_code));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_CODE_GPA,
		.memory_size = memsz,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");

	struct kvm_vcpu_init init;
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET");
	json_object_set_new(res, "preferred_target", json_integer(init.target));

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT");
	json_object_set_new(res, "vcpu_init", json_true());

	uint64_t pc = GUEST_CODE_GPA;
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t)),
		.addr = (uintptr_t)&pc,
	};
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		return fail("KVM_SET_ONE_REG pc");

	int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (runsz <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, runsz, PROT_READ | PROT_WRITE,
				   MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");

	uint64_t t0 = 0;
	uint32_t expect = 42;
	for (long i = 0; i <= iters; i++) {
		if (i == 1)
			t0 = cntvct(); /* first exit is warm-up */
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
		    run->mmio.phys_addr != MMIO_GPA || run->mmio.len != 4) {
			errno = EPROTO;
			fprintf(stderr, "selftest: exit %u at iteration %ld\n",
				run->exit_reason, i);
			json_object_set_new(res, "bad_exit_reason",
					    json_integer(run->exit_reason));
			return fail("unexpected exit");
		}
		uint32_t data;
		memcpy(&data, run->mmio.data, 4);
		if (data != expect++) {
			errno = EPROTO;
			return fail("MMIO data mismatch");
		}
	}
	uint64_t ticks = cntvct() - t0;
	json_object_set_new(res, "mmio_exits", json_integer(iters));
	json_object_set_new(res, "mmio_exit_ticks_avg",
			    json_real(iters ? (double)ticks / iters : 0));
	printf("selftest: %ld MMIO exits, %.1f counter ticks each\n", iters,
	       iters ? (double)ticks / iters : 0.0);
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "/out", *in = NULL;
	long iters = 2000, blob_kb = 64;
	int exit_code = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--in") && i + 1 < argc)
			in = argv[++i];
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--blob-kb") && i + 1 < argc)
			blob_kb = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--exit") && i + 1 < argc)
			exit_code = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--out DIR] [--in FILE] [--iters N] "
				"[--blob-kb N] [--exit N]\n", argv[0]);
			return 2;
		}
	}

	res = json_object();
	json_object_set_new(res, "tool", json_string("hvbench-arm64-selftest"));
	json_object_set_new(res, "jansson_version", json_string(jansson_version_str()));
	struct utsname u;
	if (!uname(&u)) {
		json_object_set_new(res, "machine", json_string(u.machine));
		json_object_set_new(res, "kernel", json_string(u.release));
	}
	json_object_set_new(res, "cntfrq_hz", json_integer(cntfrq()));

	/* The other libraries bin/hvbench-arm64 links: hwloc reads /sys and
	 * /proc, libpfm4 /sys/devices and /proc/cpuinfo. */
	hwloc_topology_t topo;
	if (!hwloc_topology_init(&topo) && !hwloc_topology_load(topo)) {
		json_object_set_new(res, "hwloc_pus", json_integer(
			hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)));
		hwloc_topology_destroy(topo);
	} else {
		json_object_set_new(res, "hwloc_pus", json_integer(-1));
	}
	int pret = pfm_initialize();
	json_object_set_new(res, "pfm_initialize", json_string(pfm_strerror(pret)));
	if (pret == PFM_SUCCESS) {
		int npmu = 0;
		pfm_pmu_t p;
		pfm_for_all_pmus(p) {
			pfm_pmu_info_t pinfo;
			memset(&pinfo, 0, sizeof(pinfo));
			pinfo.size = sizeof(pinfo);
			if (pfm_get_pmu_info(p, &pinfo) == PFM_SUCCESS && pinfo.is_present)
				npmu++;
		}
		json_object_set_new(res, "pfm_pmus_present", json_integer(npmu));
	}

	if (in) {
		json_error_t jerr;
		json_t *j = json_load_file(in, 0, &jerr);
		json_object_set_new(res, "input", j ? j : json_string(jerr.text));
	}

	int rc = run_kvm(iters);
	if (!rc)
		json_object_set_new(res, "ok", json_true());

	if (mkdirs(out) < 0)
		return fail("mkdir out"), 1;
	char path[4096];
	snprintf(path, sizeof(path), "%s/sub", out);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/sub/blob.bin", out);
	FILE *f = fopen(path, "wb");
	if (f) {
		uint32_t x = 2463534242u; /* xorshift32: the host can regenerate it */
		for (long i = 0; i < blob_kb * 256; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			fwrite(&x, 4, 1, f);
		}
		fclose(f);
	}
	json_object_set_new(res, "blob_bytes", json_integer(blob_kb * 1024));

	snprintf(path, sizeof(path), "%s/result.json", out);
	if (json_dump_file(res, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		fprintf(stderr, "selftest: cannot write %s\n", path);
		return 1;
	}
	printf("selftest: wrote %s (%s)\n", path, rc ? "FAILED" : "ok");
	return rc ? 1 : exit_code;
}
