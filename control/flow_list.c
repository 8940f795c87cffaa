/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow list of GET /v1/flows (flow_list.h): entries keyed by (worker, flow_id) in a
 * chained hash, threaded on a list in sequence order (the order they were first
 * inserted) for paging, and the ended ones also on a FIFO in the order they ended, so the
 * one to drop when max_ended is exceeded is at its head:
 *
 *   seq list:  head -> [1 active] <-> [2 ended] <-> [4 active] <-> [7 ended] <- tail
 *   ended:     ehead -> [7] -> [2] <- etail        (7 ended before 2: dropped first)
 *
 * Every entry comes from a pool of max_active + max_ended allocated by flow_list_create;
 * unused ones sit on a free list (through the hash link). Because active entries are held
 * to max_active and ended ones to max_ended, an entry is free whenever a cap allows an
 * insertion, so nothing is allocated after create except the JSON of a query.
 *
 * A cursor is the sequence number of the last entry of a page: sequence numbers only grow
 * and an entry keeps its own, so a cursor never points at freed memory and paging through
 * a changing list neither repeats nor skips an entry that stayed listed.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "event_json.h"
#include "flow_list.h"
#include "flow_table.h"

#define FL_QUOTE_MAX	64	/* bytes of a parameter value echoed in a message */
#define FL_QUOTE_BUF	(FL_QUOTE_MAX * 4 + 8)
#define FL_TS_BUF	40

#define FL_EXPECT_IP	"an IPv4 address such as 10.1.2.3 or an IPv6 address such as fd00::1"
#define FL_EXPECT_PROTO	"tcp, udp, icmp, ipv6-icmp or a number 0..255"

struct fl_entry {
	struct msg_flow f;		/* the last update or the end, strings made safe */
	uint64_t seq;
	uint64_t start_us;		/* f.start_us, or the first message's time when 0 */
	uint16_t worker;
	bool ended;
	struct fl_entry *hnext;		/* hash chain; free list when unused */
	struct fl_entry *prev, *next;	/* sequence list */
	struct fl_entry *enext;		/* ended FIFO, oldest end first */
};

struct flow_list {
	uint32_t max_active, max_ended;
	uint32_t mask;			/* buckets - 1 */
	uint64_t next_seq;		/* the first entry gets 1, so cursor 0 is the start */
	struct fl_entry **buckets;
	struct fl_entry *pool;		/* max_active + max_ended entries, calloc */
	struct fl_entry *free;		/* entries given back */
	uint32_t fresh;			/* entries used at least once: pool[0, fresh) */
	struct fl_entry *head, *tail;	/* sequence order */
	struct fl_entry *ehead, *etail;	/* ended entries by end order */
	struct flow_list_stats stats;
};

/* What a query keeps. A field at its "none" value does not filter. */
struct fl_filter {
	bool want_active, want_ended;
	uint8_t src_family, dst_family;	/* 0: no filter; 4 or 6 */
	uint8_t src[16], dst[16];
	int port;			/* -1: none */
	int proto;			/* -1: none */
	int app;			/* -1: none */
	const char *rule;		/* NULL: none */
	const char *group;		/* NULL: none */
	uint32_t limit;
	uint64_t cursor;
};

static const char *const fl_app_names[] = { NULL, "http", "tls", "dns", "smtp" };
static const char *const fl_mode_names[] = { NULL, "discover", "monitor", "protect" };
static const char *const fl_action_names[] = { "allow", "deny" };

/* ---- table ---- */

/* MurmurHash3's 64-bit finaliser: flow ids are sequential, the buckets want spread. */
static uint32_t
fl_hash(uint16_t worker, uint64_t flow_id)
{
	uint64_t x = flow_id ^ ((uint64_t)worker << 48) ^ ((uint64_t)worker << 20);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static struct fl_entry **
fl_bucket(const struct flow_list *fl, uint16_t worker, uint64_t flow_id)
{
	return &fl->buckets[fl_hash(worker, flow_id) & fl->mask];
}

static struct fl_entry *
fl_find(const struct flow_list *fl, uint16_t worker, uint64_t flow_id)
{
	struct fl_entry *e;

	for (e = *fl_bucket(fl, worker, flow_id); e != NULL; e = e->hnext)
		if (e->worker == worker && e->f.flow_id == flow_id)
			return e;
	return NULL;
}

int
flow_list_find(const struct flow_list *fl, uint64_t flow_id, struct msg_flow *out)
{
	unsigned int w;

	/* Flow ids are unique per worker; workers are numbered from 0, at most 64. */
	for (w = 0; w < 64; w++) {
		const struct fl_entry *e = fl_find(fl, (uint16_t)w, flow_id);

		if (e != NULL) {
			*out = e->f;
			return 0;
		}
	}
	return -ENOENT;
}

/* Make a worker's strings safe to print and to put in JSON: terminated, printable ASCII. */
static void
fl_sanitize(char *s, size_t size)
{
	size_t i;

	s[size - 1] = '\0';
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

static void
fl_copy(struct fl_entry *e, const struct msg_flow *f)
{
	e->f = *f;
	fl_sanitize(e->f.rule, sizeof(e->f.rule));
	fl_sanitize(e->f.from_group, sizeof(e->f.from_group));
	fl_sanitize(e->f.to_group, sizeof(e->f.to_group));
	if (f->start_us != 0)
		e->start_us = f->start_us;
}

/* Take a pool entry and put it at the tail of the sequence list, in the hash. */
static struct fl_entry *
fl_insert(struct flow_list *fl, uint16_t worker, const struct msg_flow *f, uint64_t ts_us)
{
	struct fl_entry *e = fl->free;
	struct fl_entry **b;

	if (e != NULL)
		fl->free = e->hnext;
	else if (fl->fresh < fl->max_active + fl->max_ended)
		e = &fl->pool[fl->fresh++];	/* first use: its page is touched now */
	assert(e != NULL);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->start_us = ts_us;
	fl_copy(e, f);
	e->worker = worker;
	e->seq = fl->next_seq++;
	b = fl_bucket(fl, worker, f->flow_id);
	e->hnext = *b;
	*b = e;
	e->prev = fl->tail;
	if (fl->tail != NULL)
		fl->tail->next = e;
	else
		fl->head = e;
	fl->tail = e;
	fl->stats.tracked++;
	return e;
}

static void
fl_ended_push(struct flow_list *fl, struct fl_entry *e)
{
	e->ended = true;
	e->enext = NULL;
	if (fl->etail != NULL)
		fl->etail->enext = e;
	else
		fl->ehead = e;
	fl->etail = e;
	fl->stats.ended++;
}

/* Drop the entry that ended longest ago: off the FIFO, the hash and the list, to the pool. */
static void
fl_drop_oldest_ended(struct flow_list *fl)
{
	struct fl_entry *e = fl->ehead;
	struct fl_entry **pp;

	fl->ehead = e->enext;
	if (fl->ehead == NULL)
		fl->etail = NULL;
	for (pp = fl_bucket(fl, e->worker, e->f.flow_id); *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		fl->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		fl->tail = e->prev;
	e->hnext = fl->free;
	fl->free = e;
	fl->stats.ended--;
	fl->stats.ended_dropped++;
}

struct flow_list *
flow_list_create(uint32_t max_active, uint32_t max_ended)
{
	uint64_t total = (uint64_t)max_active + max_ended;
	struct flow_list *fl;
	uint32_t nb = 16;

	if (max_active == 0 || total > FLOW_LIST_MAX_ENTRIES) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < total)
		nb <<= 1;
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		goto fail;
	fl->pool = calloc(total, sizeof(*fl->pool));
	fl->buckets = calloc(nb, sizeof(*fl->buckets));
	if (fl->pool == NULL || fl->buckets == NULL)
		goto fail;
	fl->max_active = max_active;
	fl->max_ended = max_ended;
	fl->mask = nb - 1;
	fl->next_seq = 1;
	return fl;	/* entries are handed out in order as first needed (fl_insert) */
fail:
	flow_list_free(fl);
	errno = ENOMEM;
	return NULL;
}

void
flow_list_free(struct flow_list *fl)
{
	if (fl == NULL)
		return;
	free(fl->pool);
	free(fl->buckets);
	free(fl);
}

void
flow_list_update(struct flow_list *fl, uint16_t worker, const struct msg_flow *f,
		 uint64_t ts_us)
{
	struct fl_entry *e = fl_find(fl, worker, f->flow_id);

	if (e != NULL) {
		if (!e->ended)
			fl_copy(e, f);
		return;
	}
	if (fl->stats.active >= fl->max_active) {
		fl->stats.untracked++;
		return;
	}
	if (fl_insert(fl, worker, f, ts_us) != NULL)
		fl->stats.active++;
}

void
flow_list_end(struct flow_list *fl, uint16_t worker, const struct msg_flow *f)
{
	struct fl_entry *e = fl_find(fl, worker, f->flow_id);

	if (e != NULL) {
		fl_copy(e, f);
		if (e->ended)
			return;
		fl->stats.active--;
	} else {
		if (fl->max_ended == 0) {
			fl->stats.ended_dropped++;
			return;
		}
		if (fl->stats.ended >= fl->max_ended)
			fl_drop_oldest_ended(fl);
		e = fl_insert(fl, worker, f, f->end_us);
		if (e == NULL)
			return;
	}
	fl_ended_push(fl, e);
	while (fl->stats.ended > fl->max_ended)
		fl_drop_oldest_ended(fl);
}

const struct flow_list_stats *
flow_list_stats(const struct flow_list *fl)
{
	return &fl->stats;
}

/* ---- query parameters ---- */

static void __attribute__((format(printf, 6, 7)))
fl_bad(const char *name, char *param, size_t paramlen, char *err, size_t errlen,
       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (paramlen > 0)
		snprintf(param, paramlen, "%s", name);
	if (errlen == 0)
		return;
	n = snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * s for a message: in double quotes, at most FL_QUOTE_MAX bytes then "...", '"' and '\'
 * escaped, bytes outside printable ASCII as \xHH. quoted false leaves out the quotes (for
 * a number echoed as it was written).
 */
static const char *
fl_quote(const char *s, bool quoted, char *buf, size_t len)
{
	size_t i, o = 0;

	if (quoted)
		buf[o++] = '"';
	for (i = 0; s[i] != '\0' && i < FL_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if (s[i] != '\0') {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	if (quoted)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* An optional '-' then digits, nothing else: a number, maybe out of range. */
static bool
fl_numeric(const char *s)
{
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

/*
 * Parse s as an integer in min..max (min >= 0). Returns 0, -ERANGE for a number outside
 * (negative, too large, even past 64 bits), -EINVAL for text that is not a number.
 */
static int
fl_parse_int(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *p = s;
	bool neg = false;
	uint64_t v = 0;

	if (!fl_numeric(s))
		return -EINVAL;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -ERANGE;	/* before v can wrap: max < 2^32 */
	}
	if ((neg && v != 0) || v < min)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* A number param: not a number, or out of range, both with the expected range. */
static int
fl_int_param(const char *name, const char *v, uint32_t min, uint32_t max, uint32_t *out,
	     const char *expect, const char *what, char *param, size_t paramlen, char *err,
	     size_t errlen)
{
	char q[FL_QUOTE_BUF];
	int rc = fl_parse_int(v, min, max, out);

	if (rc == -ERANGE)
		fl_bad(name, param, paramlen, err, errlen, "%s is out of range (expected %s)",
		       fl_quote(v, false, q, sizeof(q)), expect);
	else if (rc != 0)
		fl_bad(name, param, paramlen, err, errlen, "%s is not %s (expected %s)",
		       fl_quote(v, true, q, sizeof(q)), what, expect);
	return rc;
}

/* Index of v in names (case-insensitive), -1 when absent. */
static int
fl_keyword(const char *v, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcasecmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

static bool
fl_name_ok(const char *s, size_t max, bool upper)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= max)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      (upper && c >= 'A' && c <= 'Z')))
			return false;
	}
	return i > 0;
}

static int
fl_ip_param(const char *name, const char *v, uint8_t *family, uint8_t addr[16], char *param,
	    size_t paramlen, char *err, size_t errlen)
{
	char q[FL_QUOTE_BUF];

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, v, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, v, addr) == 1) {
		*family = 6;
		return 0;
	}
	fl_bad(name, param, paramlen, err, errlen, "%s is not an IP address (expected %s)",
	       fl_quote(v, true, q, sizeof(q)), FL_EXPECT_IP);
	return -EINVAL;
}

static const char *
fl_get(flow_list_param_fn get, void *ctx, const char *name)
{
	return get != NULL ? get(ctx, name) : NULL;
}

/* Read every parameter into x; -EINVAL with param and err set at the first bad one. */
static int
fl_parse_filter(flow_list_param_fn get, void *ctx, struct fl_filter *x, char *param,
		size_t paramlen, char *err, size_t errlen)
{
	static const char *const states[] = { "active", "ended", "all" };
	static const char *const apps[] = { "any", "http", "tls", "dns", "smtp" };
	static const char *const protos[] = { "tcp", "udp", "icmp", "ipv6-icmp" };
	static const uint8_t proto_numbers[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
						 IPPROTO_ICMPV6 };
	char q[FL_QUOTE_BUF];
	const char *v;
	uint32_t n;
	int i;

	memset(x, 0, sizeof(*x));
	x->want_active = x->want_ended = true;
	x->port = x->proto = x->app = -1;
	x->limit = FLOW_LIST_LIMIT_DEFAULT;

	v = fl_get(get, ctx, "state");
	if (v != NULL) {
		i = fl_keyword(v, states, 3);
		if (i < 0) {
			fl_bad("state", param, paramlen, err, errlen, "%s is not a flow state "
			       "(expected active, ended or all)", fl_quote(v, true, q, sizeof(q)));
			return -EINVAL;
		}
		x->want_active = i != 1;
		x->want_ended = i != 0;
	}
	v = fl_get(get, ctx, "src_ip");
	if (v != NULL && fl_ip_param("src_ip", v, &x->src_family, x->src, param, paramlen, err,
				     errlen) != 0)
		return -EINVAL;
	v = fl_get(get, ctx, "dest_ip");
	if (v != NULL && fl_ip_param("dest_ip", v, &x->dst_family, x->dst, param, paramlen, err,
				     errlen) != 0)
		return -EINVAL;
	v = fl_get(get, ctx, "port");
	if (v != NULL) {
		if (fl_int_param("port", v, 1, 65535, &n, "1..65535", "a number", param, paramlen,
				 err, errlen) != 0)
			return -EINVAL;
		x->port = (int)n;
	}
	v = fl_get(get, ctx, "proto");
	if (v != NULL) {
		i = fl_keyword(v, protos, 4);
		if (i >= 0)
			x->proto = proto_numbers[i];
		else if (fl_int_param("proto", v, 0, 255, &n, FL_EXPECT_PROTO, "a protocol", param,
				      paramlen, err, errlen) != 0)
			return -EINVAL;
		else
			x->proto = (int)n;
	}
	v = fl_get(get, ctx, "app");
	if (v != NULL) {
		x->app = fl_keyword(v, apps, 5);
		if (x->app < 0) {
			fl_bad("app", param, paramlen, err, errlen, "%s is not an application "
			       "(expected any, http, tls, dns or smtp)",
			       fl_quote(v, true, q, sizeof(q)));
			return -EINVAL;
		}
	}
	v = fl_get(get, ctx, "rule");
	if (v != NULL) {
		if (!fl_name_ok(v, POLICY_ID_LEN - 1, true)) {
			fl_bad("rule", param, paramlen, err, errlen, "%s is not a rule id "
			       "(expected 1 to 63 characters of A-Z, a-z, 0-9, _ and -)",
			       fl_quote(v, true, q, sizeof(q)));
			return -EINVAL;
		}
		x->rule = v;
	}
	v = fl_get(get, ctx, "group");
	if (v != NULL) {
		if (!fl_name_ok(v, POLICY_NAME_LEN - 1, false)) {
			fl_bad("group", param, paramlen, err, errlen, "%s is not a group name "
			       "(expected 1 to 31 characters of a-z, 0-9, _ and -)",
			       fl_quote(v, true, q, sizeof(q)));
			return -EINVAL;
		}
		x->group = v;
	}
	v = fl_get(get, ctx, "limit");
	if (v != NULL && fl_int_param("limit", v, 1, FLOW_LIST_LIMIT_MAX, &x->limit, "1..1000",
				      "a number", param, paramlen, err, errlen) != 0)
		return -EINVAL;
	v = fl_get(get, ctx, "cursor");
	if (v != NULL) {
		const char *p;

		for (p = v; *p >= '0' && *p <= '9'; p++)
			if (x->cursor > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				break;
			else
				x->cursor = x->cursor * 10 + (uint64_t)(*p - '0');
		if (p == v || *p != '\0') {
			fl_bad("cursor", param, paramlen, err, errlen, "%s is not a cursor "
			       "(expected the next_cursor of a previous page)",
			       fl_quote(v, true, q, sizeof(q)));
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- query ---- */

static bool
fl_addr_is(const struct flow_key *k, uint8_t side, uint8_t family, const uint8_t *addr)
{
	return k->family == family && memcmp(k->addr[side], addr, family == 4 ? 4 : 16) == 0;
}

static bool
fl_matches(const struct fl_entry *e, const struct fl_filter *x)
{
	const struct msg_flow *f = &e->f;
	uint8_t c = f->client & 1, s = c ^ 1;

	if (e->seq <= x->cursor)
		return false;
	if (e->ended ? !x->want_ended : !x->want_active)
		return false;
	if (x->src_family != 0 && !fl_addr_is(&f->key, c, x->src_family, x->src))
		return false;
	if (x->dst_family != 0 && !fl_addr_is(&f->key, s, x->dst_family, x->dst))
		return false;
	if (x->port >= 0 && f->key.port[s] != x->port)
		return false;
	if (x->proto >= 0 && f->key.proto != x->proto)
		return false;
	if (x->app >= 0 && f->app != x->app)
		return false;
	if (x->rule != NULL && strcmp(f->rule, x->rule) != 0)
		return false;
	if (x->group != NULL && strcmp(f->from_group, x->group) != 0 &&
	    strcmp(f->to_group, x->group) != 0)
		return false;
	return true;
}

static const char *
fl_name(const char *const *names, size_t n, uint8_t v)
{
	return v < n ? names[v] : NULL;
}

static json_t *
fl_entry_json(const struct fl_entry *e)
{
	const struct msg_flow *f = &e->f;
	uint8_t c = f->client & 1, s = c ^ 1;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pb[8];
	char start[FL_TS_BUF], end[FL_TS_BUF];

	event_json_addr(&f->key, c, src, sizeof(src));
	event_json_addr(&f->key, s, dst, sizeof(dst));
	event_json_ts(e->start_us, start, sizeof(start));
	if (e->ended)
		event_json_ts(f->end_us, end, sizeof(end));
	return json_pack("{s:I, s:i, s:s, s:s, s:i, s:s, s:i, s:s, s:s?, s:s, s:s?, "
			 "s:I, s:I, s:I, s:I, s:s?, s:s?, s:s, s:s, s:s?, s:s?}",
		"flow_id", (json_int_t)f->flow_id,
		"worker", (int)e->worker,
		"state", e->ended ? "ended" : "active",
		"src_ip", src,
		"src_port", (int)f->key.port[c],
		"dest_ip", dst,
		"dest_port", (int)f->key.port[s],
		"proto", event_json_proto(f->key.proto, pb, sizeof(pb)),
		"app_proto", fl_name(fl_app_names, 5, f->app),
		"start", start,
		"end", e->ended ? end : NULL,
		"pkts_toserver", (json_int_t)f->pkts[FLOW_TOSERVER],
		"pkts_toclient", (json_int_t)f->pkts[FLOW_TOCLIENT],
		"bytes_toserver", (json_int_t)f->bytes[FLOW_TOSERVER],
		"bytes_toclient", (json_int_t)f->bytes[FLOW_TOCLIENT],
		"tcp_state", f->key.proto == IPPROTO_TCP ? flow_state_name(f->state) : NULL,
		"rule", f->rule[0] != '\0' ? f->rule : NULL,
		"from_group", f->from_group,
		"to_group", f->to_group,
		"mode", fl_name(fl_mode_names, 4, f->mode),
		"action", fl_name(fl_action_names, 2, f->action));
}

json_t *
flow_list_query(const struct flow_list *fl, flow_list_param_fn get, void *ctx, char *param,
		size_t paramlen, char *err, size_t errlen)
{
	const struct fl_entry *e;
	struct fl_filter x;
	json_t *out = NULL, *list, *cur = NULL;
	uint64_t last = 0;
	uint32_t n = 0;
	char cbuf[24];

	if (paramlen > 0)
		param[0] = '\0';
	if (errlen > 0)
		err[0] = '\0';
	if (fl_parse_filter(get, ctx, &x, param, paramlen, err, errlen) != 0)
		return NULL;
	list = json_array();
	if (list == NULL)
		goto oom;
	for (e = fl->head; e != NULL; e = e->next) {
		if (!fl_matches(e, &x))
			continue;
		if (n == x.limit) {
			snprintf(cbuf, sizeof(cbuf), "%" PRIu64, last);
			cur = json_string(cbuf);
			if (cur == NULL)
				goto oom;
			break;
		}
		if (json_array_append_new(list, fl_entry_json(e)) != 0)
			goto oom;
		last = e->seq;
		n++;
	}
	out = json_pack("{s:o, s:o, s:i}", "flows", list, "next_cursor",
			cur != NULL ? cur : json_null(), "returned", (int)n);
	if (out == NULL)
		goto oom_packed;
	return out;
oom:
	json_decref(list);
	json_decref(cur);
oom_packed:
	if (paramlen > 0)
		param[0] = '\0';
	if (errlen > 0)
		snprintf(err, errlen, "flow list: out of memory");
	return NULL;
}
