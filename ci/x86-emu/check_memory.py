#!/usr/bin/env python3
"""The memory family under emulation (ci/x86-emu/check.sh): configs/x86-emu-memory.json
ran with nested paging on (memory-npt.json) and off (memory-shadow.json). Checks
what the paging mode implies: every row ok in instructions, the rows' declared
KVM MMU statistics present in both (zero included), pt_churn's exits per
page-table write ~0 with NPT and >= 1 on shadow, and compare's gain table
(1 - t_npt / t_shadow) with a gain for every row, positive for the
guest kernel's page-table work (pt_churn, mmu_mix). Counts are emulated
instructions: a TLB miss or a two-dimensional walk costs none, so tlb_walk's
gain and guest/native ratio say nothing about the walk here. Usage: check_memory.py OUTDIR"""
import json
import os
import sys

out = sys.argv[1]
fails = 0


def check(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += not ok


STATS = ("vm.mmu_pte_write", "vm.mmu_shadow_zapped", "vm.mmu_flooded")
docs = {}
for mode in ("npt", "shadow"):
    path = os.path.join(out, f"memory-{mode}.json")
    try:
        docs[mode] = json.load(open(path))
    except (OSError, ValueError) as e:
        check(False, f"memory {mode}: {path} came back as JSON ({e})")
        continue
    doc = docs[mode]
    check(doc.get("host", {}).get("paging") == mode, f"memory {mode}: host.paging {doc.get('host', {}).get('paging')!r}")
    for b in doc.get("benchmarks", []):
        p = b.get("params", {})
        tag = f"memory {mode}: {b['name']}" + (f" vcpus={p['vcpus']}" if b["name"] == "mmu_mix" else "") + \
            (f" ws_kib={p['ws_kib']}" if "ws_kib" in p else "")
        check(b.get("status") == "ok", f"{tag} status {b.get('status')} {b.get('reason') or ''}")
        if b.get("status") != "ok":
            continue
        check(b.get("unit") == "instructions", f"{tag} unit {b.get('unit')!r}")
        check(not b.get("suspect"), f"{tag} not suspect {b.get('suspect_reason', '')}")
        m = b.get("metrics", {})
        have = [s for s in STATS if f"exits_per_op/{s}" in m]
        check(len(have) == len(STATS), f"{tag} reports {', '.join(STATS)} (has {have})")
        ex = b.get("exits_per_op", {})
        c = b
        for part in (b.get("headline") or "cycles").split("/"):
            c = c.get(part, {}) if isinstance(c, dict) else {}
        print(f"   {tag}: {b.get('headline')} p50 {c.get('p50')} instructions (p10 {c.get('p10')}, p90 {c.get('p90')}, n={c.get('n')}) "
              f"exits/op {ex.get('exits_caused')} mmu_pte_write/op {ex.get('vm.mmu_pte_write')}")
        if b["name"] == "pt_churn":
            per = b.get("exits_per_pt_write")
            if mode == "npt":
                check(per is not None and per < 0.05, f"{tag} exits per page-table write {per} ~ 0 (NPT: the guest's tables are its own)")
                check(ex.get("vm.mmu_pte_write") == 0, f"{tag} mmu_pte_write/op {ex.get('vm.mmu_pte_write')} = 0")
            else:
                check(per is not None and per >= 1, f"{tag} exits per page-table write {per} >= 1 (shadow: every write trapped)")
try:
    cmp = json.load(open(os.path.join(out, "memory-compare.json")))
    gain = cmp["comparisons"][0].get("gain") or {}
    rows = gain.get("rows", [])
    check(gain.get("tdp") == "base" and rows, f"compare memory-npt.json memory-shadow.json has a gain table (tdp side {gain.get('tdp')!r}, {len(rows)} rows)")
    # The guest kernel's page-table work is what shadow paging traps: NPT
    # must win there. A TLB miss costs no instruction under icount, so
    # tlb_walk and pf_storm only need a gain at all (printed).
    for r in rows:
        g = r.get("gain")
        mmu = r.get("name") in ("pt_churn", "mmu_mix")
        check(g is not None and (0 < g < 1 if mmu else -1 < g < 1),
              f"gain of NPT for {r.get('label')}: {g} in {'(0, 1)' if mmu else '(-1, 1)'} [{r.get('ci95_low')}, {r.get('ci95_high')}]")
except (OSError, ValueError, KeyError, IndexError) as e:
    check(False, f"compare's gain table came back ({e})")
print(f"check-x86emu memory: {fails} check(s) failed")
sys.exit(1 if fails else 0)
