/* The native target: a guest body run on a host thread, from the same
 * source as in the guest, so that "guest vs native" is one definition. The
 * arch-neutral guest files (hv-core/guest/common, microbench/guest/) are
 * built into the host library too (-DHV_NATIVE), where SHARED is the page
 * the calling thread passed in and a call to the host is a function call. */
#ifndef HV_CORE_NATIVE_H
#define HV_CORE_NATIVE_H

#include <stddef.h>
#include <stdint.h>
#include "hv-core/abi.h"

/* The calls a body makes (enum hv_ucall), on the running thread. */
typedef void (*hv_native_call_fn)(uint32_t nr, void *opaque);

/*
 * Runs the body page->body names on the calling thread, on page: filled as
 * the VMM fills the guest's (body, tsc_khz, limits, param[]); the results
 * land where the guest leaves them (status, histogram, samples, moments).
 * on_call (may be NULL) sees each call, CALIB_BEGIN to DONE or ABORT; the
 * body stops early when page->stop is set. Returns 0 when the body ran
 * (page->status says how it ended), -ENOENT when no body of that name is
 * marked native (err says so); it never runs a body that is not.
 */
int hv_native_run(struct hv_shared *page, hv_native_call_fn on_call, void *opaque,
		  char *err, size_t errlen);

#endif
