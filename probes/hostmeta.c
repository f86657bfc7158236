/* Host metadata for every result (hostmeta.h). Every value comes from a
 * file of the running kernel's and is treated as untrusted text: bounded,
 * reduced to printable ASCII, never a format string. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/hostmeta.h"

#define VAL_MAX 256

/* root + path's first line (trimmed, printable ASCII) into buf; 0, or -1
 * where it cannot be read. */
static int read_val(const char *root, const char *path, char *buf, size_t len)
{
	char full[1024];
	FILE *f;
	size_t n;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	for (n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	return 0;
}

static void put(json_t *o, const char *key, const char *root, const char *path)
{
	char v[VAL_MAX];

	if (read_val(root, path, v, sizeof(v)) == 0)
		json_object_set_new(o, key, json_string(v));
}

/* /proc/cpuinfo's first processor block: x86 vendor/family/model/stepping/
 * microcode, arm64 implementer/architecture/variant/part/revision. */
static json_t *cpu(const char *root)
{
	static const char *const keys[][2] = {
		{ "vendor_id", "vendor" }, { "cpu family", "family" }, { "model", "model" },
		{ "stepping", "stepping" }, { "microcode", "microcode" },
		{ "CPU implementer", "implementer" }, { "CPU architecture", "architecture" },
		{ "CPU variant", "variant" }, { "CPU part", "part" }, { "CPU revision", "revision" },
	};
	char full[1024], line[512];
	json_t *o = json_object();
	FILE *f;

	snprintf(full, sizeof(full), "%s/proc/cpuinfo", root);
	if (!o)
		return NULL;
	f = fopen(full, "r");
	if (!f)
		return o;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (line[0] == '\n' && json_object_size(o))
			break;	/* the first processor's block is enough */
		if (!colon)
			continue;
		char *k = line, *v = colon + 1;
		*colon = '\0';
		for (char *e = colon - 1; e >= k && (*e == ' ' || *e == '\t'); e--)
			*e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i][0]) && !json_object_get(o, keys[i][1])) {
				char val[VAL_MAX];
				snprintf(val, sizeof(val), "%s", v);
				for (char *p = val; *p; p++)
					if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
						*p = '?';
				json_object_set_new(o, keys[i][1], json_string(val));
			}
	}
	fclose(f);
	return o;
}

/* Every parameter of each KVM module that is loaded. */
static json_t *kvm_params(const char *root)
{
	static const char *const mods[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm" };
	json_t *o = json_object();

	for (size_t m = 0; o && m < sizeof(mods) / sizeof(mods[0]); m++) {
		char dir[1024];
		DIR *d;
		struct dirent *de;
		json_t *p;
		size_t n = 0;

		snprintf(dir, sizeof(dir), "%s/sys/module/%s/parameters", root, mods[m]);
		d = opendir(dir);
		if (!d)
			continue;
		p = json_object();
		while (p && (de = readdir(d)) && n < 256) {
			char path[600], v[VAL_MAX];

			if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
				continue;
			snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mods[m], de->d_name);
			if (read_val(root, path, v, sizeof(v)) == 0) {
				json_object_set_new(p, de->d_name, json_string(v));
				n++;
			}
		}
		closedir(d);
		json_object_set_new(o, mods[m], p);
	}
	return o;
}

static json_t *memory(const char *root)
{
	json_t *o = json_object(), *hp = json_object();
	DIR *d;
	struct dirent *de;
	char dir[1024];

	put(o, "thp_enabled", root, "/sys/kernel/mm/transparent_hugepage/enabled");
	put(o, "thp_defrag", root, "/sys/kernel/mm/transparent_hugepage/defrag");
	snprintf(dir, sizeof(dir), "%s/sys/kernel/mm/hugepages", root);
	d = opendir(dir);
	while (d && hp && (de = readdir(d))) {
		char path[600];
		json_t *s;

		if (strncmp(de->d_name, "hugepages-", 10) || strlen(de->d_name) > 40)
			continue;
		s = json_object();
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages", de->d_name);
		put(s, "nr", root, path);
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", de->d_name);
		put(s, "free", root, path);
		json_object_set_new(hp, de->d_name + 10, s);
	}
	if (d)
		closedir(d);
	json_object_set_new(o, "hugepages", hp);
	return o;
}

json_t *hostmeta_json(const char *root)
{
	json_t *m = json_object(), *f = json_object(), *s = json_object();
	char v[VAL_MAX];

	if (!m || !f || !s) {
		json_decref(m);
		json_decref(f);
		json_decref(s);
		return NULL;
	}
	root = root ? root : "";
	json_object_set_new(m, "cpu", cpu(root));
	if (read_val(root, "/proc/cmdline", v, sizeof(v)) == 0)
		json_object_set_new(m, "kernel_cmdline", json_string(v));
	/* one kernel boot, whatever the hostname: "hosts" that are containers
	 * or network namespaces of one machine carry the same one */
	put(m, "boot_id", root, "/proc/sys/kernel/random/boot_id");
	json_object_set_new(m, "kvm_params", kvm_params(root));
	json_object_set_new(m, "memory", memory(root));
	put(f, "driver", root, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver");
	put(f, "governor", root, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	put(f, "boost", root, "/sys/devices/system/cpu/cpufreq/boost");
	put(f, "intel_no_turbo", root, "/sys/devices/system/cpu/intel_pstate/no_turbo");
	json_object_set_new(m, "cpufreq", f);
	put(s, "control", root, "/sys/devices/system/cpu/smt/control");
	put(s, "active", root, "/sys/devices/system/cpu/smt/active");
	json_object_set_new(m, "smt", s);
	return m;
}
