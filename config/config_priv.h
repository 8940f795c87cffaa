/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the config module only: the schema's table layout (struct cfg_field), the walker's
 * context, and the helpers its files share. Calls run one way, down this list:
 *
 *   config.c        the data-path sections, the whole document, the built-in default
 *   config_dlp.c    the dlp: section
 *   config_sinks.c  the events.sinks: list
 *   config_walk.c   the walker: a mapping onto a table, a table back out as YAML
 *   config_parse.c  scalars, value formatting, messages and paths (calls none of these)
 *
 * policy.c, which walks its section by hand, uses config_parse.c's messages only. Nothing
 * outside config/ includes this.
 *
 * A table describes one YAML mapping; each row names a key, its kind, where it lands
 * relative to the table's base (struct tg_config for sections, an item struct for list
 * items) and its range. The same rows drive loading and config_dump.
 */
#ifndef TOLLGATE_CONFIG_PRIV_H
#define TOLLGATE_CONFIG_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_types.h"

struct yaml_node;

#define GOT_MAX		64	/* bytes of a bad value quoted back */
#define GOT_BUF		(GOT_MAX * 4 + 8)	/* room for a quoted, escaped, cut value */
#define PATH_MAX_LEN	256
#define SEEN_MAX	64

enum cfg_kind {
	CFG_SECTION,		/* mapping: sub table */
	CFG_UINT,		/* decimal integer */
	CFG_SIZE,		/* bytes, optional binary suffix */
	CFG_SECONDS,		/* seconds, stored in microseconds */
	CFG_BOOL,		/* stored as 0/1 */
	CFG_ENUM,		/* one of names[], stored as its index ("" = no such value) */
	CFG_STRING,		/* char[size]; with names: must be one of them */
	CFG_LIST,		/* sequence with its own parser */
	CFG_FOREIGN,		/* read by another loader (policy:): accepted, not dumped */
};

#define CFG_POW2	0x01	/* integer must be a power of two */
#define CFG_ZERO_AUTO	0x02	/* POW2 or SIZE: 0 is also allowed ("auto", "off") */
#define CFG_REQUIRED	0x04	/* key must be present in its mapping */
#define CFG_NAME	0x08	/* string of charset (default [A-Za-z0-9_-]): "invalid name" */
#define CFG_ABSPATH	0x10	/* string starting with '/' */
/*
 * 0 at off means "not written": loading never stores 0 there (an integer's range starts
 * at 1; a list's off and size name its has_ flag, which its parser sets), and the dump
 * leaves the key out, so the value reads back as unset.
 */
#define CFG_ZERO_UNSET	0x20

/* Units: sizes are binary, durations are stored in microseconds. */
#define KIB		(1024ull)
#define MIB		(1024ull * KIB)
#define GIB		(1024ull * MIB)
#define US_PER_S	1000000ull

#define CFG_NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

struct cfg_ctx;
struct cfg_field;

/* Parse the sequence n into the list described by f, at base (the table's base). */
typedef int (*cfg_list_fn)(struct cfg_ctx *x, const struct yaml_node *n, void *base);
/* Write the list at base as YAML; the key and its colon are already written. */
typedef void (*cfg_dump_fn)(const void *base, FILE *f, int indent);
/*
 * Rules across the keys of the section map (path at the section), run once all its keys
 * are applied; base is the table's base.
 */
typedef int (*cfg_check_fn)(struct cfg_ctx *x, const struct yaml_node *map, void *base);

struct cfg_field {
	const char *key;
	uint8_t kind;			/* enum cfg_kind */
	uint8_t flags;			/* CFG_* */
	uint32_t size;			/* bytes at off: 1, 4 or 8; strings: buffer size;
					 * lists: only with CFG_ZERO_UNSET */
	size_t off;			/* offset in the base struct of the table */
	uint64_t min, max;		/* integers: range; strings: min length */
	const struct cfg_field *sub;	/* CFG_SECTION, terminated by a NULL key */
	const char *const *names;	/* CFG_ENUM, CFG_STRING: allowed values, NULL-terminated */
	const char *charset;		/* CFG_STRING: allowed bytes (NULL: any) */
	cfg_list_fn parse;		/* CFG_LIST */
	cfg_dump_fn dump;		/* CFG_LIST */
	cfg_check_fn check;		/* CFG_SECTION, optional */
	const char *what;		/* strings and lists: what a good value looks like */
};

struct cfg_seen {
	const struct cfg_field *f;
	const struct yaml_node *n;
};

struct cfg_ctx {
	const char *name;
	char *err;
	size_t errlen;
	struct tg_config *cfg;
	char path[PATH_MAX_LEN];
	size_t pathlen;
	unsigned int nseen;
	struct cfg_seen seen[SEEN_MAX];	/* tg_config keys set by the document */
};

#define AT(T, member) .off = offsetof(T, member), .size = sizeof(((T *)0)->member)
#define C(member) AT(struct tg_config, member)

#define UINT(k, m, lo, hi, fl) { .key = k, .kind = CFG_UINT, C(m), .min = lo, .max = hi, \
				 .flags = fl }
#define SIZE(k, m, lo, hi) { .key = k, .kind = CFG_SIZE, C(m), .min = lo, .max = hi }
#define BOOL(k, m) { .key = k, .kind = CFG_BOOL, C(m) }
#define SECS(k, m) { .key = k, .kind = CFG_SECONDS, C(m), .min = TIMEOUT_US_MIN, \
		     .max = TIMEOUT_US_MAX }
#define SECTION(k, t) { .key = k, .kind = CFG_SECTION, .sub = t }

/* ---- config_parse.c: values, messages and paths ---- */

/* v bytes as the loader reads it back: a whole GiB, MiB or KiB count, else plain bytes. */
const char *cfg_fmt_size(uint64_t v, char *buf, size_t len);

/* us microseconds as seconds, with as many decimals as needed (at most 6). */
const char *cfg_fmt_seconds(uint64_t us, char *buf, size_t len);

/*
 * Write "NAME:LINE:COL: path: message" into x->err (n NULL: no position) and return
 * -EINVAL. cfg_err uses the current path.
 */
int cfg_err_path(struct cfg_ctx *x, const struct yaml_node *n, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define cfg_err(x, n, ...) cfg_err_path(x, n, (x)->path, __VA_ARGS__)

/* "wrong type (got ..., expected <expected>)" at n. */
int cfg_err_wrong_type(struct cfg_ctx *x, const struct yaml_node *n, const char *expected);

/* The value at n as the person wrote it, for "got ..." (buf: GOT_BUF bytes). */
const char *cfg_fmt_got(const struct yaml_node *n, char *buf, size_t len);

/* "a, b or c" from a NULL-terminated list, skipping "" placeholders. */
const char *cfg_fmt_names(const char *const *names, char *buf, size_t len);

/* Extend the path by ".key" or "[i]"; both return the length to restore with _pop. */
size_t cfg_path_push_key(struct cfg_ctx *x, const char *key);
size_t cfg_path_push_index(struct cfg_ctx *x, size_t i);
void cfg_path_pop(struct cfg_ctx *x, size_t old);

/* ---- config_walk.c: the walker ---- */

/* The integer of size bytes (1, 4 or 8) at src, as a struct cfg_field row stores it. */
uint64_t cfg_load_uint(const void *src, uint32_t size);

/* Apply the value n to field f of the table whose base is base (path already pushed). */
int cfg_apply_field(struct cfg_ctx *x, const struct cfg_field *f, const struct yaml_node *n,
		    void *base);

/*
 * Apply every key of map to the fields of table, at base; unknown keys and missing
 * required keys are errors. A null map changes nothing.
 */
int cfg_apply_mapping(struct cfg_ctx *x, const struct yaml_node *map,
		      const struct cfg_field *table, void *base);

/* ---- config_walk.c: dump ---- */

/* names[v], or "invalid" when v is past the end of names. */
const char *cfg_enum_name(const char *const *names, uint64_t v);

/* A YAML double-quoted string that the loader reads back to exactly s. */
void cfg_dump_string(FILE *f, const char *s);

/*
 * Every key of table at base (but a CFG_ZERO_UNSET key left unset), one per line at
 * indent; col columns of the first line are already written (a list item's "- "), so its
 * first key is not indented again.
 */
void cfg_dump_table(const void *base, FILE *f, const struct cfg_field *table, int indent,
		    int col);

/* ---- config_sinks.c ---- */

/* events.sinks: (a cfg_list_fn and a cfg_dump_fn for the events section's row). */
int cfg_sinks_parse(struct cfg_ctx *x, const struct yaml_node *seq, void *base);
void cfg_sinks_dump(const void *base, FILE *f, int indent);

/* ---- config_dlp.c ---- */

extern const struct cfg_field cfg_dlp_fields[];

/* Rules across the keys of dlp: (a cfg_check_fn for the section's root_fields row). */
int cfg_dlp_check(struct cfg_ctx *x, const struct yaml_node *map, void *base);

/* The dlp: defaults (the values config/tollgate.yaml spells out). */
void cfg_dlp_defaults(struct config_dlp *d);

/* ---- config_capture.c ---- */

extern const struct cfg_field cfg_capture_fields[];

/* Rules across the keys of capture: (a cfg_check_fn for the section's root_fields row). */
int cfg_capture_check(struct cfg_ctx *x, const struct yaml_node *map, void *base);

/* The capture: defaults (the values config/tollgate.yaml spells out). */
void cfg_capture_defaults(struct config_capture *c);

#endif
