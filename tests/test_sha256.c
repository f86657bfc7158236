/* hvbench/sha256.c against the FIPS 180-4 example vectors and sha256sum at
 * every padding boundary (the suite.sha256 of result files), with the
 * CPU's SHA extensions and with the portable rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hvbench/sha256.h"

static void test_vectors(void **state)
{
	char hex[65];
	char *million;

	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	free(million);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths 0..130 cross the one- and two-block tails (55, 56, 63, 64, 119,
 * 120 bytes); coreutils' sha256sum is the reference. */
static void test_padding_boundaries(void **state)
{
	char path[] = "/tmp/hvbench-sha256-XXXXXX";
	unsigned char buf[131];
	char hex[65], ref[65], cmd[128];
	size_t len, i;
	FILE *p, *f;
	int fd;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (len = 0; len < sizeof(buf); len++) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_int_equal(fscanf(p, "%64s", ref), 1);
		pclose(p);
		sha256_hex(buf, len, hex);
		if (strcmp(hex, ref))
			fail_msg("length %zu: %s, sha256sum says %s", len, hex, ref);
	}
	remove(path);
}

/* The same with the portable rounds (the above ran the SHA extensions
 * where the CPU has them). */
static void test_portable(void **state)
{
	sha256_force_portable(true);
	test_vectors(state);
	test_padding_boundaries(state);
	sha256_force_portable(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_portable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
