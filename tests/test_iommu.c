/* The IOMMU/VFIO probe (probes/iommu.h) against fake sysfs trees built in a
 * temporary folder: no IOMMU; IOMMU groups; a PF with 8 VFs, 2 enabled; a
 * device bound to vfio-pci; and hostile trees (huge and non-numeric values,
 * names that are not PCI addresses, link loops, escape sequences). Then
 * this host's own tree, and the vfio_map row's verdict matching it. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/iommu.h"

static char root[PATH_MAX];

/* mkdir -p root/rel */
static void mkd(const char *fmt, ...)
{
	char rel[PATH_MAX], p[PATH_MAX * 2];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (i = strlen(root) + 1; p[i]; i++)
		if (p[i] == '/') {
			p[i] = '\0';
			mkdir(p, 0755);
			p[i] = '/';
		}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void lnk(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int fresh(void **state)
{
	char cmd[PATH_MAX + 16];

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(root, sizeof(root), "/tmp/hvb-iommu-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int cleanup(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	root[0] = '\0';
	return 0;
}

static struct iommu_info ii;

static void usable_says(int want, const char *reason)
{
	const struct iommu_pci *dev;
	char why[320] = "";

	assert_int_equal(iommu_vfio_usable(&ii, &dev, why, sizeof(why)), want);
	if (want == 0) {
		assert_non_null(dev);
	} else {
		assert_null(dev);
		if (!strstr(why, reason))
			fail_msg("reason '%s' lacks '%s'", why, reason);
	}
}

static void no_iommu(void **state)
{
	assert_int_equal(iommu_probe(root, &ii), 0);
	assert_false(ii.groups_dir);
	assert_int_equal(ii.nr_groups, 0);
	assert_int_equal(ii.nr_pf + ii.nr_vfio, 0);
	usable_says(-ENOTSUP, "no IOMMU groups");
	usable_says(-ENOTSUP, "is absent");
	/* Present but empty, as on this kind of VM. */
	mkd("sys/kernel/iommu_groups");
	iommu_probe(root, &ii);
	assert_true(ii.groups_dir);
	usable_says(-ENOTSUP, "is empty");
	json_t *j = iommu_json(&ii);
	assert_false(json_is_true(json_object_get(json_object_get(j, "vfio_map"), "usable")));
	assert_int_equal(json_integer_value(json_object_get(j, "groups")), 0);
	json_decref(j);
}

static void groups(void **state)
{
	mkd("sys/kernel/iommu_groups/0/devices");
	mkd("sys/kernel/iommu_groups/1");
	mkd("sys/kernel/iommu_groups/17");
	mkd("sys/class/iommu/dmar0");
	mkd("sys/class/iommu/dmar1");
	iommu_probe(root, &ii);
	assert_int_equal(ii.nr_groups, 3);
	assert_int_equal(ii.nr_iommus, 2);
	assert_int_equal(ii.rejected, 0);
	usable_says(-ENOTSUP, "no vfio module");
	mkd("sys/module/vfio");
	iommu_probe(root, &ii);
	usable_says(-ENOTSUP, "no vfio-pci driver");
}

/* A PF as the kernel shows it: a folder under devices (a link into the
 * device tree on a real host), its driver and group as links. */
static void pf(const char *bdf, const char *total, const char *num, const char *driver, int group)
{
	char rel[256], t[256];

	mkd("sys/devices/pci0000:00/%s", bdf);
	mkd("sys/bus/pci/devices");
	snprintf(t, sizeof(t), "../../../devices/pci0000:00/%s", bdf);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
	lnk(t, rel);
#define F(leaf, v) do { snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/" leaf, bdf); if (v) put(rel, v); } while (0)
	F("vendor", "0x8086\n");
	F("device", "0x1521\n");
	F("sriov_totalvfs", total);
	F("sriov_numvfs", num);
#undef F
	if (driver) {
		mkd("sys/bus/pci/drivers/%s", driver);
		snprintf(t, sizeof(t), "../../../bus/pci/drivers/%s", driver);
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/driver", bdf);
		lnk(t, rel);
	}
	if (group >= 0) {
		mkd("sys/kernel/iommu_groups/%d", group);
		snprintf(t, sizeof(t), "../../../kernel/iommu_groups/%d", group);
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/iommu_group", bdf);
		lnk(t, rel);
	}
}

static void sriov_pf(void **state)
{
	mkd("sys/module/vfio");
	pf("0000:03:00.0", "8\n", "2\n", "igb", 4);
	pf("0000:00:1f.0", NULL, NULL, "lpc_ich", 5);	/* no SR-IOV: not kept */
	iommu_probe(root, &ii);
	assert_int_equal(ii.nr_groups, 2);
	assert_int_equal(ii.nr_pf, 1);
	assert_string_equal(ii.pf[0].bdf, "0000:03:00.0");
	assert_string_equal(ii.pf[0].vendor, "0x8086");
	assert_string_equal(ii.pf[0].device, "0x1521");
	assert_string_equal(ii.pf[0].driver, "igb");
	assert_int_equal(ii.pf[0].group, 4);
	assert_int_equal(ii.pf[0].totalvfs, 8);
	assert_int_equal(ii.pf[0].numvfs, 2);
	assert_int_equal(ii.vfs_total, 8);
	assert_int_equal(ii.vfs_enabled, 2);
	assert_int_equal(ii.nr_vfio, 0);
	assert_int_equal(ii.rejected, 0);
	usable_says(-ENOTSUP, "no vfio-pci driver");
	mkd("sys/bus/pci/drivers/vfio-pci");
	iommu_probe(root, &ii);
	usable_says(-ENOTSUP, "no device bound to vfio-pci (2 VF(s) enabled on 1 PF(s)");
	put("sys/devices/pci0000:00/0000:03:00.0/sriov_numvfs", "0\n");
	iommu_probe(root, &ii);
	usable_says(-ENOTSUP, "no VF: 1 SR-IOV PF(s) with 8 VF(s) possible, none enabled");
	json_t *s = iommu_sriov_json(&ii);
	assert_int_equal(json_array_size(s), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(s, 0), "totalvfs")), 8);
	json_decref(s);
}

static void vfio_bound(void **state)
{
	mkd("sys/module/vfio");
	pf("0000:03:00.0", "8\n", "2\n", "igb", 4);
	pf("0000:03:10.0", NULL, NULL, "vfio-pci", 9);	/* a VF, given to vfio-pci */
	iommu_probe(root, &ii);
	assert_true(ii.vfio_pci_driver);
	assert_int_equal(ii.nr_vfio, 1);
	assert_string_equal(ii.vfio[0].bdf, "0000:03:10.0");
	assert_int_equal(ii.vfio[0].group, 9);
	assert_false(ii.vfio[0].group_dev);
	usable_says(-ENOTSUP, "no /dev/vfio/vfio container");
	mkd("dev/vfio");
	put("dev/vfio/vfio", "");
	iommu_probe(root, &ii);
	usable_says(-ENOTSUP, "no /dev/vfio/<group> node");
	put("dev/vfio/9", "");
	iommu_probe(root, &ii);
	usable_says(0, NULL);
	const struct iommu_pci *dev;
	char why[64];
	iommu_vfio_usable(&ii, &dev, why, sizeof(why));
	assert_string_equal(dev->bdf, "0000:03:10.0");
	json_t *j = iommu_json(&ii);
	json_t *m = json_object_get(j, "vfio_map");
	assert_true(json_is_true(json_object_get(m, "usable")));
	assert_string_equal(json_string_value(json_object_get(m, "device")), "0000:03:10.0");
	assert_int_equal(json_array_size(json_object_get(j, "vfio_pci_devices")), 1);
	json_decref(j);
}

static void hostile(void **state)
{
	static char big[100000];

	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mkd("sys/module/vfio");
	/* A count no PCI device can have, then one that is not a number. */
	pf("0000:05:00.0", big, "2\n", "igb", 1);
	pf("0000:06:00.0", "8\n", "lots\n", "igb", 2);
	/* More VFs enabled than the PF has: the count is not believed. */
	pf("0000:07:00.0", "8\n", "9\n", "igb", 3);
	pf("0000:08:00.0", "-4\n", "0\n", "igb", 3);
	pf("0000:09:00.0", "0x10\n", "0\n", "igb", 3);
	/* A driver's name with an escape sequence, a vendor id not hex. */
	pf("0000:0a:00.0", "4\n", "1\n", "bad\x1b[31mname", 3);
	put("sys/devices/pci0000:00/0000:0a:00.0/vendor", "0xZZZZ\n");
	/* Names that are not PCI addresses, a link loop, a dangling link, a
	 * group link that loops, a group number past any real one. */
	mkd("sys/bus/pci/devices/evil;rm -rf");
	lnk("0000:0b:00.0", "sys/bus/pci/devices/0000:0b:00.0");
	lnk("/nonexistent", "sys/bus/pci/devices/0000:0c:00.0");
	pf("0000:0d:00.0", "2\n", "1\n", "vfio-pci", -1);
	lnk("iommu_group", "sys/devices/pci0000:00/0000:0d:00.0/iommu_group");
	pf("0000:0e:00.0", "2\n", "1\n", NULL, -1);
	lnk("../../../kernel/iommu_groups/99999999999", "sys/devices/pci0000:00/0000:0e:00.0/iommu_group");
	mkd("sys/kernel/iommu_groups/abc");
	mkd("sys/kernel/iommu_groups/99999999999");
	assert_int_equal(iommu_probe(root, &ii), 0);
	/* Kept: 06 (numvfs unreadable), 07 (numvfs above total); not 05
	 * (too big), 08 ("-4") or 09 ("0x10"): not sysfs's decimal. */
	size_t k;
	bool seen06 = false, seen07 = false, seen0a = false, seen0d = false;
	for (k = 0; k < ii.nr_pf; k++) {
		struct iommu_pci *p = &ii.pf[k];
		assert_true(p->totalvfs >= 0 && p->totalvfs <= IOMMU_MAX_VFS);
		assert_true(p->numvfs >= -1 && p->numvfs <= p->totalvfs);
		assert_string_not_equal(p->bdf, "0000:05:00.0");
		assert_string_not_equal(p->bdf, "0000:08:00.0");
		assert_string_not_equal(p->bdf, "0000:09:00.0");
		if (!strcmp(p->bdf, "0000:06:00.0")) {
			seen06 = true;
			assert_int_equal(p->numvfs, -1);
		}
		if (!strcmp(p->bdf, "0000:07:00.0")) {
			seen07 = true;
			assert_int_equal(p->numvfs, -1);
		}
		if (!strcmp(p->bdf, "0000:0a:00.0")) {
			seen0a = true;
			assert_string_equal(p->driver, "");
			assert_string_equal(p->vendor, "");
		}
		if (!strcmp(p->bdf, "0000:0e:00.0"))
			assert_int_equal(p->group, -1);
	}
	assert_true(seen06 && seen07 && seen0a);
	for (k = 0; k < ii.nr_vfio; k++)
		if (!strcmp(ii.vfio[k].bdf, "0000:0d:00.0")) {
			seen0d = true;
			assert_int_equal(ii.vfio[k].group, -1);	/* the loop */
		}
	assert_true(seen0d);
	assert_int_equal(ii.nr_groups, 3);	/* 1, 2, 3 */
	/* big, lots, 9>8, -4, 0x10, the escape, 0xZZZZ, the bad name, the
	 * loop, the dangling link, the group loop, 99999999999 twice, abc. */
	assert_true(ii.rejected >= 14);
	/* 0d is bound, but with no group it cannot be opened. */
	usable_says(-ENOTSUP, "no /dev/vfio/vfio container");
	json_t *j = iommu_json(&ii);
	char *s = json_dumps(j, 0);
	assert_non_null(s);
	assert_null(strchr(s, '\x1b'));
	assert_null(strstr(s, "evil"));
	free(s);
	json_decref(j);
}

static void too_many(void **state)
{
	int i;

	for (i = 0; i < IOMMU_MAX_SCAN + 5; i++)
		mkd("sys/kernel/iommu_groups/%d", i);
	iommu_probe(root, &ii);
	assert_true(ii.truncated);
	assert_int_equal(ii.nr_groups, IOMMU_MAX_SCAN);
	char longroot[400];
	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[sizeof(longroot) - 1] = '\0';
	assert_int_equal(iommu_probe(longroot, &ii), -EINVAL);
}

/* This host: whatever it has, the row's verdict is the probe's. */
static void this_host(void **state)
{
	const struct mb_bench *b = mb_find("vfio_map");
	const struct iommu_pci *dev;
	char why[320], row_why[320] = "";
	int r;

	assert_int_equal(iommu_probe("/", &ii), 0);
	r = iommu_vfio_usable(&ii, &dev, why, sizeof(why));
	printf("# this host: %ld IOMMU group(s), %zu vfio-pci device(s), %zu PF(s): %s\n",
	       ii.nr_groups, ii.nr_vfio, ii.nr_pf, r ? why : "vfio_map measurable");
	assert_non_null(b);
	assert_non_null(b->available);
	assert_int_equal(b->available(NULL, row_why, sizeof(row_why)), r);
	if (r)
		assert_string_equal(row_why, why);
	json_t *s = hostinfo_sriov_json();
	assert_int_equal(json_array_size(s), ii.nr_pf);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_iommu, fresh, cleanup),
		cmocka_unit_test_setup_teardown(groups, fresh, cleanup),
		cmocka_unit_test_setup_teardown(sriov_pf, fresh, cleanup),
		cmocka_unit_test_setup_teardown(vfio_bound, fresh, cleanup),
		cmocka_unit_test_setup_teardown(hostile, fresh, cleanup),
		cmocka_unit_test_setup_teardown(too_many, fresh, cleanup),
		cmocka_unit_test(this_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
