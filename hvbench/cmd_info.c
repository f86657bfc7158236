/* `hvbench info`: what kind of virtualization this host has — backend,
 * paging, TSC, PLE, capabilities, topology, PMU, SR-IOV — and the one figure
 * only a VM can tell: how much slower guest CPL0 code runs than CPL3. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hvbench/cli.h"
#include "hvbench/hostjson.h"
#include "hvbench/measure.h"
#include "probes/hostinfo.h"
#include "probes/pmu.h"
#include "probes/topo.h"

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
	printf("kvm caps     ");
	json_object_foreach(caps, k, v) {
		if (json_is_integer(v))
			printf(" %s=%lld", strncmp(k, "KVM_CAP_", 8) ? k : k + 8,
			       (long long)json_integer_value(v));
	}
	printf("\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	char err[512] = "";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			as_json = true;
		} else {
			FILE *f = c == 'h' ? stdout : stderr;
			fprintf(f, "usage: hvbench info [--json]\n\n"
				   "What kind of virtualization this host has: KVM backend (vmx, svm,\n"
				   "pvm, arm64), EPT/NPT or shadow paging, PLE, TSC, capabilities,\n"
				   "topology, PMU, SR-IOV devices, and the measured CPL0 slowdown\n"
				   "(it starts two tiny VMs).\n\n"
				   "exit: 0 done, 2 bad command line, 3 /dev/kvm missing or not accessible\n");
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	struct hostinfo hi;
	struct topo *topo = NULL;
	hostinfo_probe(&hi);
	if (topo_open(&topo, err, sizeof(err)) < 0)
		topo = NULL;
	double slow = -1;
	if (!hi.kvm_error[0]) {
		struct measure_env env = { .host = &hi, .topo = topo };
		slow = measure_cpl0_slowdown(&env, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "%s", hi.kvm_error);
	}
	json_t *h = host_json(&hi, topo, slow);
	json_object_set_new(h, "sriov", hostinfo_sriov_json());
	json_object_set_new(h, "pmu", pmu_list_json());
	if (as_json) {
		json_dumpf(h, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_text(&hi, h, slow, err);
	}
	json_decref(h);
	if (topo)
		topo_close(topo);
	return hi.kvm_error[0] ? EXIT_NO_KVM : EXIT_OK;
}
