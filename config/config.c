/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-path configuration schema (see config.h). The schema is a set of tables, one per
 * YAML mapping, that name each key, its kind, where it lands in struct tg_config and its
 * range. One walker applies a mapping to its table; the same tables drive config_dump,
 * so a key cannot be loadable but missing from the dump, or the other way round:
 *
 *   root_fields ─┬─ state_dir
 *                ├─ cache_dir
 *                ├─ dataplane ── dp_fields ─┬─ idle ── idle_fields
 *                │                          ├─ ports ── parse_ports ── port_fields
 *                │                          └─ eal_args ── parse_eal_args
 *                ├─ flow ── flow_fields ── timeouts ── timeout_fields
 *                ├─ defrag ── defrag_fields
 *                ├─ reassembly ── reasm_fields
 *                ├─ events ── events_fields ─┬─ file ── events_file_fields
 *                │                            └─ sinks ── cfg_sinks_parse (config_sinks.c)
 *                ├─ incidents ── incidents_fields
 *                ├─ dlp ── cfg_dlp_fields (config_dlp.c) ─┬─ disabled
 *                │                                        ├─ sensors ── override_fields
 *                │                                        └─ custom ── custom_fields
 *                └─ capture ── cfg_capture_fields (config_capture.c)
 *
 * Rules that involve several keys (inline port peers, reassembly sizes, a sensor both
 * disabled and tuned) run after the keys they read are applied. Loading never touches the
 * caller's config until the whole document is valid.
 *
 * This file holds the data-path sections' tables and lists, the whole document (defaults,
 * cross-key rules, config_load_*, config_dump) and the embedded default. The module's
 * files call downwards only; the table layout and the helpers they share are declared in
 * config_priv.h:
 *
 *   config.c        top level: data-path sections, whole document, built-in default
 *     ├─> config_sinks.c    the events.sinks: list
 *     ├─> config_capture.c  the capture: section
 *     └─> config_dlp.c      the dlp: section
 *           └─> config_walk.c     the table walker: apply a mapping, dump a table
 *                 └─> config_parse.c    scalars, value formatting, messages and paths
 *
 * (each may call any file below it, none above; policy.c uses config_parse.c only).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
#define DEFRAG_FRAGS_MIN	2
#define DEFRAG_FRAGS_MAX	8192			/* 8-byte fragments of 64 KiB */
#define DEFRAG_MEMCAP_MIN	(64 * KIB)
#define DEFRAG_MEMCAP_MAX	GIB
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
#define EV_FILE_MAX		(1024 * GIB)
#define PORT_DESC_MIN		16
#define PORT_DESC_MAX		32768

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

static const char *const checksum_names[] = {
	[CONFIG_CKSUM_AUTO] = "auto",
	[CONFIG_CKSUM_VALIDATE] = "validate",
	[CONFIG_CKSUM_IGNORE] = "ignore",
	NULL,
};

static const char *const urgent_names[] = {
	[CONFIG_URGENT_REMOVE] = "remove",
	[CONFIG_URGENT_INLINE] = "inline",
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
	{ .key = "rx_desc", .kind = CFG_UINT, AT(struct config_port, rx_desc), .min = PORT_DESC_MIN,
	  .max = PORT_DESC_MAX },
	{ .key = "tx_desc", .kind = CFG_UINT, AT(struct config_port, tx_desc), .min = PORT_DESC_MIN,
	  .max = PORT_DESC_MAX },
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
	{ .key = "checksums", .kind = CFG_ENUM, C(dp.checksums), .names = checksum_names },
	{ .key = "ports", .kind = CFG_LIST, .parse = parse_ports, .dump = dump_ports,
	  .what = "a sequence of ports" },
	{ .key = "eal_args", .kind = CFG_LIST, .parse = parse_eal_args, .dump = dump_eal_args,
	  .what = "a sequence of strings" },
	{ .key = NULL },
};

static const struct cfg_field timeout_fields[] = {
	SECS("new", flow.timeout_us[CONFIG_FLOW_TIMEOUT_NEW]),
	SECS("established", flow.timeout_us[CONFIG_FLOW_TIMEOUT_ESTABLISHED]),
	SECS("closing", flow.timeout_us[CONFIG_FLOW_TIMEOUT_CLOSING]),
	SECS("closed", flow.timeout_us[CONFIG_FLOW_TIMEOUT_CLOSED]),
	SECS("udp", flow.timeout_us[CONFIG_FLOW_TIMEOUT_UDP]),
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
	UINT("max_frags", defrag.max_frags, DEFRAG_FRAGS_MIN, DEFRAG_FRAGS_MAX, 0),
	SIZE("memcap", defrag.memcap, DEFRAG_MEMCAP_MIN, DEFRAG_MEMCAP_MAX),
	UINT("timeout_ms", defrag.timeout_ms, 1, DEFRAG_TIMEOUT_MS_MAX, 0),
	{ .key = NULL },
};

static const struct cfg_field reasm_fields[] = {
	SIZE("memcap", reasm.memcap, MEMCAP_MIN, MEMCAP_MAX),
	SIZE("block_size", reasm.block_size, BLOCK_MIN, BLOCK_MAX),
	SIZE("max_ooo_per_dir", reasm.max_ooo_per_dir, OOO_MIN, OOO_MAX),
	SIZE("depth", reasm.depth, 0, DEPTH_MAX),
	BOOL("midstream", reasm.midstream),
	{ .key = "urgent", .kind = CFG_ENUM, C(reasm.urgent), .names = urgent_names },
	{ .key = NULL },
};

static const char *const fsync_names[] = {
	[CONFIG_FSYNC_NEVER] = "never",
	[CONFIG_FSYNC_ROTATE] = "rotate",
	[CONFIG_FSYNC_INTERVAL] = "interval",
	NULL,
};

static const struct cfg_field events_file_fields[] = {
	{ .key = "max_size", .kind = CFG_SIZE, C(events.file.max_size), .min = 4 * KIB,
	  .max = EV_FILE_MAX, .flags = CFG_ZERO_AUTO },
	UINT("keep", events.file.keep, 1, 1000, 0),
	{ .key = "fsync", .kind = CFG_ENUM, C(events.file.fsync), .names = fsync_names },
	UINT("fsync_interval_ms", events.file.fsync_interval_ms, 1, 3600000, 0),
	{ .key = NULL },
};

static const struct cfg_field events_fields[] = {
	UINT("ring_size", events.ring_size, EV_RING_MIN, EV_RING_MAX, CFG_POW2),
	BOOL("http", events.http),
	BOOL("smtp", events.smtp),
	BOOL("tls", events.tls),
	BOOL("dns", events.dns),
	UINT("drain_timeout_ms", events.drain_timeout_ms, 1, 600000, 0),
	SECTION("file", events_file_fields),
	{ .key = "sinks", .kind = CFG_LIST, .parse = cfg_sinks_parse, .dump = cfg_sinks_dump,
	  .what = "a sequence of sinks" },
	{ .key = NULL },
};

static const struct cfg_field app_fields[] = {
	BOOL("enabled", app.enabled),
	UINT("max_flows", app.max_flows, 1, 1048576, 0),
	SIZE("decode_memcap", app.decode_memcap, MIB, 64 * GIB),
	SIZE("max_decoded", app.max_decoded, 4096, 4 * GIB),
	UINT("max_ratio", app.max_ratio, 2, 100000, 0),
	SIZE("max_header_line", app.max_header_line, 256, 65536),
	UINT("max_headers", app.max_headers, 8, 4096, 0),
	SIZE("base64_min", app.base64_min, 16, 1024),
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
	UINT("max_connections", api.max_connections, 1, 4096, 0),
	UINT("max_connections_per_ip", api.max_connections_per_ip, 1, 4096, 0),
	UINT("idle_timeout_s", api.idle_timeout_s, 1, 3600, 0),
	{ .key = NULL },
};

static const struct cfg_field incidents_fields[] = {
	{ .key = "window", .kind = CFG_SECONDS, C(incidents.window_us), .min = US_PER_S,
	  .max = TIMEOUT_US_MAX },
	UINT("max", incidents.max, 1, 65536, 0),
	UINT("max_values", incidents.max_values, 16, 1048576, 0),
	{ .key = NULL },
};

static const struct cfg_field root_fields[] = {
	{ .key = "state_dir", .kind = CFG_STRING, C(state_dir), .min = 1, .flags = CFG_ABSPATH,
	  .what = "an absolute path" },
	{ .key = "cache_dir", .kind = CFG_STRING, C(cache_dir), .min = 1, .flags = CFG_ABSPATH,
	  .what = "an absolute path" },
	SECTION("dataplane", dp_fields),
	SECTION("flow", flow_fields),
	SECTION("defrag", defrag_fields),
	SECTION("reassembly", reasm_fields),
	SECTION("events", events_fields),
	SECTION("app", app_fields),
	{ .key = "dlp", .kind = CFG_SECTION, .sub = cfg_dlp_fields, .check = cfg_dlp_check },
	SECTION("api", api_fields),
	{ .key = "capture", .kind = CFG_SECTION, .sub = cfg_capture_fields,
	  .check = cfg_capture_check },
	SECTION("incidents", incidents_fields),
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

/* ---- lists ---- */

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

static const struct yaml_node *
seen_node(const struct cfg_ctx *x, const struct cfg_field *f)
{
	unsigned int i;

	for (i = 0; i < x->nseen; i++)
		if (x->seen[i].f == f)
			return x->seen[i].n;
	return NULL;
}

static uint64_t
field_value(const struct tg_config *c, const struct cfg_field *f)
{
	return cfg_load_uint((const char *)c + f->off, f->size);
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
				cfg_fmt_size(a, got, sizeof(got));
			if (bn != NULL)
				cfg_fmt_got(bn, lim, sizeof(lim));
			else
				cfg_fmt_size(b, lim, sizeof(lim));
			return cfg_err_path(x, an, apath, "larger than %s (got %s, expected at "
					    "most %s)", bpath, got, lim);
		}
		return cfg_err_path(x, bn, bpath, "smaller than %s (got %s, expected at least "
				    "%s)", apath, cfg_fmt_got(bn, got, sizeof(got)),
				    cfg_fmt_size(a, lim, sizeof(lim)));
	}
	return 0;
}

/*
 * One datagram of defrag.max_frags fragments must fit under defrag.memcap, each fragment
 * held in a packet buffer of CONFIG_DEFRAG_FRAG_BYTES; else the cap would give up every
 * datagram long before max_frags. Points at max_frags when the document set it.
 */
static int
check_defrag(struct cfg_ctx *x)
{
	const struct config_defrag *d = &x->cfg->defrag;
	const struct yaml_node *fn = seen_node(x, find_field(defrag_fields, "max_frags"));
	const struct yaml_node *mn = seen_node(x, find_field(defrag_fields, "memcap"));
	uint64_t need = (uint64_t)d->max_frags * CONFIG_DEFRAG_FRAG_BYTES;
	char got[GOT_BUF], cap[GOT_BUF], want[GOT_BUF];

	if (need <= d->memcap)
		return 0;
	if (mn != NULL)
		cfg_fmt_got(mn, cap, sizeof(cap));
	else
		cfg_fmt_size(d->memcap, cap, sizeof(cap));
	if (fn != NULL || mn == NULL) {
		if (fn != NULL)
			cfg_fmt_got(fn, got, sizeof(got));
		else
			snprintf(got, sizeof(got), "%u", d->max_frags);
		return cfg_err_path(x, fn, "defrag.max_frags", "more fragments than defrag.memcap "
				    "holds (got %s, expected at most %" PRIu64 " with memcap %s: "
				    "each held fragment takes a %u-byte packet buffer)", got,
				    d->memcap / CONFIG_DEFRAG_FRAG_BYTES, cap,
				    CONFIG_DEFRAG_FRAG_BYTES);
	}
	return cfg_err_path(x, mn, "defrag.memcap", "too small for defrag.max_frags (got %s, "
			    "expected at least %s: %u fragments of a %u-byte packet buffer)", cap,
			    cfg_fmt_size(need, want, sizeof(want)), d->max_frags,
			    CONFIG_DEFRAG_FRAG_BYTES);
}

void
config_defaults(struct tg_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->source, sizeof(c->source), "<built-in>");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/tollgate");
	snprintf(c->cache_dir, sizeof(c->cache_dir), "/var/cache/tollgate");

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
	c->dp.checksums = CONFIG_CKSUM_AUTO;

	c->flow.max_flows = 65536;
	c->flow.nbuckets = 0;
	c->flow.evict = FLOW_EVICT_OLDEST;
	c->flow.timeout_us[CONFIG_FLOW_TIMEOUT_NEW] = 30 * US_PER_S;
	c->flow.timeout_us[CONFIG_FLOW_TIMEOUT_ESTABLISHED] = 600 * US_PER_S;
	c->flow.timeout_us[CONFIG_FLOW_TIMEOUT_CLOSING] = 60 * US_PER_S;
	c->flow.timeout_us[CONFIG_FLOW_TIMEOUT_CLOSED] = 10 * US_PER_S;
	c->flow.timeout_us[CONFIG_FLOW_TIMEOUT_UDP] = 120 * US_PER_S;

	c->defrag.max_flows = 4096;
	c->defrag.max_frags = 64;
	c->defrag.memcap = 8 * MIB;
	c->defrag.timeout_ms = 2000;

	c->reasm.memcap = 64 * MIB;
	c->reasm.block_size = 2048;
	c->reasm.max_ooo_per_dir = MIB;
	c->reasm.depth = 0;
	c->reasm.midstream = 1;
	c->reasm.urgent = CONFIG_URGENT_REMOVE;
	c->app.enabled = 1;
	c->app.max_flows = 4096;
	c->app.decode_memcap = 64 * MIB;
	c->app.max_decoded = 16 * MIB;
	c->app.max_ratio = 100;
	c->app.max_header_line = 8192;
	c->app.max_headers = 128;
	c->app.base64_min = 64;

	c->events.ring_size = 65536;
	c->events.drain_timeout_ms = 30000;
	c->events.file.max_size = 0;
	c->events.file.keep = 5;
	c->events.file.fsync = CONFIG_FSYNC_NEVER;
	c->events.file.fsync_interval_ms = 1000;

	snprintf(c->api.listen, sizeof(c->api.listen), "127.0.0.1:8470");
	c->api.max_body = 1 * MIB;
	c->api.events_kept = 16384;
	c->api.max_connections = 1024;
	c->api.max_connections_per_ip = 16;
	c->api.idle_timeout_s = 10;

	c->incidents.window_us = 3600 * US_PER_S;
	c->incidents.max = 256;
	c->incidents.max_values = 65536;

	cfg_dlp_defaults(&c->dlp);
	cfg_capture_defaults(&c->capture);
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
	if (rc == 0)
		rc = check_defrag(x);
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
		fprintf(f, "\n%*smode: %s\n", indent + 4, "", cfg_enum_name(mode_names, p->mode));
		if (p->mode == CONFIG_PORT_INLINE) {
			fprintf(f, "%*speer: ", indent + 4, "");
			cfg_dump_string(f, p->peer);
			fputc('\n', f);
		}
		if (p->rx_desc != 0)
			fprintf(f, "%*srx_desc: %u\n", indent + 4, "", p->rx_desc);
		if (p->tx_desc != 0)
			fprintf(f, "%*stx_desc: %u\n", indent + 4, "", p->tx_desc);
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
config_dump(const struct tg_config *c, FILE *f)
{
	fprintf(f, "# Effective configuration, from ");
	for (const char *s = c->source; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
	fprintf(f, "\n");
	cfg_dump_table(c, f, root_fields, 0, 0);
}
