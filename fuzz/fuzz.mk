# Included by the Makefile: the libFuzzer harnesses (fuzz/fuzz_*.c) and the
# ASan+UBSan build of the tests. See README.md "Fuzzing and sanitizers".
#
#   make fuzz [FUZZ_SECONDS=600]   every harness for FUZZ_SECONDS each
#   make check-sanitize            unit and integration tests under ASan+UBSan
#
# Both build in their own folder with their own CFLAGS, passed to a second
# make: the guest image never sees them (GUEST_CFLAGS is freestanding and
# does not use CFLAGS), and the arm64 cross build is a make of its own.

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_BUILD := build/$(ARCH)-fuzz
SAN_BUILD := build/$(ARCH)-san
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 600
FUZZ_CC := clang-14

.PHONY: fuzz fuzz-nodeps fuzz-build fuzz-bins deps-fuzz check-sanitize \
	check-sanitize-nodeps sanitize-bins

deps-fuzz:
	@bash ci/deps.sh --fuzz

# Host objects and harnesses by clang with coverage for libFuzzer; the guest
# image by $(CC) as always. clang's warnings are not gcc's: not errors here.
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) HOSTCC=$(FUZZ_CC) \
		CFLAGS="-O1 -g $(SAN_FLAGS) -fsanitize=fuzzer-no-link" \
		WARN="-Wall -Wno-unused-parameter" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz/%: fuzz/%.c fuzz/shared_layout.h $(BUILD)/libhvbench.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_WHOLE) $(HOST_LIBS)

# deps first, then clang (two apt runs side by side would fight over the lock).
fuzz: deps
	@bash ci/deps.sh --fuzz
	@$(MAKE) --no-print-directory fuzz-nodeps

fuzz-nodeps:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash ci/test-fuzz.sh

# The same tests as check-nodeps, built with the sanitizers; ci/test-fuzz.sh
# is left out (its harnesses are sanitized already) and so is the arm64 run
# under emulation (see README.md): HVB_SANITIZE tells the scripts. The arm64
# cross build is made with the same flags (its host code; where the cross
# compiler is installed), and neither guest image may hold sanitizer code.
check-sanitize: deps
	@$(MAKE) --no-print-directory check-sanitize-nodeps

check-sanitize-nodeps:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) BIN=$(SAN_BUILD)/bin/hvbench \
		CFLAGS="-O1 -g $(SAN_FLAGS)" sanitize-bins
	@if [ $(ARCH) = x86 ] && command -v aarch64-linux-gnu-gcc >/dev/null; then \
		$(MAKE) --no-print-directory ARCH=arm64 BUILD=build/arm64-san \
			BIN=build/arm64-san/bin/hvbench CFLAGS="-O1 -g $(SAN_FLAGS)" \
			build/arm64-san/bin/hvbench >/dev/null || \
			{ echo "check-sanitize: FAIL: the arm64 cross build with sanitizers"; exit 1; }; \
		echo "check-sanitize: arm64 cross build with sanitizers: ok"; \
	else echo "check-sanitize: no arm64 cross compiler: its sanitized build not tried"; fi
	@for g in $(SAN_BUILD)/guest.elf build/arm64-san/guest.elf; do \
		[ -f $$g ] || continue; \
		if nm $$g | grep -q '__asan\|__ubsan'; then \
			echo "check-sanitize: FAIL: $$g holds sanitizer code"; exit 1; fi; \
		echo "check-sanitize: $$g is free of sanitizer code"; done
	@HVB_SANITIZE=1 HVBENCH=$(SAN_BUILD)/bin/hvbench \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash ci/run-tests.sh $(SAN_BUILD)/tests

sanitize-bins: $(BIN) $(TEST_BINS)

# Seeds for fuzz_shared and fuzz_iopath from real runs: a copy of the CLI that
# writes every shared page and probe ring it decodes (fuzz/snapshot.c). The
# jail is off so the snapshot writer may open files.
SNAP_BIN := $(BUILD)/fuzz/hvbench-snapshot
$(SNAP_BIN): fuzz/snapshot.c fuzz/shared_layout.h $(MAIN_OBJ) $(BUILD)/libhvbench.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Wl,--wrap=hv_vm_destroy,--wrap=iop_ring_flush -o $@ \
		fuzz/snapshot.c $(MAIN_OBJ) $(LIB_WHOLE) $(HOST_LIBS)

.PHONY: fuzz-seeds
fuzz-seeds: $(SNAP_BIN)
	@bash fuzz/make-seeds.sh $(SNAP_BIN)
