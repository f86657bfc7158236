/* The compute family's host side, shared by its rows: the region a workload
 * works in (guest memslot and the native twin's buffer, backed alike), the
 * native twin's run, and the record every row gets: guest and native time
 * per run, the overhead with its CI, exits per run and per second, the
 * footprint (mc.c). */
#ifndef MACROBENCH_COMPUTE_MC_H
#define MACROBENCH_COMPUTE_MC_H

#include <stddef.h>
#include <stdint.h>

#include "hv-core/abi.h"
#include "hv-core/mem.h"

struct mb_setup_ctx;
struct rec;

struct mc_state {
	uint64_t used;			/* bytes of the region the workload uses */
	/* The work in one run, counted in the row's own unit (bytes hashed,
	 * keys, multiply-adds, edges, rows, syscalls): the record then gives
	 * the cost per unit too. 0: not counted. */
	double work;
	const char *work_unit;
	/* work is bytes of input: also MB/s (10^6 bytes/s) at the medians. */
	int rate;
	/* A row's own figures, into the record as they are (macro_zlib: the
	 * compressed size and the ratio). */
	struct mc_extra {
		const char *name, *unit, *what;
		double value;
	} extra[4];
	int n_extra;
	struct hv_mem_region *guest;	/* the memslot (the VM owns it) */
	struct hv_mem_region native;	/* the twin's buffer, backed as the guest's */
	/* The page the twin runs with, kept by the host when it wrote the
	 * guest's (the guest may rewrite its own). */
	uint64_t param[HV_NPARAMS];
	uint64_t tsc_khz;
	/* Bytes of the twin's buffer zeroed before each of its runs (the
	 * body's own state there, which a fresh guest region starts without):
	 * from zero_off, zero_len of them (0: none). */
	uint64_t zero_off, zero_len;
	/* A mapping of the row's own in this process (macro_forkexec: the
	 * twin's window), unmapped with the state: address and bytes, 0 none. */
	void *own_map;
	size_t own_len;
	/* A row's own state (macro_iomix: its devices), which the row frees
	 * itself after mc_finish; and what the twin needs around each of
	 * its runs (the iomix twin's polling device thread): begin gives 0
	 * or -errno with why filled, end undoes it. NULL: nothing. */
	void *row;
	int (*twin_begin)(struct mc_state *st, char *why, size_t len);
	void (*twin_end)(struct mc_state *st);
	/* The twin's runs (cycles each), from before and after the guest's. */
	double *native_runs;
	uint32_t n_native, reps_after;
	int native_err;			/* 0, or why the twin failed (why) */
	char why[400];
};

/* The twin's runs kept, at most (two runs of HV_MAX_SAMPLES). */
#define MC_NATIVE_MAX (2 * HV_MAX_SAMPLES)

/*
 * The region for a workload using `used` bytes: a memslot at MC_REGION_GPA
 * mapped writable and user-accessible with 4 KiB guest pages, and the twin's
 * buffer of the same size, both anonymous 4 KiB host pages. Also caps the
 * warm-up (one run of a workload is an operation: a few warm it). Fills
 * st (c->priv = st on success, freed by mc_finish) and the page's base and
 * size. 0 or -errno with c->err filled.
 */
int mc_setup(struct mb_setup_ctx *c, uint64_t used, struct mc_state **st);

/* After the row wrote its parameters and references: the twin's copy of
 * the page, and the first half of its runs. */
void mc_setup_done(struct mb_setup_ctx *c, struct mc_state *st);

/* A row's setup that fails after mc_setup: frees what it made (finish is
 * not called then). Returns r. */
int mc_abandon(struct mb_setup_ctx *c, int r);

/* The finish hook of every row: the twin run and the family's metrics. */
void mc_finish(struct mb_setup_ctx *c, struct rec *rec);

/* macro_zlib's corpus, n bytes into p (compress.c says what it holds):
 * the same bytes for the same n on every host. */
void mc_zlib_corpus(uint8_t *p, uint64_t n);

/* macro_zstd's reference for one block of k bytes at a level, by the
 * system's libzstd, as the guest's copy compresses it (compress.c):
 * 0 with *len, -1 on failure. */
int mc_zstd_host_block(void *dst, size_t room, const void *src, size_t k, int level, size_t *len);

/* macro_lz4's stream (mc_abi.h) of the n-byte corpus at src by the
 * system's liblz4 at a level, into dst (cap bytes, mc_lz4_cap's): 0 with
 * *len, -1 with err filled. mc_lz4_same_version: 1 when the host's
 * liblz4 is the guest's copy's version (both named). */
uint64_t mc_lz4_cap(uint64_t n);
int mc_lz4_stream(uint8_t *dst, uint64_t cap, uint64_t *len, const uint8_t *src, uint64_t n, int level,
		  char *err, size_t errlen);
int mc_lz4_same_version(const char **host, const char **guest);

/* A digest's hex (64 digits) into four big-endian 64-bit words; -1 on a
 * character that is not a hex digit. */
int mc_hex_words(const char *hex, uint64_t w[4]);

#endif
