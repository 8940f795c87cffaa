/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the validators (sensors/validators.c): for each validator, hand-picked
 * values (most from python-stdnum's documentation) in every written form, each kind of
 * refusal (check digit, component, date, shape, separators), the normalised value and the
 * weak flag; the hard negatives of IDENTIFIERS.md; names. The thousands-of-values
 * comparison with python-stdnum is tests/sensors/test_validators_stdnum.py.
 *
 * "Today" is pinned to 2024-06-15 so the date-dependent checks are deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "validators.h"
#include "validators_priv.h"

static const struct validator_date pinned_today = { 2024, 6, 15 };

static bool
run(enum validator_id id, const char *raw, const struct validator_date *today,
    struct validator_result *r)
{
	memset(r, 0xa5, sizeof(*r));
	return validator_run_at(id, (const uint8_t *)raw, strlen(raw), today, r);
}

/* raw is accepted with exactly this normalised value and weak flag. */
static void
accepts_on(enum validator_id id, const char *raw, const struct validator_date *today,
	   const char *norm, int weak)
{
	struct validator_result r;

	if (!run(id, raw, today, &r))
		fail_msg("%s refused \"%s\"", validator_name(id), raw);
	if (r.norm_len != strlen(norm) || memcmp(r.norm, norm, r.norm_len) != 0)
		fail_msg("%s \"%s\": norm \"%.*s\", expected \"%s\"", validator_name(id), raw,
			 (int)r.norm_len, (const char *)r.norm, norm);
	if (r.weak != weak)
		fail_msg("%s \"%s\": weak %u, expected %d", validator_name(id), raw, r.weak, weak);
}

static void
accepts(enum validator_id id, const char *raw, const char *norm, int weak)
{
	accepts_on(id, raw, &pinned_today, norm, weak);
}

static void
refuses_on(enum validator_id id, const char *raw, const struct validator_date *today)
{
	struct validator_result r;

	if (run(id, raw, today, &r))
		fail_msg("%s accepted \"%s\" (norm \"%.*s\")", validator_name(id), raw,
			 (int)r.norm_len, (const char *)r.norm);
}

static void
refuses(enum validator_id id, const char *raw)
{
	refuses_on(id, raw, &pinned_today);
}

/* ---- credit_card ---- */

static void
test_credit_card_accepts_each_issuer_plain(void **state)
{
	(void)state;
	accepts(VALIDATOR_CREDIT_CARD, "4111111111111111", "4111111111111111", 0);	/* Visa */
	accepts(VALIDATOR_CREDIT_CARD, "4222222222222", "4222222222222", 0);	/* Visa 13 */
	accepts(VALIDATOR_CREDIT_CARD, "4111111111111111003", "4111111111111111003", 0);
	accepts(VALIDATOR_CREDIT_CARD, "5555555555554444", "5555555555554444", 0);	/* MC */
	accepts(VALIDATOR_CREDIT_CARD, "2223003122003222", "2223003122003222", 0);
	accepts(VALIDATOR_CREDIT_CARD, "378282246310005", "378282246310005", 0);	/* Amex */
	accepts(VALIDATOR_CREDIT_CARD, "6011111111111117", "6011111111111117", 0);
	accepts(VALIDATOR_CREDIT_CARD, "3530111333300000", "3530111333300000", 0);	/* JCB */
	accepts(VALIDATOR_CREDIT_CARD, "30569309025904", "30569309025904", 0);	/* Diners */
	accepts(VALIDATOR_CREDIT_CARD, "6200000000000005", "6200000000000005", 0);
	accepts(VALIDATOR_CREDIT_CARD, "6759649826438453", "6759649826438453", 0);
}

static void
test_credit_card_accepts_groups_with_one_kind_of_separator(void **state)
{
	(void)state;
	accepts(VALIDATOR_CREDIT_CARD, "4111 1111 1111 1111", "4111111111111111", 0);
	accepts(VALIDATOR_CREDIT_CARD, "4111-1111-1111-1111", "4111111111111111", 0);
	accepts(VALIDATOR_CREDIT_CARD, "3782 822463 10005", "378282246310005", 0);
	accepts(VALIDATOR_CREDIT_CARD, "3782-822463-10005", "378282246310005", 0);
	accepts(VALIDATOR_CREDIT_CARD, "3056 930902 5904", "30569309025904", 0);
	accepts(VALIDATOR_CREDIT_CARD, "4111 1111 1111 1111 003", "4111111111111111003", 0);
}

static void
test_credit_card_refuses_mixed_doubled_or_misplaced_separators(void **state)
{
	(void)state;
	refuses(VALIDATOR_CREDIT_CARD, "4111 1111-1111 1111");
	refuses(VALIDATOR_CREDIT_CARD, "4111-1111 1111-1111");
	refuses(VALIDATOR_CREDIT_CARD, "4111  1111 1111 1111");
	refuses(VALIDATOR_CREDIT_CARD, "41111 111 1111 1111");
	refuses(VALIDATOR_CREDIT_CARD, "4111.1111.1111.1111");
	refuses(VALIDATOR_CREDIT_CARD, " 4111111111111111");
	refuses(VALIDATOR_CREDIT_CARD, "4111 1111 1111 1111 ");
	refuses(VALIDATOR_CREDIT_CARD, "378 2822463 10005");
	refuses(VALIDATOR_CREDIT_CARD, "4111a11111111111");
	refuses(VALIDATOR_CREDIT_CARD, "");
}

static void
test_credit_card_refuses_luhn_failure(void **state)
{
	(void)state;
	refuses(VALIDATOR_CREDIT_CARD, "4111111111111112");
	refuses(VALIDATOR_CREDIT_CARD, "4111 1111 1111 1112");
	refuses(VALIDATOR_CREDIT_CARD, "378282246310006");
}

static void
test_credit_card_refuses_issuer_length_mismatch(void **state)
{
	(void)state;
	refuses(VALIDATOR_CREDIT_CARD, "411111111111116");	/* Visa, 15 digits */
	refuses(VALIDATOR_CREDIT_CARD, "3411111111111110");	/* Amex, 16 digits */
	refuses(VALIDATOR_CREDIT_CARD, "79927398713");		/* no issuer, 11 digits */
}

static void
test_credit_card_refuses_hard_negatives(void **state)
{
	(void)state;
	/* 13-digit millisecond timestamp: passes Luhn, no issuer starts with 17. */
	refuses(VALIDATOR_CREDIT_CARD, "1748503543012");
	/* 2^52: Visa-shaped, fails Luhn. */
	refuses(VALIDATOR_CREDIT_CARD, "4503599627370496");
	/* Luhn-valid 15-digit IMEIs: prefix 49 (Visa) and 3569 (JCB) never have 15 digits. */
	refuses(VALIDATOR_CREDIT_CARD, "490154203237518");
	refuses(VALIDATOR_CREDIT_CARD, "356938035643809");
}

/* ---- luhn, mod97, none ---- */

static void
test_luhn_accepts_8_to_19_digits_with_optional_separators(void **state)
{
	(void)state;
	accepts(VALIDATOR_LUHN, "79927398713", "79927398713", 0);
	accepts(VALIDATOR_LUHN, "7992 7398 713", "79927398713", 0);
	accepts(VALIDATOR_LUHN, "7992-7398-713", "79927398713", 0);
	refuses(VALIDATOR_LUHN, "79927398710");
	refuses(VALIDATOR_LUHN, "7992 7398-713");
	refuses(VALIDATOR_LUHN, "7992  7398713");
	refuses(VALIDATOR_LUHN, "0000000");			/* Luhn-valid, 7 digits */
	refuses(VALIDATOR_LUHN, "00000000000000000000");	/* 20 digits */
}

static void
test_mod97_applies_the_iban_rule_first_four_characters_last(void **state)
{
	(void)state;
	accepts(VALIDATOR_MOD97, "GB82WEST12345698765432", "GB82WEST12345698765432", 0);
	accepts(VALIDATOR_MOD97, "RF18539007547034", "RF18539007547034", 0);	/* ISO 11649 */
	accepts(VALIDATOR_MOD97, "rf18 5390 0754 7034", "RF18539007547034", 0);
	refuses(VALIDATOR_MOD97, "RF18539007547035");
	refuses(VALIDATOR_MOD97, "RF18-5390-0754-7034");
	refuses(VALIDATOR_MOD97, "RF18  539007547034");
	refuses(VALIDATOR_MOD97, " RF18539007547034");
	refuses(VALIDATOR_MOD97, "0001");
}

static void
test_none_accepts_anything_and_trims_whitespace(void **state)
{
	char big[300];

	(void)state;
	accepts(VALIDATOR_NONE, "  PAT-12345678\r\n", "PAT-12345678", 0);
	accepts(VALIDATOR_NONE, "a b", "a b", 0);
	accepts(VALIDATOR_NONE, "   ", "", 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	accepts(VALIDATOR_NONE, big, big + sizeof(big) - 1 - VALIDATOR_NORM_MAX, 0);
}

/* ---- us_ssn ---- */

static void
test_us_ssn_dashed_is_strong_and_bare_is_weak(void **state)
{
	(void)state;
	accepts(VALIDATOR_US_SSN, "536-90-4399", "536904399", 0);
	accepts(VALIDATOR_US_SSN, "536904399", "536904399", 1);
	accepts(VALIDATOR_US_SSN, "899-99-9999", "899999999", 0);
	accepts(VALIDATOR_US_SSN, "001-01-0001", "001010001", 0);
}

static void
test_us_ssn_refuses_unissued_area_group_serial(void **state)
{
	(void)state;
	refuses(VALIDATOR_US_SSN, "000-12-3456");
	refuses(VALIDATOR_US_SSN, "666-12-3456");
	refuses(VALIDATOR_US_SSN, "900-12-3456");
	refuses(VALIDATOR_US_SSN, "987-65-4320");
	refuses(VALIDATOR_US_SSN, "123-00-4567");
	refuses(VALIDATOR_US_SSN, "123-45-0000");
	refuses(VALIDATOR_US_SSN, "123450000");
}

static void
test_us_ssn_refuses_advertising_numbers(void **state)
{
	(void)state;
	refuses(VALIDATOR_US_SSN, "078-05-1120");
	refuses(VALIDATOR_US_SSN, "078051120");
	refuses(VALIDATOR_US_SSN, "219-09-9999");
	refuses(VALIDATOR_US_SSN, "457-55-5462");
}

static void
test_us_ssn_refuses_other_shapes(void **state)
{
	(void)state;
	refuses(VALIDATOR_US_SSN, "536-904399");
	refuses(VALIDATOR_US_SSN, "53690-4399");
	refuses(VALIDATOR_US_SSN, "536 90 4399");
	refuses(VALIDATOR_US_SSN, "536-90-439");
	refuses(VALIDATOR_US_SSN, "5369043990");
}

/* ---- iban ---- */

static void
test_iban_accepts_compact_grouped_and_lower_case(void **state)
{
	(void)state;
	accepts(VALIDATOR_IBAN, "GB82WEST12345698765432", "GB82WEST12345698765432", 0);
	accepts(VALIDATOR_IBAN, "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", 0);
	accepts(VALIDATOR_IBAN, "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432", 0);
	accepts(VALIDATOR_IBAN, "DE89370400440532013000", "DE89370400440532013000", 0);
	accepts(VALIDATOR_IBAN, "NO9386011117947", "NO9386011117947", 0);
	accepts(VALIDATOR_IBAN, "MT84MALT011000012345MTLCAST001S",
		"MT84MALT011000012345MTLCAST001S", 0);
}

static void
test_iban_skips_national_checks_like_stdnum_check_country_false(void **state)
{
	(void)state;
	/* mod 97 and the BBAN shape hold; Belgium's own check would refuse it. */
	accepts(VALIDATOR_IBAN, "BE86123456789000", "BE86123456789000", 0);
}

static void
test_iban_refuses_bad_check_length_shape_or_country(void **state)
{
	(void)state;
	refuses(VALIDATOR_IBAN, "GB82WEST12345698765433");
	refuses(VALIDATOR_IBAN, "GB82WEST1234569876543");
	/* mod 97 holds, but GB's BBAN is 4a6n8n: a letter in the sort code. */
	refuses(VALIDATOR_IBAN, "GB62WEST12X4569876543");
	/* mod 97 holds, but US has no IBAN. */
	refuses(VALIDATOR_IBAN, "US02WEST12345698765432");
	refuses(VALIDATOR_IBAN, "GBAAWEST12345698765432");
}

static void
test_iban_refuses_irregular_grouping(void **state)
{
	(void)state;
	refuses(VALIDATOR_IBAN, "GB82WEST1 2345 6987 6543 2");
	refuses(VALIDATOR_IBAN, "GB82 WEST12345698765432");
	refuses(VALIDATOR_IBAN, "GB82  WEST 1234 5698 7654 32");
	refuses(VALIDATOR_IBAN, "GB82-WEST-1234-5698-7654-32");
	refuses(VALIDATOR_IBAN, "GB82 WEST 1234 5698 7654 32 ");
}

/* ---- email ---- */

static void
test_email_accepts_dot_atoms_and_lower_cases(void **state)
{
	(void)state;
	accepts(VALIDATOR_EMAIL, "John.Doe@Example.COM", "john.doe@example.com", 0);
	accepts(VALIDATOR_EMAIL, "a+tag@mail.co.uk", "a+tag@mail.co.uk", 0);
	accepts(VALIDATOR_EMAIL, "x_y-z@sub-domain.example.org", "x_y-z@sub-domain.example.org",
		0);
	/* Real TLDs that look like file extensions stay valid. */
	accepts(VALIDATOR_EMAIL, "dev@project.md", "dev@project.md", 0);
	accepts(VALIDATOR_EMAIL, "ops@example.zip", "ops@example.zip", 0);
}

static void
test_email_refuses_file_names_and_dotless_domains(void **state)
{
	(void)state;
	refuses(VALIDATOR_EMAIL, "icon@2x.png");
	refuses(VALIDATOR_EMAIL, "logo@3x.WEBP");
	refuses(VALIDATOR_EMAIL, "bundle@1.2.js");
	refuses(VALIDATOR_EMAIL, "font@latest.woff");
	refuses(VALIDATOR_EMAIL, "user@localhost");
}

static void
test_email_refuses_malformed_addresses(void **state)
{
	(void)state;
	refuses(VALIDATOR_EMAIL, "a@b.c");
	refuses(VALIDATOR_EMAIL, "a@b.c0m");
	refuses(VALIDATOR_EMAIL, ".a@b.com");
	refuses(VALIDATOR_EMAIL, "a.@b.com");
	refuses(VALIDATOR_EMAIL, "a..b@c.com");
	refuses(VALIDATOR_EMAIL, "a@-b.com");
	refuses(VALIDATOR_EMAIL, "a@b-.com");
	refuses(VALIDATOR_EMAIL, "a@b..com");
	refuses(VALIDATOR_EMAIL, "a@b.com.");
	refuses(VALIDATOR_EMAIL, "@b.com");
	refuses(VALIDATOR_EMAIL, "a@");
	refuses(VALIDATOR_EMAIL, "a b@c.com");
	refuses(VALIDATOR_EMAIL, "a@b@c.com");
	refuses(VALIDATOR_EMAIL, "a@b_c.com");
}

/* ---- phone ---- */

static void
test_phone_international_forms_normalise_to_e164(void **state)
{
	(void)state;
	accepts(VALIDATOR_PHONE, "+44 20 7946 0958", "+442079460958", 0);
	accepts(VALIDATOR_PHONE, "+44 (0)20 7946 0958", "+442079460958", 0);
	accepts(VALIDATOR_PHONE, "+1 (555) 123-4567", "+15551234567", 0);
	accepts(VALIDATOR_PHONE, "+33.1.23.45.67.89", "+33123456789", 0);
	accepts(VALIDATOR_PHONE, "+4930123456", "+4930123456", 0);
	accepts(VALIDATOR_PHONE, "+358 40 1234567", "+358401234567", 0);
}

static void
test_phone_national_forms_are_weak(void **state)
{
	(void)state;
	accepts(VALIDATOR_PHONE, "(555) 123-4567", "5551234567", 1);
	accepts(VALIDATOR_PHONE, "020 7946 0958", "02079460958", 1);
	accepts(VALIDATOR_PHONE, "06-12345678", "0612345678", 1);
}

static void
test_phone_refuses_unassigned_codes_lengths_and_shapes(void **state)
{
	(void)state;
	refuses(VALIDATOR_PHONE, "+999 1234 5678");	/* 999 unassigned */
	refuses(VALIDATOR_PHONE, "+281 234 5678");	/* 28x unassigned */
	refuses(VALIDATOR_PHONE, "+0 123 456 789");
	refuses(VALIDATOR_PHONE, "+44 1234");		/* 6 digits */
	refuses(VALIDATOR_PHONE, "+44 1234 5678 9012 34");	/* 16 digits */
	refuses(VALIDATOR_PHONE, "+44  20 7946 0958");
	refuses(VALIDATOR_PHONE, "+44 20 7946 0958 ");
	refuses(VALIDATOR_PHONE, "+44 20 7946 095x");
	refuses(VALIDATOR_PHONE, "+1 (555 123 4567");
	refuses(VALIDATOR_PHONE, "+1 555) 123 4567");
	refuses(VALIDATOR_PHONE, "+(44) 20 7946 0958");
	refuses(VALIDATOR_PHONE, "+ 44 20 7946 0958");
	refuses(VALIDATOR_PHONE, "+1 ( 555) 123 4567");
	refuses(VALIDATOR_PHONE, "+1 (555 ) 123 4567");
	refuses(VALIDATOR_PHONE, "+44 20 7946 (0958)");
}

/* ---- national identifiers ---- */

static void
test_gb_nhs_spaced_or_dashed_is_strong_bare_is_weak(void **state)
{
	(void)state;
	accepts(VALIDATOR_GB_NHS, "943 476 5919", "9434765919", 0);
	accepts(VALIDATOR_GB_NHS, "943-476-5919", "9434765919", 0);
	accepts(VALIDATOR_GB_NHS, "9434765919", "9434765919", 1);
	refuses(VALIDATOR_GB_NHS, "9434765918");
	refuses(VALIDATOR_GB_NHS, "943 476-5919");
	refuses(VALIDATOR_GB_NHS, "94347 65919");
	/* 10 as the computed check digit has no valid number. */
	refuses(VALIDATOR_GB_NHS, "0000000060");
	refuses(VALIDATOR_GB_NHS, "0000000069");
}

static void
test_gb_nino_checks_prefix_letters_and_suffix(void **state)
{
	(void)state;
	accepts(VALIDATOR_GB_NINO, "AB123456C", "AB123456C", 0);
	accepts(VALIDATOR_GB_NINO, "AB 12 34 56 C", "AB123456C", 0);
	accepts(VALIDATOR_GB_NINO, "ab 123456 d", "AB123456D", 0);
	refuses(VALIDATOR_GB_NINO, "DA123456C");	/* first letter D */
	refuses(VALIDATOR_GB_NINO, "AO123456C");	/* second letter O */
	refuses(VALIDATOR_GB_NINO, "BG123456C");
	refuses(VALIDATOR_GB_NINO, "GB123456C");
	refuses(VALIDATOR_GB_NINO, "TN123456C");
	refuses(VALIDATOR_GB_NINO, "ZZ123456C");
	refuses(VALIDATOR_GB_NINO, "AB123456E");	/* suffix A-D */
	refuses(VALIDATOR_GB_NINO, "AB12 34 56C");
	refuses(VALIDATOR_GB_NINO, "AB1234567");
}

static void
test_es_dni_and_nie_check_letter(void **state)
{
	(void)state;
	accepts(VALIDATOR_ES_DNI, "54362315K", "54362315K", 0);
	accepts(VALIDATOR_ES_DNI, "54362315-K", "54362315K", 0);
	accepts(VALIDATOR_ES_DNI, "54362315 k", "54362315K", 0);
	refuses(VALIDATOR_ES_DNI, "54362315Z");
	refuses(VALIDATOR_ES_DNI, "5436231K");
	refuses(VALIDATOR_ES_DNI, "54.362.315-K");
	accepts(VALIDATOR_ES_NIE, "X2482300W", "X2482300W", 0);
	accepts(VALIDATOR_ES_NIE, "x-2482300-w", "X2482300W", 0);
	accepts(VALIDATOR_ES_NIE, "X2482300-W", "X2482300W", 0);
	refuses(VALIDATOR_ES_NIE, "X2482300A");
	refuses(VALIDATOR_ES_NIE, "W2482300W");
}

static void
test_it_codice_fiscale_checks_letter_month_day_and_omocodia(void **state)
{
	(void)state;
	accepts(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83S18D969H", "RCCMNL83S18D969H", 0);
	accepts(VALIDATOR_IT_CODICE_FISCALE, "CNTCHR83T41D969D", "CNTCHR83T41D969D", 0);
	accepts(VALIDATOR_IT_CODICE_FISCALE, "rccmnl83s18d969h", "RCCMNL83S18D969H", 0);
	/* Omocodia: the last digit written as V, check recomputed. */
	accepts(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83S18D96VW", "RCCMNL83S18D96VW", 0);
	refuses(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83S18D969A");
	refuses(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83F18D969I");	/* F: no month */
	refuses(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83S32D969V");	/* day 32 */
	refuses(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83B30D969F");	/* 30 February */
	refuses(VALIDATOR_IT_CODICE_FISCALE, "RCCMNL83S18D96WH");
}

static void
test_nl_bsn_is_always_weak(void **state)
{
	(void)state;
	accepts(VALIDATOR_NL_BSN, "111222333", "111222333", 1);
	accepts(VALIDATOR_NL_BSN, "1112.22.333", "111222333", 1);
	refuses(VALIDATOR_NL_BSN, "111252333");
	refuses(VALIDATOR_NL_BSN, "000000000");
	refuses(VALIDATOR_NL_BSN, "11122233");
}

static void
test_be_nn_checks_both_centuries_and_the_date(void **state)
{
	static const struct validator_date y2031 = { 2031, 1, 1 };

	(void)state;
	accepts(VALIDATOR_BE_NN, "85073003328", "85073003328", 1);
	accepts(VALIDATOR_BE_NN, "85.07.30-033.28", "85073003328", 0);
	accepts(VALIDATOR_BE_NN, "850730 033 28", "85073003328", 0);
	accepts(VALIDATOR_BE_NN, "17073003384", "17073003384", 1);	/* born 2017 */
	accepts(VALIDATOR_BE_NN, "85000003306", "85000003306", 1);	/* date unknown */
	/* 29 February: 1900 is not a leap year, 2000 is. */
	refuses(VALIDATOR_BE_NN, "00022903381");
	accepts(VALIDATOR_BE_NN, "00022903313", "00022903313", 1);
	refuses(VALIDATOR_BE_NN, "85073003329");
	refuses(VALIDATOR_BE_NN, "85133003370");	/* month 13 (stdnum 1.18 accepts) */
	/* A 20xx check for 2030 is tried only once 2030 has come. */
	refuses(VALIDATOR_BE_NN, "30123103371");
	accepts_on(VALIDATOR_BE_NN, "30123103371", &y2031, "30123103371", 1);
	refuses(VALIDATOR_BE_NN, "85.07.30.033.28");
}

static void
test_pl_pesel_is_weak_and_decodes_century_from_month(void **state)
{
	(void)state;
	accepts(VALIDATOR_PL_PESEL, "44051401359", "44051401359", 1);
	accepts(VALIDATOR_PL_PESEL, "00222901352", "00222901352", 1);	/* 2000-02-29 */
	accepts(VALIDATOR_PL_PESEL, "50031510050", "50031510050", 1);	/* check digit 0 */
	refuses(VALIDATOR_PL_PESEL, "50031510051");
	refuses(VALIDATOR_PL_PESEL, "44051401358");
	refuses(VALIDATOR_PL_PESEL, "44023001356");			/* 30 February */
	refuses(VALIDATOR_PL_PESEL, "4405140135");
}

static void
test_se_personnummer_normalises_to_twelve_digits(void **state)
{
	(void)state;
	accepts(VALIDATOR_SE_PERSONNUMMER, "880320-0016", "198803200016", 0);
	accepts(VALIDATOR_SE_PERSONNUMMER, "8803200016", "198803200016", 1);
	accepts(VALIDATOR_SE_PERSONNUMMER, "19880320-0016", "198803200016", 0);
	accepts(VALIDATOR_SE_PERSONNUMMER, "198803200016", "198803200016", 1);
	/* "+": 100 years or older. */
	accepts(VALIDATOR_SE_PERSONNUMMER, "880320+0016", "188803200016", 0);
	refuses(VALIDATOR_SE_PERSONNUMMER, "880320-0017");
	refuses(VALIDATOR_SE_PERSONNUMMER, "881320-0013");
	refuses(VALIDATOR_SE_PERSONNUMMER, "880320 0016");
}

static void
test_fi_hetu_checks_sign_individual_number_and_date(void **state)
{
	(void)state;
	accepts(VALIDATOR_FI_HETU, "131052-308T", "131052-308T", 0);
	accepts(VALIDATOR_FI_HETU, "131052-308t", "131052-308T", 0);
	accepts(VALIDATOR_FI_HETU, "290200A3088", "290200A3088", 0);	/* 2000-02-29 */
	refuses(VALIDATOR_FI_HETU, "290200-3088");			/* 1900-02-29 */
	refuses(VALIDATOR_FI_HETU, "131052-308U");
	refuses(VALIDATOR_FI_HETU, "131052B308T");		/* sign unknown to stdnum 1.18 */
	refuses(VALIDATOR_FI_HETU, "131052-900W");		/* temporary number */
}

static void
test_dk_cpr_is_weak_and_refuses_birth_after_today(void **state)
{
	(void)state;
	accepts(VALIDATOR_DK_CPR, "211062-5629", "2110625629", 1);
	accepts(VALIDATOR_DK_CPR, "2110625629", "2110625629", 1);
	/* 7th digit 4, year 24: 2024; today (2024-06-15) is fine, tomorrow is not. */
	accepts(VALIDATOR_DK_CPR, "150624-4001", "1506244001", 1);
	refuses(VALIDATOR_DK_CPR, "160624-4001");
	refuses(VALIDATOR_DK_CPR, "300262-5629");
	refuses(VALIDATOR_DK_CPR, "211062 5629");
}

static void
test_de_idnr_is_weak_and_checks_digit_repetition(void **state)
{
	(void)state;
	accepts(VALIDATOR_DE_IDNR, "36574261809", "36574261809", 1);
	accepts(VALIDATOR_DE_IDNR, "36 574 261 809", "36574261809", 1);
	refuses(VALIDATOR_DE_IDNR, "36574261808");
	refuses(VALIDATOR_DE_IDNR, "06574261809");
	refuses(VALIDATOR_DE_IDNR, "12345678903");	/* no digit repeated */
}

static void
test_fr_nir_checks_key_and_corsican_departments(void **state)
{
	(void)state;
	accepts(VALIDATOR_FR_NIR, "295109912611193", "295109912611193", 0);
	accepts(VALIDATOR_FR_NIR, "2 95 10 99 126 111 93", "295109912611193", 0);
	accepts(VALIDATOR_FR_NIR, "2 85 05 2A 006 084 82", "285052A00608482", 0);
	accepts(VALIDATOR_FR_NIR, "285052a00608482", "285052A00608482", 0);
	refuses(VALIDATOR_FR_NIR, "295109912611194");
	refuses(VALIDATOR_FR_NIR, "285052C00608482");
	refuses(VALIDATOR_FR_NIR, "2 95 10 99 126 11193");
}

static void
test_at_svnr_spaced_is_strong_bare_is_weak(void **state)
{
	(void)state;
	accepts(VALIDATOR_AT_SVNR, "1237 010180", "1237010180", 0);
	accepts(VALIDATOR_AT_SVNR, "1237010180", "1237010180", 1);
	refuses(VALIDATOR_AT_SVNR, "1238010180");
	refuses(VALIDATOR_AT_SVNR, "0237010180");
}

static void
test_ie_pps_checks_old_and_2013_formats(void **state)
{
	(void)state;
	accepts(VALIDATOR_IE_PPS, "6433435F", "6433435F", 0);
	accepts(VALIDATOR_IE_PPS, "6433435FT", "6433435FT", 0);
	accepts(VALIDATOR_IE_PPS, "6433435FW", "6433435FW", 0);
	accepts(VALIDATOR_IE_PPS, "6433435OA", "6433435OA", 0);
	accepts(VALIDATOR_IE_PPS, "6433435ih", "6433435IH", 0);
	refuses(VALIDATOR_IE_PPS, "6433435E");
	refuses(VALIDATOR_IE_PPS, "6433435VH");
	refuses(VALIDATOR_IE_PPS, "6433435FB");
}

static void
test_pt_nif_is_strong_only_with_pt_prefix(void **state)
{
	(void)state;
	accepts(VALIDATOR_PT_NIF, "PT501964843", "501964843", 0);
	accepts(VALIDATOR_PT_NIF, "PT 501964843", "501964843", 0);
	accepts(VALIDATOR_PT_NIF, "501964843", "501964843", 1);
	accepts(VALIDATOR_PT_NIF, "501 964 843", "501964843", 1);
	accepts(VALIDATOR_PT_NIF, "PT 501 964 843", "501964843", 0);
	refuses(VALIDATOR_PT_NIF, "501964842");
	refuses(VALIDATOR_PT_NIF, "PT501 964 843");
}

/* ---- secrets ---- */

static void
test_aws_access_key_id_checks_prefix_and_base32_body(void **state)
{
	(void)state;
	/* The documentation example is syntactically a key id: accepted. */
	accepts(VALIDATOR_AWS_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", 0);
	accepts(VALIDATOR_AWS_ACCESS_KEY_ID, "ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A", 0);
	refuses(VALIDATOR_AWS_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPL");
	refuses(VALIDATOR_AWS_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE1");
	refuses(VALIDATOR_AWS_ACCESS_KEY_ID, "AKIBIOSFODNN7EXAMPLE");
	refuses(VALIDATOR_AWS_ACCESS_KEY_ID, "akiaiosfodnn7example");
	refuses(VALIDATOR_AWS_ACCESS_KEY_ID, "AKIAIOSFODNN8EXAMPLE");	/* 8: not base32 */
}

#define B64_64 "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
#define B64_40 "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgO"

static void
test_private_key_accepts_pem_bodies_and_takes_40_chars(void **state)
{
	(void)state;
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\n" B64_64 "\n" B64_64,
		B64_40, 0);
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN PRIVATE KEY-----\r\n" B64_40, B64_40, 0);
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN OPENSSH PRIVATE KEY-----\n" B64_64 "\n"
		"AQ==\n-----END OPENSSH PRIVATE KEY-----\n", B64_40, 0);
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" B64_64, B64_40,
		0);
	/* Inside a JSON string, line breaks are escaped. */
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN PRIVATE KEY-----\\n" B64_64 "\\n" B64_64,
		B64_40, 0);
	/* RFC 1421 headers of a legacy encrypted key are skipped. */
	accepts(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
		"DEK-Info: AES-128-CBC,0123456789ABCDEF\n\n" B64_64, B64_40, 0);
}

static void
test_private_key_refuses_other_labels_and_short_bodies(void **state)
{
	(void)state;
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN PUBLIC KEY-----\n" B64_64);
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PUBLIC KEY-----\n" B64_64);
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN CERTIFICATE-----\n" B64_64);
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA");
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----" B64_64);
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN rsa PRIVATE KEY-----\n" B64_64);
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\n" B64_64
		"\n-----END EC PRIVATE KEY-----");
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\n" B64_64 "\n!");
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN RSA PRIVATE KEY-----\n" B64_40 "=A");
	refuses(VALIDATOR_PRIVATE_KEY, "-----BEGIN ");
}

#define JWT_H "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define JWT_P "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
#define JWT_S "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

static void
test_jwt_accepts_json_header_and_payload(void **state)
{
	(void)state;
	accepts(VALIDATOR_JWT, JWT_H "." JWT_P "." JWT_S, JWT_H "." JWT_P, 0);
	/* "alg": "none": empty signature. */
	accepts(VALIDATOR_JWT, "eyJhbGciOiJub25lIn0." JWT_P ".", "eyJhbGciOiJub25lIn0." JWT_P, 0);
	/* Nested objects, a brace inside a string, an escaped quote. */
	accepts(VALIDATOR_JWT, "eyJhIjp7ImIiOlsxLDJdfX0.eyJhIjoifSJ9.eyJhIjoieFwifSJ9",
		"eyJhIjp7ImIiOlsxLDJdfX0.eyJhIjoifSJ9", 0);
}

static void
test_jwt_refuses_non_json_segments_and_wrong_shapes(void **state)
{
	(void)state;
	refuses(VALIDATOR_JWT, JWT_H "." JWT_P);
	refuses(VALIDATOR_JWT, JWT_H "." JWT_P "." JWT_S ".x");
	refuses(VALIDATOR_JWT, JWT_H ".eyJhIjox." JWT_S);		/* {"a":1 */
	refuses(VALIDATOR_JWT, JWT_H ".eyJhIjoxXQ." JWT_S);		/* {"a":1] */
	refuses(VALIDATOR_JWT, JWT_H ".eyJhIjoiYn0." JWT_S);		/* {"a":"b} */
	refuses(VALIDATOR_JWT, JWT_H ".eyJhIjoxfXg." JWT_S);		/* {"a":1}x */
	refuses(VALIDATOR_JWT, "WzFd." JWT_P "." JWT_S);		/* [1] */
	refuses(VALIDATOR_JWT, JWT_H "." JWT_P "=." JWT_S);
	refuses(VALIDATOR_JWT, JWT_H "." JWT_P "." JWT_S "+");
	refuses(VALIDATOR_JWT, JWT_H "." JWT_P ".A");			/* 1 char: no bytes */
}

static void
test_jwt_norm_is_cut_at_norm_max(void **state)
{
	char raw[400], norm[VALIDATOR_NORM_MAX + 1];
	size_t n;

	(void)state;
	/* Payload {"a":"xxx...x"} of 200 bytes: '{"a":"' is eyJhIjoi, 'xxx' is eHh4. */
	n = (size_t)snprintf(raw, sizeof(raw), "%s.eyJhIjoi", JWT_H);
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, "eHh4");
	snprintf(raw + n, sizeof(raw) - n, "In0.%s", JWT_S);	/* '"}' */
	memcpy(norm, raw, VALIDATOR_NORM_MAX);
	norm[VALIDATOR_NORM_MAX] = '\0';
	accepts(VALIDATOR_JWT, raw, norm, 0);
}

/* ---- the table ---- */

static void
test_every_validator_has_a_name_that_looks_it_up(void **state)
{
	struct validator_result r;
	unsigned int i;

	(void)state;
	for (i = 0; i < VALIDATOR__COUNT; i++) {
		assert_non_null(validator_name((enum validator_id)i));
		assert_int_equal(validator_by_name(validator_name((enum validator_id)i)), i);
	}
	assert_string_equal(validator_name(VALIDATOR_IT_CODICE_FISCALE), "it_codice_fiscale");
	assert_int_equal(validator_by_name("mod97"), VALIDATOR_MOD97);
	assert_int_equal(validator_by_name("Luhn"), VALIDATOR__COUNT);
	assert_int_equal(validator_by_name(""), VALIDATOR__COUNT);
	assert_int_equal(validator_by_name(NULL), VALIDATOR__COUNT);
	assert_null(validator_name(VALIDATOR__COUNT));
	assert_false(validator_run(VALIDATOR__COUNT, (const uint8_t *)"1", 1, &r));
	assert_false(validator_run(VALIDATOR_LUHN, NULL, 4, &r));
	assert_false(validator_run(VALIDATOR_LUHN, (const uint8_t *)"79927398713", 11, NULL));
	assert_true(validator_run(VALIDATOR_NONE, NULL, 0, &r));
	assert_int_equal(r.norm_len, 0);
}

static void
test_validators_read_only_len_bytes(void **state)
{
	/* The candidate is followed by bytes that would change the verdict if read. */
	static const char buf[] = "536-90-43990000";
	struct validator_result r;

	(void)state;
	assert_true(validator_run_at(VALIDATOR_US_SSN, (const uint8_t *)buf, 11, &pinned_today,
				     &r));
	assert_true(validator_run_at(VALIDATOR_EMAIL, (const uint8_t *)"a@b.com.png", 7,
				     &pinned_today, &r));
	assert_int_equal(r.norm_len, 7);
}

static void
test_validator_today_is_the_utc_date(void **state)
{
	struct validator_date d;
	struct tm tm;
	time_t now;

	(void)state;
	now = time(NULL);
	validator_today(&d);
	gmtime_r(&now, &tm);
	/* Equal unless midnight UTC passed in between. */
	if (d.day != tm.tm_mday) {
		now = time(NULL);
		gmtime_r(&now, &tm);
	}
	assert_int_equal(d.year, tm.tm_year + 1900);
	assert_int_equal(d.month, tm.tm_mon + 1);
	assert_int_equal(d.day, tm.tm_mday);
}

/* The written-form contract (validators_priv.h), character by character: 'n' a digit,
 * 'a' a letter, 'x' either (kept, upper-cased), anything else itself in either case
 * (dropped). validator_form_match reads whole 8-byte words for digit runs; this does not. */
static int
ref_form_match(const uint8_t *raw, size_t len, const struct written_form *forms,
	       unsigned int n, char *buf)
{
	unsigned int f;

	for (f = 0; f < n; f++) {
		size_t i, k = 0;

		if (forms[f].len != len)
			continue;
		for (i = 0; i < len; i++) {
			int c = raw[i], t = forms[f].tpl[i];
			int digit = c >= '0' && c <= '9';
			int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
			int up = c >= 'a' && c <= 'z' ? c - 32 : c;

			if (t == 'n' ? !digit : t == 'a' ? !alpha : t == 'x' ? !(digit || alpha) :
			    up != t)
				break;
			if (t == 'n' || t == 'a' || t == 'x')
				buf[k++] = (char)up;
		}
		if (i == len) {
			buf[k] = '\0';
			return (int)f;
		}
	}
	return -1;
}

static void
test_form_match_equals_the_character_by_character_contract(void **state)
{
	/* Bytes next to the digits in every nibble sense: ':' to '?' share their high nibble,
	 * '/' and 0xb0-0xb9 their low one; letters for the 'x' and 'a' forms. */
	static const uint8_t alphabet[] = "0123456789/:;<=>?\xb0\xb5\xb9 -.aZ";
	static const struct written_form forms[] = {
		/* all 'n' but in one of the three words (the last, the middle one), first: an
		 * all-'n' form of their length comes after them */
		WFORM("nnnnnnnnn.n", 0), WFORM("nnnnnnnn.nnnnnnnn", 0),
		WFORM("nnnnnnnn", 0), WFORM("nnnn.nn.nnn", 0), WFORM("nnnnnnnnn", 1),
		WFORM("nnnnnnnnnnn", 0), WFORM("nnnnnnnnnnnn", 0), WFORM("nnnnnnnnnnnnnnnn", 0),
		WFORM("nnnnnnnnnnnnnnnnn", 0), WFORM("nnnnnnnnnnnnnnnnnnnnnnn", 0),
		WFORM("nnnnnnnnnnnnnnnnnnnnnn.", 0), WFORM("annnnnnnnnnnnnnnnnnnnnn", 0),
		WFORM("nnn-nn-nnnn", 0), WFORM("xxxxxxxxxxxxx", 0),
	};
	uint64_t seed = 20261206;
	unsigned int round, same = 0, digit_runs = 0;

	(void)state;
	for (round = 0; round < 200000; round++) {
		uint8_t raw[32];
		char got[FORM_CHARS_MAX], want[FORM_CHARS_MAX];
		size_t len, i;
		int a, b;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		len = 7 + (size_t)(seed >> 59) % 18;		/* 7 .. 24 */
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* mostly digits, so that whole runs of them are common */
			if ((seed >> 60) < 13)
				raw[i] = (uint8_t)('0' + (seed >> 33) % 10);
			else
				raw[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		memset(got, 0x5a, sizeof(got));
		memset(want, 0x5a, sizeof(want));
		a = validator_form_match(raw, len, forms, sizeof(forms) / sizeof(forms[0]), got);
		b = ref_form_match(raw, len, forms, sizeof(forms) / sizeof(forms[0]), want);
		if (a != b || (a >= 0 && strcmp(got, want) != 0))
			fail_msg("round %u, %.*s: form %d \"%s\", want %d \"%s\"", round, (int)len,
				 (const char *)raw, a, a >= 0 ? got : "", b, b >= 0 ? want : "");
		same += a >= 0;
		for (i = 0; i < len && raw[i] >= '0' && raw[i] <= '9'; i++)
			;
		digit_runs += i == len;
	}
	/* Both branches taken many times: matches and all-digit values. */
	assert_true(same > 1000);
	assert_true(digit_runs > 1000);
}

/*
 * Values written from every template (digits for 'n', letters of either case for 'a',
 * either for 'x', each literal in either case), half of them with one character changed to
 * a byte next to a class's edge ('/', ':', '@', '[', '`', '{', a high-bit twin of a
 * letter or digit, the other class): validator_form_match gives what the character-by-
 * character contract gives, form and value, for letter forms and literals too (the test
 * above draws mostly digits).
 */
static void
test_form_match_words_equal_the_contract_on_written_values(void **state)
{
	static const uint8_t edge[] = "/:@[`{\xb0\xb9\xc1\xda\xe1\xfa 0aZ-.";
	static const struct written_form forms[] = {
		WFORM("aannnnnna", 0), WFORM("nnnnnnnna", 0), WFORM("nnnnnnnnA", 0),
		WFORM("nnnnnnnnb", 0), WFORM("xxxxxxx-xxxx", 0), WFORM("nnn-nn-nnnn", 0),
		WFORM("aa nn nn nn a", 0), WFORM("Xnnnnnnna", 0), WFORM("xxxxxxxxxxxxxxxx", 0),
		WFORM("nnnnnnnnnnnnnnnnnnnnnna", 0), WFORM("aaaaaaaaaaaaaaaaaaaaaaa", 0),
		WFORM("nnnnnn/nnnn", 0), WFORM("nnnnnnnnnnn", 0), WFORM("aaaaaannannannnnan", 0),
	};
	const unsigned int nf = sizeof(forms) / sizeof(forms[0]);
	uint64_t seed = 20261207;
	unsigned int round, matched = 0, changed = 0;

	(void)state;
	for (round = 0; round < 200000; round++) {
		const struct written_form *f;
		uint8_t raw[32];
		char got[FORM_CHARS_MAX], want[FORM_CHARS_MAX];
		size_t i;
		int a, b;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		f = &forms[(seed >> 33) % nf];
		for (i = 0; i < f->len; i++) {
			unsigned int r;
			char t = f->tpl[i];

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			r = (unsigned int)(seed >> 33);
			if (t == 'n' || (t == 'x' && r % 2))
				raw[i] = (uint8_t)('0' + r / 2 % 10);
			else if (t == 'a' || t == 'x')
				raw[i] = (uint8_t)((r / 2 % 2 ? 'a' : 'A') + r / 4 % 26);
			else if (t >= 'A' && t <= 'Z' && r % 2)
				raw[i] = (uint8_t)(t + 32);
			else
				raw[i] = (uint8_t)t;
		}
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 63) != 0) {
			raw[(seed >> 33) % f->len] = edge[(seed >> 40) % (sizeof(edge) - 1)];
			changed++;
		}
		memset(got, 0x5a, sizeof(got));
		memset(want, 0x5a, sizeof(want));
		a = validator_form_match(raw, f->len, forms, nf, got);
		b = ref_form_match(raw, f->len, forms, nf, want);
		if (a != b || (a >= 0 && strcmp(got, want) != 0))
			fail_msg("round %u, %.*s: form %d \"%s\", want %d \"%s\"", round,
				 (int)f->len, (const char *)raw, a, a >= 0 ? got : "", b,
				 b >= 0 ? want : "");
		matched += a >= 0;
	}
	assert_true(matched > 50000);
	assert_true(changed > 50000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_match_equals_the_character_by_character_contract),
		cmocka_unit_test(test_form_match_words_equal_the_contract_on_written_values),
		cmocka_unit_test(test_credit_card_accepts_each_issuer_plain),
		cmocka_unit_test(test_credit_card_accepts_groups_with_one_kind_of_separator),
		cmocka_unit_test(test_credit_card_refuses_mixed_doubled_or_misplaced_separators),
		cmocka_unit_test(test_credit_card_refuses_luhn_failure),
		cmocka_unit_test(test_credit_card_refuses_issuer_length_mismatch),
		cmocka_unit_test(test_credit_card_refuses_hard_negatives),
		cmocka_unit_test(test_luhn_accepts_8_to_19_digits_with_optional_separators),
		cmocka_unit_test(test_mod97_applies_the_iban_rule_first_four_characters_last),
		cmocka_unit_test(test_none_accepts_anything_and_trims_whitespace),
		cmocka_unit_test(test_us_ssn_dashed_is_strong_and_bare_is_weak),
		cmocka_unit_test(test_us_ssn_refuses_unissued_area_group_serial),
		cmocka_unit_test(test_us_ssn_refuses_advertising_numbers),
		cmocka_unit_test(test_us_ssn_refuses_other_shapes),
		cmocka_unit_test(test_iban_accepts_compact_grouped_and_lower_case),
		cmocka_unit_test(test_iban_skips_national_checks_like_stdnum_check_country_false),
		cmocka_unit_test(test_iban_refuses_bad_check_length_shape_or_country),
		cmocka_unit_test(test_iban_refuses_irregular_grouping),
		cmocka_unit_test(test_email_accepts_dot_atoms_and_lower_cases),
		cmocka_unit_test(test_email_refuses_file_names_and_dotless_domains),
		cmocka_unit_test(test_email_refuses_malformed_addresses),
		cmocka_unit_test(test_phone_international_forms_normalise_to_e164),
		cmocka_unit_test(test_phone_national_forms_are_weak),
		cmocka_unit_test(test_phone_refuses_unassigned_codes_lengths_and_shapes),
		cmocka_unit_test(test_gb_nhs_spaced_or_dashed_is_strong_bare_is_weak),
		cmocka_unit_test(test_gb_nino_checks_prefix_letters_and_suffix),
		cmocka_unit_test(test_es_dni_and_nie_check_letter),
		cmocka_unit_test(test_it_codice_fiscale_checks_letter_month_day_and_omocodia),
		cmocka_unit_test(test_nl_bsn_is_always_weak),
		cmocka_unit_test(test_be_nn_checks_both_centuries_and_the_date),
		cmocka_unit_test(test_pl_pesel_is_weak_and_decodes_century_from_month),
		cmocka_unit_test(test_se_personnummer_normalises_to_twelve_digits),
		cmocka_unit_test(test_fi_hetu_checks_sign_individual_number_and_date),
		cmocka_unit_test(test_dk_cpr_is_weak_and_refuses_birth_after_today),
		cmocka_unit_test(test_de_idnr_is_weak_and_checks_digit_repetition),
		cmocka_unit_test(test_fr_nir_checks_key_and_corsican_departments),
		cmocka_unit_test(test_at_svnr_spaced_is_strong_bare_is_weak),
		cmocka_unit_test(test_ie_pps_checks_old_and_2013_formats),
		cmocka_unit_test(test_pt_nif_is_strong_only_with_pt_prefix),
		cmocka_unit_test(test_aws_access_key_id_checks_prefix_and_base32_body),
		cmocka_unit_test(test_private_key_accepts_pem_bodies_and_takes_40_chars),
		cmocka_unit_test(test_private_key_refuses_other_labels_and_short_bodies),
		cmocka_unit_test(test_jwt_accepts_json_header_and_payload),
		cmocka_unit_test(test_jwt_refuses_non_json_segments_and_wrong_shapes),
		cmocka_unit_test(test_jwt_norm_is_cut_at_norm_max),
		cmocka_unit_test(test_every_validator_has_a_name_that_looks_it_up),
		cmocka_unit_test(test_validators_read_only_len_bytes),
		cmocka_unit_test(test_validator_today_is_the_utc_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
