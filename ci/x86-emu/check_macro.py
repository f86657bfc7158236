#!/usr/bin/env python3
"""The macrobenchmarks under emulation (ci/x86-emu/check.sh): configs/x86-emu-macro.json
ran with nested paging on (macro-npt.json, macro-npt.log) and off (macro-shadow.*).
Checks what the host implies: every row ok in both modes (a wrong answer fails a row:
each run checks its output against the host's reference), the native twin ok, the
figures in emulated instructions (never called cycles, in the record or in the
printed line), enough runs for the overhead's 95% interval, a Xentrace table under
every row; for the pure-compute rows at cpl 3 (no timer in the guest, one exit-free
loop) the overhead within 5% of 0 and no exit the workload caused but zstd's
CPUID (its context set-up asks for BMI2); for macro_syscall, the guest's
user/kernel round trip never leaves the guest (SVM does not intercept
SYSCALL/SYSRET); for macro_timer, the guest's timer interrupts at the rate
asked (or KVM's floor on a periodic timer's period), each with its EOI's msr
exit (no AVIC under TCG); for macro_forkexec, no exit it causes with NPT
and, with shadow paging, at least one per CR3 load, with page faults.
Prints each row's overhead in both modes.
Usage: check_macro.py OUTDIR"""
import json
import os
import re
import sys

out = sys.argv[1]
fails = 0
COMPUTE_BOUND = 5.0  # % either side of 0


def check(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += not ok


want_rows = [b["name"] for b in json.load(open("configs/x86-emu-macro.json"))["benchmarks"]]

over = {}
for mode in ("npt", "shadow"):
    path = os.path.join(out, f"macro-{mode}.json")
    try:
        doc = json.load(open(path))
        log = open(os.path.join(out, f"macro-{mode}.log")).read()
    except (OSError, ValueError) as e:
        check(False, f"macro {mode}: {path} and its log came back ({e})")
        continue
    host = doc.get("host", {})
    check(host.get("paging") == mode and host.get("emulated") is True,
          f"macro {mode}: host.paging {host.get('paging')!r}, emulated {host.get('emulated')!r}")
    rows = doc.get("benchmarks", [])
    check([b.get("name") for b in rows] == want_rows, f"macro {mode}: the suite's {len(want_rows)} rows, in order")
    for b in rows:
        hz = b.get("params", {}).get("hz")
        name = b.get("name") + (f" hz={hz}" if hz is not None else "")
        tag = f"macro {mode}: {name}"
        if name == "macro_iomix" and host.get("nr_cpus") == 1:
            # Its twin's device polls beside its driver: one CPU cannot
            # (configs/x86emu-par.json runs it in a 2-CPU machine).
            check(b.get("status") == "unsupported" and "beside its driver" in (b.get("reason") or ""),
                  f"{tag}: on {host.get('nr_cpus')} CPU {b.get('status')} ({b.get('reason')})")
            continue
        check(b.get("status") == "ok" and b.get("twin", {}).get("status") == "ok",
              f"{tag}: status {b.get('status')} {b.get('reason') or ''}, twin {b.get('twin', {}).get('status')}")
        if b.get("status") != "ok":
            continue
        check(b.get("unit") == "instructions", f"{tag}: unit {b.get('unit')!r}")
        g, n = b.get("run", {}).get("guest", {}), b.get("run", {}).get("native", {})
        o = b.get("overhead", {})
        check(g.get("n", 0) >= 6 and n.get("n", 0) >= 6 and "ci95_low" in o,
              f"{tag}: {g.get('n')} guest and {n.get('n')} native runs, overhead {o.get('of_medians', float('nan')):+.2f}% "
              f"[{o.get('ci95_low', float('nan')):+.2f}, {o.get('ci95_high', float('nan')):+.2f}]")
        over.setdefault(name, {})[mode] = o.get("of_medians")
        ex = b.get("exits_per_op", {})
        caused = ex.get("exits_caused", 0)
        t = b.get("timer", {})
        if hz:
            # The guest's local APIC timer: KVM's in-kernel LAPIC, at the
            # rate asked or KVM's floor on the period (min_timer_period_us),
            # each tick an interrupt and, without AVIC (TCG has none), an
            # x2APIC EOI write that exits: msr exits per run = ticks.
            want = min(hz, t.get("kvm_max_hz", hz))
            msr = b.get("kvm_exit", {}).get("per_op", {}).get("msr", 0)
            check(t.get("ticks_per_run", 0) > 0 and abs(t.get("measured_hz", 0) - want) <= 0.2 * want,
                  f"{tag}: {t.get('ticks_per_run', 0):.2f} timer interrupts per run at {t.get('measured_hz', 0):.0f} Hz "
                  f"(want {want} Hz +-20%{'; ' + b['timer_note'] if b.get('timer_note') else ''}), "
                  f"{t.get('cost_per_tick', float('nan')):.0f} instructions each")
            check(abs(msr - t.get("ticks_per_run", 0)) <= 0.15 * t.get("ticks_per_run", 0) + 1,
                  f"{tag}: {msr} msr exits per run by kvm:kvm_exit (the EOI writes), {t.get('ticks_per_run', 0):.2f} ticks")
            continue
        if name == "macro_forkexec":
            # Page-table work by the guest kernel: with NPT neither its
            # table writes nor its CR3 loads exit; with shadow paging KVM
            # intercepts every CR3 load and write-protects the tables.
            loads = b.get("cr3_loads_per_run", 0)
            per = b.get("kvm_exit", {}).get("per_op", {})
            if mode == "npt":
                check(caused == 0, f"{tag}: {caused} exits caused per run of {loads:.0f} CR3 loads and "
                      f"{b.get('pte_writes_per_run', 0):.0f} page-table writes (NPT: none exits), "
                      f"overhead {o.get('of_medians', float('nan')):+.1f}%")
            else:
                check(caused >= loads > 0 and per.get("write_cr3", 0) > 0 and per.get("PF excp", 0) > 0,
                      f"{tag}: {caused:.0f} exits caused per run, >= its {loads:.0f} CR3 loads; kvm:kvm_exit "
                      f"write_cr3 {per.get('write_cr3', 0)}, PF excp {per.get('PF excp', 0)} per run; "
                      f"overhead {o.get('of_medians', float('nan')):+.0f}%")
            continue
        if name == "macro_syscall":
            check(caused == 0, f"{tag}: {caused} exits caused per run of {b.get('work_per_run')} syscalls "
                  "(SVM does not intercept SYSCALL/SYSRET)")
        else:
            check(o.get("of_medians") is not None and abs(o["of_medians"]) <= COMPUTE_BOUND,
                  f"{tag}: pure compute at cpl 3, overhead {o.get('of_medians', float('nan')):+.2f}% "
                  f"(within {COMPUTE_BOUND}% of 0: the same instructions, exits only)")
            # The one exit a compute row makes itself: zstd's context set-up
            # asks CPUID for BMI2 (ZSTD_cpuSupportsBmi2, DYNAMIC_BMI2=0 or
            # not), once per context per block; kvm:kvm_exit names them.
            cpuid = b.get("kvm_exit", {}).get("per_op", {}).get("cpuid", 0)
            check(abs(caused - cpuid) < 1e-6 and (cpuid == 0) == (b.get("name") != "macro_zstd"),
                  f"{tag}: {caused} exits caused per run, all the workload's own cpuid ({cpuid} per run by "
                  f"kvm:kvm_exit); {ex.get('irq_exits', 0)} host interrupts")
    # The printed line and table: the unit is the counter's, not cycles.
    lines = [l for l in log.splitlines() if re.match(r"^  macro_\w+ ", l)]
    measured = [l for l in lines if " unsupported " not in l]
    check(len(lines) == len(want_rows) and len(measured) == sum(b.get("status") == "ok" for b in rows)
          and all(" instructions p10-p90 " in l for l in measured),
          f"macro {mode}: every row's line gives its run in instructions ({len(measured)} of {len(lines)} lines measured)")
    tables = log.count("Xentrace table: guest ")
    check(tables == sum(b.get("status") == "ok" for b in rows),
          f"macro {mode}: a Xentrace table under each ok row ({tables})")
if over:
    print("macro overhead, guest over native (emulated instructions):")
    print(f"  {'row':20} {'npt':>9} {'shadow':>9}")
    for name, m in over.items():
        cols = [f"{m[k]:+8.2f}%" if m.get(k) is not None else f"{'-':>9}" for k in ("npt", "shadow")]
        print(f"  {name:20} {cols[0]} {cols[1]}")
print(f"check-x86emu macro: {fails} check(s) failed")
sys.exit(1 if fails else 0)
