/* The devices family's IOMMU row (issue 14): what VFIO_IOMMU_MAP_DMA and
 * UNMAP_DMA cost a VMM that assigns a device (a VF bound to vfio-pci) per
 * mapping size, 4 KiB to 1 GiB, through the host's real IOMMU. Where the
 * host has no IOMMU groups, no vfio module or no device bound to vfio-pci,
 * the row is unsupported with that reason (probes/iommu.h), never faked. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "microbench/mb.h"
#include "probes/hostinfo.h"
#include "probes/iommu.h"
#include "probes/record.h"
#include "probes/stats.h"

#define VFIO_IOVA 0x100000000ull	/* where the mappings go in the device's space */

static const struct {
	const char *name;
	uint64_t bytes;
	unsigned reps;
} vfio_sizes[] = {
	{ "4K", 4096, 200 }, { "64K", 65536, 100 }, { "2M", 2u << 20, 30 }, { "1G", 1u << 30, 3 },
};
#define VFIO_NSIZES (sizeof(vfio_sizes) / sizeof(vfio_sizes[0]))

static int vfio_available(const struct hostinfo *hi, char *why, size_t len)
{
	struct iommu_info *ii = calloc(1, sizeof(*ii));
	const struct iommu_pci *dev;
	int r;

	if (!ii) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	iommu_probe("/", ii);
	r = iommu_vfio_usable(ii, &dev, why, len);
	free(ii);
	return r;
}

struct vfio_run {
	int container, group;
	long group_nr;
	char bdf[16];
};

/* The container and the group, set to a type-1 IOMMU, as a VMM opens them. */
static int vfio_open(struct vfio_run *v, char *err, size_t len)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];
	int type;

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0) {
		snprintf(err, len, "open /dev/vfio/vfio: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		snprintf(err, len, "VFIO_GET_API_VERSION: not %d", VFIO_API_VERSION);
		return -ENOTSUP;
	}
	type = ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ? VFIO_TYPE1v2_IOMMU :
	       ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0 ? VFIO_TYPE1_IOMMU : -1;
	if (type < 0) {
		snprintf(err, len, "the VFIO container offers no type-1 IOMMU (VFIO_CHECK_EXTENSION)");
		return -ENOTSUP;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%ld", v->group_nr);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0) {
		snprintf(err, len, "open %s (the group of %s): %s", path, v->bdf, strerror(errno));
		return errno == EBUSY || errno == EACCES || errno == EPERM ? -ENOTSUP : -errno;
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs) < 0 || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(err, len, "IOMMU group %ld is not viable: every device in it must be bound to vfio-pci",
			 v->group_nr);
		return -ENOTSUP;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) < 0) {
		snprintf(err, len, "VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(v->container, VFIO_SET_IOMMU, type) < 0) {
		snprintf(err, len, "VFIO_SET_IOMMU(%d): %s", type, strerror(errno));
		return -errno;
	}
	return 0;
}

static double ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One size: reps times map then unmap the same buffer; ns per call. */
static int vfio_size(struct rec *rec, const struct vfio_run *v, size_t i, char *err, size_t len)
{
	uint64_t bytes = vfio_sizes[i].bytes;
	unsigned n = vfio_sizes[i].reps, k;
	double *map = calloc(n, sizeof(*map)), *unmap = calloc(n, sizeof(*unmap));
	void *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct stats_summary sm, su;
	char name[64];
	int r = 0;

	if (!map || !unmap || buf == MAP_FAILED) {
		snprintf(err, len, "%s: no memory for the buffer", vfio_sizes[i].name);
		r = -ENOMEM;
		goto out;
	}
	for (k = 0; k < n; k++) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)buf, .iova = VFIO_IOVA, .size = bytes,
		};
		struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = VFIO_IOVA, .size = bytes };
		double t0 = ns_now();

		if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m) < 0) {
			snprintf(err, len, "VFIO_IOMMU_MAP_DMA %s: %s", vfio_sizes[i].name, strerror(errno));
			r = -errno;
			goto out;
		}
		double t1 = ns_now();
		if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u) < 0 || u.size != bytes) {
			snprintf(err, len, "VFIO_IOMMU_UNMAP_DMA %s: %s", vfio_sizes[i].name, strerror(errno));
			r = -EIO;
			goto out;
		}
		map[k] = t1 - t0;
		unmap[k] = ns_now() - t1;
	}
	if (stats_from_samples(map, n, &sm) < 0 || stats_from_samples(unmap, n, &su) < 0) {
		snprintf(err, len, "%s: no statistics from %u samples", vfio_sizes[i].name, n);
		r = -EPROTO;
		goto out;
	}
	snprintf(name, sizeof(name), "vfio_map/%s", vfio_sizes[i].name);
	rec_metric_stats(rec, name, "ns", "VFIO_IOMMU_MAP_DMA of one buffer of this size (pins its pages, writes the IOMMU's tables)", &sm, 1);
	snprintf(name, sizeof(name), "vfio_unmap/%s", vfio_sizes[i].name);
	rec_metric_stats(rec, name, "ns", "VFIO_IOMMU_UNMAP_DMA of it (unpins, invalidates the IOTLB)", &su, 1);
	snprintf(name, sizeof(name), "vfio_pages_per_s/%s", vfio_sizes[i].name);
	if (sm.p50 > 0)
		rec_metric_value(rec, name, "4K pages/s", "4 KiB pages mapped per second at the median MAP_DMA", (double)(bytes / 4096) / (sm.p50 * 1e-9));
out:
	if (buf != MAP_FAILED)
		munmap(buf, bytes);
	free(map);
	free(unmap);
	return r;
}

static void vfio_finish(struct mb_setup_ctx *c, struct rec *rec)
{
	struct iommu_info *ii = calloc(1, sizeof(*ii));
	struct vfio_run v = { .container = -1, .group = -1 };
	const struct iommu_pci *dev;
	char err[320];
	size_t i;
	int r;

	if (!ii || rec->status != REC_OK)
		goto out;
	iommu_probe("/", ii);
	if (iommu_vfio_usable(ii, &dev, err, sizeof(err)) < 0) {
		rec_set_status(rec, REC_UNSUPPORTED, err);	/* gone since `available` */
		goto out;
	}
	v.group_nr = dev->group;
	memcpy(v.bdf, dev->bdf, sizeof(v.bdf));
	rec_set(rec, "vfio_device", json_pack("{s:s, s:I}", "bdf", v.bdf, "iommu_group", (json_int_t)v.group_nr));
	r = vfio_open(&v, err, sizeof(err));
	for (i = 0; r == 0 && i < VFIO_NSIZES; i++) {
		if (vfio_sizes[i].bytes * 4 > (c->host ? c->host->mem_bytes : 0))
			continue;	/* a 1 GiB pin on a small host: left out */
		r = vfio_size(rec, &v, i, err, sizeof(err));
	}
	if (r < 0)
		rec_set_status(rec, r == -ENOTSUP ? REC_UNSUPPORTED : REC_FAILED, err);
	else
		rec_set_headline(rec, "vfio_map/4K");
out:
	if (v.group >= 0)
		close(v.group);
	if (v.container >= 0)
		close(v.container);
	free(ii);
}

static int vfio_setup(struct mb_setup_ctx *c)
{
	return 0;	/* the work is the host's, in finish; the VM idles */
}

static const struct mb_bench b_vfio_map = {
	.name = "vfio_map", .family = "devices",
	.description = "VFIO_IOMMU_MAP_DMA / UNMAP_DMA per mapping size (4K, 64K, 2M, 1G) through the host's IOMMU, as a VMM assigning a VF pays it: ns per call, 4K pages per second",
	.archs = MB_ARCH_X86 | MB_ARCH_ARM64,
	.exit_kind = "none: host-side ioctls on the VFIO container (the VM runs the empty body)",
	.expected_exits = -1, .exit_stat = "exits_caused",
	.body = "empty", .cpls = MB_CPL_ANY, .no_subtract = true,
	.available = vfio_available, .setup = vfio_setup, .finish = vfio_finish,
};
MB_REGISTER(b_vfio_map);
