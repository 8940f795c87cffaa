/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-path configuration schema (see config.h). The schema is a set of tables, one per
 * YAML mapping, that name each key, its kind, where it lands in struct tg_config and its
 * range. One walker applies a mapping to its table; the same tables drive config_dump,
 * so a key cannot be loadable but missing from the dump, or the other way round:
 *
 *   root_fields ─┬─ state_dir
 *                ├─ dataplane ── dp_fields ─┬─ idle ── idle_fields
 *                │                          ├─ ports ── parse_ports ── port_fields
 *                │                          └─ eal_args ── parse_eal_args
 *                ├─ flow ── flow_fields ── timeouts ── timeout_fields
 *                ├─ defrag ── defrag_fields
 *                ├─ reassembly ── reasm_fields
 *                ├─ events ── events_fields
 *                └─ dlp ── cfg_dlp_fields (config_dlp.c) ─┬─ disabled
 *                                                         ├─ sensors ── override_fields
 *                                                         └─ custom ── custom_fields
 *
 * Rules that involve several keys (inline port peers, reassembly sizes, a sensor both
 * disabled and tuned) run after the keys they read are applied. Loading never touches the
 * caller's config until the whole document is valid. The table layout, and the helpers the
 * dlp: section (config_dlp.c) shares with this file, are in config_priv.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_priv.h"
#include "yaml_tree.h"

#include "tollgate_yaml_stamp.h"	/* rebuild when tollgate.yaml changes */

#ifndef TOLLGATE_SRCDIR
#error "TOLLGATE_SRCDIR must be defined (the source tree holding config/tollgate.yaml)"
#endif

/*
 * The shipped default, embedded byte for byte. .incbin keeps config/tollgate.yaml the one
 * place the defaults are written down; test_config checks that it loads to exactly
 * config_defaults().
 */
__asm__(".pushsection .rodata\n"
	".global config_builtin_yaml\n"
	".type config_builtin_yaml, @object\n"
	".balign 16\n"
	"config_builtin_yaml:\n"
	".incbin \"" TOLLGATE_SRCDIR "/config/tollgate.yaml\"\n"
	".Lconfig_builtin_yaml_end:\n"
	".byte 0\n"
	".size config_builtin_yaml, . - config_builtin_yaml\n"
	".global config_builtin_yaml_len\n"
	".type config_builtin_yaml_len, @object\n"
	".balign 4\n"
	"config_builtin_yaml_len:\n"
	".long .Lconfig_builtin_yaml_end - config_builtin_yaml\n"
	".size config_builtin_yaml_len, 4\n"
	".popsection\n");

#define KIB	(1024ull)
#define MIB	(1024ull * KIB)
#define GIB	(1024ull * MIB)
#define US_PER_S	1000000ull

/* Ranges (docs/configuration.md lists the same). */
#define WORKERS_MAX		64
#define BURST_MAX		64
#define MBUFS_MIN		1024
#define MBUFS_MAX		4194304
#define DP_RING_MIN		64
#define DP_RING_MAX		1048576
#define POLLS_MAX		1000000
#define SLEEP_US_MAX		100000
#define FLOWS_MAX		16777216
#define TIMEOUT_US_MIN		1000ull			/* 0.001 s */
#define TIMEOUT_US_MAX		(604800ull * US_PER_S)	/* 7 days */
#define DEFRAG_FLOWS_MAX	1048576
#define DEFRAG_ENTRIES_MAX	64
#define DEFRAG_TIMEOUT_MS_MAX	60000
#define MEMCAP_MIN		(64 * KIB)
#define MEMCAP_MAX		(64 * GIB)
#define BLOCK_MIN		128
#define BLOCK_MAX		65536
#define OOO_MIN			128
#define OOO_MAX			GIB
#define DEPTH_MAX		(1024 * GIB)
#define EV_RING_MIN		64
#define EV_RING_MAX		4194304

static int parse_ports(struct cfg_ctx *x, const struct yaml_node *n, void *base);
static int parse_eal_args(struct cfg_ctx *x, const struct yaml_node *n, void *base);
static void dump_ports(const void *base, FILE *f, int indent);
static void dump_eal_args(const void *base, FILE *f, int indent);

static const char *const evict_names[] = {
	[FLOW_EVICT_OLDEST] = "oldest",
	[FLOW_EVICT_NONE] = "none",
	NULL,
};

static const char *const exception_names[] = {
	[CONFIG_FAIL_OPEN] = "fail_open",
	[CONFIG_FAIL_CLOSED] = "fail_closed",
	NULL,
};

static const char *const mode_names[] = {
	[CONFIG_PORT_TAP] = "tap",
	[CONFIG_PORT_INLINE] = "inline",
	NULL,
};

#define PORT_NAME_WHAT "1..31 characters from A-Z a-z 0-9 _ -"

static const struct cfg_field port_fields[] = {
	{ .key = "name", .kind = CFG_STRING, AT(struct config_port, name), .min = 1,
	  .flags = CFG_REQUIRED | CFG_NAME, .what = PORT_NAME_WHAT },
	{ .key = "device", .kind = CFG_STRING, AT(struct config_port, device), .min = 1,
	  .flags = CFG_REQUIRED,
	  .what = "a PCI address or vdev string, e.g. 0000:01:00.0 or net_pcap0,iface=eth1" },
	{ .key = "mode", .kind = CFG_ENUM, AT(struct config_port, mode), .names = mode_names },
	{ .key = "peer", .kind = CFG_STRING, AT(struct config_port, peer), .min = 1,
	  .flags = CFG_NAME, .what = "the name of another inline port" },
	{ .key = NULL },
};

static const struct cfg_field idle_fields[] = {
	BOOL("busy_poll", dp.idle.busy_poll),
	UINT("empty_polls", dp.idle.empty_polls, 0, POLLS_MAX, 0),
	UINT("pause_polls", dp.idle.pause_polls, 0, POLLS_MAX, 0),
	UINT("max_sleep_us", dp.idle.max_sleep_us, 1, SLEEP_US_MAX, 0),
	{ .key = NULL },
};

static const struct cfg_field dp_fields[] = {
	UINT("workers", dp.workers, 1, WORKERS_MAX, 0),
	UINT("burst", dp.burst, 1, BURST_MAX, 0),
	UINT("mbufs", dp.mbufs, MBUFS_MIN, MBUFS_MAX, 0),
	UINT("ring_size", dp.ring_size, DP_RING_MIN, DP_RING_MAX, CFG_POW2),
	SECTION("idle", idle_fields),
	UINT("tx_flush_us", dp.tx_flush_us, 1, 100000, 0),
	{ .key = "exception_policy", .kind = CFG_ENUM, C(dp.exception_policy),
	  .names = exception_names },
	{ .key = "ports", .kind = CFG_LIST, .parse = parse_ports, .dump = dump_ports,
	  .what = "a sequence of ports" },
	{ .key = "eal_args", .kind = CFG_LIST, .parse = parse_eal_args, .dump = dump_eal_args,
	  .what = "a sequence of strings" },
	{ .key = NULL },
};

static const struct cfg_field timeout_fields[] = {
	SECS("new", flow.timeout_us[FLOW_STATE_NEW]),
	SECS("established", flow.timeout_us[FLOW_STATE_ESTABLISHED]),
	SECS("closing", flow.timeout_us[FLOW_STATE_CLOSING]),
	SECS("closed", flow.timeout_us[FLOW_STATE_CLOSED]),
	SECS("udp", flow.timeout_us[FLOW_STATE_UDP]),
	{ .key = NULL },
};

static const struct cfg_field flow_fields[] = {
	UINT("max_flows", flow.max_flows, 1, FLOWS_MAX, 0),
	UINT("buckets", flow.nbuckets, 0, FLOWS_MAX, CFG_POW2 | CFG_ZERO_AUTO),
	{ .key = "evict", .kind = CFG_ENUM, C(flow.evict), .names = evict_names },
	SECTION("timeouts", timeout_fields),
	{ .key = NULL },
};

static const struct cfg_field defrag_fields[] = {
	UINT("max_flows", defrag.max_flows, 1, DEFRAG_FLOWS_MAX, 0),
	UINT("bucket_entries", defrag.bucket_entries, 1, DEFRAG_ENTRIES_MAX, CFG_POW2),
	UINT("timeout_ms", defrag.timeout_ms, 1, DEFRAG_TIMEOUT_MS_MAX, 0),
	{ .key = NULL },
};

static const struct cfg_field reasm_fields[] = {
	SIZE("memcap", reasm.memcap, MEMCAP_MIN, MEMCAP_MAX),
	SIZE("block_size", reasm.block_size, BLOCK_MIN, BLOCK_MAX),
	SIZE("max_ooo_per_dir", reasm.max_ooo_per_dir, OOO_MIN, OOO_MAX),
	SIZE("depth", reasm.depth, 0, DEPTH_MAX),
	BOOL("midstream", reasm.midstream),
	{ .key = NULL },
};

static const struct cfg_field events_fields[] = {
	UINT("ring_size", events.ring_size, EV_RING_MIN, EV_RING_MAX, CFG_POW2),
	{ .key = NULL },
};

static const struct cfg_field api_fields[] = {
	{ .key = "listen", .kind = CFG_STRING, C(api.listen), .min = 0,
	  .what = "ADDRESS:PORT, e.g. 127.0.0.1:8470 or [::1]:8470, or \"\" for no API" },
	{ .key = "token_file", .kind = CFG_STRING, C(api.token_file), .min = 0,
	  .what = "a path to a token file, or \"\"" },
	{ .key = "tls_cert", .kind = CFG_STRING, C(api.tls_cert), .min = 0,
	  .what = "a path to a PEM certificate, or \"\"" },
	{ .key = "tls_key", .kind = CFG_STRING, C(api.tls_key), .min = 0,
	  .what = "a path to a PEM private key, or \"\"" },
	SIZE("max_body", api.max_body, 1024, 64 * MIB),
	UINT("events_kept", api.events_kept, 0, 1048576, 0),
	{ .key = NULL },
};

static const struct cfg_field root_fields[] = {
	{ .key = "state_dir", .kind = CFG_STRING, C(state_dir), .min = 1, .flags = CFG_ABSPATH,
	  .what = "an absolute path" },
	SECTION("dataplane", dp_fields),
	SECTION("flow", flow_fields),
	SECTION("defrag", defrag_fields),
	SECTION("reassembly", reasm_fields),
	SECTION("events", events_fields),
	{ .key = "dlp", .kind = CFG_SECTION, .sub = cfg_dlp_fields, .check = cfg_dlp_check },
	SECTION("api", api_fields),
	/* Groups, rules and modes: config/policy.c loads this section (policy_load_config). */
	{ .key = "policy", .kind = CFG_FOREIGN },
	{ .key = NULL },
};

/* Cross-field rules: within one section, key a must not exceed key b. */
struct cfg_le_rule {
	const char *section;
	const struct cfg_field *table;
	const char *a, *b;
};

static const struct cfg_le_rule le_rules[] = {
	{ "reassembly", reasm_fields, "block_size", "max_ooo_per_dir" },
	{ "reassembly", reasm_fields, "max_ooo_per_dir", "memcap" },
};

/* ---- scalar parsers ---- */

/*
 * The n bytes at s as an unsigned decimal: -EINVAL unless [-]digits without leading
 * zeros, -ERANGE when signed or too big (the form is right, the value is not).
 */
static int
parse_digits(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	int range = 0;

	if (n > 0 && s[0] == '-') {
		range = 1;
		i = 1;
	}
	if (i == n || (s[i] == '0' && n - i > 1))
		return -EINVAL;
	for (; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}

int
config_parse_uint(const char *s, uint64_t *out)
{
	return parse_digits(s, strlen(s), out);
}

int
config_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *sfx;
		uint64_t mul;
	} units[] = {
		{ "", 1 },
		{ "KiB", KIB }, { "MiB", MIB }, { "GiB", GIB },
		{ "K", KIB }, { "M", MIB }, { "G", GIB },
	};
	size_t n = (s[0] == '-') + strspn(s + (s[0] == '-'), "0123456789"), i;
	uint64_t v;
	int rc;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + n, units[i].sfx) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -EINVAL;
	rc = parse_digits(s, n, &v);
	if (rc != 0)
		return rc;
	if (v > UINT64_MAX / units[i].mul)
		return -ERANGE;
	*out = v * units[i].mul;
	return 0;
}

int
config_parse_seconds(const char *s, uint64_t *out_us)
{
	const char *dot = strchr(s, '.');
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	uint64_t sec, frac = 0, scale = US_PER_S;
	int rc;

	if (dot != NULL) {
		const char *p = dot + 1;

		/* 1 to 6 decimals: microseconds are the unit of storage */
		if (*p == '\0' || strlen(p) > 6 || strspn(p, "0123456789") != strlen(p))
			return -EINVAL;
		for (; *p != '\0'; p++) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	rc = parse_digits(s, n, &sec);
	if (rc != 0)
		return rc;
	if (sec > (UINT64_MAX - frac) / US_PER_S)
		return -ERANGE;
	*out_us = sec * US_PER_S + frac;
	return 0;
}

int
config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- formatting ---- */

static const char *
fmt_size(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB == 0)
		snprintf(buf, len, "%lluGiB", (unsigned long long)(v / GIB));
	else if (v != 0 && v % MIB == 0)
		snprintf(buf, len, "%lluMiB", (unsigned long long)(v / MIB));
	else if (v != 0 && v % KIB == 0)
		snprintf(buf, len, "%lluKiB", (unsigned long long)(v / KIB));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static const char *
fmt_seconds(uint64_t us, char *buf, size_t len)
{
	unsigned long long frac = us % US_PER_S;
	int digits = 6;

	if (frac == 0) {
		snprintf(buf, len, "%llu", (unsigned long long)(us / US_PER_S));
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(us / US_PER_S), digits, frac);
	return buf;
}

/*
 * A value as the person wrote it, for "got ...": plain scalars bare, quoted ones in
 * double quotes, control characters escaped, long values cut (on a UTF-8 boundary).
 */
const char *
cfg_fmt_got(const struct yaml_node *n, char *buf, size_t len)
{
	const char *s;
	size_t o = 0, slen, i;
	int quoted;

	if (yaml_tree_kind(n) != YAML_TREE_SCALAR) {
		snprintf(buf, len, "a %s", yaml_tree_kind_name(yaml_tree_kind(n)));
		return buf;
	}
	s = yaml_tree_str(n);
	quoted = !yaml_tree_is_plain(n);
	if (!quoted && s[0] == '\0') {
		snprintf(buf, len, "an empty value");
		return buf;
	}
	slen = strlen(s);
	if (slen > GOT_MAX) {
		slen = GOT_MAX;
		while (slen > 0 && ((unsigned char)s[slen] & 0xc0) == 0x80)
			slen--;
	}
	if (quoted)
		buf[o++] = '"';
	for (i = 0; i < slen && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02X", ch);
		else if (quoted && (ch == '"' || ch == '\\'))
			o += (size_t)snprintf(buf + o, len - o, "\\%c", ch);
		else
			buf[o++] = (char)ch;
	}
	if (i < strlen(s))
		o += (size_t)snprintf(buf + o, len - o, "...");
	if (quoted)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* ---- errors and paths ---- */

int
cfg_err_path(struct cfg_ctx *x, const struct yaml_node *n, const char *path, const char *fmt,
	     ...)
{
	char msg[1024], where[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(where, sizeof(where), ":%u:%u", yaml_tree_line(n), yaml_tree_col(n));
	if (x->err != NULL && x->errlen != 0)
		snprintf(x->err, x->errlen, "%s%s: %s%s%s", x->name, where, path,
			 path[0] != '\0' ? ": " : "", msg);
	return -EINVAL;
}

size_t
cfg_path_push_key(struct cfg_ctx *x, const char *key)
{
	size_t old = x->pathlen;

	size_t i;

	snprintf(x->path + old, sizeof(x->path) - old, "%s%s", old != 0 ? "." : "", key);
	x->pathlen = strlen(x->path);
	/* A key is any scalar: keep a stray control character out of the one-line message. */
	for (i = old; i < x->pathlen; i++)
		if ((unsigned char)x->path[i] < 0x20 || x->path[i] == 0x7f)
			x->path[i] = '?';
	return old;
}

size_t
cfg_path_push_index(struct cfg_ctx *x, size_t i)
{
	size_t old = x->pathlen;

	snprintf(x->path + old, sizeof(x->path) - old, "[%zu]", i);
	x->pathlen = strlen(x->path);
	return old;
}

void
cfg_path_pop(struct cfg_ctx *x, size_t old)
{
	x->pathlen = old;
	x->path[old] = '\0';
}

int
cfg_err_wrong_type(struct cfg_ctx *x, const struct yaml_node *n, const char *expected)
{
	char got[GOT_BUF];

	return cfg_err(x, n, "wrong type (got %s, expected %s)", cfg_fmt_got(n, got, sizeof(got)),
		       expected);
}

const char *
cfg_fmt_names(const char *const *names, char *buf, size_t len)
{
	size_t o = 0, i, n = 0, k = 0;

	for (i = 0; names[i] != NULL; i++)
		n += names[i][0] != '\0';
	buf[0] = '\0';
	for (i = 0; names[i] != NULL && o < len; i++) {
		if (names[i][0] == '\0')
			continue;	/* placeholder: no value has this index */
		k++;
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      k == 1 ? "" : k == n ? " or " : ", ", names[i]);
	}
	return buf;
}

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

static uint64_t
load_uint(const void *src, uint32_t size)
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
	if (rc == -ERANGE || v < f->min || v > f->max)
		return cfg_err(x, n, "out of range (got %s, expected %s..%s)", got,
			       fmt_size(f->min, lo, sizeof(lo)), fmt_size(f->max, hi, sizeof(hi)));
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
			       fmt_seconds(f->min, lo, sizeof(lo)),
			       fmt_seconds(f->max, hi, sizeof(hi)));
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
	char got[GOT_BUF], names[128];
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
	char exp[96];
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

/* ---- lists ---- */

static const struct yaml_node *
seen_node(const struct cfg_ctx *x, const struct cfg_field *f)
{
	unsigned int i;

	for (i = 0; i < x->nseen; i++)
		if (x->seen[i].f == f)
			return x->seen[i].n;
	return NULL;
}

static int
find_port(const struct config_dataplane *dp, const char *name)
{
	uint32_t i;

	for (i = 0; i < dp->nports; i++)
		if (strcmp(dp->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Inline ports come in pairs that name each other; tap ports have no peer. Checked after
 * all ports are read, since a peer may be declared after the port that names it.
 */
static int
check_peers(struct cfg_ctx *x, const struct yaml_node *seq)
{
	const struct config_dataplane *dp = &x->cfg->dp;
	char got[GOT_BUF], path[PATH_MAX_LEN + 32], names[CONFIG_MAX_PORTS * 34];
	uint32_t i, k;

	for (i = 0; i < dp->nports; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i);
		const struct yaml_node *pn = yaml_tree_get(item, "peer");

		if (dp->ports[i].mode == CONFIG_PORT_TAP && pn != NULL) {
			snprintf(path, sizeof(path), "%s[%u].peer", x->path, i);
			return cfg_err_path(x, pn, path, "only inline ports have a peer (got %s, "
					    "expected no peer with mode tap)",
					    cfg_fmt_got(pn, got, sizeof(got)));
		}
		if (dp->ports[i].mode == CONFIG_PORT_INLINE && pn == NULL) {
			snprintf(path, sizeof(path), "%s[%u]", x->path, i);
			return cfg_err_path(x, item, path, "inline port without a peer (expected "
					    "peer: the name of another inline port)");
		}
	}
	for (i = 0; i < dp->nports; i++) {
		const struct config_port *p = &dp->ports[i], *q;
		const struct yaml_node *pn = yaml_tree_get(yaml_tree_item(seq, i), "peer"), *qn;
		size_t o = 0;
		int j;

		if (p->mode != CONFIG_PORT_INLINE)
			continue;
		snprintf(path, sizeof(path), "%s[%u].peer", x->path, i);
		cfg_fmt_got(pn, got, sizeof(got));
		j = find_port(dp, p->peer);
		if (j < 0) {
			names[0] = '\0';
			for (k = 0; k < dp->nports && o < sizeof(names); k++)
				if (k != i)
					o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
							      o == 0 ? "" : ", ",
							      dp->ports[k].name);
			if (o == 0)
				return cfg_err_path(x, pn, path, "unknown port (got %s, expected "
						    "another port, but there is none)", got);
			return cfg_err_path(x, pn, path, "unknown port (got %s, expected one of: "
					    "%s)", got, names);
		}
		if ((uint32_t)j == i)
			return cfg_err_path(x, pn, path, "a port cannot be its own peer (got %s, "
					    "expected another inline port)", got);
		q = &dp->ports[j];
		if (q->mode != CONFIG_PORT_INLINE)
			return cfg_err_path(x, pn, path, "peer is not an inline port (got %s, "
					    "expected an inline port)", got);
		if (strcmp(q->peer, p->name) != 0) {
			/* q is inline, so the first loop made sure it has a peer */
			qn = yaml_tree_get(yaml_tree_item(seq, (size_t)j), "peer");
			snprintf(path, sizeof(path), "%s[%d].peer", x->path, j);
			return cfg_err_path(x, qn, path, "not mutual (got %s, expected %s, whose "
					    "peer is %s)", cfg_fmt_got(qn, got, sizeof(got)),
					    p->name, q->name);
		}
	}
	return 0;
}

static int
parse_ports(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_dataplane *dp = &((struct tg_config *)base)->dp;
	char got[GOT_BUF];
	size_t n, i, old;
	uint32_t j;
	int rc;

	memset(dp->ports, 0, sizeof(dp->ports));
	dp->nports = 0;
	if (yaml_tree_is_null(seq))
		return 0;
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of ports");
	n = yaml_tree_len(seq);
	if (n > CONFIG_MAX_PORTS)
		return cfg_err(x, seq, "too many ports (got %zu, expected at most %u)", n,
			       CONFIG_MAX_PORTS);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i), *name;
		struct config_port *p = &dp->ports[i];

		old = cfg_path_push_index(x, i);
		if (yaml_tree_kind(item) != YAML_TREE_MAPPING)
			rc = cfg_err_wrong_type(x, item,
						"a mapping with name, device, mode and peer");
		else
			rc = cfg_apply_mapping(x, item, port_fields, p);
		for (j = 0; rc == 0 && j < i; j++) {
			if (strcmp(dp->ports[j].name, p->name) != 0)
				continue;
			name = yaml_tree_get(item, "name");
			cfg_path_push_key(x, "name");
			rc = cfg_err(x, name, "duplicate port name (got %s, expected a name not "
				     "used by %.*s[%u])", cfg_fmt_got(name, got, sizeof(got)),
				     (int)old, x->path, j);
		}
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		dp->nports = (uint32_t)i + 1;
	}
	return check_peers(x, seq);
}

static int
parse_eal_args(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_dataplane *dp = &((struct tg_config *)base)->dp;
	static const struct cfg_field arg = {
		.key = "", .kind = CFG_STRING, .size = CONFIG_DEV_LEN, .min = 1,
		.what = "an EAL argument",
	};
	size_t n, i, old;
	int rc;

	memset(dp->eal_args, 0, sizeof(dp->eal_args));
	dp->n_eal_args = 0;
	if (yaml_tree_is_null(seq))
		return 0;
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of strings");
	n = yaml_tree_len(seq);
	if (n > CONFIG_MAX_EAL_ARGS)
		return cfg_err(x, seq, "too many arguments (got %zu, expected at most %u)", n,
			       CONFIG_MAX_EAL_ARGS);
	for (i = 0; i < n; i++) {
		old = cfg_path_push_index(x, i);
		rc = cfg_apply_field(x, &arg, yaml_tree_item(seq, i), dp->eal_args[i]);
		cfg_path_pop(x, old);
		if (rc != 0)
			return rc;
		dp->n_eal_args = (uint32_t)i + 1;
	}
	return 0;
}

/* ---- whole document ---- */

static uint32_t
next_pow2(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Settle derived values: what "automatic" stands for. */
static void
resolve(struct tg_config *c)
{
	if (c->flow.nbuckets == 0)
		c->flow.nbuckets = next_pow2(c->flow.max_flows);
}

static uint64_t
field_value(const struct tg_config *c, const struct cfg_field *f)
{
	return load_uint((const char *)c + f->off, f->size);
}

static const struct cfg_field *
find_field(const struct cfg_field *table, const char *key)
{
	for (; table->key != NULL; table++)
		if (strcmp(table->key, key) == 0)
			return table;
	return NULL;
}

static int
check_cross(struct cfg_ctx *x)
{
	char got[GOT_BUF], lim[GOT_BUF], apath[64], bpath[64];
	size_t i;

	for (i = 0; i < sizeof(le_rules) / sizeof(le_rules[0]); i++) {
		const struct cfg_le_rule *r = &le_rules[i];
		const struct cfg_field *fa = find_field(r->table, r->a);
		const struct cfg_field *fb = find_field(r->table, r->b);
		uint64_t a = field_value(x->cfg, fa), b = field_value(x->cfg, fb);
		const struct yaml_node *an = seen_node(x, fa), *bn = seen_node(x, fb);

		if (a <= b)
			continue;
		snprintf(apath, sizeof(apath), "%s.%s", r->section, r->a);
		snprintf(bpath, sizeof(bpath), "%s.%s", r->section, r->b);
		/*
		 * Point at whichever of the two the document set (a if both), and quote each
		 * value as written when it was written.
		 */
		if (an != NULL || bn == NULL) {
			if (an != NULL)
				cfg_fmt_got(an, got, sizeof(got));
			else
				fmt_size(a, got, sizeof(got));
			if (bn != NULL)
				cfg_fmt_got(bn, lim, sizeof(lim));
			else
				fmt_size(b, lim, sizeof(lim));
			return cfg_err_path(x, an, apath, "larger than %s (got %s, expected at "
					    "most %s)", bpath, got, lim);
		}
		return cfg_err_path(x, bn, bpath, "smaller than %s (got %s, expected at least "
				    "%s)", apath, cfg_fmt_got(bn, got, sizeof(got)),
				    fmt_size(a, lim, sizeof(lim)));
	}
	return 0;
}

void
config_defaults(struct tg_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->source, sizeof(c->source), "<built-in>");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/tollgate");

	c->dp.workers = 1;
	c->dp.burst = 32;
	c->dp.mbufs = 16383;
	c->dp.ring_size = 4096;
	c->dp.idle.busy_poll = 0;
	c->dp.idle.empty_polls = 64;
	c->dp.idle.pause_polls = 256;
	c->dp.idle.max_sleep_us = 200;
	c->dp.tx_flush_us = 100;
	c->dp.exception_policy = CONFIG_FAIL_OPEN;

	c->flow.max_flows = 65536;
	c->flow.nbuckets = 0;
	c->flow.evict = FLOW_EVICT_OLDEST;
	c->flow.timeout_us[FLOW_STATE_NEW] = 30 * US_PER_S;
	c->flow.timeout_us[FLOW_STATE_ESTABLISHED] = 600 * US_PER_S;
	c->flow.timeout_us[FLOW_STATE_CLOSING] = 60 * US_PER_S;
	c->flow.timeout_us[FLOW_STATE_CLOSED] = 10 * US_PER_S;
	c->flow.timeout_us[FLOW_STATE_UDP] = 120 * US_PER_S;

	c->defrag.max_flows = 4096;
	c->defrag.bucket_entries = 16;
	c->defrag.timeout_ms = 2000;

	c->reasm.memcap = 64 * MIB;
	c->reasm.block_size = 2048;
	c->reasm.max_ooo_per_dir = MIB;
	c->reasm.depth = 0;
	c->reasm.midstream = 1;

	c->events.ring_size = 65536;

	snprintf(c->api.listen, sizeof(c->api.listen), "127.0.0.1:8470");
	c->api.max_body = 1 * MIB;
	c->api.events_kept = 16384;

	cfg_dlp_defaults(&c->dlp);
	resolve(c);
}

int
config_apply_tree(struct tg_config *c, const char *name, const struct yaml_node *root,
		  char *err, size_t errlen)
{
	struct cfg_ctx *x;
	struct tg_config *tmp;
	int rc = -ENOMEM;

	if (err != NULL && errlen != 0)
		err[0] = '\0';
	x = calloc(1, sizeof(*x));
	tmp = malloc(sizeof(*tmp));
	if (x == NULL || tmp == NULL) {
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	config_defaults(tmp);
	tmp->flow.nbuckets = 0;		/* resolved again once max_flows is known */
	snprintf(tmp->source, sizeof(tmp->source), "%s", name);
	x->name = name;
	x->err = err;
	x->errlen = errlen;
	x->cfg = tmp;
	rc = cfg_apply_mapping(x, root, root_fields, tmp);
	if (rc == 0)
		rc = check_cross(x);
	if (rc == 0) {
		resolve(tmp);
		memcpy(c, tmp, sizeof(*c));
	}
out:
	free(tmp);
	free(x);
	return rc;
}

int
config_load_buffer(struct tg_config *c, const char *name, const char *buf, size_t len,
		   char *err, size_t errlen)
{
	struct yaml_node *root;
	int rc;

	if (name == NULL)
		name = "<buffer>";
	root = yaml_tree_load_buffer(name, buf, len, err, errlen);
	if (root == NULL)
		return -errno;
	rc = config_apply_tree(c, name, root, err, errlen);
	yaml_tree_free(root);
	return rc;
}

int
config_load_file(struct tg_config *c, const char *path, char *err, size_t errlen)
{
	struct yaml_node *root;
	int rc;

	root = yaml_tree_load_file(path, err, errlen);
	if (root == NULL)
		return -errno;
	rc = config_apply_tree(c, path, root, err, errlen);
	yaml_tree_free(root);
	return rc;
}

/* ---- dump ---- */

static const char *
enum_name(const char *const *names, uint64_t v)
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

static void
dump_ports(const void *base, FILE *f, int indent)
{
	const struct tg_config *c = base;
	uint32_t i;

	if (c->dp.nports == 0) {
		fprintf(f, " []\n");
		return;
	}
	fputc('\n', f);
	for (i = 0; i < c->dp.nports; i++) {
		const struct config_port *p = &c->dp.ports[i];

		fprintf(f, "%*s- name: ", indent + 2, "");
		cfg_dump_string(f, p->name);
		fprintf(f, "\n%*sdevice: ", indent + 4, "");
		cfg_dump_string(f, p->device);
		fprintf(f, "\n%*smode: %s\n", indent + 4, "", enum_name(mode_names, p->mode));
		if (p->mode == CONFIG_PORT_INLINE) {
			fprintf(f, "%*speer: ", indent + 4, "");
			cfg_dump_string(f, p->peer);
			fputc('\n', f);
		}
	}
}

static void
dump_eal_args(const void *base, FILE *f, int indent)
{
	const struct tg_config *c = base;
	uint32_t i;

	if (c->dp.n_eal_args == 0) {
		fprintf(f, " []\n");
		return;
	}
	fputc('\n', f);
	for (i = 0; i < c->dp.n_eal_args; i++) {
		fprintf(f, "%*s- ", indent + 2, "");
		cfg_dump_string(f, c->dp.eal_args[i]);
		fputc('\n', f);
	}
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
			     0 : load_uint(src, fl->size);

		if (fl->kind == CFG_FOREIGN ||
		    ((fl->flags & CFG_ZERO_UNSET) && load_uint(src, fl->size) == 0))
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
			fprintf(f, " %s\n", fmt_size(v, buf, sizeof(buf)));
			break;
		case CFG_SECONDS:
			fprintf(f, " %s\n", fmt_seconds(v, buf, sizeof(buf)));
			break;
		case CFG_BOOL:
			fprintf(f, " %s\n", v != 0 ? "true" : "false");
			break;
		case CFG_ENUM:
			fprintf(f, " %s\n", enum_name(fl->names, v));
			break;
		default:
			fputc(' ', f);
			cfg_dump_string(f, src);
			fputc('\n', f);
			break;
		}
	}
}

void
config_dump(const struct tg_config *c, FILE *f)
{
	fprintf(f, "# Effective configuration, from ");
	for (const char *s = c->source; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
	fprintf(f, "\n");
	cfg_dump_table(c, f, root_fields, 0, 0);
}
