/* The host's IOMMU and VFIO as sysfs shows them: IOMMU groups and units,
 * the vfio and vfio-pci modules, devices bound to vfio-pci, SR-IOV PFs and
 * their VFs. Read under a root directory ("/" on a host, a fake tree in a
 * test): every value read is validated and bounded, nothing is trusted. */
#ifndef PROBES_IOMMU_H
#define PROBES_IOMMU_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define IOMMU_MAX_DEVS 64	/* PFs, vfio-pci devices kept (the rest counted) */
#define IOMMU_MAX_SCAN 8192	/* directory entries read per folder */
#define IOMMU_MAX_GROUP 1000000	/* a larger group number is not believed */
#define IOMMU_MAX_VFS 65535	/* PCI's limit on VFs per PF (16-bit field) */

/* One PCI device the probe keeps: a PF with SR-IOV or a vfio-pci device. */
struct iommu_pci {
	char bdf[16];		/* "dddd:bb:dd.f", validated */
	char vendor[8], device[8];	/* "0x8086"; "" when unreadable or not 4 hex digits */
	char driver[32];	/* bound driver's name (sanitised), "" when none */
	long group;		/* IOMMU group, -1 when none or not believed */
	long totalvfs, numvfs;	/* SR-IOV: -1 when not a PF / unreadable */
	bool group_dev;		/* vfio-pci: /dev/vfio/<group> exists */
};

struct iommu_info {
	char root[256];		/* what was read: "/" on a host */
	bool groups_dir;	/* <root>/sys/kernel/iommu_groups exists */
	long nr_groups;		/* numeric entries in it (≤ IOMMU_MAX_SCAN) */
	long nr_iommus;		/* units in <root>/sys/class/iommu */
	bool vfio_module;	/* <root>/sys/module/vfio */
	bool vfio_pci_driver;	/* <root>/sys/bus/pci/drivers/vfio-pci or module vfio_pci */
	bool vfio_container;	/* <root>/dev/vfio/vfio */
	struct iommu_pci pf[IOMMU_MAX_DEVS];
	size_t nr_pf;		/* PFs kept */
	struct iommu_pci vfio[IOMMU_MAX_DEVS];
	size_t nr_vfio;		/* devices bound to vfio-pci kept */
	long vfs_total, vfs_enabled;	/* summed over the PFs */
	/* Entries refused as not what sysfs writes (a bad name, a value out of
	 * range or not a number, a link loop): counted, never used. */
	long rejected;
	bool truncated;		/* a folder had more than IOMMU_MAX_SCAN entries */
};

/* Reads everything under root (NULL or "": "/"); never fails hard: what
 * cannot be read is absent. Returns 0, or -EINVAL for a root too long. */
int iommu_probe(const char *root, struct iommu_info *out);
/* 0 when a device bound to vfio-pci can be opened for DMA mapping (its
 * group's /dev/vfio node and the container exist): *dev says which; else
 * -ENOTSUP with the first missing piece in why (no IOMMU groups, no vfio
 * module, no vfio-pci driver, no device bound to it, no VF enabled). */
int iommu_vfio_usable(const struct iommu_info *ii, const struct iommu_pci **dev,
		      char *why, size_t len);
/* The `host.iommu` block (docs/results-schema.md). */
json_t *iommu_json(const struct iommu_info *ii);
/* The PFs alone, as `hvbench info`'s "sriov" list. */
json_t *iommu_sriov_json(const struct iommu_info *ii);

#endif
