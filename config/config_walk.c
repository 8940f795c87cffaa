/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema walker of the config module (config_priv.h): applies a YAML mapping to a
 * table of struct cfg_field rows (each key's kind, place and range), one leaf value at a
 * time, and writes a table back out as YAML for config_dump. The tables themselves live
 * with their sections (config.c, config_dlp.c), which hand them to this file; a list or a
 * cross-key rule reaches back into its section only through the table's function
 * pointers (parse, dump, check), so this file calls no section. Scalars and messages are
 * config_parse.c's. Control thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_priv.h"
#include "policy_emit.h"
#include "yaml_tree.h"

/* ---- leaf values ---- */

static void
store_uint(void *dst, uint32_t size, uint64_t v)
{
	if (size == 1)
		*(uint8_t *)dst = (uint8_t)v;
	else if (size == 4)
		*(uint32_t *)dst = (uint32_t)v;
	else
		*(uint64_t *)dst = v;
}

uint64_t
cfg_load_uint(const void *src, uint32_t size)
{
	if (size == 1)
		return *(const uint8_t *)src;
	if (size == 4)
		return *(const uint32_t *)src;
	return *(const uint64_t *)src;
}

static int
is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static const char *
uint_expected(const struct cfg_field *f, char *buf, size_t len)
{
	if (f->flags & CFG_ZERO_AUTO)
		snprintf(buf, len, "0 (auto) or a power of two in 1..%llu",
			 (unsigned long long)f->max);
	else if (f->flags & CFG_POW2)
		snprintf(buf, len, "a power of two in %llu..%llu", (unsigned long long)f->min,
			 (unsigned long long)f->max);
	else
		snprintf(buf, len, "an integer in %llu..%llu", (unsigned long long)f->min,
			 (unsigned long long)f->max);
	return buf;
}

static int
apply_uint(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n, void *dst)
{
	char got[GOT_BUF], exp[96];
	const char *s = yaml_tree_str(n);
	uint64_t v = 0;
	int rc;

	cfg_fmt_got(n, got, sizeof(got));
	uint_expected(f, exp, sizeof(exp));
	rc = yaml_tree_is_plain(n) ? config_parse_uint(s, &v) : -EINVAL;
	if (rc == -EINVAL && yaml_tree_is_plain(n) && s[0] == '0' && s[1] >= '0' && s[1] <= '9' &&
	    strspn(s, "0123456789") == strlen(s))
		return cfg_err(x, n, "leading zeros are not allowed (got %s, expected %s)", got,
			       exp);
	if (rc == -EINVAL)
		return cfg_err(x, n, "not an integer (got %s, expected %s)", got, exp);
	if (rc == -ERANGE || v < f->min || v > f->max)
		return cfg_err(x, n, "out of range (got %s, expected %s)", got, exp);
	if ((f->flags & CFG_POW2) && !is_pow2(v) && !(v == 0 && (f->flags & CFG_ZERO_AUTO)))
		return cfg_err(x, n, "not a power of two (got %s, expected %s)", got, exp);
	store_uint(dst, f->size, v);
	return 0;
}

static int
apply_size(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n, void *dst)
{
	char got[GOT_BUF], lo[32], hi[32];
	uint64_t v = 0;
	int rc;

	cfg_fmt_got(n, got, sizeof(got));
	rc = config_parse_size(yaml_tree_str(n), &v);
	if (rc == -EINVAL)
		return cfg_err(x, n,
			       "not a size (got %s, expected bytes, or a number with suffix KiB, "
			       "MiB, GiB, K, M or G)", got);
	if (rc == -ERANGE || ((v < f->min || v > f->max) &&
			      !(v == 0 && (f->flags & CFG_ZERO_AUTO))))
		return cfg_err(x, n, "out of range (got %s, expected %s%s..%s)", got,
			       (f->flags & CFG_ZERO_AUTO) ? "0 or " : "",
			       cfg_fmt_size(f->min, lo, sizeof(lo)),
			       cfg_fmt_size(f->max, hi, sizeof(hi)));
	store_uint(dst, f->size, v);
	return 0;
}

static int
apply_seconds(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n,
	      void *dst)
{
	char got[GOT_BUF], lo[32], hi[32];
	uint64_t v = 0;
	int rc;

	cfg_fmt_got(n, got, sizeof(got));
	rc = yaml_tree_is_plain(n) ? config_parse_seconds(yaml_tree_str(n), &v) : -EINVAL;
	if (rc == -EINVAL)
		return cfg_err(x, n, "not a duration (got %s, expected seconds with at most 6 "
			       "decimals, e.g. 30 or 0.5)",
			       got);
	if (rc == -ERANGE || v < f->min || v > f->max)
		return cfg_err(x, n, "out of range (got %s, expected %s..%s seconds)", got,
			       cfg_fmt_seconds(f->min, lo, sizeof(lo)),
			       cfg_fmt_seconds(f->max, hi, sizeof(hi)));
	store_uint(dst, f->size, v);
	return 0;
}

static int
apply_bool(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n, void *dst)
{
	char got[GOT_BUF];
	bool v;

	if (!yaml_tree_is_plain(n) || config_parse_bool(yaml_tree_str(n), &v) != 0)
		return cfg_err(x, n,
			       "not a boolean (got %s, expected true/false, yes/no or on/off)",
			       cfg_fmt_got(n, got, sizeof(got)));
	store_uint(dst, f->size, v);
	return 0;
}

static int
apply_enum(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n, void *dst)
{
	char got[GOT_BUF], names[320];
	const char *s = yaml_tree_str(n);
	size_t i;

	for (i = 0; f->names[i] != NULL; i++) {
		if (f->names[i][0] != '\0' && strcmp(s, f->names[i]) == 0) {
			store_uint(dst, f->size, i);
			return 0;
		}
	}
	return cfg_err(x, n, "unknown value (got %s, expected %s)",
		       cfg_fmt_got(n, got, sizeof(got)),
		       cfg_fmt_names(f->names, names, sizeof(names)));
}

static int
apply_string(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n, void *dst)
{
	char got[GOT_BUF], names[512];
	const char *s = yaml_tree_str(n);
	const char *charset = f->charset != NULL ? f->charset :
			      (f->flags & CFG_NAME) ? CFG_NAME_CHARS : NULL;
	size_t len = strlen(s), i;

	if (len < f->min)
		return cfg_err(x, n, "empty value (expected %s)", f->what);
	if (f->names != NULL) {
		for (i = 0; f->names[i] != NULL; i++)
			if (strcmp(s, f->names[i]) == 0)
				break;
		if (f->names[i] == NULL)
			return cfg_err(x, n, "unknown value (got %s, expected %s: %s)",
				       cfg_fmt_got(n, got, sizeof(got)), f->what,
				       cfg_fmt_names(f->names, names, sizeof(names)));
	}
	if (len >= f->size)
		return cfg_err(x, n, "too long (got %zu bytes, expected at most %u)", len,
			       f->size - 1);
	if (charset != NULL && strspn(s, charset) != len)
		return cfg_err(x, n, "invalid %s (got %s, expected %s)",
			       (f->flags & CFG_NAME) ? "name" : "characters",
			       cfg_fmt_got(n, got, sizeof(got)), f->what);
	if ((f->flags & CFG_ABSPATH) && s[0] != '/')
		return cfg_err(x, n,
			       "not an absolute path (got %s, expected a path starting with /)",
			       cfg_fmt_got(n, got, sizeof(got)));
	memcpy(dst, s, len + 1);
	return 0;
}

int
cfg_apply_field(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n,
		void *base)
{
	void *dst = (char *)base + f->off;
	char exp[320];		/* room for every name of the longest enum (facilities) */
	int rc;

	if (f->kind == CFG_SECTION) {
		rc = cfg_apply_mapping(x, n, f->sub, base);
		if (rc == 0 && f->check != NULL)
			rc = f->check(x, n, base);
		return rc;
	}
	if (f->kind == CFG_LIST)
		return f->parse(x, n, base);
	if (f->kind == CFG_FOREIGN)
		return 0;
	if (yaml_tree_kind(n) != YAML_TREE_SCALAR) {
		switch (f->kind) {
		case CFG_UINT:
			return cfg_err_wrong_type(x, n, uint_expected(f, exp, sizeof(exp)));
		case CFG_SIZE:
			return cfg_err_wrong_type(x, n, "a size");
		case CFG_SECONDS:
			return cfg_err_wrong_type(x, n, "seconds");
		case CFG_BOOL:
			return cfg_err_wrong_type(x, n, "a boolean");
		case CFG_ENUM:
			return cfg_err_wrong_type(x, n, cfg_fmt_names(f->names, exp, sizeof(exp)));
		default:
			return cfg_err_wrong_type(x, n, f->what);
		}
	}
	if (yaml_tree_is_null(n) && f->kind != CFG_STRING) {
		switch (f->kind) {
		case CFG_UINT:
			return cfg_err(x, n, "empty value (expected %s)",
				       uint_expected(f, exp, sizeof(exp)));
		case CFG_ENUM:
			return cfg_err(x, n, "empty value (expected %s)",
				       cfg_fmt_names(f->names, exp, sizeof(exp)));
		case CFG_BOOL:
			return cfg_err(x, n, "empty value (expected true or false)");
		default:
			return cfg_err(x, n, "empty value (expected %s)",
				       f->kind == CFG_SIZE ? "a size" : "seconds");
		}
	}
	if (yaml_tree_is_null(n))
		return cfg_err(x, n, "empty value (expected %s)", f->what);
	switch (f->kind) {
	case CFG_UINT:
		return apply_uint(x, f, n, dst);
	case CFG_SIZE:
		return apply_size(x, f, n, dst);
	case CFG_SECONDS:
		return apply_seconds(x, f, n, dst);
	case CFG_BOOL:
		return apply_bool(x, f, n, dst);
	case CFG_ENUM:
		return apply_enum(x, f, n, dst);
	default:
		return apply_string(x, f, n, dst);
	}
}

static const char *
fmt_keys(const struct cfg_field *table, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; table[i].key != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : ", ", table[i].key);
	return buf;
}

/*
 * Apply every key of map to the fields of table, at base. A null value (a section whose
 * keys are all commented out) changes nothing.
 */
int
cfg_apply_mapping(struct cfg_ctx *x, const struct yaml_node *map, const struct cfg_field *table,
		  void *base)
{
	char keys[256];
	size_t i, j;
	int rc;

	if (yaml_tree_is_null(map))
		return 0;
	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(x, map, "a mapping");
	for (i = 0; i < yaml_tree_len(map); i++) {
		const struct yaml_node *k = yaml_tree_key(map, i);
		const char *key = yaml_tree_str(k);
		size_t old;

		for (j = 0; table[j].key != NULL; j++)
			if (strcmp(table[j].key, key) == 0)
				break;
		old = cfg_path_push_key(x, key);
		if (table[j].key == NULL) {
			rc = cfg_err(x, k, "unknown key (expected one of: %s)",
				     fmt_keys(table, keys, sizeof(keys)));
			cfg_path_pop(x, old);
			return rc;
		}
		rc = cfg_apply_field(x, &table[j], yaml_tree_value(map, i), base);
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		if (base == x->cfg && x->nseen < SEEN_MAX) {
			x->seen[x->nseen].f = &table[j];
			x->seen[x->nseen].n = yaml_tree_value(map, i);
			x->nseen++;
		}
	}
	for (j = 0; table[j].key != NULL; j++) {
		if (!(table[j].flags & CFG_REQUIRED) || yaml_tree_get(map, table[j].key) != NULL)
			continue;
		return cfg_err(x, map, "missing key \"%s\" (expected %s)", table[j].key,
			       table[j].what);
	}
	return 0;
}

/* ---- dump ---- */

const char *
cfg_enum_name(const char *const *names, uint64_t v)
{
	uint64_t i;

	for (i = 0; names[i] != NULL; i++)
		if (i == v)
			return names[i];
	return "invalid";
}

void
cfg_dump_string(FILE *f, const char *s)
{
	size_t len = strlen(s), n = policy_emit_quote(s, len, NULL, 0);
	char *q;

	/*
	 * policy_emit_quote also escapes what libyaml would not read back as written inside
	 * double quotes: NEL, LS and PS (read as line breaks and folded), the other C1
	 * controls and U+FEFF/U+FFFE/U+FFFF (refused). The loop below is for a string that
	 * is not UTF-8, which the loader never produces.
	 */
	if (n != (size_t)-1 && (q = malloc(n + 1)) != NULL) {
		policy_emit_quote(s, len, q, n + 1);
		fputs(q, f);
		free(q);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02X", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void
cfg_dump_table(const void *base, FILE *f, const struct cfg_field *table, int indent, int col)
{
	char buf[64];
	int first = 1;
	size_t i;

	for (i = 0; table[i].key != NULL; i++) {
		const struct cfg_field *fl = &table[i];
		const char *src = (const char *)base + fl->off;
		uint64_t v = fl->kind == CFG_SECTION || fl->kind == CFG_LIST ||
			     fl->kind == CFG_FOREIGN || fl->kind == CFG_STRING ?
			     0 : cfg_load_uint(src, fl->size);

		if (fl->kind == CFG_FOREIGN ||
		    ((fl->flags & CFG_ZERO_UNSET) && cfg_load_uint(src, fl->size) == 0))
			continue;
		fprintf(f, "%*s%s:", first ? indent - col : indent, "", fl->key);
		first = 0;
		switch (fl->kind) {
		case CFG_SECTION:
			fputc('\n', f);
			cfg_dump_table(base, f, fl->sub, indent + 2, 0);
			break;
		case CFG_LIST:
			fl->dump(base, f, indent);
			break;
		case CFG_UINT:
			fprintf(f, " %llu\n", (unsigned long long)v);
			break;
		case CFG_SIZE:
			fprintf(f, " %s\n", cfg_fmt_size(v, buf, sizeof(buf)));
			break;
		case CFG_SECONDS:
			fprintf(f, " %s\n", cfg_fmt_seconds(v, buf, sizeof(buf)));
			break;
		case CFG_BOOL:
			fprintf(f, " %s\n", v != 0 ? "true" : "false");
			break;
		case CFG_ENUM:
			fprintf(f, " %s\n", cfg_enum_name(fl->names, v));
			break;
		default:
			fputc(' ', f);
			cfg_dump_string(f, src);
			fputc('\n', f);
			break;
		}
	}
}
