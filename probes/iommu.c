/* The IOMMU and VFIO probe (probes/iommu.h): sysfs under a root, every
 * name and value checked against what the kernel writes before use. */
#include "probes/iommu.h"
#include "probes/hostinfo_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* root + rel into buf; -1 when it does not fit. */
static int mkpath(char *buf, size_t len, const struct iommu_info *ii, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int mkpath(char *buf, size_t len, const struct iommu_info *ii, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -1;
	n = snprintf(buf, len, "%s%s", strcmp(ii->root, "/") ? ii->root : "", rel);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A decimal number 0..max, as sysfs writes it: -ENOENT when the file is
 * not there, -EINVAL (and one more rejection) for anything else. */
static int read_num(struct iommu_info *ii, const char *path, long max, long *v)
{
	char buf[32];
	size_t i;
	int r = hi_read_str(path, buf, sizeof(buf));

	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0)
		goto bad;	/* ELOOP, EISDIR, EACCES: there but not a value */
	for (i = 0; buf[i]; i++)
		if (!isdigit((unsigned char)buf[i]))
			goto bad;
	if (i == 0 || i > 9)
		goto bad;	/* empty, or more digits than any bound here */
	*v = strtol(buf, NULL, 10);
	if (*v > max)
		goto bad;
	return 0;
bad:
	ii->rejected++;
	return -EINVAL;
}

/* "dddd:bb:dd.f" in hex, as the PCI core names devices. */
static bool valid_bdf(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

/* A vendor or device id: "0x" and four hex digits, else "". */
static void read_id(struct iommu_info *ii, const char *path, char *out, size_t len)
{
	char buf[16];
	size_t i;

	out[0] = '\0';
	if (hi_read_str(path, buf, sizeof(buf)) < 0)
		return;
	if (strlen(buf) != 6 || buf[0] != '0' || buf[1] != 'x')
		goto bad;
	for (i = 2; i < 6; i++)
		if (!isxdigit((unsigned char)buf[i]))
			goto bad;
	hi_copy_str(out, len, buf);
	return;
bad:
	ii->rejected++;
}

/* The last component of a symlink's target, or -1 (absent, loop, or a
 * target too long for any sysfs link). */
static int link_base(const char *path, char *out, size_t len)
{
	char link[PATH_MAX];
	ssize_t r = readlink(path, link, sizeof(link) - 1);
	const char *b;

	if (r <= 0 || (size_t)r >= sizeof(link) - 1)
		return -1;
	link[r] = '\0';
	b = strrchr(link, '/');
	b = b ? b + 1 : link;
	if (strlen(b) >= len)
		return -1;
	hi_copy_str(out, len, b);
	return 0;
}

/* A driver's name: letters, digits, '-', '_', '.'; else rejected, "". */
static void read_driver(struct iommu_info *ii, const char *path, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	if (link_base(path, out, len) < 0)
		return;
	for (i = 0; out[i]; i++)
		if (!isalnum((unsigned char)out[i]) && !strchr("-_.", out[i]))
			break;
	if (!out[0] || out[i]) {
		out[0] = '\0';
		ii->rejected++;
	}
}

static long read_group(struct iommu_info *ii, const char *path)
{
	char b[32], *end;
	long g;

	if (link_base(path, b, sizeof(b)) < 0)
		return -1;
	errno = 0;
	g = strtol(b, &end, 10);
	if (!isdigit((unsigned char)b[0]) || *end || errno || g > IOMMU_MAX_GROUP) {
		ii->rejected++;
		return -1;
	}
	return g;
}

/* Entries of a folder (not . and ..), each handed to fn; bounded. */
static void scan(struct iommu_info *ii, const char *dir,
		 void (*fn)(struct iommu_info *, const char *dir, const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long n = 0;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++n > IOMMU_MAX_SCAN) {
			ii->truncated = true;
			break;
		}
		fn(ii, dir, de->d_name);
	}
	closedir(d);
}

static void on_group(struct iommu_info *ii, const char *dir, const char *name)
{
	char *end;
	long g;

	errno = 0;
	g = strtol(name, &end, 10);
	if (!isdigit((unsigned char)name[0]) || *end || errno || g > IOMMU_MAX_GROUP)
		ii->rejected++;
	else
		ii->nr_groups++;
}

static void on_iommu(struct iommu_info *ii, const char *dir, const char *name)
{
	ii->nr_iommus++;
}

/* dir/name/leaf into path; -1 when it does not fit. */
static int devpath(char *path, size_t len, const char *dir, const char *name, const char *leaf)
{
	int n = snprintf(path, len, "%s/%s%s", dir, name, leaf);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void on_pci(struct iommu_info *ii, const char *dir, const char *name)
{
	struct iommu_pci dev = { .group = -1, .totalvfs = -1, .numvfs = -1 };
	char path[PATH_MAX];
	struct stat st;

	if (!valid_bdf(name)) {
		ii->rejected++;
		return;
	}
	if (devpath(path, sizeof(path), dir, name, "") < 0)
		return;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ii->rejected++;		/* a link loop, a dangling link, a file */
		return;
	}
	hi_copy_str(dev.bdf, sizeof(dev.bdf), name);
	if (devpath(path, sizeof(path), dir, name, "/driver") < 0)
		return;
	read_driver(ii, path, dev.driver, sizeof(dev.driver));
	if (devpath(path, sizeof(path), dir, name, "/iommu_group") < 0)
		return;
	dev.group = read_group(ii, path);
	if (devpath(path, sizeof(path), dir, name, "/sriov_totalvfs") < 0)
		return;
	if (read_num(ii, path, IOMMU_MAX_VFS, &dev.totalvfs) < 0)
		dev.totalvfs = -1;
	if (dev.totalvfs >= 0) {
		if (devpath(path, sizeof(path), dir, name, "/sriov_numvfs") < 0)
			return;
		if (read_num(ii, path, dev.totalvfs, &dev.numvfs) < 0)
			dev.numvfs = -1;	/* above totalvfs: not believed */
	}
	if (dev.totalvfs < 0 && strcmp(dev.driver, "vfio-pci"))
		return;		/* neither a PF nor ours */
	if (devpath(path, sizeof(path), dir, name, "/vendor") < 0)
		return;
	read_id(ii, path, dev.vendor, sizeof(dev.vendor));
	if (devpath(path, sizeof(path), dir, name, "/device") < 0)
		return;
	read_id(ii, path, dev.device, sizeof(dev.device));
	if (dev.totalvfs >= 0) {
		ii->vfs_total += dev.totalvfs;
		ii->vfs_enabled += dev.numvfs > 0 ? dev.numvfs : 0;
		if (ii->nr_pf < IOMMU_MAX_DEVS)
			ii->pf[ii->nr_pf++] = dev;
		else
			ii->truncated = true;
	}
	if (!strcmp(dev.driver, "vfio-pci")) {
		if (dev.group >= 0 && mkpath(path, sizeof(path), ii, "/dev/vfio/%ld", dev.group) == 0)
			dev.group_dev = exists(path);
		if (ii->nr_vfio < IOMMU_MAX_DEVS)
			ii->vfio[ii->nr_vfio++] = dev;
		else
			ii->truncated = true;
	}
}

int iommu_probe(const char *root, struct iommu_info *ii)
{
	char path[PATH_MAX];

	memset(ii, 0, sizeof(*ii));
	if (!root || !root[0])
		root = "/";
	if (strlen(root) >= sizeof(ii->root))
		return -EINVAL;
	hi_copy_str(ii->root, sizeof(ii->root), root);
	if (mkpath(path, sizeof(path), ii, "/sys/kernel/iommu_groups") == 0) {
		ii->groups_dir = exists(path);
		scan(ii, path, on_group);
	}
	if (mkpath(path, sizeof(path), ii, "/sys/class/iommu") == 0)
		scan(ii, path, on_iommu);
	if (mkpath(path, sizeof(path), ii, "/sys/module/vfio") == 0)
		ii->vfio_module = exists(path);
	if (mkpath(path, sizeof(path), ii, "/sys/bus/pci/drivers/vfio-pci") == 0)
		ii->vfio_pci_driver = exists(path);
	if (!ii->vfio_pci_driver && mkpath(path, sizeof(path), ii, "/sys/module/vfio_pci") == 0)
		ii->vfio_pci_driver = exists(path);
	if (mkpath(path, sizeof(path), ii, "/dev/vfio/vfio") == 0)
		ii->vfio_container = exists(path);
	if (mkpath(path, sizeof(path), ii, "/sys/bus/pci/devices") == 0)
		scan(ii, path, on_pci);
	return 0;
}

int iommu_vfio_usable(const struct iommu_info *ii, const struct iommu_pci **dev,
		      char *why, size_t len)
{
	size_t i;

	*dev = NULL;
	for (i = 0; i < ii->nr_vfio; i++)
		if (ii->vfio[i].group >= 0 && ii->vfio[i].group_dev && ii->vfio_container) {
			*dev = &ii->vfio[i];
			return 0;
		}
	if (!ii->nr_groups)
		snprintf(why, len, "no IOMMU groups (%s/sys/kernel/iommu_groups %s): no IOMMU is enabled (VT-d, AMD-Vi, SMMU) or the host is a VM without a virtual one",
			 strcmp(ii->root, "/") ? ii->root : "", ii->groups_dir ? "is empty" : "is absent");
	else if (!ii->vfio_module)
		snprintf(why, len, "no vfio module (%ld IOMMU group(s), but /sys/module/vfio is absent: modprobe vfio-pci)",
			 ii->nr_groups);
	else if (!ii->vfio_pci_driver)
		snprintf(why, len, "no vfio-pci driver (vfio is loaded, vfio-pci is not: modprobe vfio-pci)");
	else if (!ii->nr_vfio && ii->nr_pf && !ii->vfs_enabled)
		snprintf(why, len, "no VF: %zu SR-IOV PF(s) with %ld VF(s) possible, none enabled (sriov_numvfs is 0), and no device bound to vfio-pci",
			 ii->nr_pf, ii->vfs_total);
	else if (!ii->nr_vfio)
		snprintf(why, len, "no device bound to vfio-pci (%ld VF(s) enabled on %zu PF(s): bind one through driver_override)",
			 ii->vfs_enabled, ii->nr_pf);
	else if (!ii->vfio_container)
		snprintf(why, len, "no /dev/vfio/vfio container node although %zu device(s) are bound to vfio-pci",
			 ii->nr_vfio);
	else
		snprintf(why, len, "no /dev/vfio/<group> node for the %zu device(s) bound to vfio-pci (group %ld)",
			 ii->nr_vfio, ii->vfio[0].group);
	return -ENOTSUP;
}

static json_t *pci_json(const struct iommu_pci *p, bool pf)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "bdf", p->bdf, "vendor", p->vendor,
			      "device", p->device, "driver", p->driver,
			      "iommu_group", (json_int_t)p->group);

	if (o && pf) {
		json_object_set_new(o, "totalvfs", json_integer(p->totalvfs));
		json_object_set_new(o, "numvfs", json_integer(p->numvfs));
	}
	if (o && !pf)
		json_object_set_new(o, "group_node", json_boolean(p->group_dev));
	return o;
}

json_t *iommu_sriov_json(const struct iommu_info *ii)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < ii->nr_pf; i++)
		json_array_append_new(a, pci_json(&ii->pf[i], true));
	return a;
}

json_t *iommu_json(const struct iommu_info *ii)
{
	const struct iommu_pci *dev;
	char why[320];
	json_t *o, *v = json_array();
	size_t i;

	for (i = 0; v && i < ii->nr_vfio; i++)
		json_array_append_new(v, pci_json(&ii->vfio[i], false));
	o = json_pack("{s:I, s:I, s:b, s:b, s:b, s:o, s:o, s:I, s:I, s:I, s:b}",
		      "groups", (json_int_t)ii->nr_groups, "iommus", (json_int_t)ii->nr_iommus,
		      "vfio_module", ii->vfio_module, "vfio_pci_driver", ii->vfio_pci_driver,
		      "vfio_container", ii->vfio_container, "vfio_pci_devices", v,
		      "sriov_pfs", iommu_sriov_json(ii), "vfs_total", (json_int_t)ii->vfs_total,
		      "vfs_enabled", (json_int_t)ii->vfs_enabled, "rejected", (json_int_t)ii->rejected,
		      "truncated", ii->truncated);
	if (!o)
		return NULL;
	if (iommu_vfio_usable(ii, &dev, why, sizeof(why)) == 0)
		json_object_set_new(o, "vfio_map", json_pack("{s:b, s:s}", "usable", 1, "device", dev->bdf));
	else
		json_object_set_new(o, "vfio_map", json_pack("{s:b, s:s}", "usable", 0, "why", why));
	return o;
}
