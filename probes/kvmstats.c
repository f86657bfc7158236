/* KVM binary statistics reader: parses the KVM_GET_STATS_FD header and
 * descriptors once, then reads the data block with a single pread. */
#include "probes/kvmstats.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct kvmstats_item {
	const char *name;	/* points into names */
	uint32_t flags;
	int16_t exponent;
	uint32_t word;		/* index of the u64 in the data block */
};

struct kvmstats {
	int fd;
	size_t n;
	struct kvmstats_item *items;
	char *names;
	char *id;
	off_t data_offset;
	size_t data_words;
	uint64_t *data;		/* scratch for kvmstats_read, sized at open */
};

/* pread that treats a short read as an error: the kernel serves the whole
 * stats file from memory, so a short read means the layout is not what the
 * header said. */
static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	ssize_t r = pread(fd, buf, len, off);

	if (r < 0)
		return -errno;
	if ((size_t)r != len)
		return -EIO;
	return 0;
}

static void kvmstats_free(struct kvmstats *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->items);
	free(s->names);
	free(s->id);
	free(s->data);
	free(s);
}

int kvmstats_open(int kvm_obj_fd, struct kvmstats **out, char *err,
		  size_t errlen)
{
	struct kvm_stats_header hdr;
	struct kvmstats *s;
	char *descs = NULL;
	size_t desc_sz, i, max_words = 0;
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "kvmstats: out of memory");
		return -ENOMEM;
	}
	s->fd = ioctl(kvm_obj_fd, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "ioctl KVM_GET_STATS_FD: %s",
			 strerror(errno));
		goto fail;
	}
	/* CLOEXEC is not settable through the ioctl; benchmarks may fork. */
	fcntl(s->fd, F_SETFD, FD_CLOEXEC);

	ret = pread_full(s->fd, &hdr, sizeof(hdr), 0);
	if (ret) {
		snprintf(err, errlen, "pread kvm stats header: %s",
			 strerror(-ret));
		goto fail;
	}
	if (hdr.name_size == 0 || hdr.name_size > 4096 ||
	    hdr.num_desc > 65536) {
		ret = -EPROTO;
		snprintf(err, errlen,
			 "kvm stats header: implausible name_size %u num_desc %u",
			 hdr.name_size, hdr.num_desc);
		goto fail;
	}

	s->id = calloc(1, hdr.name_size + 1);
	if (!s->id) {
		ret = -ENOMEM;
		snprintf(err, errlen, "kvmstats: out of memory");
		goto fail;
	}
	ret = pread_full(s->fd, s->id, hdr.name_size, hdr.id_offset);
	if (ret) {
		snprintf(err, errlen, "pread kvm stats id: %s", strerror(-ret));
		goto fail;
	}

	desc_sz = sizeof(struct kvm_stats_desc) + hdr.name_size;
	descs = malloc(desc_sz * (hdr.num_desc ? hdr.num_desc : 1));
	s->items = calloc(hdr.num_desc ? hdr.num_desc : 1, sizeof(*s->items));
	s->names = calloc(hdr.num_desc ? hdr.num_desc : 1, hdr.name_size + 1);
	if (!descs || !s->items || !s->names) {
		ret = -ENOMEM;
		snprintf(err, errlen, "kvmstats: out of memory");
		goto fail;
	}
	ret = pread_full(s->fd, descs, desc_sz * hdr.num_desc,
			 hdr.desc_offset);
	if (ret) {
		snprintf(err, errlen, "pread kvm stats descriptors: %s",
			 strerror(-ret));
		goto fail;
	}

	for (i = 0; i < hdr.num_desc; i++) {
		const struct kvm_stats_desc *d =
			(const void *)(descs + i * desc_sz);
		size_t end_words = d->offset / 8 + d->size;
		char *name;

		if (end_words > max_words)
			max_words = end_words;
		if (d->size != 1)
			continue;
		name = s->names + s->n * (hdr.name_size + 1);
		memcpy(name, d->name, hdr.name_size);
		s->items[s->n].name = name;
		s->items[s->n].flags = d->flags;
		s->items[s->n].exponent = d->exponent;
		s->items[s->n].word = d->offset / 8;
		s->n++;
	}

	s->data_offset = hdr.data_offset;
	s->data_words = max_words;
	s->data = calloc(max_words ? max_words : 1, sizeof(uint64_t));
	if (!s->data) {
		ret = -ENOMEM;
		snprintf(err, errlen, "kvmstats: out of memory");
		goto fail;
	}
	free(descs);
	*out = s;
	return 0;

fail:
	free(descs);
	kvmstats_free(s);
	return ret;
}

size_t kvmstats_count(const struct kvmstats *s)
{
	return s ? s->n : 0;
}

const char *kvmstats_name(const struct kvmstats *s, size_t i)
{
	return i < s->n ? s->items[i].name : NULL;
}

const char *kvmstats_id(const struct kvmstats *s)
{
	return s->id;
}

int kvmstats_index(const struct kvmstats *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].name, name))
			return (int)i;
	return -1;
}

int kvmstats_is_cumulative(const struct kvmstats *s, size_t i)
{
	if (i >= s->n)
		return 0;
	return (s->items[i].flags & KVM_STATS_TYPE_MASK) ==
	       KVM_STATS_TYPE_CUMULATIVE;
}

uint32_t kvmstats_unit(const struct kvmstats *s, size_t i, int *exponent)
{
	if (i >= s->n) {
		if (exponent)
			*exponent = 0;
		return 0;
	}
	if (exponent)
		*exponent = s->items[i].exponent;
	return s->items[i].flags & (KVM_STATS_UNIT_MASK | KVM_STATS_BASE_MASK);
}

int kvmstats_read(struct kvmstats *s, uint64_t *values)
{
	size_t i;
	int ret;

	if (!s)	/* never opened (measure_render_shared): nothing to read */
		return -EBADF;
	ret = pread_full(s->fd, s->data, s->data_words * sizeof(uint64_t),
			 s->data_offset);
	if (ret)
		return ret;
	for (i = 0; i < s->n; i++)
		values[i] = s->data[s->items[i].word];
	return 0;
}

void kvmstats_close(struct kvmstats *s)
{
	kvmstats_free(s);
}
