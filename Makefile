# hvbench build. `make` builds bin/hvbench (guest image embedded), `make run`
# runs the default suite, `make check` runs every test. See README.md.

HOST_MACHINE := $(shell uname -m)
ifeq ($(HOST_MACHINE),aarch64)
  HOST_ARCH := arm64
else
  HOST_ARCH := x86
endif
ARCH ?= $(HOST_ARCH)

ifeq ($(ARCH),arm64)
  ifneq ($(HOST_ARCH),arm64)
    CROSS ?= aarch64-linux-gnu-
    PKG_CONFIG_PATH_CROSS := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
  endif
  # Atomics inline (LDAXR/STLXR): the freestanding image has no libgcc
  # for the out-of-line helpers GCC calls by default (the ple family's locks).
  GUEST_CFLAGS_ARCH := -mgeneral-regs-only -mstrict-align -mno-outline-atomics
else
  GUEST_CFLAGS_ARCH := -mno-red-zone -mno-sse -mno-mmx -mno-avx -mgeneral-regs-only
endif

# Anything that asks an installed tool (gcc, pkg-config) is evaluated on
# first use, once, never when the Makefile is read: on a fresh machine `deps`
# installs those tools after this file was parsed. (lazy NAME,COMMAND defines
# NAME as COMMAND's output, computed the first time NAME is expanded.)
lazy = $(eval $(1) = $$(eval $(1) := $$$$(shell $(2)))$$($(1)))

CC := $(CROSS)gcc
# The host code's compiler; the guest image's is always $(CC) (make fuzz: clang).
HOSTCC = $(CC)
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
NM := $(CROSS)nm
PKG_CONFIG := $(PKG_CONFIG_PATH_CROSS) pkg-config

BUILD := build/$(ARCH)
BIN := bin/hvbench$(if $(filter $(HOST_ARCH),$(ARCH)),,-$(ARCH))
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
$(call lazy,PKG_CFLAGS,$(PKG_CONFIG) --cflags jansson hwloc libseccomp sqlite3 2>/dev/null)
$(call lazy,PKG_LIBS,$(PKG_CONFIG) --libs jansson hwloc libseccomp sqlite3 2>/dev/null)
# PostgreSQL (store/db_pg.c) where libpq is there for the target: Debian's
# libpq-dev cannot be installed for two architectures at once, so the arm64
# cross build goes without (its --db postgresql:// then says so).
$(call lazy,PG_CFLAGS,$(PKG_CONFIG) --exists libpq 2>/dev/null && echo -DHVBENCH_PG `$(PKG_CONFIG) --cflags libpq`)
$(call lazy,PG_LIBS,$(PKG_CONFIG) --libs libpq 2>/dev/null)
HOST_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -I. -D_GNU_SOURCE -pthread \
	-DHVBENCH_VERSION='"$(VERSION)"' \
	$(PKG_CFLAGS) $(PG_CFLAGS) -MMD -MP
HOST_LIBS = $(PKG_LIBS) $(PG_LIBS) -lpfm -lpthread -lm -lz -llz4 -lzstd

# A family in a folder of its own, microbench/<family>/ or
# macrobench/<family>/: its host files there, its guest bodies in
# <family>/guest/ (every arch, and the native target) and
# <family>/guest/<arch>/. microbench/guest/ is the top level's.
FAMILY_DIRS := $(filter-out microbench/guest macrobench/guest,$(patsubst %/,%,$(wildcard \
	microbench/*/ macrobench/*/)))
FAMILY_GUEST := $(addsuffix /guest,$(FAMILY_DIRS))

# Every .c in these folders is part of the host library; the CLI's main() is
# kept apart so tests can link the same library.
LIB_DIRS := hv-core hv-core/dev hv-core/arch/$(ARCH) probes microbench \
	$(FAMILY_DIRS) macrobench analysis store hvbench
LIB_SRCS := $(filter-out hvbench/main.c $(EXCLUDE),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
MAIN_OBJ := $(BUILD)/hvbench/main.o

# Guest image: freestanding, linked at its own address, flattened, embedded.
GUEST_SRCS := $(wildcard hv-core/guest/common/*.c hv-core/guest/$(ARCH)/*.c \
	hv-core/guest/$(ARCH)/*.S microbench/guest/*.c microbench/guest/$(ARCH)/*.c \
	microbench/guest/$(ARCH)/*.S $(foreach g,$(FAMILY_GUEST),$(g)/*.c \
	$(g)/$(ARCH)/*.c $(g)/$(ARCH)/*.S))
GUEST_OBJS := $(patsubst %,$(BUILD)/guest/%.o,$(GUEST_SRCS))
$(call lazy,CC_INCLUDE,$(CC) -print-file-name=include 2>/dev/null)
GUEST_CFLAGS = -std=gnu11 $(WARN) -O2 -g -I. -Ihv-core/guest -Ihv-core/guest/$(ARCH) -ffreestanding -fno-builtin \
	-nostdlib -nostdinc -isystem $(CC_INCLUDE) \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -DHV_GUEST $(GUEST_CFLAGS_ARCH) -MMD -MP
GUEST_LDS := hv-core/guest/$(ARCH)/guest.lds

# The native target (hv-core/native.h): the arch-neutral guest files, but
# the runtime's entry, built again for the host, into the host library.
NATIVE_SRCS := $(filter-out hv-core/guest/common/start.c,$(wildcard \
	hv-core/guest/common/*.c microbench/guest/*.c $(addsuffix /*.c,$(FAMILY_GUEST))))
NATIVE_OBJS := $(patsubst %.c,$(BUILD)/native/%.o,$(NATIVE_SRCS))
# A macrobenchmark's native twin is compiled as its guest body is (no SSE
# on x86, no builtins), so both run the same instructions and the overhead
# is the VM's, not the compiler's. Not under another compiler (make fuzz).
MACRO_NATIVE_OBJS := $(filter $(BUILD)/native/macrobench/%,$(NATIVE_OBJS))
TWIN_CFLAGS = $(if $(filter $(CC),$(HOSTCC)),$(GUEST_CFLAGS_ARCH) -ffreestanding -fno-builtin)
$(MACRO_NATIVE_OBJS): HOST_CFLAGS += $(TWIN_CFLAGS)

# zlib for the compression workload (macrobench/compute/README.md): the
# library's own files from Debian's source package (ci/deb-src.sh fetches
# and checks it), compiled with the guest's code generation for the guest
# image and again, the same way, for the native twin; the host's reference
# is the system's libz (-lz). Z_SOLO: no libc (allocation is the body's
# arena, memcpy zlib's own); Z_PREFIX and the z_ names keep this copy apart
# from the system's in the host binary. Not zlib's warnings (-Werror is for
# our code); no loop turned into a memcpy/memset call the guest lacks.
.DEFAULT_GOAL := all
ZLIB_SRC := build/src/zlib
ZLIB_FILES := adler32 crc32 deflate inflate inffast inftrees trees zutil
ZLIB_DEFS := -DZ_SOLO -DZ_PREFIX -DNO_GZIP -Dzmemcpy=z_zmemcpy -Dzmemcmp=z_zmemcmp -Dzmemzero=z_zmemzero
ZLIB_GUEST_OBJS := $(patsubst %,$(BUILD)/guest/zlib/%.o,$(ZLIB_FILES))
ZLIB_NATIVE_OBJS := $(patsubst %,$(BUILD)/native/macrobench/zlib/%.o,$(ZLIB_FILES))
ZLIB_USERS := macrobench/compute/guest/zlib.c macrobench/compute/guest/lz4.c macrobench/compute/guest/zstd.c \
	macrobench/compute/guest/iomix.c
# gcc's switch; clang (the fuzz build) has none and turns no loop into a call
# there that the host library lacks (the native twin links libc).
no_ldp = $(shell $(1) -fno-tree-loop-distribute-patterns -E -x c /dev/null >/dev/null 2>&1 && echo -fno-tree-loop-distribute-patterns)
ZLIB_NOLDP_GUEST := $(call no_ldp,$(CC))
ZLIB_NOLDP_HOST := $(call no_ldp,$(HOSTCC))
# Each library's source package, fetched, checked and unpacked once.
build/src/%/.unpacked: ci/deb-src.sh
	bash ci/deb-src.sh $* $(@D)
$(ZLIB_GUEST_OBJS): $(BUILD)/guest/zlib/%.o: $(ZLIB_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(WARN),$(GUEST_CFLAGS)) $(ZLIB_DEFS) $(ZLIB_NOLDP_GUEST) -c $(ZLIB_SRC)/$*.c -o $@
$(ZLIB_NATIVE_OBJS): $(BUILD)/native/macrobench/zlib/%.o: $(ZLIB_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(filter-out $(WARN),$(HOST_CFLAGS)) $(ZLIB_DEFS) $(ZLIB_NOLDP_HOST) -c $(ZLIB_SRC)/$*.c -o $@
$(patsubst %,$(BUILD)/guest/%.o,$(ZLIB_USERS)) $(patsubst %.c,$(BUILD)/native/%.o,$(ZLIB_USERS)): \
	$(ZLIB_SRC)/.unpacked
$(patsubst %,$(BUILD)/guest/%.o,$(ZLIB_USERS)): GUEST_CFLAGS += $(ZLIB_DEFS) -I$(ZLIB_SRC)
$(patsubst %.c,$(BUILD)/native/%.o,$(ZLIB_USERS)): HOST_CFLAGS += $(ZLIB_DEFS) -I$(ZLIB_SRC) -fno-omit-frame-pointer
GUEST_OBJS += $(ZLIB_GUEST_OBJS)
NATIVE_OBJS += $(ZLIB_NATIVE_OBJS)

# lz4 for the same workload's second row, the same way (ci/deb-src.sh lz4:
# Debian 12's 1.9.4 source): lz4.c and lz4hc.c in LZ4_FREESTANDING mode (no
# libc, no allocation: the body gives the state). What a constant-size
# __builtin_memcpy does not inline becomes a call to memcpy, memmove or
# memset, which the guest lacks and the twin must not take from libc (the
# twin's instructions are the guest's): the objcopy step renames those to
# the body's own mc_memcpy/mc_memmove/mc_memset (guest/mc_mem.c), and
# every LZ4_* symbol to mc_LZ4_*, apart from the system's liblz4 the host
# links for its reference. gcc's limits.h needs libc's under -nostdinc,
# unless _LIBC_LIMITS_H_ says it was read: the guest's lz4 and zstd take
# INT_MAX and the like from gcc's alone.
LZ4_SRC := build/src/lz4
LZ4_FILES := lz4 lz4hc
LZ4_DEFS := -DLZ4_FREESTANDING=1 -DLZ4HC_HEAPMODE=0 -DLZ4_memcpy=__builtin_memcpy \
	-DLZ4_memmove=__builtin_memmove -DLZ4_memset=__builtin_memset
# The guest's builds only (-nostdinc): a hosted build takes libc's limits.h.
GUEST_NO_LIBC_LIMITS := -D_LIBC_LIMITS_H_
LZ4_GUEST_OBJS := $(patsubst %,$(BUILD)/guest/lz4/%.o,$(LZ4_FILES))
LZ4_NATIVE_OBJS := $(patsubst %,$(BUILD)/native/macrobench/lz4/%.o,$(LZ4_FILES))
LZ4_USERS := macrobench/compute/guest/lz4.c macrobench/compute/guest/iomix.c
# lib_rename OBJ,OUT,PREFIXES: OBJ's global symbols that start with one
# of PREFIXES (a regex alternation), and the libc names, with mc_ before.
LIBC_NAMES := memcpy$$|memmove$$|memset$$|malloc$$|calloc$$|free$$
lib_rename = $(OBJCOPY) $$($(NM) -g $(1) | awk '$$NF ~ /^($(3)|$(LIBC_NAMES))/ \
	{ printf " --redefine-sym %s=mc_%s", $$NF, $$NF }') $(1) $(2)
$(LZ4_GUEST_OBJS): $(BUILD)/guest/lz4/%.o: $(LZ4_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(WARN),$(GUEST_CFLAGS)) $(LZ4_DEFS) $(GUEST_NO_LIBC_LIMITS) $(ZLIB_NOLDP_GUEST) \
		-c $(LZ4_SRC)/lib/$*.c -o $(@:.o=.raw.o)
	$(call lib_rename,$(@:.o=.raw.o),$@,LZ4)
$(LZ4_NATIVE_OBJS): $(BUILD)/native/macrobench/lz4/%.o: $(LZ4_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(filter-out $(WARN),$(HOST_CFLAGS)) $(LZ4_DEFS) $(ZLIB_NOLDP_HOST) -c $(LZ4_SRC)/lib/$*.c -o $(@:.o=.raw.o)
	$(call lib_rename,$(@:.o=.raw.o),$@,LZ4)
$(patsubst %,$(BUILD)/guest/%.o,$(LZ4_USERS)) $(patsubst %.c,$(BUILD)/native/%.o,$(LZ4_USERS)): \
	$(LZ4_SRC)/.unpacked
$(patsubst %,$(BUILD)/guest/%.o,$(LZ4_USERS)): GUEST_CFLAGS += -I$(LZ4_SRC)/lib
$(patsubst %.c,$(BUILD)/native/%.o,$(LZ4_USERS)): HOST_CFLAGS += -I$(LZ4_SRC)/lib -fno-omit-frame-pointer
# The shim's loops must stay loops (not calls to the memcpy they replace).
$(BUILD)/guest/macrobench/compute/guest/mc_mem.c.o: GUEST_CFLAGS += $(ZLIB_NOLDP_GUEST)
$(BUILD)/native/macrobench/compute/guest/mc_mem.o: HOST_CFLAGS += $(ZLIB_NOLDP_HOST)
GUEST_OBJS += $(LZ4_GUEST_OBJS)
NATIVE_OBJS += $(LZ4_NATIVE_OBJS)

# zstd for the third row (ci/deb-src.sh zstd: Debian 12's 1.5.4 source):
# the library's compress and decompress files without the multithreaded
# ones, no assembly (ZSTD_DISABLE_ASM: huf_decompress_amd64.S), no BMI2
# dispatch (DYNAMIC_BMI2=0: it would ask cpuid, which exits in the guest),
# no legacy formats, no trace hooks, no debug. zstd includes string.h,
# stdlib.h and assert.h: macrobench/compute/libc/ declares what it takes
# of them, for both builds alike, and lib_rename sends the calls to
# guest/mc_mem.c as lz4's; every ZSTD_/HUF_/FSE_/HIST_/ERR_ symbol
# becomes mc_*, apart from the system's libzstd (-lzstd, the reference).
ZSTD_SRC := build/src/zstd
ZSTD_FILES := common/entropy_common common/error_private common/fse_decompress common/xxhash \
	common/zstd_common compress/fse_compress compress/hist compress/huf_compress \
	compress/zstd_compress compress/zstd_compress_literals compress/zstd_compress_sequences \
	compress/zstd_compress_superblock compress/zstd_double_fast compress/zstd_fast \
	compress/zstd_lazy compress/zstd_ldm compress/zstd_opt decompress/huf_decompress \
	decompress/zstd_ddict decompress/zstd_decompress decompress/zstd_decompress_block
ZSTD_DEFS := -isystem macrobench/compute/libc -DZSTD_DISABLE_ASM -DDYNAMIC_BMI2=0 \
	-DZSTD_LEGACY_SUPPORT=0 -DZSTD_NO_TRACE -DDEBUGLEVEL=0
ZSTD_PREFIXES := ZSTD|HUF|FSE|HIST|ERR
# On x86 the guest's copy is position-independent code too, as the twin's
# is (the host binary is a PIE), linked at the image's fixed address: zstd
# is all table lookups and function-pointer tables, which PIE code reaches
# otherwise (a register for the table's address, relative jump tables):
# its Huffman decoder's hot loop was 13 instructions longer in the twin,
# ERR_getErrorString's switch 72 (ci/test-macro-insns.sh).
ZSTD_GUEST_NOPIE := $(if $(filter x86,$(ARCH)),-fno-pic -fno-pie)
ZSTD_GUEST_PIE := $(if $(filter x86,$(ARCH)),-fpie)
ZSTD_GUEST_OBJS := $(patsubst %,$(BUILD)/guest/zstd/%.o,$(notdir $(ZSTD_FILES)))
ZSTD_NATIVE_OBJS := $(patsubst %,$(BUILD)/native/macrobench/zstd/%.o,$(notdir $(ZSTD_FILES)))
ZSTD_USERS := macrobench/compute/guest/zstd.c
zstd_src = $(ZSTD_SRC)/lib/$(filter %/$(1),$(ZSTD_FILES)).c
$(ZSTD_GUEST_OBJS): $(BUILD)/guest/zstd/%.o: $(ZSTD_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(WARN) $(ZSTD_GUEST_NOPIE),$(GUEST_CFLAGS)) $(ZSTD_GUEST_PIE) $(ZSTD_DEFS) \
		$(GUEST_NO_LIBC_LIMITS) $(ZLIB_NOLDP_GUEST) \
		-c $(call zstd_src,$*) -o $(@:.o=.raw.o)
	$(call lib_rename,$(@:.o=.raw.o),$@,$(ZSTD_PREFIXES))
$(ZSTD_NATIVE_OBJS): $(BUILD)/native/macrobench/zstd/%.o: $(ZSTD_SRC)/.unpacked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(filter-out $(WARN),$(HOST_CFLAGS)) $(ZSTD_DEFS) $(ZLIB_NOLDP_HOST) -c $(call zstd_src,$*) -o $(@:.o=.raw.o)
	$(call lib_rename,$(@:.o=.raw.o),$@,$(ZSTD_PREFIXES))
$(patsubst %,$(BUILD)/guest/%.o,$(ZSTD_USERS)) $(patsubst %.c,$(BUILD)/native/%.o,$(ZSTD_USERS)): \
	$(ZSTD_SRC)/.unpacked
$(patsubst %,$(BUILD)/guest/%.o,$(ZSTD_USERS)): GUEST_CFLAGS += -I$(ZSTD_SRC)/lib $(GUEST_NO_LIBC_LIMITS)
$(patsubst %.c,$(BUILD)/native/%.o,$(ZSTD_USERS)): HOST_CFLAGS += -I$(ZSTD_SRC)/lib -fno-omit-frame-pointer
GUEST_OBJS += $(ZSTD_GUEST_OBJS)
NATIVE_OBJS += $(ZSTD_NATIVE_OBJS)
# The libraries' twins are compiled as their guest copies are; the guest
# keeps its frame pointer, and so do they (ci/test-macro-insns.sh).
$(ZLIB_NATIVE_OBJS) $(LZ4_NATIVE_OBJS) $(ZSTD_NATIVE_OBJS): HOST_CFLAGS += $(TWIN_CFLAGS) -fno-omit-frame-pointer

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.PHONY: FORCE all deps man completion install uninstall run check check-unit check-integration check-arm64 check-x86emu clean \
	format bench bench-aa run-nodeps check-nodeps check-fresh deps-fresh
all: $(BIN)

deps:
	@bash ci/deps.sh $(if $(filter arm64,$(ARCH)),--arm64)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/native/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -DHV_NATIVE -Ihv-core/guest -Ihv-core/guest/$(ARCH) -c $< -o $@

$(BUILD)/guest/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest.elf: $(GUEST_OBJS) $(GUEST_LDS)
	$(LD) -nostdlib --build-id=none -T $(GUEST_LDS) -o $@ $(GUEST_OBJS)

$(BUILD)/guest.bin: $(BUILD)/guest.elf
	$(OBJCOPY) -O binary $< $@

# The flat image goes into the host binary with .incbin; the symbols bracket it.
$(BUILD)/guest_blob.o: $(BUILD)/guest.bin
	printf '.section .rodata\n.balign 4096\n.global hv_guest_image\nhv_guest_image:\n.incbin "%s"\n.global hv_guest_image_end\nhv_guest_image_end:\n.section .note.GNU-stack,"",%%progbits\n' $< > $(BUILD)/guest_blob.S
	$(CC) -c $(BUILD)/guest_blob.S -o $@

# The commit and whether the tree has uncommitted changes, as this build
# sees them (hvbench/version.h): the file is rewritten only when they
# change, so an edit or a commit rebuilds just this, every time.
$(BUILD)/gitrev.c: FORCE
	@mkdir -p $(dir $@)
	@r=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown); \
	if [ "$$r" = unknown ]; then d=-1; \
	elif git status --porcelain --untracked-files=no 2>/dev/null | grep -q .; then d=1; else d=0; fi; \
	printf 'const char hvbench_git[] = "%s";\nconst int hvbench_git_dirty = %s;\n' "$$r" "$$d" >$@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
$(BUILD)/gitrev.o: $(BUILD)/gitrev.c
	$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@
FORCE:

$(BUILD)/libhvbench.a: $(LIB_OBJS) $(NATIVE_OBJS) $(BUILD)/guest_blob.o $(BUILD)/gitrev.o
	rm -f $@
	$(CROSS)ar rcs $@ $^

# Linked whole: families register their rows from their own files
# (MB_REGISTER, microbench/mb.h) and nothing else refers to those objects.
LIB_WHOLE = -Wl,--whole-archive $(BUILD)/libhvbench.a -Wl,--no-whole-archive

$(BIN): $(MAIN_OBJ) $(BUILD)/libhvbench.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(MAIN_OBJ) $(LIB_WHOLE) $(HOST_LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libhvbench.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(LIB_WHOLE) $(HOST_LIBS) -lcmocka

# run and check install what is missing, then build in a second make: a
# prerequisite would not do, as -j builds prerequisites side by side with
# deps. run-nodeps and check-nodeps skip the install.
run check: deps
	@$(MAKE) --no-print-directory $@-nodeps

run-nodeps: $(BIN)
	@mkdir -p results
	./$(BIN) run configs/default.json

# Unit tests, then integration tests on real VMs (they skip, loudly, without
# /dev/kvm), then the arm64 run under emulation.
check-nodeps: $(BIN) $(TEST_BINS)
	@bash ci/run-tests.sh $(BUILD)/tests

# make run and make check, the first time, from a fresh clone in a minimal
# Debian 12 root that has only make (ci/fresh/check.sh).
check-fresh: deps-fresh
	@bash ci/fresh/check.sh

deps-fresh:
	@bash ci/deps.sh --fresh

check-arm64:
	@bash ci/arm64/check.sh

# KVM/SVM inside an emulated AMD machine, nested paging on and off
# (ci/x86-emu/README.md); make check runs it through ci/test-x86emu.sh.
check-x86emu: $(BIN)
	@bash ci/x86-emu/check.sh --bin $(BIN)

bench: $(BIN)
	./$(BIN) run configs/default.json

# A/A acceptance of compare's verdicts on this machine (~5 min): see ci/bench/aa.sh.
bench-aa: $(BIN)
	HVBENCH=./$(BIN) bash ci/bench/aa.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# make install PREFIX=/usr/local DESTDIR=...: the binary, man pages written
# from its --help (ci/man.sh, help2man), bash completion written from the
# binary (ci/completion.sh), the suites under share/hvbench/configs and the
# docs under share/doc/hvbench. make uninstall removes exactly these.
PREFIX ?= /usr/local
INST := $(DESTDIR)$(PREFIX)
MAN_DIR := $(BUILD)/man
COMPLETION := $(BUILD)/completion/hvbench
DOCS := README.md $(wildcard docs/*.md)

man: $(BIN)
	@rm -rf $(MAN_DIR)
	@bash ci/man.sh $(BIN) $(MAN_DIR)

completion: $(BIN)
	@bash ci/completion.sh $(BIN) $(COMPLETION)

install: $(BIN) man completion
	install -d $(INST)/bin $(INST)/share/man/man1 $(INST)/share/bash-completion/completions \
		$(INST)/share/hvbench/configs $(INST)/share/doc/hvbench
	install -m 755 $(BIN) $(INST)/bin/hvbench
	install -m 644 $(MAN_DIR)/*.1 $(INST)/share/man/man1/
	install -m 644 $(COMPLETION) $(INST)/share/bash-completion/completions/hvbench
	install -m 644 configs/*.json $(INST)/share/hvbench/configs/
	install -m 644 $(DOCS) $(INST)/share/doc/hvbench/

uninstall:
	rm -f $(INST)/bin/hvbench $(INST)/share/man/man1/hvbench.1 $(INST)/share/man/man1/hvbench-*.1 \
		$(INST)/share/bash-completion/completions/hvbench
	rm -rf $(INST)/share/hvbench $(INST)/share/doc/hvbench

clean:
	rm -rf build bin

# make fuzz / check-sanitize (absent until the fuzz folder lands: -include)
-include fuzz/fuzz.mk

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(GUEST_OBJS:.o=.d) $(NATIVE_OBJS:.o=.d)
