/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in sensor catalogue: one entry per identifier of ../shared/IDENTIFIERS.md, with
 * the Hyperscan patterns for every written form its validator (validators.c) accepts, the
 * boundary kind the engine guards them with, and default context keywords.
 *
 * Patterns are cores: the engine adds the boundary guards (sensor_db.c), so "\d{9}" of a
 * DIGIT sensor never matches inside a longer run of digits. They are as narrow as the
 * validator allows (a card starts with 2-6 because no issuer range starts otherwise) but
 * never narrower, except where docs/sensors.md says so. Identical cores of several sensors
 * (\d{9}, \d{10}, \d{11}, \d{6}-\d{4}) are compiled once and fan out to each validator.
 *
 * Keywords are matched case-insensitively as words (sensor_db.c); ' ', '-' and '_' in a
 * keyword match each other. A keyword within the window (64 bytes) before or after a value
 * makes the match HIGH confidence, and is required for weak forms (bare 9-11 digit numbers,
 * national phone numbers: the validator says which); a national phone number needs one
 * that labels it (no digit in between), and a keyword inside an HTML/XML tag does not count
 * (sensor_decide.c).
 */
#include <stdio.h>
#include <string.h>

#include "sensor_engine.h"

#define MAX_KW 32

struct builtin {
	const char *id;
	const char *category;
	uint8_t severity;
	uint8_t validator;
	uint8_t boundary;
	uint16_t max_len;
	uint32_t threshold;
	const char *patterns[SENSOR_MAX_PATTERNS + 1];	/* NULL-terminated */
	const char *keywords[MAX_KW + 1];		/* NULL-terminated */
};

/* Separator-free digit runs shared by several sensors. */
#define D9 "\\d{9}"
#define D10 "\\d{10}"
#define D11 "\\d{11}"

/* DNI/NIE check letters: TRWAGMYFPDXBNJZSQVHLCKE (no I, O, U), either case. */
#define DNI_LETTER "[A-HJ-NP-TV-Za-hj-np-tv-z]"
/* Codice fiscale date digits: 0-9 or their omocodia letters LMNPQRSTUV. */
#define CF_DIGIT "[0-9LMNP-V]"

static const struct builtin builtins[] = {
	{
		.id = "credit_card", .category = "financial", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_CREDIT_CARD, .boundary = SENSOR_BOUNDARY_DIGIT,
		.max_len = 23,
		.patterns = {
			/* 12-19 digits; issuer ranges all start with 2-6. */
			"[2-6]\\d{11}", "[2-6]\\d{12}", "[2-6]\\d{13}", "[2-6]\\d{14}",
			"[2-6]\\d{15}", "[2-6]\\d{16}", "[2-6]\\d{17}", "[2-6]\\d{18}",
			/* 4-4-4-4 and 4-4-4-4-1..3 with spaces or dashes (one kind: validator). */
			"[2-6]\\d{3}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}",
			"[2-6]\\d{3}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d",
			"[2-6]\\d{3}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{2}",
			"[2-6]\\d{3}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{3}",
			/* Amex 4-6-5, Diners 4-6-4. */
			"3\\d{3}[ \\-]\\d{6}[ \\-]\\d{5}",
			"3\\d{3}[ \\-]\\d{6}[ \\-]\\d{4}",
		},
		.keywords = { "card", "cards", "cardnumber", "cardholder", "credit card",
			      "creditcard", "debit card", "cc", "ccn", "ccnum", "pan", "visa",
			      "mastercard", "amex", "american express", "maestro", "discover",
			      "diners", "jcb", "unionpay", "cvv", "cvc" },
	},
	{
		.id = "us_ssn", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_US_SSN, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 11,
		.patterns = { "\\d{3}-\\d{2}-\\d{4}", D9 },
		.keywords = { "ssn", "ssns", "social security", "socialsecurity", "soc sec",
			      "social security number" },
	},
	{
		.id = "iban", .category = "financial", .severity = SENSOR_SEV_MEDIUM,
		.validator = VALIDATOR_IBAN, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 42,
		.patterns = {
			/* Capitals only (see the file comment). Variable width: SOM. */
			"[A-Z]{2}\\d{2}[A-Z0-9]{11,30}",
			/* Groups of 4 joined by single spaces, the last 1..4. */
			"[A-Z]{2}\\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?",
		},
		.keywords = { "iban", "ibans", "bank account", "bankaccount", "account number",
			      "accountnumber", "bic", "swift", "sepa" },
	},
	{
		.id = "email", .category = "contact", .severity = SENSOR_SEV_LOW,
		.validator = VALIDATOR_EMAIL, .boundary = SENSOR_BOUNDARY_EMAIL, .max_len = 254,
		.patterns = {
			/* Local part: the characters that do not also delimit URLs and markup.
			 * Unbounded: bounded repeats with SOM are "too large" for Hyperscan; the
			 * validator bounds the lengths. */
			"[A-Za-z0-9._%+\\-]+@(?:[A-Za-z0-9\\-]+\\.)+[A-Za-z]{2,}",
		},
		.keywords = { "email", "e-mail", "emails", "mail", "mailto", "contact" },
	},
	{
		.id = "phone", .category = "contact", .severity = SENSOR_SEV_LOW,
		.validator = VALIDATOR_PHONE, .boundary = SENSOR_BOUNDARY_PHONE, .max_len = 40,
		.patterns = {
			/* E.164: +, digits in groups split by one space, dot or dash, with
			 * parenthesised groups ("+44 (0)20 7946 0958"). Unbounded (bounded
			 * repeats with SOM are too large); the validator wants 8-15 digits. */
			"\\+\\d+(?:[ .\\-]?\\(\\d+\\)[ .\\-]?\\d+|[ .\\-]\\d+)*",
			/* National forms (weak: they need a keyword). Only the layouts with a
			 * trunk prefix 0 and the NANP 3-3-4 layout: any 8-15 digits would make
			 * every float, date and timestamp a candidate. */
			"\\(0\\d{1,4}\\)[ .\\-]?\\d{3,}(?:[ .\\-]\\d{2,})*",
			"0\\d{1,4}[ .\\-]\\d{3,}(?:[ .\\-]\\d{2,})*",
			"0\\d{7,14}",
			"0\\d(?:[ .\\-]?\\d{2}){4}",
			"\\(\\d{3}\\)[ .\\-]?\\d{3}[ .\\-]\\d{4}",
			"\\d{3}[ .\\-]\\d{3}[ .\\-]\\d{4}",
		},
		.keywords = { "phone", "phones", "telephone", "tel", "mobile", "mobil", "cell",
			      "cellphone", "fax", "whatsapp", "telefon", "telefono",
			      "tel\xc3\xa9\x66ono", "t\xc3\xa9l\xc3\xa9phone", "handy", "gsm",
			      "sms", "call" },
	},
	{
		.id = "gb_nhs", .category = "health", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_GB_NHS, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 12,
		.patterns = { "\\d{3} \\d{3} \\d{4}", "\\d{3}-\\d{3}-\\d{4}", D10 },
		.keywords = { "nhs", "nhsno", "nhsnumber", "nhs number", "national health",
			      "patient" },
	},
	{
		.id = "gb_nino", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_GB_NINO, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 13,
		.patterns = {
			"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\\d{6}[A-D]",
			"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] \\d{2} \\d{2} \\d{2} [A-D]",
			"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] \\d{6} [A-D]",
		},
		.keywords = { "nino", "national insurance", "ni number", "ni no", "nin",
			      "insurance number" },
	},
	{
		.id = "es_dni", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_ES_DNI, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 10,
		.patterns = { "\\d{8}" DNI_LETTER, "\\d{8}[ \\-]" DNI_LETTER },
		.keywords = { "dni", "d.n.i", "nif", "documento nacional", "documento de identidad",
			      "identidad" },
	},
	{
		.id = "es_nie", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_ES_NIE, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 11,
		.patterns = { "[XYZ]\\d{7}" DNI_LETTER, "[XYZ]\\d{7}-" DNI_LETTER,
			      "[XYZ]-\\d{7}-" DNI_LETTER },
		.keywords = { "nie", "n.i.e", "nif", "extranjero", "extranjeros",
			      "extranjer\xc3\xad\x61" },
	},
	{
		.id = "it_codice_fiscale", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_IT_CODICE_FISCALE, .boundary = SENSOR_BOUNDARY_ALNUM,
		.max_len = 16,
		.patterns = { "[A-Z]{6}" CF_DIGIT "{2}[ABCDEHLMPRST]" CF_DIGIT "{2}[A-Z]" CF_DIGIT
			      "{3}[A-Z]" },
		.keywords = { "codice fiscale", "codicefiscale", "cod fisc", "c.f", "fiscal code",
			      "tax code" },
	},
	{
		.id = "nl_bsn", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_NL_BSN, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 11,
		.patterns = { D9, "\\d{4}\\.\\d{2}\\.\\d{3}" },
		.keywords = { "bsn", "burgerservicenummer", "burger service nummer",
			      "burgerservice nummer", "sofinummer", "sofi nummer", "sofi" },
	},
	{
		.id = "be_nn", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_BE_NN, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 15,
		.patterns = { D11, "\\d{2}\\.\\d{2}\\.\\d{2}-\\d{3}[.\\-]\\d{2}",
			      "\\d{6}-\\d{3}[.\\-]\\d{2}", "\\d{6} \\d{3} \\d{2}",
			      "\\d{6}-\\d{5}" },
		.keywords = { "rijksregisternummer", "rijksregister", "insz", "niss", "rrn",
			      "num\xc3\xa9ro national", "numero national", "registre national",
			      "national number", "nationaal nummer" },
	},
	{
		.id = "pl_pesel", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_PL_PESEL, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 11,
		.patterns = { D11 },
		.keywords = { "pesel" },
	},
	{
		.id = "se_personnummer", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_SE_PERSONNUMMER, .boundary = SENSOR_BOUNDARY_DIGIT,
		.max_len = 13,
		.patterns = { "\\d{6}-\\d{4}", "\\d{6}\\+\\d{4}", "\\d{8}[\\-+]\\d{4}", D10,
			      "\\d{12}" },
		.keywords = { "personnummer", "personnumret", "personnr", "samordningsnummer",
			      "personal identity number" },
	},
	{
		.id = "fi_hetu", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_FI_HETU, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 11,
		.patterns = { "\\d{6}[\\-+Aa]\\d{3}[0-9A-FHJ-NPR-Ya-fhj-npr-y]" },
		.keywords = { "hetu", "henkil\xc3\xb6tunnus", "henkilotunnus", "sotu",
			      "sosiaaliturvatunnus", "personbeteckning" },
	},
	{
		.id = "dk_cpr", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_DK_CPR, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 11,
		.patterns = { "\\d{6}-\\d{4}", D10 },
		.keywords = { "cpr", "cpr nr", "cprnr", "cpr nummer", "cprnummer", "personnummer",
			      "personnr" },
	},
	{
		.id = "de_idnr", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_DE_IDNR, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 14,
		.patterns = { D11, "\\d{2} \\d{3} \\d{3} \\d{3}" },
		.keywords = { "steuer id", "steuerid", "steuer idnr", "steueridnr", "idnr",
			      "identifikationsnummer", "steueridentifikationsnummer",
			      "steuerliche identifikationsnummer" },
	},
	{
		.id = "fr_nir", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_FR_NIR, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 21,
		.patterns = { "\\d{5}[0-9][0-9ABab]\\d{8}",
			      "\\d \\d{2} \\d{2} [0-9][0-9ABab] \\d{3} \\d{3} \\d{2}" },
		.keywords = { "nir", "nss", "insee", "s\xc3\xa9\x63urit\xc3\xa9 sociale",
			      "securite sociale", "carte vitale", "s\xc3\xa9\x63u", "secu" },
	},
	{
		.id = "at_svnr", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_AT_SVNR, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 11,
		.patterns = { "\\d{4} \\d{6}", D10 },
		.keywords = { "svnr", "sv nr", "svnummer", "sozialversicherungsnummer",
			      "versicherungsnummer", "sozialversicherung", "e card" },
	},
	{
		.id = "ie_pps", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_IE_PPS, .boundary = SENSOR_BOUNDARY_ALNUM, .max_len = 9,
		.patterns = { "\\d{7}[A-Wa-w]", "\\d{7}[A-Wa-w][AHTWXahtwx]" },
		.keywords = { "pps", "ppsn", "pps number", "personal public service" },
	},
	{
		.id = "pt_nif", .category = "identity", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_PT_NIF, .boundary = SENSOR_BOUNDARY_DIGIT, .max_len = 12,
		.patterns = { "PT\\d{9}", "PT \\d{9}", "PT \\d{3} \\d{3} \\d{3}", D9,
			      "\\d{3} \\d{3} \\d{3}" },
		.keywords = { "nif", "nipc", "contribuinte", "n\xc3\xbamero de contribuinte",
			      "numero de contribuinte", "n\xc3\xbamero fiscal", "numero fiscal" },
	},
	{
		.id = "aws_access_key_id", .category = "credentials", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_AWS_ACCESS_KEY_ID, .boundary = SENSOR_BOUNDARY_ALNUM,
		.max_len = 20, .threshold = 1,
		.patterns = { "(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}" },
		.keywords = { "aws", "access key", "accesskey", "access key id",
			      "aws access key id", "akid" },
	},
	{
		.id = "private_key", .category = "credentials", .severity = SENSOR_SEV_CRITICAL,
		.validator = VALIDATOR_PRIVATE_KEY, .boundary = SENSOR_BOUNDARY_NONE,
		.max_len = 600, .threshold = 1,
		.patterns = {
			/* BEGIN line, line breaks (or JSON-escaped ones), RFC 1421 header lines,
			 * then the first 40 base64 characters of the body, on one line or more.
			 * Unbounded repeats: bounded ones with SOM are too large. */
			"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[ \\t\\r\\n]|\\\\[nr])+"
			"(?:[A-Za-z0-9\\-]+:[^\\r\\n\\\\]*(?:[ \\t\\r\\n]|\\\\[nr])+)*"
			"(?:[A-Za-z0-9+/](?:\\r?\\n|\\\\r?\\\\n)?){39}[A-Za-z0-9+/]",
		},
	},
	{
		.id = "jwt", .category = "credentials", .severity = SENSOR_SEV_HIGH,
		.validator = VALIDATOR_JWT, .boundary = SENSOR_BOUNDARY_B64URL, .max_len = 900,
		.threshold = 1,
		/* The signature may be empty ("alg": "none"). */
		.patterns = { "eyJ[A-Za-z0-9_\\-]+\\.eyJ[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]*" },
		.keywords = { "bearer", "jwt", "token", "id token", "access token",
			      "authorization" },
	},
};

unsigned int
sensor_catalogue_builtin(struct sensor_def *out, unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]) && n < max; i++) {
		const struct builtin *b = &builtins[i];
		struct sensor_def *d = &out[n++];

		memset(d, 0, sizeof(*d));
		snprintf(d->id, sizeof(d->id), "%s", b->id);
		snprintf(d->category, sizeof(d->category), "%s", b->category);
		d->builtin = 1;
		d->enabled = 1;
		d->severity = b->severity;
		d->validator = b->validator;
		d->boundary = b->boundary;
		d->window = SENSOR_DEFAULT_WINDOW;
		d->threshold = b->threshold;
		d->max_len = b->max_len;
		for (j = 0; j < SENSOR_MAX_PATTERNS && b->patterns[j] != NULL; j++)
			snprintf(d->patterns[j], sizeof(d->patterns[j]), "%s", b->patterns[j]);
		d->n_patterns = j;
		for (j = 0; j < SENSOR_MAX_KEYWORDS && j < MAX_KW && b->keywords[j] != NULL; j++)
			snprintf(d->keywords[j], sizeof(d->keywords[j]), "%s", b->keywords[j]);
		d->n_keywords = j;
	}
	return n;
}
