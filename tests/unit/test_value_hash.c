/* SPDX-License-Identifier: BSD-3-Clause */
/* Keyed value hash (SipHash-2-4 reference vectors) and redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "value_hash.h"

/* The 64 reference outputs of the SipHash paper (key 00..0f, messages 00..len-1). */
static const uint64_t siphash_ref[16] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL,
};

static void
test_value_hash_matches_siphash_reference_vectors(void **state)
{
	uint8_t key[16], msg[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = msg[i] = (uint8_t)i;
	for (i = 0; i < 16; i++)
		assert_int_equal(value_hash(key, msg, i), siphash_ref[i]);
}

static void
test_value_hash_depends_on_key_and_value(void **state)
{
	uint8_t k1[16] = { 1 }, k2[16] = { 2 };
	const uint8_t *v = (const uint8_t *)"4111111111111111";

	(void)state;
	assert_int_equal(value_hash(k1, v, 16), value_hash(k1, v, 16));
	assert_int_not_equal(value_hash(k1, v, 16), value_hash(k2, v, 16));
	assert_int_not_equal(value_hash(k1, v, 16), value_hash(k1, v, 15));
}

static void
test_value_redact_masks_all_but_last_four(void **state)
{
	char out[VALUE_REDACT_MAX + 1];

	(void)state;
	assert_int_equal(value_redact(16, (const uint8_t *)"1111", 4, out, sizeof(out)), 16);
	assert_string_equal(out, "************1111");
	assert_int_equal(value_redact(4, (const uint8_t *)"abcd", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "****");
	/* Long values: the mask is capped, the tail kept. */
	assert_int_equal(value_redact(100, (const uint8_t *)"wxyz", 4, out, sizeof(out)),
			 VALUE_REDACT_MAX);
	assert_string_equal(out + VALUE_REDACT_MAX - 4, "wxyz");
	assert_int_equal(out[0], '*');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_hash_matches_siphash_reference_vectors),
		cmocka_unit_test(test_value_hash_depends_on_key_and_value),
		cmocka_unit_test(test_value_redact_masks_all_but_last_four),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
