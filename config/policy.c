/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Egress policy loader and lookups (DESIGN.md "Policy model").
 *
 * The loader walks the YAML tree (yaml_tree.h) by hand rather than through the schema
 * tables (config_walk.c): groups and rules refer to each other by name and carry addresses,
 * ranges and selectors that need their own checks. It reuses config_parse.c's scalar
 * parsers and message helpers (config_priv.h) so that every refusal reads like the rest of
 * the configuration:
 *   NAME:LINE:COL: rules[3].to: unknown group (got partners, expected one of: ...)
 * Addresses follow RFC 4632 (CIDR notation, host bits zero) and RFC 4291 section 2.3;
 * hostnames RFC 1123 section 2.1 with one leading "*." wildcard label (RFC 4592 style);
 * selectors are Kubernetes label selectors (config/selector.h).
 *
 * The lookups are linear scans: the snapshot compiler (control/) will build LPM tables and
 * FQDN/selector membership from this data for the data path; these helpers are the
 * reference semantics and serve the tests and the API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "config_priv.h"
#include "policy.h"
#include "selector.h"
#include "yaml_tree.h"

static const char *const mode_names[] = { "", "discover", "monitor", "protect", NULL };
static const char *const action_names[] = { "allow", "deny", NULL };
static const char *const app_names[] = { "any", "http", "tls", "dns", "smtp", NULL };
static const char *const dlp_action_names[] = { "alert", "block", NULL };
static const char *const proto_names[] = { "tcp", "udp", "icmp", "any", NULL };
static const uint8_t proto_numbers[] = { POLICY_PROTO_TCP, POLICY_PROTO_UDP, POLICY_PROTO_ICMP,
					 POLICY_PROTO_ANY };

static const char *const root_keys[] = { "mode", "default_action", "groups", "rules", NULL };
static const char *const group_keys[] = { "name", "cidrs", "ranges", "fqdns", "selector",
					  "mode", NULL };
static const char *const rule_keys[] = { "id", "from", "to", "protocol", "ports", "app",
					 "action", "require_tls", "capture", "dlp", "comment",
					 NULL };
static const char *const dlp_keys[] = { "sensor", "action", "threshold", "capture", NULL };

#define GROUP_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"

struct pctx {
	struct cfg_ctx x;	/* name, err, path; x.cfg unused */
	struct policy *p;
};

/* ---- generic pieces ---- */

static const char *
join_names(const char *const *names, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : ", ", names[i]);
	return buf;
}

/* map must be a mapping (or null) whose keys are all in keys. */
static int
check_keys(struct pctx *c, const struct yaml_node *map, const char *const *keys)
{
	char list[256];
	size_t i, j;

	if (yaml_tree_is_null(map))
		return 0;
	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(&c->x, map, "a mapping");
	for (i = 0; i < yaml_tree_len(map); i++) {
		const struct yaml_node *k = yaml_tree_key(map, i);
		size_t old;
		int rc;

		for (j = 0; keys[j] != NULL; j++)
			if (strcmp(keys[j], yaml_tree_str(k)) == 0)
				break;
		if (keys[j] != NULL)
			continue;
		old = cfg_path_push_key(&c->x, yaml_tree_str(k));
		rc = cfg_err(&c->x, k, "unknown key (expected one of: %s)",
			     join_names(keys, list, sizeof(list)));
		cfg_path_pop(&c->x, old);
		return rc;
	}
	return 0;
}

/* Value of key in map; NULL when absent or when map is null. */
static const struct yaml_node *
get(const struct yaml_node *map, const char *key)
{
	return yaml_tree_is_null(map) ? NULL : yaml_tree_get(map, key);
}

static int
need_scalar(struct pctx *c, const struct yaml_node *n, const char *expected)
{
	if (yaml_tree_kind(n) != YAML_TREE_SCALAR)
		return cfg_err_wrong_type(&c->x, n, expected);
	return 0;
}

/* A null value is an empty list; otherwise a sequence of at most max items. */
static int
need_list(struct pctx *c, const struct yaml_node *n, size_t max, const char *expected)
{
	if (yaml_tree_is_null(n))
		return 0;
	if (yaml_tree_kind(n) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(&c->x, n, expected);
	if (yaml_tree_len(n) > max)
		return cfg_err(&c->x, n, "too many items (got %zu, expected at most %zu)",
			       yaml_tree_len(n), max);
	return 0;
}

static size_t
list_len(const struct yaml_node *n)
{
	return yaml_tree_is_null(n) ? 0 : yaml_tree_len(n);
}

static int
parse_enum(struct pctx *c, const struct yaml_node *n, const char *const *names, uint8_t *out)
{
	char got[GOT_BUF], list[128];
	size_t i;
	int rc;

	rc = need_scalar(c, n, cfg_fmt_names(names, list, sizeof(list)));
	if (rc != 0)
		return rc;
	for (i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '\0' && strcmp(names[i], yaml_tree_str(n)) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return cfg_err(&c->x, n, "unknown value (got %s, expected %s)",
		       cfg_fmt_got(n, got, sizeof(got)), cfg_fmt_names(names, list, sizeof(list)));
}

/*
 * When key is in map, evaluate body (an int expression using var, the key's value) with the
 * path extended by key, and return its result from the caller when it is not 0.
 */
#define WITH_KEY(c, map, key, var, body) do {					\
	const struct yaml_node *var = get(map, key);				\
	if (var != NULL) {							\
		size_t old_ = cfg_path_push_key(&(c)->x, key);			\
		int rc_ = (body);						\
		cfg_path_pop(&(c)->x, old_);					\
		if (rc_ != 0)							\
			return rc_;						\
	}									\
} while (0)

static int
missing(struct pctx *c, const struct yaml_node *map, const char *key, const char *what)
{
	return cfg_err(&c->x, map, "missing key \"%s\" (expected %s)", key, what);
}

/* A scalar string of 1..size-1 bytes, every byte in charset (NULL: any but control). */
static int
parse_name(struct pctx *c, const struct yaml_node *n, const char *charset, char *dst,
	   size_t size, const char *what)
{
	char got[GOT_BUF];
	const char *s;
	size_t len, i;
	int rc;

	rc = need_scalar(c, n, what);
	if (rc != 0)
		return rc;
	s = yaml_tree_str(n);
	len = strlen(s);
	if (len == 0)
		return cfg_err(&c->x, n, "empty value (expected %s)", what);
	if (len >= size)
		return cfg_err(&c->x, n, "too long (got %zu bytes, expected %s)", len, what);
	for (i = 0; i < len; i++)
		if (charset != NULL ? strchr(charset, s[i]) == NULL : (unsigned char)s[i] < 0x20)
			return cfg_err(&c->x, n, "invalid name (got %s, expected %s)",
				       cfg_fmt_got(n, got, sizeof(got)), what);
	memcpy(dst, s, len + 1);
	return 0;
}

/* ---- addresses ---- */

static int
parse_ip(const char *s, size_t len, uint8_t out[16], uint8_t *family)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Whether ip is in addr/prefix (both of the same family). */
static bool
prefix_has(const uint8_t *addr, unsigned int prefix, const uint8_t *ip)
{
	unsigned int full = prefix / 8, rest = prefix % 8;

	if (memcmp(addr, ip, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((addr[full] ^ ip[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static int
parse_cidr(struct pctx *c, const struct yaml_node *n, struct policy_cidr *out)
{
	static const char what[] = "an IPv4 or IPv6 prefix such as 10.0.0.0/8 or fd00::/64";
	char got[GOT_BUF], fixed[INET6_ADDRSTRLEN];
	const char *s, *slash;
	unsigned int max, i;
	uint8_t net[16];
	uint64_t pfx;
	int rc;

	rc = need_scalar(c, n, what);
	if (rc != 0)
		return rc;
	s = yaml_tree_str(n);
	cfg_fmt_got(n, got, sizeof(got));
	slash = strchr(s, '/');
	if (parse_ip(s, slash != NULL ? (size_t)(slash - s) : strlen(s), out->addr,
		     &out->family) != 0)
		return cfg_err(&c->x, n, "not a CIDR (got %s, expected %s)", got, what);
	max = out->family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		pfx = max;
	} else if (config_parse_uint(slash + 1, &pfx) != 0 || pfx > max) {
		return cfg_err(&c->x, n, "bad prefix length (got %s, expected /0 to /%u)", got,
			       max);
	}
	out->prefix = (uint8_t)pfx;
	memcpy(net, out->addr, sizeof(net));
	for (i = 0; i < 16; i++) {
		unsigned int bits = pfx >= (i + 1) * 8u ? 8 :
				    pfx > i * 8u ? (unsigned int)pfx - i * 8 : 0;

		net[i] &= (uint8_t)(0xff00 >> bits);
	}
	if (memcmp(net, out->addr, sizeof(net)) != 0) {
		inet_ntop(out->family, net, fixed, sizeof(fixed));
		return cfg_err(&c->x, n, "host bits set (got %s, expected %s/%u)", got, fixed,
			       (unsigned int)pfx);
	}
	return 0;
}

static int
parse_range(struct pctx *c, const struct yaml_node *n, struct policy_range *out)
{
	static const char what[] = "START-END of one family such as 10.0.0.10-10.0.0.20";
	char got[GOT_BUF];
	const char *s, *dash;
	uint8_t f2;
	int rc;

	rc = need_scalar(c, n, what);
	if (rc != 0)
		return rc;
	s = yaml_tree_str(n);
	cfg_fmt_got(n, got, sizeof(got));
	dash = strchr(s, '-');
	if (dash == NULL || parse_ip(s, (size_t)(dash - s), out->lo, &out->family) != 0 ||
	    parse_ip(dash + 1, strlen(dash + 1), out->hi, &f2) != 0)
		return cfg_err(&c->x, n, "not an IP range (got %s, expected %s)", got, what);
	if (f2 != out->family)
		return cfg_err(&c->x, n, "mixed address families (got %s, expected %s)", got, what);
	if (memcmp(out->lo, out->hi, addr_len(out->family)) > 0)
		return cfg_err(&c->x, n, "range reversed (got %s, expected start <= end)", got);
	return 0;
}

/* RFC 1123 hostname, optionally "*." + hostname; lower-cased into dst. */
static int
parse_fqdn(struct pctx *c, const struct yaml_node *n, char *dst)
{
	static const char what[] = "a hostname or *.hostname: labels of 1 to 63 letters, digits "
				   "and inner hyphens, at most 253 bytes";
	char got[GOT_BUF];
	const char *s, *h;
	size_t len, i, lab = 0;
	int rc;

	rc = need_scalar(c, n, what);
	if (rc != 0)
		return rc;
	s = yaml_tree_str(n);
	len = strlen(s);
	h = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	if (len > POLICY_FQDN_LEN - 1 || h[0] == '\0')
		goto bad;
	for (i = 0; h[i] != '\0'; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (lab == 0 || h[i - 1] == '-')
				goto bad;
			lab = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch == '-' && lab != 0)))
			goto bad;
		if (++lab > 63)
			goto bad;
	}
	if (lab == 0 || h[i - 1] == '-')
		goto bad;
	for (i = 0; i <= len; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	return 0;
bad:
	return cfg_err(&c->x, n, "invalid hostname (got %s, expected %s)",
		       cfg_fmt_got(n, got, sizeof(got)), what);
}

/* ---- groups ---- */

/* Item i of one of a group's lists, parsed into the group. */
typedef int (*group_item_fn)(struct pctx *c, const struct yaml_node *n, struct policy_group *g);

static int
group_cidr(struct pctx *c, const struct yaml_node *n, struct policy_group *g)
{
	return parse_cidr(c, n, &g->cidrs[g->ncidrs++]);
}

static int
group_range(struct pctx *c, const struct yaml_node *n, struct policy_group *g)
{
	return parse_range(c, n, &g->ranges[g->nranges++]);
}

static int
group_fqdn(struct pctx *c, const struct yaml_node *n, struct policy_group *g)
{
	return parse_fqdn(c, n, g->fqdns[g->nfqdns++]);
}

/* The list under key (if present): at most max items, each parsed by fn. */
static int
parse_group_list(struct pctx *c, const struct yaml_node *map, const char *key, size_t max,
		 const char *what, group_item_fn fn, struct policy_group *g)
{
	const struct yaml_node *l = get(map, key);
	size_t i, old, o2;
	int rc;

	if (l == NULL)
		return 0;
	old = cfg_path_push_key(&c->x, key);
	rc = need_list(c, l, max, what);
	for (i = 0; rc == 0 && i < list_len(l); i++) {
		o2 = cfg_path_push_index(&c->x, i);
		rc = fn(c, yaml_tree_item(l, i), g);
		cfg_path_pop(&c->x, o2);
	}
	cfg_path_pop(&c->x, old);
	return rc;
}

static int
parse_group_lists(struct pctx *c, const struct yaml_node *map, struct policy_group *g)
{
	int rc;

	rc = parse_group_list(c, map, "cidrs", POLICY_MAX_CIDRS, "a list of CIDRs", group_cidr, g);
	if (rc == 0)
		rc = parse_group_list(c, map, "ranges", POLICY_MAX_RANGES, "a list of IP ranges",
				      group_range, g);
	if (rc == 0)
		rc = parse_group_list(c, map, "fqdns", POLICY_MAX_FQDNS, "a list of hostnames",
				      group_fqdn, g);
	return rc;
}

static int
parse_selector(struct pctx *c, const struct yaml_node *n, struct policy_group *g)
{
	char msg[512];
	int rc;

	rc = need_scalar(c, n, "a label selector such as \"app=web,tier!=db\"");
	if (rc != 0)
		return rc;
	g->selector = selector_parse(yaml_tree_str(n), msg, sizeof(msg));
	if (g->selector == NULL && errno == ENOMEM)
		return -ENOMEM;
	if (g->selector == NULL)
		return cfg_err(&c->x, n, "invalid label selector: %s", msg);
	g->selector_text = strdup(yaml_tree_str(n));
	return g->selector_text == NULL ? -ENOMEM : 0;
}

static int
parse_group(struct pctx *c, const struct yaml_node *map, struct policy_group *g)
{
	static const char what[] = "1 to 31 characters of a-z, 0-9, _ and -";
	const struct yaml_node *nn;
	char got[GOT_BUF];
	unsigned int i;
	int rc;

	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(&c->x, map, "a mapping");
	rc = check_keys(c, map, group_keys);
	if (rc != 0)
		return rc;
	nn = get(map, "name");
	if (nn == NULL)
		return missing(c, map, "name", "a group name");
	WITH_KEY(c, map, "name", n, parse_name(c, n, GROUP_NAME_CHARS, g->name,
					       sizeof(g->name), what));
	for (i = 0; i < c->p->ngroups; i++) {
		size_t old;

		if (strcmp(c->p->groups[i].name, g->name) != 0)
			continue;
		old = cfg_path_push_key(&c->x, "name");
		cfg_fmt_got(nn, got, sizeof(got));
		if (i < POLICY_GROUP_FIRST_USER)
			rc = cfg_err(&c->x, nn, "reserved name (got %s, expected a name other "
				     "than any and external)", got);
		else
			rc = cfg_err(&c->x, nn, "duplicate group (got %s, expected a name not "
				     "used by groups[%u])", got, i - POLICY_GROUP_FIRST_USER);
		cfg_path_pop(&c->x, old);
		return rc;
	}
	rc = parse_group_lists(c, map, g);
	if (rc != 0)
		return rc;
	WITH_KEY(c, map, "selector", n, parse_selector(c, n, g));
	WITH_KEY(c, map, "mode", n, parse_enum(c, n, mode_names, &g->mode));
	return 0;
}

/* ---- rules ---- */

static int
parse_group_ref(struct pctx *c, const struct yaml_node *n, uint16_t *out)
{
	char got[GOT_BUF], list[1024];
	size_t o = 0;
	unsigned int i;
	int idx, rc;

	rc = need_scalar(c, n, "a group name");
	if (rc != 0)
		return rc;
	idx = policy_group_index(c->p, yaml_tree_str(n));
	if (idx >= 0) {
		*out = (uint16_t)idx;
		return 0;
	}
	list[0] = '\0';
	for (i = 0; i < c->p->ngroups && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i == 0 ? "" : ", ",
				      c->p->groups[i].name);
	return cfg_err(&c->x, n, "unknown group (got %s, expected one of: %s)",
		       cfg_fmt_got(n, got, sizeof(got)), list);
}

/* A decimal 1..65535 in s[0..len). */
static int
port_value(const char *s, size_t len, uint64_t *v)
{
	char buf[8];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (config_parse_uint(buf, v) != 0)
		return -EINVAL;
	return *v >= 1 && *v <= 65535 ? 0 : -ERANGE;
}

static int
parse_port(struct pctx *c, const struct yaml_node *n, struct policy_port_range *out)
{
	static const char what[] = "a port 1..65535 or a range START-END";
	char got[GOT_BUF];
	const char *s, *dash;
	uint64_t lo = 0, hi = 0;
	int rc;

	rc = need_scalar(c, n, what);
	if (rc != 0)
		return rc;
	s = yaml_tree_str(n);
	cfg_fmt_got(n, got, sizeof(got));
	dash = strchr(s, '-');
	rc = port_value(s, dash != NULL ? (size_t)(dash - s) : strlen(s), &lo);
	if (rc == 0 || rc == -ERANGE) {
		int r2 = dash != NULL ? port_value(dash + 1, strlen(dash + 1), &hi) : 0;

		if (dash == NULL)
			hi = lo;
		if (r2 == -EINVAL)
			rc = -EINVAL;
		else if (rc == 0)
			rc = r2;
	}
	if (rc == -EINVAL)
		return cfg_err(&c->x, n, "not a port (got %s, expected %s)", got, what);
	if (rc == -ERANGE)
		return cfg_err(&c->x, n, "port out of range (got %s, expected 1..65535)", got);
	if (lo > hi)
		return cfg_err(&c->x, n, "port range reversed (got %s, expected start <= end)",
			       got);
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

static int
parse_bool(struct pctx *c, const struct yaml_node *n, bool *out)
{
	char got[GOT_BUF];

	if (yaml_tree_kind(n) != YAML_TREE_SCALAR || !yaml_tree_is_plain(n) ||
	    config_parse_bool(yaml_tree_str(n), out) != 0)
		return cfg_err(&c->x, n,
			       "not a boolean (got %s, expected true/false, yes/no or on/off)",
			       cfg_fmt_got(n, got, sizeof(got)));
	return 0;
}

/* capture: true, false, or null (the default: enum policy_capture). */
static int
parse_capture(struct pctx *c, const struct yaml_node *n, uint8_t *out)
{
	bool on;
	int rc;

	if (yaml_tree_is_null(n)) {
		*out = POLICY_CAPTURE_DEFAULT;
		return 0;
	}
	rc = parse_bool(c, n, &on);
	if (rc == 0)
		*out = on ? POLICY_CAPTURE_ON : POLICY_CAPTURE_OFF;
	return rc;
}

static int
parse_threshold(struct pctx *c, const struct yaml_node *n, uint32_t *out)
{
	char got[GOT_BUF];
	uint64_t v;

	if (yaml_tree_kind(n) != YAML_TREE_SCALAR || !yaml_tree_is_plain(n) ||
	    config_parse_uint(yaml_tree_str(n), &v) != 0 || v < 1 ||
	    v > POLICY_DLP_THRESHOLD_MAX)
		return cfg_err(&c->x, n, "out of range (got %s, expected an integer 1..%u)",
			       cfg_fmt_got(n, got, sizeof(got)), POLICY_DLP_THRESHOLD_MAX);
	*out = (uint32_t)v;
	return 0;
}

static int
parse_dlp(struct pctx *c, const struct yaml_node *map, struct policy_dlp *d)
{
	int rc;

	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(&c->x, map, "a mapping");
	rc = check_keys(c, map, dlp_keys);
	if (rc != 0)
		return rc;
	if (get(map, "sensor") == NULL)
		return missing(c, map, "sensor", "a sensor id");
	if (get(map, "action") == NULL)
		return missing(c, map, "action", "alert or block");
	d->threshold = 1;
	WITH_KEY(c, map, "sensor", n, parse_name(c, n, NULL, d->sensor, sizeof(d->sensor),
						 "a sensor id of 1 to 63 bytes"));
	WITH_KEY(c, map, "action", n, parse_enum(c, n, dlp_action_names, &d->action));
	WITH_KEY(c, map, "threshold", n, parse_threshold(c, n, &d->threshold));
	WITH_KEY(c, map, "capture", n, parse_capture(c, n, &d->capture));
	return 0;
}

static int
parse_comment(struct pctx *c, const struct yaml_node *n, char *dst)
{
	size_t len;
	int rc;

	rc = need_scalar(c, n, "text");
	if (rc != 0)
		return rc;
	len = strlen(yaml_tree_str(n));
	if (len >= POLICY_COMMENT_LEN)
		return cfg_err(&c->x, n, "too long (got %zu bytes, expected at most %u)", len,
			       POLICY_COMMENT_LEN - 1);
	memcpy(dst, yaml_tree_str(n), len + 1);
	return 0;
}

static int
parse_proto(struct pctx *c, const struct yaml_node *n, uint8_t *out)
{
	uint8_t i = 0;
	int rc = parse_enum(c, n, proto_names, &i);

	if (rc == 0)
		*out = proto_numbers[i];
	return rc;
}

static int
parse_list_items(struct pctx *c, const struct yaml_node *l, struct policy_rule *r, bool dlp)
{
	size_t i, o2;
	int rc;

	rc = need_list(c, l, dlp ? POLICY_MAX_DLP : POLICY_MAX_PORTS,
		       dlp ? "a list of {sensor, action, threshold, capture}" :
			     "a list of ports");
	for (i = 0; rc == 0 && i < list_len(l); i++) {
		o2 = cfg_path_push_index(&c->x, i);
		if (dlp)
			rc = parse_dlp(c, yaml_tree_item(l, i), &r->dlp[r->ndlp++]);
		else
			rc = parse_port(c, yaml_tree_item(l, i), &r->ports[r->nports++]);
		cfg_path_pop(&c->x, o2);
	}
	return rc;
}

static int
parse_rule(struct pctx *c, const struct yaml_node *map, struct policy_rule *r, unsigned int idx)
{
	static const char what[] = "1 to 63 characters of A-Z, a-z, 0-9, _ and -";
	static const char *const required[] = { "id", "from", "to", "action" };
	static const char *const req_what[] = { "a rule id", "a group name", "a group name",
						"allow or deny" };
	char got[GOT_BUF];
	unsigned int i;
	int rc;

	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(&c->x, map, "a mapping");
	rc = check_keys(c, map, rule_keys);
	if (rc != 0)
		return rc;
	for (i = 0; i < 4; i++)
		if (get(map, required[i]) == NULL)
			return missing(c, map, required[i], req_what[i]);
	WITH_KEY(c, map, "id", n, parse_name(c, n, CFG_NAME_CHARS, r->id, sizeof(r->id), what));
	for (i = 0; i < idx; i++) {
		if (strcmp(c->p->rules[i].id, r->id) == 0) {
			const struct yaml_node *n = get(map, "id");
			size_t old = cfg_path_push_key(&c->x, "id");

			rc = cfg_err(&c->x, n, "duplicate rule id (got %s, expected an id not "
				     "used by rules[%u])", cfg_fmt_got(n, got, sizeof(got)), i);
			cfg_path_pop(&c->x, old);
			return rc;
		}
	}
	WITH_KEY(c, map, "from", n, parse_group_ref(c, n, &r->from));
	WITH_KEY(c, map, "to", n, parse_group_ref(c, n, &r->to));
	WITH_KEY(c, map, "protocol", n, parse_proto(c, n, &r->proto));
	WITH_KEY(c, map, "ports", n, parse_list_items(c, n, r, false));
	WITH_KEY(c, map, "app", n, parse_enum(c, n, app_names, &r->app));
	WITH_KEY(c, map, "action", n, parse_enum(c, n, action_names, &r->action));
	WITH_KEY(c, map, "require_tls", n, parse_bool(c, n, &r->require_tls));
	WITH_KEY(c, map, "capture", n, parse_capture(c, n, &r->capture));
	WITH_KEY(c, map, "dlp", n, parse_list_items(c, n, r, true));
	WITH_KEY(c, map, "comment", n, parse_comment(c, n, r->comment));
	return 0;
}

/* ---- top level ---- */

static int
parse_groups(struct pctx *c, const struct yaml_node *l)
{
	size_t i, o2;
	int rc;

	rc = need_list(c, l, POLICY_MAX_GROUPS, "a list of groups");
	for (i = 0; rc == 0 && i < list_len(l); i++) {
		o2 = cfg_path_push_index(&c->x, i);
		rc = parse_group(c, yaml_tree_item(l, i), &c->p->groups[c->p->ngroups]);
		c->p->ngroups++;	/* counted even on failure so policy_free sees it */
		cfg_path_pop(&c->x, o2);
	}
	return rc;
}

static int
parse_rules(struct pctx *c, const struct yaml_node *l)
{
	size_t i, o2;
	int rc;

	rc = need_list(c, l, POLICY_MAX_RULES, "a list of rules");
	for (i = 0; rc == 0 && i < list_len(l); i++) {
		o2 = cfg_path_push_index(&c->x, i);
		rc = parse_rule(c, yaml_tree_item(l, i), &c->p->rules[i], (unsigned int)i);
		cfg_path_pop(&c->x, o2);
		c->p->nrules++;
	}
	return rc;
}

static int
load_root(struct pctx *c, const struct yaml_node *root)
{
	int rc = check_keys(c, root, root_keys);

	if (rc != 0)
		return rc;
	WITH_KEY(c, root, "mode", n, parse_enum(c, n, mode_names, &c->p->mode));
	WITH_KEY(c, root, "default_action", n,
		 parse_enum(c, n, action_names, &c->p->default_action));
	WITH_KEY(c, root, "groups", n, parse_groups(c, n));
	WITH_KEY(c, root, "rules", n, parse_rules(c, n));
	return 0;
}

static struct policy *
policy_load_at(const char *name, const struct yaml_node *root, const char *prefix, char *err,
	       size_t errlen)
{
	struct pctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.x.name = name != NULL ? name : "<policy>";
	c.x.err = err;
	c.x.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	c.p = calloc(1, sizeof(*c.p));
	if (c.p == NULL)
		goto nomem;
	c.p->mode = POLICY_MODE_MONITOR;
	c.p->default_action = POLICY_ACTION_ALLOW;
	strcpy(c.p->groups[POLICY_GROUP_ANY].name, "any");
	strcpy(c.p->groups[POLICY_GROUP_EXTERNAL].name, "external");
	c.p->ngroups = POLICY_GROUP_FIRST_USER;

	if (prefix != NULL)
		cfg_path_push_key(&c.x, prefix);
	rc = root == NULL || yaml_tree_is_null(root) ? 0 : load_root(&c, root);
	if (rc != 0)
		goto fail;
	return c.p;
fail:
	if (rc == -ENOMEM)
		goto nomem;
	policy_free(c.p);
	errno = EINVAL;
	return NULL;
nomem:
	policy_free(c.p);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", c.x.name);
	errno = ENOMEM;
	return NULL;
}

struct policy *
policy_load_tree(const char *name, const struct yaml_node *root, char *err, size_t errlen)
{
	return policy_load_at(name, root, NULL, err, errlen);
}

struct policy *
policy_load_config(const char *name, const struct yaml_node *root, char *err, size_t errlen)
{
	const struct yaml_node *sec = NULL;

	if (root != NULL && yaml_tree_kind(root) == YAML_TREE_MAPPING)
		sec = yaml_tree_get(root, "policy");
	return policy_load_at(name, sec, "policy", err, errlen);
}

struct policy *
policy_load_buffer(const char *name, const char *yaml, size_t len, char *err, size_t errlen)
{
	struct yaml_node *root;
	struct policy *p;
	int saved;

	root = yaml_tree_load_buffer(name, yaml, len, err, errlen);
	if (root == NULL)
		return NULL;
	p = policy_load_tree(name != NULL ? name : "<buffer>", root, err, errlen);
	saved = errno;
	yaml_tree_free(root);
	errno = saved;
	return p;
}

void
policy_free(struct policy *p)
{
	unsigned int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ngroups; i++) {
		selector_free(p->groups[i].selector);
		free(p->groups[i].selector_text);
	}
	free(p);
}

/* ---- lookups (pure) ---- */

int
policy_group_index(const struct policy *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < p->ngroups; i++)
		if (strcmp(p->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Whether ip is in the CIDRs or ranges of g. */
static bool
group_static_has(const struct policy_group *g, const uint8_t *ip, int family)
{
	size_t len = addr_len(family);
	unsigned int i;

	for (i = 0; i < g->ncidrs; i++)
		if (g->cidrs[i].family == family && prefix_has(g->cidrs[i].addr,
							       g->cidrs[i].prefix, ip))
			return true;
	for (i = 0; i < g->nranges; i++)
		if (g->ranges[i].family == family && memcmp(g->ranges[i].lo, ip, len) <= 0 &&
		    memcmp(ip, g->ranges[i].hi, len) <= 0)
			return true;
	return false;
}

bool
policy_group_has_ip(const struct policy *p, unsigned int group, const uint8_t ip[16],
		    int family)
{
	unsigned int i;

	if (group >= p->ngroups || (family != AF_INET && family != AF_INET6))
		return false;
	if (group == POLICY_GROUP_ANY)
		return true;
	if (group != POLICY_GROUP_EXTERNAL)
		return group_static_has(&p->groups[group], ip, family);
	for (i = POLICY_GROUP_FIRST_USER; i < p->ngroups; i++)
		if (group_static_has(&p->groups[i], ip, family))
			return false;
	return true;
}

static bool
rule_ports_have(const struct policy_rule *r, uint8_t proto, uint16_t dport)
{
	unsigned int i;

	if (r->nports == 0)
		return true;
	if (proto != POLICY_PROTO_TCP && proto != POLICY_PROTO_UDP)
		return false;
	for (i = 0; i < r->nports; i++)
		if (dport >= r->ports[i].lo && dport <= r->ports[i].hi)
			return true;
	return false;
}

const struct policy_rule *
policy_match(const struct policy *p, const uint8_t src[16], const uint8_t dst[16], int family,
	     uint8_t proto, uint16_t dport, unsigned int app)
{
	unsigned int i;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (r->proto != POLICY_PROTO_ANY && r->proto != proto &&
		    !(r->proto == POLICY_PROTO_ICMP && family == AF_INET6 && proto == 58))
			continue;
		if (r->app != POLICY_APP_ANY && r->app != app)
			continue;
		if (!rule_ports_have(r, proto, dport))
			continue;
		if (policy_group_has_ip(p, r->from, src, family) &&
		    policy_group_has_ip(p, r->to, dst, family))
			return r;
	}
	return NULL;
}
