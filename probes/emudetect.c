/* Is this host an emulated machine, and what does its guest counter count?
 * x86: QEMU's TCG signature, the DMI strings, and whether the TSC advances
 * exactly once per instruction (QEMU -icount shift=0), which is what makes
 * every figure an instruction count. arm64's MIDR check is hostinfo.c's. */
#include <stdio.h>
#include <string.h>

#include "probes/hostinfo.h"

#if defined(__x86_64__)
#include <cpuid.h>

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; len && i < len - 1 && src[i]; i++)
		dst[i] = src[i];
	if (len)
		dst[i] = '\0';
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* CPUID.1:ECX[31] says a hypervisor is there; leaf 0x40000000 names it.
 * QEMU's TCG answers "TCGTCGTCGTCG" (target/i386/cpu.c), KVM "KVMKVMKVM". */
static void hypervisor_signature(char sig[13])
{
	unsigned a, b, c, d;

	sig[0] = '\0';
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per instruction of a loop of exactly 2 instructions (dec, jnz)
 * per turn, the smallest of a few tries (an interrupt adds the handler's
 * instructions to one try). Under icount shift=0 it is 1.000: QEMU's
 * virtual clock advances 1 ns per instruction and its TSC runs at 1 GHz.
 * Real hardware retires this loop at about one turn per cycle (0.5), and
 * TCG without icount follows host time (several ticks, and never the same
 * twice). */
#define LOOP_TURNS 200000
static double ticks_per_insn(double *spread)
{
	uint64_t best = UINT64_MAX, worst = 0;

	for (int t = 0; t < 5; t++) {
		long n = LOOP_TURNS;
		uint64_t t0 = rdtsc();
		__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
		uint64_t d = rdtsc() - t0;
		if (d < best)
			best = d;
		if (d > worst)
			worst = d;
	}
	*spread = best ? (double)(worst - best) / (double)best : 0;
	return (double)best / (2.0 * LOOP_TURNS);
}

void hostinfo_probe_emulation(struct hostinfo *hi)
{
	char sig[13], vendor[64] = "", product[128] = "";
	double spread, tpi;

	copy_str(hi->counter_unit, sizeof(hi->counter_unit), "cycles");
	hypervisor_signature(sig);
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	/* DMI "QEMU" alone is a QEMU machine, often KVM-accelerated: only
	 * the TCG signature says the CPU itself is a software model. */
	hi->emulated = !strcmp(sig, "TCGTCGTCGTCG");
	/* Bounded so the three always fit the 160 bytes (30 + 19 + 48 + 60 + 1). */
	snprintf(hi->emulated_source, sizeof(hi->emulated_source),
		 "cpuid 0x40000000 '%.19s', DMI '%.48s' '%.60s'", sig[0] ? sig : "(no hypervisor bit)",
		 vendor[0] ? vendor : "?", product[0] ? product : "?");
	tpi = ticks_per_insn(&spread);
	hi->tsc_per_insn = tpi;
	/* The counter counts instructions when it advanced once per
	 * instruction of a known loop, within 1%, on an emulated CPU. */
	if (hi->emulated && tpi > 0.99 && tpi < 1.01) {
		copy_str(hi->counter_unit, sizeof(hi->counter_unit), "instructions");
		snprintf(hi->counter_unit_source, sizeof(hi->counter_unit_source),
			 "TSC advanced %.4f ticks per instruction of a 2-instruction loop (QEMU -icount shift=0)", tpi);
	} else {
		snprintf(hi->counter_unit_source, sizeof(hi->counter_unit_source),
			 "TSC: %.3f ticks per instruction of a 2-instruction loop%s", tpi,
			 hi->emulated ? " (emulated CPU without icount: host time, not repeatable)" : "");
	}
}
#else
void hostinfo_probe_emulation(struct hostinfo *hi)
{
	(void)hi;
}
#endif
