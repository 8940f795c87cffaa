/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dlp: section of the configuration (config.h; docs/configuration.md, "dlp"): the
 * default policy that opens sensor streams on every TCP flow, which built-in sensors it
 * leaves out, how it tunes the others (keywords, window, threshold), and the custom GDPR
 * classes a site adds. The walker is config_walk.c's, the scalar kinds and the messages
 * config_parse.c's (shared through config_priv.h); config.c calls this file, never the other
 * way round. This file holds the tables and the list rules that belong to this section only:
 *
 *   cfg_dlp_fields ─┬─ enabled, action, rule, threshold, max_matches_per_event,
 *                   │  max_streams, max_parked, context_window, engine
 *                   ├─ disabled ── parse_disabled (built-in ids, each once)
 *                   ├─ sensors ── parse_sensors ── override_fields ─┬─ id (each once)
 *                   │                                               ├─ keywords
 *                   │                                               ├─ add_keywords
 *                   │                                               └─ window, threshold
 *                   └─ custom ── parse_custom ── custom_fields ─┬─ patterns
 *                                                               └─ keywords
 *
 * A sensor may not be both disabled and tuned: cfg_dlp_check, once the whole section is
 * read, since the two keys may come in either order.
 *
 * A custom class's patterns are Hyperscan regexes. They are not checked here: the
 * daemon compiles them with the built-in sensors (control/sensor_config.c) and names the
 * class in any compile error. Everything here runs on the control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_priv.h"
#include "yaml_tree.h"

/* Ranges (docs/configuration.md lists the same). */
#define DLP_THRESHOLD_MAX	1000000
#define DLP_MATCHES_MAX		16	/* matches one dlp event can carry (DLP_EVENT_MATCHES) */
#define DLP_STREAMS_MAX		4194304
#define DLP_WINDOW_MAX		1024	/* the engine's cap (SENSOR_MAX_WINDOW) */

#define LOWER_CHARS	"abcdefghijklmnopqrstuvwxyz"
#define DIGIT_CHARS	"0123456789"

/* The built-in sensors, in catalogue order (sensors/ defines them; ids must agree). */
#define DLP_BUILTIN_IDS \
	"credit_card", "us_ssn", "iban", "email", "phone", "gb_nhs", "gb_nino", "es_dni", \
	"es_nie", "it_codice_fiscale", "nl_bsn", "be_nn", "pl_pesel", "se_personnummer", \
	"fi_hetu", "dk_cpr", "de_idnr", "fr_nir", "at_svnr", "ie_pps", "pt_nif", \
	"aws_access_key_id", "private_key", "jwt"

const char *const config_dlp_builtin_ids[] = { DLP_BUILTIN_IDS, NULL };

/* What a custom class may name as its validator (sensors/validators.h, validator_by_name). */
static const char *const validator_names[] = { "none", "luhn", "mod97", DLP_BUILTIN_IDS, NULL };

static const char *const action_names[] = {
	[CONFIG_DLP_ALERT] = "alert",
	[CONFIG_DLP_BLOCK] = "block",
	NULL,
};

static const char *const engine_names[] = {
	[CONFIG_DLP_ENGINE_PREFILTER] = "prefilter",
	[CONFIG_DLP_ENGINE_HYPERSCAN] = "hyperscan",
	NULL,
};

/* Severities start at 1 (as enum sensor_severity does): index 0 has no name. */
static const char *const severity_names[] = {
	[0] = "",
	[CONFIG_SEV_LOW] = "low",
	[CONFIG_SEV_MEDIUM] = "medium",
	[CONFIG_SEV_HIGH] = "high",
	[CONFIG_SEV_CRITICAL] = "critical",
	[CONFIG_SEV_CRITICAL + 1] = NULL,
};

/*
 * A list of strings held as char[max_n][elem.size] plus a count, both in the list's base
 * struct. Items are checked as the elem field; unique: the same string twice is an error.
 */
struct strlist {
	struct cfg_field elem;
	size_t arr_off, count_off;
	uint32_t min_n, max_n;
	const char *noun;		/* plural, for "too many ..." */
	const char *item_noun;		/* for "duplicate ..." */
	const char *what;		/* the whole list, for "wrong type" */
	uint8_t unique;
};

#define CUSTOM(m) AT(struct config_custom_sensor, m)
#define OVERRIDE(m) AT(struct config_sensor_override, m)

static const struct strlist disabled_list = {
	.elem = { .key = "", .kind = CFG_STRING, .size = CONFIG_SENSOR_NAME_LEN, .min = 1,
		  .names = config_dlp_builtin_ids, .what = "a built-in sensor id" },
	.arr_off = offsetof(struct tg_config, dlp.disabled),
	.count_off = offsetof(struct tg_config, dlp.n_disabled),
	.min_n = 0, .max_n = CONFIG_MAX_DISABLED,
	.noun = "ids", .item_noun = "sensor id", .what = "a sequence of built-in sensor ids",
	.unique = 1,
};

static const struct strlist patterns_list = {
	.elem = { .key = "", .kind = CFG_STRING, .size = CONFIG_CUSTOM_PATTERN_LEN, .min = 1,
		  .what = "a Hyperscan pattern" },
	.arr_off = offsetof(struct config_custom_sensor, patterns),
	.count_off = offsetof(struct config_custom_sensor, n_patterns),
	.min_n = 1, .max_n = CONFIG_CUSTOM_PATTERNS,
	.noun = "patterns", .what = "a sequence of 1..8 Hyperscan patterns",
};

static const struct strlist keywords_list = {
	.elem = { .key = "", .kind = CFG_STRING, .size = CONFIG_KEYWORD_LEN, .min = 1,
		  .what = "a keyword of 1..63 bytes" },
	.arr_off = offsetof(struct config_custom_sensor, keywords),
	.count_off = offsetof(struct config_custom_sensor, n_keywords),
	.min_n = 0, .max_n = CONFIG_CUSTOM_KEYWORDS,
	.noun = "keywords", .what = "a sequence of at most 16 keywords",
};

static const struct strlist override_keywords_list = {
	.elem = { .key = "", .kind = CFG_STRING, .size = CONFIG_KEYWORD_LEN, .min = 1,
		  .what = "a keyword of 1..63 bytes" },
	.arr_off = offsetof(struct config_sensor_override, keywords),
	.count_off = offsetof(struct config_sensor_override, n_keywords),
	.min_n = 0, .max_n = CONFIG_CUSTOM_KEYWORDS,
	.noun = "keywords", .what = "a sequence of at most 16 keywords",
};

static const struct strlist override_add_list = {
	.elem = { .key = "", .kind = CFG_STRING, .size = CONFIG_KEYWORD_LEN, .min = 1,
		  .what = "a keyword of 1..63 bytes" },
	.arr_off = offsetof(struct config_sensor_override, add_keywords),
	.count_off = offsetof(struct config_sensor_override, n_add_keywords),
	.min_n = 0, .max_n = CONFIG_CUSTOM_KEYWORDS,
	.noun = "keywords", .what = "a sequence of at most 16 keywords",
};

static int
parse_strlist(struct cfg_ctx *x, const struct yaml_node *seq, void *base,
	      const struct strlist *l)
{
	char *arr = (char *)base + l->arr_off, got[GOT_BUF];
	uint32_t *count = (uint32_t *)(void *)((char *)base + l->count_off);
	size_t n, i, j, old, size = l->elem.size;
	int rc;

	memset(arr, 0, size * l->max_n);
	*count = 0;
	if (yaml_tree_is_null(seq)) {
		if (l->min_n == 0)
			return 0;
		return cfg_err(x, seq, "empty value (expected %s)", l->what);
	}
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, l->what);
	n = yaml_tree_len(seq);
	if (n > l->max_n)
		return cfg_err(x, seq, "too many %s (got %zu, expected at most %u)", l->noun, n,
			       l->max_n);
	if (n < l->min_n)
		return cfg_err(x, seq, "too few %s (got %zu, expected at least %u)", l->noun, n,
			       l->min_n);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i);

		old = cfg_path_push_index(x, i);
		rc = cfg_apply_field(x, &l->elem, item, arr + i * size);
		for (j = 0; rc == 0 && l->unique && j < i; j++)
			if (strcmp(arr + j * size, arr + i * size) == 0)
				rc = cfg_err(x, item, "duplicate %s (got %s, expected each once; "
					     "also at %.*s[%zu])", l->item_noun,
					     cfg_fmt_got(item, got, sizeof(got)), (int)old, x->path,
					     j);
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		*count = (uint32_t)i + 1;
	}
	return 0;
}

static void
dump_strlist(const void *base, FILE *f, int indent, const struct strlist *l)
{
	const char *arr = (const char *)base + l->arr_off;
	uint32_t n = *(const uint32_t *)(const void *)((const char *)base + l->count_off), i;

	if (n == 0) {
		fprintf(f, " []\n");
		return;
	}
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%*s- ", indent + 2, "");
		cfg_dump_string(f, arr + (size_t)i * l->elem.size);
		fputc('\n', f);
	}
}

static int
parse_disabled(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	return parse_strlist(x, seq, base, &disabled_list);
}

static void
dump_disabled(const void *base, FILE *f, int indent)
{
	dump_strlist(base, f, indent, &disabled_list);
}

static int
parse_patterns(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	return parse_strlist(x, seq, base, &patterns_list);
}

static void
dump_patterns(const void *base, FILE *f, int indent)
{
	dump_strlist(base, f, indent, &patterns_list);
}

static int
parse_keywords(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	return parse_strlist(x, seq, base, &keywords_list);
}

static void
dump_keywords(const void *base, FILE *f, int indent)
{
	dump_strlist(base, f, indent, &keywords_list);
}

/*
 * keywords: of a dlp.sensors item. Written at all, it replaces the built-in keywords, and
 * [] leaves none; but a null value changes nothing, as a null section does, so that
 * commenting out every keyword cannot silently take a sensor's context away.
 */
static int
parse_override_keywords(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_sensor_override *o = base;

	o->has_keywords = !yaml_tree_is_null(seq);
	return parse_strlist(x, seq, base, &override_keywords_list);
}

static void
dump_override_keywords(const void *base, FILE *f, int indent)
{
	dump_strlist(base, f, indent, &override_keywords_list);
}

static int
parse_override_add(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	return parse_strlist(x, seq, base, &override_add_list);
}

static void
dump_override_add(const void *base, FILE *f, int indent)
{
	dump_strlist(base, f, indent, &override_add_list);
}

/*
 * One item of dlp.sensors; offsets are into struct config_sensor_override. The dump
 * leaves out what the item does not set (CFG_ZERO_UNSET), so it reads back unset.
 */
static const struct cfg_field override_fields[] = {
	{ .key = "id", .kind = CFG_STRING, OVERRIDE(id), .min = 1, .flags = CFG_REQUIRED,
	  .names = config_dlp_builtin_ids, .what = "a built-in sensor id" },
	{ .key = "keywords", .kind = CFG_LIST, OVERRIDE(has_keywords), .flags = CFG_ZERO_UNSET,
	  .parse = parse_override_keywords, .dump = dump_override_keywords,
	  .what = "a sequence of at most 16 keywords" },
	{ .key = "add_keywords", .kind = CFG_LIST, .parse = parse_override_add,
	  .dump = dump_override_add, .what = "a sequence of at most 16 keywords" },
	{ .key = "window", .kind = CFG_UINT, OVERRIDE(window), .min = 1, .max = DLP_WINDOW_MAX,
	  .flags = CFG_ZERO_UNSET },
	{ .key = "threshold", .kind = CFG_UINT, OVERRIDE(threshold), .min = 1,
	  .max = DLP_THRESHOLD_MAX, .flags = CFG_ZERO_UNSET },
	{ .key = NULL },
};

static int
parse_sensors(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_dlp *d = &((struct tg_config *)base)->dlp;
	const struct yaml_node *id;
	char got[GOT_BUF];
	size_t n, i, old;
	uint32_t j;
	int rc;

	memset(d->overrides, 0, sizeof(d->overrides));
	d->n_overrides = 0;
	if (yaml_tree_is_null(seq))
		return 0;
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of built-in sensor settings");
	n = yaml_tree_len(seq);
	if (n > CONFIG_MAX_OVERRIDES)
		return cfg_err(x, seq, "too many sensor settings (got %zu, expected at most %u, "
			       "one per built-in sensor)", n, CONFIG_MAX_OVERRIDES);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i);
		struct config_sensor_override *o = &d->overrides[i];

		old = cfg_path_push_index(x, i);
		if (yaml_tree_kind(item) != YAML_TREE_MAPPING)
			rc = cfg_err_wrong_type(x, item, "a mapping with id and optional keywords, "
						"add_keywords, window, threshold");
		else
			rc = cfg_apply_mapping(x, item, override_fields, o);
		for (j = 0; rc == 0 && j < i; j++) {
			if (strcmp(d->overrides[j].id, o->id) != 0)
				continue;
			id = yaml_tree_get(item, "id");
			cfg_path_push_key(x, "id");
			rc = cfg_err(x, id, "duplicate sensor id (got %s, expected each once; also "
				     "at %.*s[%u])", cfg_fmt_got(id, got, sizeof(got)), (int)old,
				     x->path, j);
		}
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		d->n_overrides = (uint32_t)i + 1;
	}
	return 0;
}

static void
dump_sensors(const void *base, FILE *f, int indent)
{
	const struct config_dlp *d = &((const struct tg_config *)base)->dlp;
	uint32_t i;

	if (d->n_overrides == 0) {
		fprintf(f, " []\n");
		return;
	}
	fputc('\n', f);
	for (i = 0; i < d->n_overrides; i++) {
		fprintf(f, "%*s- ", indent + 2, "");
		cfg_dump_table(&d->overrides[i], f, override_fields, indent + 4, indent + 4);
	}
}

/* One item of dlp.custom; offsets are into struct config_custom_sensor. */
static const struct cfg_field custom_fields[] = {
	{ .key = "name", .kind = CFG_STRING, CUSTOM(name), .min = 1,
	  .flags = CFG_REQUIRED | CFG_NAME, .charset = LOWER_CHARS DIGIT_CHARS "_",
	  .what = "1..47 characters from a-z 0-9 _" },
	{ .key = "category", .kind = CFG_STRING, CUSTOM(category), .min = 1,
	  .charset = LOWER_CHARS "_", .what = "1..23 characters from a-z _" },
	{ .key = "patterns", .kind = CFG_LIST, .flags = CFG_REQUIRED, .parse = parse_patterns,
	  .dump = dump_patterns, .what = "a sequence of 1..8 Hyperscan patterns" },
	{ .key = "validator", .kind = CFG_STRING, CUSTOM(validator), .min = 1,
	  .names = validator_names, .what = "a validator" },
	{ .key = "keywords", .kind = CFG_LIST, .parse = parse_keywords, .dump = dump_keywords,
	  .what = "a sequence of at most 16 keywords" },
	{ .key = "window", .kind = CFG_UINT, CUSTOM(window), .min = 0, .max = DLP_WINDOW_MAX },
	{ .key = "threshold", .kind = CFG_UINT, CUSTOM(threshold), .min = 0,
	  .max = DLP_THRESHOLD_MAX },
	{ .key = "severity", .kind = CFG_ENUM, CUSTOM(severity), .names = severity_names },
	{ .key = "context_required", .kind = CFG_BOOL, CUSTOM(context_required) },
	{ .key = NULL },
};

static void
custom_defaults(struct config_custom_sensor *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->category, sizeof(c->category), "custom");
	snprintf(c->validator, sizeof(c->validator), "none");
	c->severity = CONFIG_SEV_MEDIUM;
}

static int
is_builtin(const char *id)
{
	size_t i;

	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++)
		if (strcmp(config_dlp_builtin_ids[i], id) == 0)
			return 1;
	return 0;
}

/*
 * Rules of custom class i that involve more than one key or item: a name of its own (not
 * a built-in id, not an earlier class's), and keywords when context_required is set. The
 * path is at dlp.custom[i]; old is its length without the index.
 */
static int
check_custom(struct cfg_ctx *x, const struct config_dlp *d, uint32_t i,
	     const struct yaml_node *item, size_t old)
{
	const struct config_custom_sensor *c = &d->custom[i];
	const struct yaml_node *name = yaml_tree_get(item, "name"), *kw;
	char got[GOT_BUF];
	uint32_t j;

	if (is_builtin(c->name)) {
		cfg_path_push_key(x, "name");
		return cfg_err(x, name, "reserved for a built-in sensor (got %s, expected a name "
			       "no built-in sensor uses)", cfg_fmt_got(name, got, sizeof(got)));
	}
	for (j = 0; j < i; j++) {
		if (strcmp(d->custom[j].name, c->name) != 0)
			continue;
		cfg_path_push_key(x, "name");
		return cfg_err(x, name, "duplicate custom class name (got %s, expected a name "
			       "not used by %.*s[%u])", cfg_fmt_got(name, got, sizeof(got)),
			       (int)old, x->path, j);
	}
	if (c->context_required && c->n_keywords == 0) {
		kw = yaml_tree_get(item, "keywords");
		cfg_path_push_key(x, "keywords");
		return cfg_err(x, kw != NULL ? kw : item, "no keywords, but context_required is "
			       "true (expected at least one keyword)");
	}
	return 0;
}

static int
parse_custom(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_dlp *d = &((struct tg_config *)base)->dlp;
	size_t n, i, old;
	int rc;

	memset(d->custom, 0, sizeof(d->custom));
	d->n_custom = 0;
	if (yaml_tree_is_null(seq))
		return 0;
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of custom classes");
	n = yaml_tree_len(seq);
	if (n > CONFIG_MAX_CUSTOM)
		return cfg_err(x, seq, "too many custom classes (got %zu, expected at most %u)", n,
			       CONFIG_MAX_CUSTOM);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i);

		custom_defaults(&d->custom[i]);
		old = cfg_path_push_index(x, i);
		if (yaml_tree_kind(item) != YAML_TREE_MAPPING)
			rc = cfg_err_wrong_type(x, item, "a mapping with name, patterns and "
						"optional category, validator, keywords, window, "
						"threshold, severity, context_required");
		else
			rc = cfg_apply_mapping(x, item, custom_fields, &d->custom[i]);
		if (rc == 0)
			rc = check_custom(x, d, (uint32_t)i, item, old);
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		d->n_custom = (uint32_t)i + 1;
	}
	return 0;
}

static void
dump_custom(const void *base, FILE *f, int indent)
{
	const struct config_dlp *d = &((const struct tg_config *)base)->dlp;
	uint32_t i;

	if (d->n_custom == 0) {
		fprintf(f, " []\n");
		return;
	}
	fputc('\n', f);
	for (i = 0; i < d->n_custom; i++) {
		fprintf(f, "%*s- ", indent + 2, "");
		cfg_dump_table(&d->custom[i], f, custom_fields, indent + 4, indent + 4);
	}
}

const struct cfg_field cfg_dlp_fields[] = {
	BOOL("enabled", dlp.enabled),
	{ .key = "action", .kind = CFG_ENUM, C(dlp.action), .names = action_names },
	{ .key = "rule", .kind = CFG_STRING, C(dlp.rule), .min = 1, .flags = CFG_NAME,
	  .what = "1..31 characters from A-Z a-z 0-9 _ -" },
	UINT("threshold", dlp.threshold, 1, DLP_THRESHOLD_MAX, 0),
	UINT("max_matches_per_event", dlp.max_matches, 1, DLP_MATCHES_MAX, 0),
	UINT("max_streams", dlp.max_streams, 1, DLP_STREAMS_MAX, 0),
	UINT("max_parked", dlp.max_parked, 0, DLP_STREAMS_MAX, 0),
	UINT("context_window", dlp.context_window, 1, DLP_WINDOW_MAX, 0),
	{ .key = "engine", .kind = CFG_ENUM, C(dlp.engine), .names = engine_names },
	{ .key = "disabled", .kind = CFG_LIST, .parse = parse_disabled, .dump = dump_disabled,
	  .what = "a sequence of built-in sensor ids" },
	{ .key = "sensors", .kind = CFG_LIST, .parse = parse_sensors, .dump = dump_sensors,
	  .what = "a sequence of built-in sensor settings" },
	{ .key = "custom", .kind = CFG_LIST, .parse = parse_custom, .dump = dump_custom,
	  .what = "a sequence of custom classes" },
	{ .key = NULL },
};

/*
 * A disabled sensor has nothing to tune: settings for it are a mistake (most likely the
 * sensor was meant to stay on), so the item is refused rather than ignored.
 */
int
cfg_dlp_check(struct cfg_ctx *x, const struct yaml_node *map, void *base)
{
	const struct config_dlp *d = &((const struct tg_config *)base)->dlp;
	const struct yaml_node *seq, *id;
	char got[GOT_BUF];
	uint32_t i, j;
	size_t old;
	int rc;

	for (i = 0; i < d->n_overrides; i++) {
		for (j = 0; j < d->n_disabled; j++)
			if (strcmp(d->overrides[i].id, d->disabled[j]) == 0)
				break;
		if (j == d->n_disabled)
			continue;
		/* Overrides come only from this document's map, so the nodes are there. */
		seq = yaml_tree_get(map, "sensors");
		id = seq != NULL ? yaml_tree_get(yaml_tree_item(seq, i), "id") : NULL;
		old = cfg_path_push_key(x, "sensors");
		cfg_path_push_index(x, i);
		cfg_path_push_key(x, "id");
		rc = cfg_err(x, id, "tunes a disabled sensor (got %s, expected an id not in "
			     "%.*s.disabled; also at %.*s.disabled[%u])",
			     id != NULL ? cfg_fmt_got(id, got, sizeof(got)) : d->overrides[i].id,
			     (int)old, x->path, (int)old, x->path, j);
		cfg_path_pop(x, old);
		return rc;
	}
	return 0;
}

void
cfg_dlp_defaults(struct config_dlp *d)
{
	memset(d, 0, sizeof(*d));
	d->enabled = 1;
	d->action = CONFIG_DLP_ALERT;
	snprintf(d->rule, sizeof(d->rule), "default");
	d->threshold = 1;
	d->max_matches = DLP_MATCHES_MAX;
	d->max_streams = 16384;
	d->max_parked = 16384;
	d->context_window = 64;
}
