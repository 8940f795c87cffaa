/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From configuration to compiled sensors: the built-in catalogue as the config trims and
 * tunes it, plus the custom GDPR classes, compiled into one Hyperscan STREAM database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sensor_config.h"
#include "sensor_engine.h"

static int
sensor_config_disabled(const struct config_dlp *d, const char *id)
{
	uint32_t i;

	for (i = 0; i < d->n_disabled; i++)
		if (strcmp(d->disabled[i], id) == 0)
			return 1;
	return 0;
}

/*
 * Apply dlp.sensors[i] to the built-in def: window, threshold, keywords replaced and/or
 * added. Returns 0, or -EINVAL with err naming the setting when the keywords no longer fit.
 */
static int
sensor_config_override(const struct tg_config *cfg, struct sensor_def *def, char *err,
		       size_t errlen)
{
	const struct config_dlp *d = &cfg->dlp;
	uint32_t i, j;

	for (i = 0; i < d->n_overrides; i++) {
		const struct config_sensor_override *o = &d->overrides[i];

		if (strcmp(o->id, def->id) != 0)
			continue;
		if (o->window != 0)
			def->window = o->window;
		if (o->threshold != 0)
			def->threshold = o->threshold;
		if (o->has_keywords) {
			def->n_keywords = o->n_keywords;
			for (j = 0; j < o->n_keywords; j++)
				snprintf(def->keywords[j], sizeof(def->keywords[j]), "%s",
					 o->keywords[j]);
		}
		if (def->n_keywords + o->n_add_keywords > SENSOR_MAX_KEYWORDS) {
			snprintf(err, errlen, "%s: dlp.sensors[%u].add_keywords: %s would have %u "
				 "keywords (expected at most %u in all)", cfg->source, i, def->id,
				 def->n_keywords + o->n_add_keywords, SENSOR_MAX_KEYWORDS);
			return -EINVAL;
		}
		for (j = 0; j < o->n_add_keywords; j++)
			snprintf(def->keywords[def->n_keywords++], sizeof(def->keywords[0]), "%s",
				 o->add_keywords[j]);
	}
	return 0;
}

struct sensor_db *
sensor_config_compile(const struct tg_config *cfg, const char *cache_dir, char *err,
		      size_t errlen)
{
	const struct config_dlp *d = &cfg->dlp;
	struct sensor_def *defs;
	struct sensor_db *db = NULL;
	unsigned int n, i, k;
	char why[512];

	defs = calloc(SENSOR_MAX, sizeof(*defs));
	if (defs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	for (i = 0, k = 0; i < n; i++) {
		if (sensor_config_disabled(d, defs[i].id))
			continue;
		defs[i].window = d->context_window;
		defs[i].threshold = d->threshold;
		if (sensor_config_override(cfg, &defs[i], err, errlen) != 0) {
			free(defs);
			return NULL;
		}
		if (k != i)
			defs[k] = defs[i];
		k++;
	}
	n = k;
	for (i = 0; i < d->n_custom && n < SENSOR_MAX; i++, n++) {
		const struct config_custom_sensor *c = &d->custom[i];
		struct sensor_def *s = &defs[n];
		uint32_t j;

		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", c->name);
		snprintf(s->category, sizeof(s->category), "%s", c->category);
		s->enabled = 1;
		s->severity = c->severity;
		s->context_required = c->context_required;
		s->validator = validator_by_name(c->validator[0] ? c->validator : "none");
		if (s->validator == VALIDATOR__COUNT)
			s->validator = VALIDATOR_NONE;
		s->window = c->window ? c->window : d->context_window;
		s->threshold = c->threshold ? c->threshold : d->threshold;
		s->max_len = VALIDATOR_NORM_MAX;
		s->n_patterns = c->n_patterns;
		for (j = 0; j < c->n_patterns; j++)
			snprintf(s->patterns[j], sizeof(s->patterns[j]), "%s", c->patterns[j]);
		s->n_keywords = c->n_keywords;
		for (j = 0; j < c->n_keywords; j++)
			snprintf(s->keywords[j], sizeof(s->keywords[j]), "%s", c->keywords[j]);
	}
	db = sensor_db_compile_cached(defs, n, cache_dir, why, sizeof(why));
	if (db == NULL) {
		/* Name the custom class by its place in the config when it is one. */
		for (i = 0; i < d->n_custom; i++) {
			char prefix[CONFIG_SENSOR_NAME_LEN + 16];

			snprintf(prefix, sizeof(prefix), "sensor %s:", d->custom[i].name);
			if (strncmp(why, prefix, strlen(prefix)) == 0) {
				snprintf(err, errlen, "%s: dlp.custom[%u] (%s):%s", cfg->source, i,
					 d->custom[i].name, why + strlen(prefix));
				break;
			}
		}
		if (i == d->n_custom)
			snprintf(err, errlen, "%s: sensors: %s", cfg->source, why);
	}
	free(defs);
	return db;
}
