/* The native target's runner (hv-core/native.h): the guest runtime's
 * measured loop, built for the host, on the caller's shared page. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "hv-core/native.h"

/* From the arch-neutral guest files, built with HV_NATIVE. */
struct gbody;
const struct gbody *gbody_find(const char *name);
int gbody_is_native(const struct gbody *b);
void bench_main(void);

__thread struct hv_shared *hv_native_page;
static __thread jmp_buf *native_exit;
static __thread hv_native_call_fn native_call;
static __thread void *native_opaque;

/* A body's call to the host. ABORT and FAULT end the run: the guest would
 * wait for the VMM to stop it, a host thread returns instead. */
void hv_native_ucall(uint32_t nr)
{
	if (native_call)
		native_call(nr, native_opaque);
	if ((nr == HV_UCALL_ABORT || nr == HV_UCALL_FAULT) && native_exit)
		longjmp(*native_exit, 1);
}

int hv_native_run(struct hv_shared *page, hv_native_call_fn on_call, void *opaque,
		  char *err, size_t errlen)
{
	const struct gbody *b;
	jmp_buf exit_to;

	hv_native_page = page;
	b = gbody_find(page->body);
	if (!b || !gbody_is_native(b)) {
		snprintf(err, errlen, "no native body \"%.*s\" (a body runs natively when its GUEST_BODY says .native)",
			 HV_BODY_NAME_MAX, page->body);
		hv_native_page = NULL;
		return -ENOENT;
	}
	native_call = on_call;
	native_opaque = opaque;
	native_exit = &exit_to;
	if (!setjmp(exit_to))
		bench_main();
	native_exit = NULL;
	native_call = NULL;
	hv_native_page = NULL;
	return 0;
}
