/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature ids of EVE alerts (eve_sid.h has the ranges). Built-in sensors are numbered
 * by the table below, which only ever grows at its end: a sensor keeps its id when others
 * are added. Custom sensors and rules are named by the operator, so their id comes from
 * their name alone (FNV-1a, 32 bits, reduced into the range), which anyone can recompute
 * (docs/events.md shows how) and which no other rule or sensor can change.
 */
#include <stdio.h>
#include <string.h>
#include "eve_sid.h"

/* Never reorder or remove: append new built-in sensors at the end. */
static const char *const eve_sid_builtins[] = {
	"credit_card", "us_ssn", "iban", "email", "phone", "gb_nhs", "gb_nino", "es_dni",
	"es_nie", "it_codice_fiscale", "nl_bsn", "be_nn", "pl_pesel", "se_personnummer",
	"fi_hetu", "dk_cpr", "de_idnr", "fr_nir", "at_svnr", "ie_pps", "pt_nif",
	"aws_access_key_id", "private_key", "jwt",
};

uint32_t
eve_sid_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

unsigned int
eve_sid_builtin_number(const char *sensor)
{
	unsigned int i;

	for (i = 0; i < sizeof(eve_sid_builtins) / sizeof(eve_sid_builtins[0]); i++)
		if (strcmp(eve_sid_builtins[i], sensor) == 0)
			return i + 1;
	return 0;
}

uint32_t
eve_sid_sensor(const char *sensor)
{
	unsigned int k = eve_sid_builtin_number(sensor);

	if (k != 0)
		return EVE_SID_BUILTIN_BASE + k;
	return EVE_SID_CUSTOM_BASE + eve_sid_fnv1a(sensor) % EVE_SID_CUSTOM_SPAN;
}

uint32_t
eve_sid_rule(const char *rule)
{
	return EVE_SID_RULE_BASE + eve_sid_fnv1a(rule) % EVE_SID_RULE_SPAN;
}

int
eve_sid_collision(const struct policy *p, const struct config_dlp *dlp, char *msg, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < p->nrules; i++)
		for (j = i + 1; j < p->nrules; j++)
			if (eve_sid_rule(p->rules[i].id) == eve_sid_rule(p->rules[j].id)) {
				snprintf(msg, len, "rules %s and %s have the same signature id "
					 "%u: rename one", p->rules[i].id, p->rules[j].id,
					 eve_sid_rule(p->rules[i].id));
				return 1;
			}
	for (i = 0; dlp != NULL && i < dlp->n_custom; i++)
		for (j = i + 1; j < dlp->n_custom; j++)
			if (eve_sid_sensor(dlp->custom[i].name) ==
			    eve_sid_sensor(dlp->custom[j].name)) {
				snprintf(msg, len, "custom sensors %s and %s have the same "
					 "signature id %u: rename one", dlp->custom[i].name,
					 dlp->custom[j].name, eve_sid_sensor(dlp->custom[i].name));
				return 1;
			}
	return 0;
}
