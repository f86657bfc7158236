#!/usr/bin/env bash
# The core's layering, checked on the sources (issue 12): hv-core (but its
# freestanding guest runtime) includes only hv-core headers and system
# headers — not microbench/, probes/, hvbench/, analysis/ or jansson — save
# the one ABI header probes/histogram.h, the histogram layout the guest
# fills in the shared page. Arch names are spelled in one place
# (hv_arch_name in hv-core/arch.h), guest port I/O in one
# (microbench/guest/x86/pio.h), CPU placement in one (probes/topo_place.c).
# The families (microbench/, macrobench/) include neither hvbench/ nor
# analysis/ (but the sha256 digest, below).
set -u
cd "$(dirname "$0")/.."
fail=0
bad=$(grep -rn --include='*.c' --include='*.h' -E '#include *[<"]' hv-core |
	grep -v '^hv-core/guest/' |
	grep -E '#include *"(microbench|probes|hvbench|analysis)/|#include *<jansson\.h>' |
	grep -v '^hv-core/abi.h:[0-9]*:#include "probes/histogram.h"')
if [ -n "$bad" ]; then
	echo "FAIL: hv-core includes a layer above it:"
	echo "$bad"
	fail=1
else
	echo "ok: hv-core includes only hv-core and system headers (and the ABI's histogram layout)"
fi
names=$(grep -rn --include='*.c' --include='*.h' -E '"(x86|arm64)"' hv-core hvbench microbench analysis |
	grep -v '^hv-core/guest/' | grep -v '^hv-core/arch.h:')
if [ -n "$names" ]; then
	echo "FAIL: arch names spelled outside hv_arch_name (hv-core/arch.h):"
	echo "$names"
	fail=1
else
	echo "ok: arch names live in hv-core/arch.h only"
fi
pio=$(grep -rn --include='*.c' --include='*.h' -E '"(in|out)[bwl] ' microbench |
	grep -v '^microbench/guest/x86/pio.h:')
if [ -n "$pio" ]; then
	echo "FAIL: guest port I/O written outside microbench/guest/x86/pio.h:"
	echo "$pio"
	fail=1
else
	echo "ok: guest port I/O is written once (microbench/guest/x86/pio.h)"
fi
place=$(grep -rln --include='*.c' -E 'topology/(core_id|physical_package_id|thread_siblings)' hv-core microbench hvbench probes |
	grep -v -E '^probes/topo_place.c$')
if [ -n "$place" ]; then
	echo "FAIL: CPU placement (which CPUs share a core) outside probes/topo_place.c:"
	echo "$place"
	fail=1
else
	echo "ok: CPU placement is probes/topo_place.c's alone"
fi
# The macrobenchmarks' one exception: hvbench/sha256.h, a pure function
# with no state of the runner, whose digest the sha256 workload is checked
# against (an implementation other than the guest's own).
fam=$(grep -rn --include='*.c' --include='*.h' -E '#include *"(hvbench|analysis)/' microbench macrobench |
	grep -v -E '^macrobench/[a-z_]+/[a-z_]+\.c:[0-9]+:#include "hvbench/sha256\.h"$')
if [ -n "$fam" ]; then
	echo "FAIL: a family includes the runner, the CLI or the loader (docs/writing-a-benchmark.md):"
	echo "$fam"
	fail=1
else
	echo "ok: the families include neither hvbench/ nor analysis/"
fi
exit $fail
