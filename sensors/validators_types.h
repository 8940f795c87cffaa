/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validator identifiers and results (validators.h has the functions). Types only, so the
 * sensor types can name a sensor's validator without the validators' prototypes.
 */
#ifndef TOLLGATE_VALIDATORS_TYPES_H
#define TOLLGATE_VALIDATORS_TYPES_H

#include <stdint.h>

enum validator_id {
	VALIDATOR_NONE = 0,		/* accept anything (custom classes without a check) */
	VALIDATOR_LUHN,			/* digits (separators ignored) passing Luhn */
	VALIDATOR_MOD97,		/* ISO 7064 MOD 97-10 over alphanumerics (IBAN rule) */
	VALIDATOR_CREDIT_CARD,
	VALIDATOR_US_SSN,
	VALIDATOR_IBAN,
	VALIDATOR_EMAIL,
	VALIDATOR_PHONE,
	VALIDATOR_GB_NHS,
	VALIDATOR_GB_NINO,
	VALIDATOR_ES_DNI,
	VALIDATOR_ES_NIE,
	VALIDATOR_IT_CODICE_FISCALE,
	VALIDATOR_NL_BSN,
	VALIDATOR_BE_NN,
	VALIDATOR_PL_PESEL,
	VALIDATOR_SE_PERSONNUMMER,
	VALIDATOR_FI_HETU,
	VALIDATOR_DK_CPR,
	VALIDATOR_DE_IDNR,
	VALIDATOR_FR_NIR,
	VALIDATOR_AT_SVNR,
	VALIDATOR_IE_PPS,
	VALIDATOR_PT_NIF,
	VALIDATOR_AWS_ACCESS_KEY_ID,
	VALIDATOR_PRIVATE_KEY,
	VALIDATOR_JWT,
	VALIDATOR__COUNT
};

/* Longest normalised value any validator produces. */
#define VALIDATOR_NORM_MAX 128

struct validator_result {
	uint8_t norm[VALIDATOR_NORM_MAX];	/* normalised value (see validator_run) */
	uint16_t norm_len;
	uint8_t weak;				/* this written form needs a context keyword */
};

#endif
