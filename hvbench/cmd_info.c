/* `hvbench info`: what kind of virtualization this host has — backend,
 * paging, TSC, PLE, capabilities, topology, PMU, SR-IOV — the one figure
 * only a VM can tell (how much slower guest CPL0 code runs than CPL3), and
 * what starting a run costs here (hvbench/startup.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hvbench/cli.h"
#include "hvbench/hostsetup.h"
#include "hvbench/jail.h"
#include "hvbench/measure.h"
#include "hvbench/startup.h"
#include "probes/hostinfo.h"
#include "probes/pmu.h"
#include "probes/hostload.h"

static void print_startup(json_t *su)
{
	json_t *e = json_object_get(su, "error");
	double first = json_number_value(json_object_get(su, "exec_to_first_sample_ms"));
	double entry = json_number_value(json_object_get(su, "vm_create_to_vcpu_start_ms"));
	double ready = json_number_value(json_object_get(su, "vm_create_to_guest_ready_ms"));

	if (e || !json_object_get(su, "exec_to_first_sample_ms")) {
		printf("start-up      not measured (%s)\n", e ? json_string_value(e) : "no first sample");
		return;
	}
	printf("start-up      exec -> first sample %.1f ms; VM creation -> vCPUs entering the guest %.2f ms, -> its first call %.2f ms (host cache: %s)\n",
	       first, entry, ready, json_string_value(json_object_get(su, "host_cache")));
}

/* The IOMMU probe's block; its strings were validated by the probe (bdf
 * shape, driver names of [A-Za-z0-9._-]), the reason is ours. */
static void print_iommu(json_t *io)
{
	json_t *map = json_object_get(io, "vfio_map");

	if (!io) {
		printf("iommu         not probed\n");
		return;
	}
	printf("iommu         %lld group(s), %lld unit(s); vfio %s, vfio-pci %s; %zu device(s) bound to vfio-pci; %lld of %lld VF(s) enabled\n",
	       (long long)json_integer_value(json_object_get(io, "groups")),
	       (long long)json_integer_value(json_object_get(io, "iommus")),
	       json_is_true(json_object_get(io, "vfio_module")) ? "loaded" : "absent",
	       json_is_true(json_object_get(io, "vfio_pci_driver")) ? "loaded" : "absent",
	       json_array_size(json_object_get(io, "vfio_pci_devices")),
	       (long long)json_integer_value(json_object_get(io, "vfs_enabled")),
	       (long long)json_integer_value(json_object_get(io, "vfs_total")));
	if (json_is_true(json_object_get(map, "usable")))
		printf("vfio_map      measurable on %s\n", json_string_value(json_object_get(map, "device")));
	else
		printf("vfio_map      unsupported: %s\n", json_string_value(json_object_get(map, "why")) ?: "?");
}

static void print_text(const struct hostinfo *hi, json_t *h, double slow,
		       const char *slow_err)
{
	json_t *topo = json_object_get(h, "topology");
	json_t *caps = json_object_get(h, "kvm_caps");
	json_t *sriov = json_object_get(h, "sriov");
	const char *k;
	json_t *v;

	printf("host          %s (%s, Linux %s)\n", hi->hostname, hi->arch, hi->kernel);
	printf("cpu           %s, %s\n", hi->cpu_vendor, hi->cpu_model);
	if (hi->kvm_error[0])
		printf("kvm           unusable: %s\n", hi->kvm_error);
	else
		printf("kvm           API version %d\n", hi->kvm_api_version);
	printf("backend       %s%s%s%s%s\n", hi->backend,
	       !strcmp(hi->backend, "pvm") ? " (PVM: guest CPL0 is emulated, CPL3 runs natively)" : "",
	       hi->backend_source[0] ? " (mode from " : "", hi->backend_source,
	       hi->backend_source[0] ? ")" : "");
	if (hi->emulated)
		printf("emulated      yes: the CPU is a software model; counter readings measure emulated work, not time\n");
	printf("paging        %s%s\n", hi->paging,
	       !strcmp(hi->paging, "shadow") ? " (no EPT/NPT: KVM shadows guest page tables)" : "");
	printf("timer         %llu kHz (%s), %s\n", (unsigned long long)hi->tsc_khz,
	       hi->tsc_source, hi->tsc_invariant ? "invariant" : "NOT invariant");
	if (slow > 0)
		printf("cpl0 slowdown %.0fx (same loop at CPL0 vs CPL3; ~1 with hardware-assisted virtualization)\n", slow);
	else
		printf("cpl0 slowdown unknown (%s)\n", slow_err);
	if (hi->ple_gap >= 0)
		printf("PLE           gap %d, window %d (%s)\n", hi->ple_gap, hi->ple_window, hi->ple_source);
	else
		printf("PLE           not applicable (%s)\n", hi->ple_source[0] ? hi->ple_source : "no PLE knobs");
	printf("pmu           %s%s%s\n", hi->pmu_available ? "available" : "unavailable",
	       hi->pmu_available ? "" : ": ", hi->pmu_reason);
	if (topo)
		printf("topology      %lld package(s), %lld core(s), %lld PU(s), %lld NUMA node(s)\n",
		       (long long)json_integer_value(json_object_get(topo, "packages")),
		       (long long)json_integer_value(json_object_get(topo, "cores")),
		       (long long)json_integer_value(json_object_get(topo, "pus")),
		       (long long)json_integer_value(json_object_get(topo, "numa_nodes")));
	printf("memory        %.1f GiB, %d CPUs online\n", (double)hi->mem_bytes / (1 << 30), hi->nr_cpus);
	printf("sr-iov        %zu capable PCI device(s)\n", json_array_size(sriov));
	print_iommu(json_object_get(h, "iommu"));
	print_startup(json_object_get(h, "startup"));
	json_t *cache = json_object_get(h, "cache");
	printf("host cache    %s%s%s%s%s\n", json_string_value(json_object_get(cache, "status")),
	       json_object_get(cache, "path") ? " " : "",
	       json_object_get(cache, "path") ? json_string_value(json_object_get(cache, "path")) : "",
	       json_object_get(cache, "why") ? ": " : "",
	       json_object_get(cache, "why") ? json_string_value(json_object_get(cache, "why")) : "");
	printf("kvm caps     ");
	json_object_foreach(caps, k, v) {
		if (json_is_integer(v))
			printf(" %s=%lld", strncmp(k, "KVM_CAP_", 8) ? k : k + 8,
			       (long long)json_integer_value(v));
	}
	printf("\n");
}

/* The child side of the start-up measurement: what `hvbench run` does up to
 * the first sample (host set-up through the cache, the load window, one
 * jailed benchmark VM), then the marks as one JSON line on stdout. */
static int startup_probe(void)
{
	struct hostload_window *load = hostload_begin();
	struct host_setup hs;
	struct jail_opts jail;
	struct mb_params p;
	const struct mb_bench *b = mb_find("empty");
	json_t *rec = NULL, *out;

	host_setup(&hs);
	startup_mark(SU_HOST_READY);
	if (b && !hs.hi.kvm_error[0]) {
		struct measure_env env = { .host = &hs.hi, .cpl0_slowdown = hs.cpl0_slowdown };

		jail_opts_default(&jail);
		mb_params_defaults(&p, b);
		p.min_time_ms = 1;
		p.repetitions = 1;
		p.warmup_iters = 10;
		measure_resolve_cpl(b, &p, hs.cpl0_slowdown);
		rec = measure_run_jailed(&env, b, &p, &jail);
	}
	out = startup_json();
	json_object_set_new(out, "host_cache", json_string(hostcache_status_name(hs.cache)));
	json_object_set_new(out, "benchmark", json_string("empty"));
	if (rec && strcmp(json_string_value(json_object_get(rec, "status")) ?: "", "ok"))
		json_object_set_new(out, "error", json_incref(json_object_get(rec, "reason")));
	else if (!rec)
		json_object_set_new(out, "error", json_string(hs.hi.kvm_error[0] ? hs.hi.kvm_error : "no benchmark \"empty\""));
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	json_decref(rec);
	json_decref(hostload_collect(load));
	host_setup_free(&hs);
	return EXIT_OK;
}

/* Runs this binary's startup_probe in a fresh process, stamping the time
 * right before execve so the figure includes loading the binary. */
static json_t *measure_startup(void)
{
	int fds[2], status;
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(fds) < 0)
		return json_pack("{s:s}", "error", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return json_pack("{s:s}", "error", strerror(errno));
	}
	if (pid == 0) {
		struct timespec ts;
		char stamp[32];
		char *argv[] = { "hvbench", "info", "--startup-probe", NULL };

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(stamp, sizeof(stamp), "%lld",
			 (long long)ts.tv_sec * 1000000000 + ts.tv_nsec);
		setenv(STARTUP_EXEC_ENV, stamp, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	while (n < sizeof(buf) - 1 && (r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	json_t *j = json_loads(buf, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return json_pack("{s:s}", "error", "the start-up probe process reported nothing");
	}
	return j;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "startup-probe", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			as_json = true;
		} else if (c == 'S') {
			return startup_probe();
		} else {
			FILE *f = c == 'h' ? stdout : stderr;
			fprintf(f, "usage: hvbench info [--json]\n\n"
				   "What kind of virtualization this host has: KVM backend (vmx, svm,\n"
				   "pvm, arm64), EPT/NPT or shadow paging, PLE, TSC, capabilities,\n"
				   "topology, PMU, SR-IOV devices, the measured CPL0 slowdown (two tiny\n"
				   "VMs, once per boot: then cached), and the start-up cost of a run:\n"
				   "exec -> first sample and VM creation -> guest entry, measured in a\n"
				   "fresh process (--startup-probe is that process's side).\n\n"
				   "The host cache: $XDG_CACHE_HOME/hvbench (default ~/.cache/hvbench).\n\n"
				   "exit: 0 done, 2 bad command line, 3 /dev/kvm missing or not accessible\n");
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	struct host_setup hs;
	host_setup(&hs);
	json_t *h = host_setup_json(&hs);
	json_object_set_new(h, "sriov", hostinfo_sriov_json());
	json_object_set_new(h, "pmu", pmu_list_json());
	if (!hs.hi.kvm_error[0])
		json_object_set_new(h, "startup", measure_startup());
	if (as_json) {
		json_dumpf(h, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_text(&hs.hi, h, hs.cpl0_slowdown, hs.slow_err);
	}
	json_decref(h);
	host_setup_free(&hs);
	return hs.hi.kvm_error[0] ? EXIT_NO_KVM : EXIT_OK;
}
