/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON lines without a DOM (eve_write.h). The builder in event_json.c makes one
 * jansson object per event (a hash table per object, a malloc per value) only to dump it
 * at once: about 10 us per event, so one control core wrote some 50,000 events a second
 * and a SYN flood ran 15 times slower with --events on. Here a line is appended to a
 * buffer that is reused from one event to the next: keys are literals, values are
 * escaped as jansson's dump_string escapes them (RFC 8259 section 7: '"', '\\', the
 * short forms \b \f \n \r \t, other controls as \u00XX, nothing else), and the
 * timestamps' date part is cached per second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "eve_sid.h"
#include "eve_write.h"
#include "event_json.h"
#include "flow_table.h"
#include "md5.h"
#include "sensor_types.h"

#define EW_INITIAL_CAP 4096

/* Growth, out of line: the buffer is reused, so after the first few events it has room. */
static __attribute__((noinline)) int
ew_grow(struct eve_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	cap = b->cap != 0 ? b->cap : EW_INITIAL_CAP;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

/*
 * The helpers below are inlined where they are called (a flow event writes 26 keys and 6
 * integers): a key's length is then a constant and its copy a few moves, not a memcpy
 * call through two functions (about 58 instructions a key before).
 */
static inline __attribute__((always_inline)) int
ew_reserve(struct eve_buf *b, size_t n)
{
	if (__builtin_expect(b->len + n <= b->cap, 1))
		return 0;
	return ew_grow(b, n);
}

static inline __attribute__((always_inline)) void
ew_raw(struct eve_buf *b, const char *s, size_t n)
{
	if (ew_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define EW_LIT(b, s) ew_raw((b), (s), sizeof(s) - 1)

/* The comma before a value or key, unless it is the first of its level or a key's value. */
static inline __attribute__((always_inline)) void
ew_sep(struct eve_buf *b)
{
	if (b->keyed) {
		b->keyed = 0;
		return;
	}
	if (b->more[b->depth])
		EW_LIT(b, ",");
	b->more[b->depth] = 1;
}

static void
ew_open(struct eve_buf *b, char c)
{
	ew_sep(b);
	ew_raw(b, &c, 1);
	b->depth++;
	b->more[b->depth] = 0;
}

static void
ew_close(struct eve_buf *b, char c)
{
	b->depth--;
	ew_raw(b, &c, 1);
}

/* A key given as a literal: its quotes and colon are made at compile time. */
static inline __attribute__((always_inline)) void
ew_key_lit(struct eve_buf *b, const char *quoted, size_t n)
{
	ew_sep(b);
	ew_raw(b, quoted, n);
	b->keyed = 1;
}

#define EW_KEY(b, k) ew_key_lit((b), "\"" k "\":", sizeof(k) + 2)

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), 0 when there is none. */
static size_t
ew_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;	/* a continuation byte, an overlong lead (C0, C1) or past F4 */
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, past U+10FFFF, or a surrogate */
	return len;
}

/* A string value of n bytes, quoted and escaped. */
static void
ew_strn(struct eve_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;
	char *o;

	ew_sep(b);
	/* worst case: every byte a \u00XX (6) or U+FFFD (3) */
	if (ew_reserve(b, n * 6 + 2) != 0)
		return;
	o = b->p + b->len;
	*o++ = '"';
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			run = ew_utf8_len(s + i, n - i);
			if (run == 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			} else {
				memcpy(o, s + i, run);
				o += run;
				i += run;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 0x0f];
			o += 5;
			break;
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static void
ew_str(struct eve_buf *b, const char *s)
{
	ew_strn(b, s, strlen(s));
}

/*
 * A string that needs no escaping: one of Tollgate's own names (event types, states,
 * modes, RR types...), a number, an address or a timestamp formatted here. Never a
 * string from traffic or configuration.
 */
static void
ew_name(struct eve_buf *b, const char *s)
{
	size_t n = strlen(s);

	ew_sep(b);
	if (ew_reserve(b, n + 2) != 0)
		return;
	b->p[b->len] = '"';
	memcpy(b->p + b->len + 1, s, n);
	b->p[b->len + n + 1] = '"';
	b->len += n + 2;
}

/* A key that needs no escaping (one of Tollgate's names, not a literal) and its colon. */
static void
ew_key(struct eve_buf *b, const char *k)
{
	ew_name(b, k);
	EW_LIT(b, ":");
	b->keyed = 1;
}

/*
 * Decimal, two digits a division (a table of the pairs "00".."99"), formatted backwards
 * into the first half of d, then copied as a fixed 24 bytes (a few moves, no call): the
 * bytes past the number are copied too and left past the line's end.
 */
static void
ew_int(struct eve_buf *b, int64_t v)
{
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char d[48];
	size_t k = 24;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	ew_sep(b);
	while (u >= 100) {
		unsigned int r = (unsigned int)(u % 100);

		u /= 100;
		k -= 2;
		memcpy(d + k, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		k -= 2;
		memcpy(d + k, pairs + 2 * u, 2);
	} else {
		d[--k] = (char)('0' + u);
	}
	if (v < 0)
		d[--k] = '-';
	if (ew_reserve(b, 24) != 0)
		return;
	memcpy(b->p + b->len, d + k, 24);
	b->len += 24 - k;
}

static void
ew_bool(struct eve_buf *b, int v)
{
	ew_sep(b);
	if (v)
		EW_LIT(b, "true");
	else
		EW_LIT(b, "false");
}

/* "key":value, the key a literal. */
#define EW_KSTR(b, k, v) (EW_KEY(b, k), ew_str((b), (v)))
#define EW_KNAME(b, k, v) (EW_KEY(b, k), ew_name((b), (v)))
#define EW_KINT(b, k, v) (EW_KEY(b, k), ew_int((b), (v)))
#define EW_KTS(b, k, us) (EW_KEY(b, k), ew_ts((b), (us)))
#define EW_KADDR(b, k, family, a) (EW_KEY(b, k), ew_addr_str((b), (family), (a)))

/* event_json_ts, with the date and time of the last two seconds kept (a flow event has
 * three timestamps, most events share their second with the previous one). */
static void
ew_ts_text(struct eve_buf *b, uint64_t us, char out[EVE_TS_LEN])
{
	int64_t sec = (int64_t)(us / 1000000);
	unsigned int frac = (unsigned int)(us % 1000000), k, slot;
	char *o;

	if (b->ts_base[0][0] != '\0' && b->ts_sec[0] == sec) {
		slot = 0;
	} else if (b->ts_base[1][0] != '\0' && b->ts_sec[1] == sec) {
		slot = 1;
	} else {
		time_t t = (time_t)sec;
		struct tm tm;

		memcpy(b->ts_base[1], b->ts_base[0], sizeof(b->ts_base[0]));
		b->ts_sec[1] = b->ts_sec[0];
		gmtime_r(&t, &tm);
		if (strftime(b->ts_base[0], sizeof(b->ts_base[0]), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
			event_json_ts(us, out, EVE_TS_LEN);	/* a year past 9999 */
			b->ts_base[0][0] = '\0';
			return;
		}
		b->ts_sec[0] = sec;
		slot = 0;
	}
	k = (unsigned int)strlen(b->ts_base[slot]);
	memcpy(out, b->ts_base[slot], k);
	o = out + k;
	*o++ = '.';
	for (k = 6; k > 0; k--) {
		o[k - 1] = (char)('0' + frac % 10);
		frac /= 10;
	}
	memcpy(o + 6, "+0000", 6);
}

/* A timestamp value. */
static void
ew_ts(struct eve_buf *b, uint64_t us)
{
	char ts[EVE_TS_LEN];

	ew_ts_text(b, us, ts);
	ew_name(b, ts);
}

/* An address as inet_ntop writes it; IPv4 without snprintf. */
static void
ew_addr(int af, const uint8_t *a, char *buf, size_t len)
{
	char *o = buf;
	unsigned int i;

	if (af != AF_INET || len < INET_ADDRSTRLEN) {
		inet_ntop(af, a, buf, len);
		return;
	}
	for (i = 0; i < 4; i++) {
		unsigned int v = a[i];

		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = i < 3 ? '.' : '\0';
	}
}

/* An address value, family 4 or 6. */
static void
ew_addr_str(struct eve_buf *b, uint8_t family, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	ew_addr(family == 4 ? AF_INET : AF_INET6, a, s, sizeof(s));
	ew_name(b, s);
}

static void
ew_kproto(struct eve_buf *b, uint8_t proto)
{
	char pb[8];

	EW_KNAME(b, "proto", event_json_proto(proto, pb, sizeof(pb)));
}

/* "vlan": [id], when tagged. */
static void
ew_vlan(struct eve_buf *b, uint16_t vlan)
{
	if (vlan == 0)
		return;
	EW_KEY(b, "vlan");
	ew_open(b, '[');
	ew_int(b, vlan);
	ew_close(b, ']');
}

/* Opens the event object with the EVE header of an event about a flow (event_json_header). */
static void
ew_header(struct eve_buf *b, const struct msg_flow *fl, const char *type, uint64_t ts_us,
	  struct eve_info *info)
{
	uint8_t c = fl->client, s = !fl->client;

	ew_open(b, '{');
	ew_ts_text(b, ts_us, info->ts);
	EW_KNAME(b, "timestamp", info->ts);
	EW_KINT(b, "flow_id", (int64_t)fl->flow_id);
	EW_KNAME(b, "event_type", type);
	ew_vlan(b, fl->key.vlan);
	EW_KADDR(b, "src_ip", fl->key.family, fl->key.addr[c]);
	EW_KINT(b, "src_port", fl->key.port[c]);
	EW_KADDR(b, "dest_ip", fl->key.family, fl->key.addr[s]);
	EW_KINT(b, "dest_port", fl->key.port[s]);
	ew_kproto(b, fl->key.proto);
	if (fl->app != POLICY_APP_ANY)
		EW_KNAME(b, "app_proto", event_json_app(fl->app));
	info->type = type;
	info->has_flow_id = 1;
	info->flow_id = fl->flow_id;
}

static void
ew_flow(struct eve_buf *b, const struct msg *m, struct eve_info *info)
{
	const struct msg_flow *fl = &m->flow;

	ew_header(b, fl, "flow", fl->end_us, info);
	EW_KEY(b, "flow");
	ew_open(b, '{');
	EW_KINT(b, "pkts_toserver", (int64_t)fl->pkts[FLOW_TOSERVER]);
	EW_KINT(b, "pkts_toclient", (int64_t)fl->pkts[FLOW_TOCLIENT]);
	EW_KINT(b, "bytes_toserver", (int64_t)fl->bytes[FLOW_TOSERVER]);
	EW_KINT(b, "bytes_toclient", (int64_t)fl->bytes[FLOW_TOCLIENT]);
	EW_KTS(b, "start", fl->start_us);
	EW_KTS(b, "end", fl->end_us);
	EW_KNAME(b, "state", event_json_state(fl));
	EW_KNAME(b, "reason", flow_end_reason_name(fl->reason));
	EW_KINT(b, "gaps", (int)fl->gaps);
	EW_KINT(b, "overlaps_different", (int)fl->overlaps_diff);
	EW_KEY(b, "midstream");
	ew_bool(b, (fl->flags & FLOW_F_MIDSTREAM) != 0);
	ew_close(b, '}');
	EW_KEY(b, "policy");
	ew_open(b, '{');
	EW_KEY(b, "rule");
	if (fl->rule[0] != '\0')
		ew_str(b, fl->rule);
	else {
		ew_sep(b);
		EW_LIT(b, "null");
	}
	EW_KSTR(b, "from_group", fl->from_group);
	EW_KSTR(b, "to_group", fl->to_group);
	EW_KNAME(b, "mode", event_json_mode(fl->mode));
	EW_KNAME(b, "action", fl->action == POLICY_ACTION_DENY ? "deny" : "allow");
	ew_close(b, '}');
}

/* A metadata value: an array of one string, as Suricata writes them. */
static void
ew_meta(struct eve_buf *b, const char *key, const char *value)
{
	ew_key(b, key);
	ew_open(b, '[');
	ew_str(b, value);
	ew_close(b, ']');
}

/* Suricata's alert object, then Tollgate's fields (event_json_alert_obj). The metadata
 * object is left open for the caller to fill: ew_alert_end closes it and the rest. */
static void
ew_alert_begin(struct eve_buf *b, int blocked, uint32_t sid, const char *sig,
	       const char *category, int severity, struct eve_info *info)
{
	EW_KEY(b, "alert");
	ew_open(b, '{');
	EW_KNAME(b, "action", blocked ? "blocked" : "allowed");
	EW_KINT(b, "gid", EVE_GID);
	EW_KINT(b, "signature_id", sid);
	EW_KINT(b, "rev", 1);
	EW_KSTR(b, "signature", sig);
	EW_KSTR(b, "category", category);
	EW_KINT(b, "severity", severity);
	EW_KEY(b, "metadata");
	ew_open(b, '{');
	info->severity = severity < 1 ? 1 : severity > 4 ? 4 : (uint8_t)severity;
}

static void
ew_alert_end(struct eve_buf *b, const struct msg_flow *fl, const char *rule,
	     const char *reason)
{
	ew_close(b, '}');
	if (rule != NULL)
		EW_KSTR(b, "rule", rule);
	EW_KNAME(b, "reason", reason);
	EW_KSTR(b, "from_group", fl->from_group);
	EW_KSTR(b, "to_group", fl->to_group);
	EW_KNAME(b, "mode", event_json_mode(fl->mode));
	ew_close(b, '}');
}

/* A policy verdict as an EVE alert (event_json_alert). */
static void
ew_alert(struct eve_buf *b, const struct msg *m, struct eve_info *info)
{
	const struct msg_flow *fl = &m->flow;
	const char *reason = event_json_alert_reason(m->alert.reason);
	const char *rule = fl->rule[0] != '\0' ? fl->rule : NULL;
	char sig[POLICY_ID_LEN + 32];
	uint32_t sid = EVE_SID_DEFAULT_DENY;

	if (rule != NULL) {
		snprintf(sig, sizeof(sig), "TOLLGATE POLICY rule %s", rule);
		sid = eve_sid_rule(rule);
	} else {
		snprintf(sig, sizeof(sig), "TOLLGATE POLICY no rule allows the flow (default "
			 "deny)");
	}
	ew_header(b, fl, "alert", m->ts_us, info);
	ew_alert_begin(b, m->alert.blocked, sid, sig, EVE_CAT_POLICY, EVE_SEV_POLICY, info);
	if (rule != NULL)
		ew_meta(b, "rule", rule);
	ew_meta(b, "reason", reason);
	ew_meta(b, "mode", event_json_mode(fl->mode));
	ew_alert_end(b, fl, rule, reason);
}

/* A datagram defrag gave up: addresses and IP id of the datagram (event_json_frag). */
static void
ew_frag(struct eve_buf *b, const struct msg *m, const char *name, struct eve_info *info)
{
	const struct msg_frag *fr = &m->frag;

	ew_open(b, '{');
	ew_ts_text(b, m->ts_us, info->ts);
	EW_KNAME(b, "timestamp", info->ts);
	EW_KNAME(b, "event_type", "anomaly");
	ew_vlan(b, fr->vlan);
	EW_KADDR(b, "src_ip", fr->family, fr->src);
	EW_KADDR(b, "dest_ip", fr->family, fr->dst);
	ew_kproto(b, fr->proto);
	EW_KEY(b, "anomaly");
	ew_open(b, '{');
	EW_KNAME(b, "type", "defrag");
	EW_KNAME(b, "event", name);
	EW_KINT(b, "ip_id", fr->id);
	EW_KINT(b, "fragments", fr->frags);
	if (m->anomaly == MSG_ANOM_FRAG_TOO_MANY)
		EW_KINT(b, "max_frags", fr->max_frags);
	ew_close(b, '}');
}

static void
ew_anomaly(struct eve_buf *b, const struct msg *m, struct eve_info *info)
{
	const char *name = event_json_anomaly_name(m->anomaly);

	info->type = "anomaly";
	info->severity = 3;
	if (m->anomaly == MSG_ANOM_FRAG_TOO_MANY || m->anomaly == MSG_ANOM_FRAG_OVERLAP ||
	    m->anomaly == MSG_ANOM_FRAG_INVALID) {
		ew_frag(b, m, name, info);
		return;
	}
	if (m->has_flow) {
		ew_header(b, &m->flow, "anomaly", m->ts_us, info);
		EW_KEY(b, "anomaly");
		ew_open(b, '{');
		EW_KNAME(b, "type", "stream");
		EW_KNAME(b, "event", name);
		EW_KNAME(b, "direction", m->dir == FLOW_TOSERVER ? "to_server" : "to_client");
	} else {
		ew_open(b, '{');
		ew_ts_text(b, m->ts_us, info->ts);
		EW_KNAME(b, "timestamp", info->ts);
		EW_KNAME(b, "event_type", "anomaly");
		EW_KEY(b, "anomaly");
		ew_open(b, '{');
		EW_KNAME(b, "type", "capacity");
		EW_KNAME(b, "event", name);
		EW_KINT(b, "count", (int64_t)m->count);
	}
	ew_close(b, '}');
}

/* Suricata's tls object (event_json_tls). */
static void
ew_tls(struct eve_buf *b, const struct app_tls_meta *t)
{
	char hash[MD5_HEX_LEN];

	ew_open(b, '{');
	if (t->sni[0] != '\0') {
		EW_KEY(b, "sni");
		ew_str(b, t->sni);
	}
	EW_KNAME(b, "version", event_json_tls_version(t->version));
	if (t->ja3[0] != '\0') {
		md5_hex(t->ja3, strnlen(t->ja3, sizeof(t->ja3)), hash);
		EW_KEY(b, "ja3");
		ew_open(b, '{');
		EW_KNAME(b, "hash", hash);
		EW_KEY(b, "string");
		ew_str(b, t->ja3);
		ew_close(b, '}');
	}
	ew_close(b, '}');
}

/* Suricata's dns object, version 2, in Suricata's order (event_json_dns). */
static void
ew_dns(struct eve_buf *b, const struct app_dns_meta *d)
{
	int answer = (d->flags & 0x8000) != 0;
	char tb[16], rb[8], fb[8], addr[INET6_ADDRSTRLEN];
	static const struct {
		uint16_t bit;
		const char *name;
	} flags[] = { { 0x0400, "aa" }, { 0x0200, "tc" }, { 0x0100, "rd" }, { 0x0080, "ra" } };
	unsigned int i;

	ew_open(b, '{');
	if (answer)
		EW_KINT(b, "version", 2);
	EW_KNAME(b, "type", answer ? "answer" : "query");
	EW_KINT(b, "id", d->id);
	if (answer) {
		snprintf(fb, sizeof(fb), "%x", d->flags);
		EW_KNAME(b, "flags", fb);
		EW_KEY(b, "qr");
		ew_bool(b, 1);
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			if (d->flags & flags[i].bit) {
				ew_key(b, flags[i].name);
				ew_bool(b, 1);
			}
		}
		EW_KINT(b, "opcode", (d->flags >> 11) & 0x0f);
	}
	if (d->has_question) {
		EW_KEY(b, "rrname");
		ew_str(b, d->rrname);
		EW_KNAME(b, "rrtype", event_json_rrtype(d->rrtype, tb, sizeof(tb)));
	}
	if (!answer) {
		EW_KINT(b, "opcode", (d->flags >> 11) & 0x0f);
		ew_close(b, '}');
		return;
	}
	EW_KNAME(b, "rcode", event_json_rcode(d->flags & 0x0f, rb, sizeof(rb)));
	if (d->n != 0) {
		EW_KEY(b, "answers");
		ew_open(b, '[');
		for (i = 0; i < d->n && i < APP_META_DNS_ANSWERS; i++) {
			const struct app_dns_answer_meta *a = &d->a[i];

			ew_open(b, '{');
			EW_KSTR(b, "rrname", event_json_dns_name(d, a->owner));
			EW_KNAME(b, "rrtype", event_json_rrtype(a->type, tb, sizeof(tb)));
			EW_KINT(b, "ttl", a->ttl);
			if (a->family == 4 || a->family == 6) {
				ew_addr(a->family == 4 ? AF_INET : AF_INET6, a->addr, addr,
					sizeof(addr));
				EW_KNAME(b, "rdata", addr);
			} else if (a->rdata != APP_META_DNS_NO_NAME) {
				EW_KSTR(b, "rdata", event_json_dns_name(d, a->rdata));
			}
			ew_close(b, '}');
		}
		ew_close(b, ']');
	}
	ew_close(b, '}');
}

/* The name of the application object of a, or NULL when it has none. */
static const char *
ew_app_key(const struct app_meta *a)
{
	switch (a->kind) {
	case APP_META_TLS:
		return "tls";
	case APP_META_DNS:
		return "dns";
	case APP_META_HTTP:
		return "http";
	case APP_META_SMTP:
		return "smtp";
	default:
		return NULL;
	}
}

/* key: {the application object} (event_json_app_meta); nothing when a has none. */
static void
ew_app_meta(struct eve_buf *b, const struct app_meta *a)
{
	const char *key = ew_app_key(a);
	unsigned int i;

	if (key == NULL)
		return;
	ew_key(b, key);
	if (a->kind == APP_META_TLS) {
		ew_tls(b, &a->tls);
		return;
	}
	if (a->kind == APP_META_DNS) {
		ew_dns(b, &a->dns);
		return;
	}
	ew_open(b, '{');
	if (a->kind == APP_META_HTTP) {
		EW_KEY(b, "hostname");
		ew_str(b, a->http.hostname);
		EW_KEY(b, "url");
		ew_str(b, a->http.url);
		EW_KEY(b, "http_method");
		ew_str(b, a->http.method);
		if (a->http.status != 0)
			EW_KINT(b, "status", a->http.status);
		if (a->http.content_type[0] != '\0') {
			EW_KEY(b, "http_content_type");
			ew_str(b, a->http.content_type);
		}
		ew_close(b, '}');
		return;
	}
	EW_KEY(b, "helo");
	ew_str(b, a->smtp.helo);
	EW_KEY(b, "mail_from");
	ew_str(b, a->smtp.mail_from);
	EW_KEY(b, "rcpt_to");
	ew_open(b, '[');
	for (i = 0; i < a->smtp.nrcpt && i < APP_META_RCPT; i++)
		ew_str(b, a->smtp.rcpt_to[i]);
	ew_close(b, ']');
	EW_KEY(b, "attachments");
	ew_open(b, '[');
	for (i = 0; i < a->smtp.nattach && i < APP_META_ATTACH; i++)
		ew_str(b, a->smtp.attachments[i]);
	ew_close(b, ']');
	if (a->smtp.starttls) {
		EW_KEY(b, "starttls");
		ew_bool(b, 1);
	}
	ew_close(b, '}');
}

/* The alert of a dlp event that crossed a threshold (event_json_dlp_alert). */
static void
ew_dlp_alert(struct eve_buf *b, const struct msg *m, struct eve_info *info)
{
	const struct dlp_event *d = &m->dlp;
	char sig[96], thr[16];
	int secret = strcmp(d->category, "credentials") == 0;

	snprintf(sig, sizeof(sig), "TOLLGATE DLP %s (%s)", d->sensor, d->category);
	snprintf(thr, sizeof(thr), "%u", d->threshold);
	ew_alert_begin(b, d->blocked, eve_sid_sensor(d->sensor), sig,
		       secret ? EVE_CAT_LEAK : EVE_CAT_PRIVACY, event_json_severity(d->severity),
		       info);
	ew_meta(b, "rule", d->rule);
	ew_meta(b, "sensor", d->sensor);
	ew_meta(b, "data_category", d->category);
	ew_meta(b, "threshold", thr);
	ew_meta(b, "mode", event_json_mode(m->flow.mode));
	ew_alert_end(b, &m->flow, d->rule, "dlp_threshold");
}

/* Personal data in a flow direction: an alert when it crossed a threshold, else dlp. */
static void
ew_dlp(struct eve_buf *b, const struct msg *m, struct eve_info *info)
{
	const struct dlp_event *d = &m->dlp;
	char hash[17];
	unsigned int i;

	ew_header(b, &m->flow, d->crossing ? "alert" : "dlp", m->ts_us, info);
	info->severity = 3;
	if (d->crossing)
		ew_dlp_alert(b, m, info);
	EW_KEY(b, "dlp");
	ew_open(b, '{');
	EW_KNAME(b, "direction", m->dir == FLOW_TOSERVER ? "to_server" : "to_client");
	EW_KNAME(b, "action", d->blocked ? "blocked" : "allowed");
	EW_KNAME(b, "rule_action", d->action ? "block" : "alert");
	EW_KSTR(b, "rule", d->rule);
	EW_KNAME(b, "mode", event_json_mode(m->flow.mode));
	EW_KEY(b, "matches");
	ew_open(b, '[');
	for (i = 0; i < d->n && i < DLP_EVENT_MATCHES; i++) {
		const struct dlp_match *x = &d->m[i];
		const char *path = x->path < d->npaths && x->path < DLP_EVENT_PATHS ?
				   d->paths[x->path] : DLP_PATH_RAW;

		snprintf(hash, sizeof(hash), "%016" PRIx64, x->hash);
		ew_open(b, '{');
		EW_KSTR(b, "sensor", x->sensor);
		EW_KSTR(b, "category", x->category);
		EW_KSTR(b, "redacted", x->redacted);
		EW_KNAME(b, "hash", hash);
		EW_KINT(b, "offset", (int64_t)x->offset);
		EW_KNAME(b, "confidence", x->confidence == 2 ? "high" : "medium");
		EW_KSTR(b, "path", path);
		ew_close(b, '}');
	}
	ew_close(b, ']');
	EW_KINT(b, "total", d->total);
	ew_close(b, '}');
	ew_app_meta(b, &m->app);
}

long
eve_write_event(struct eve_buf *b, const struct msg *m, const char *capture_id,
		struct eve_info *info)
{
	b->len = 0;
	b->oom = 0;
	b->depth = 0;
	b->keyed = 0;
	b->more[0] = 0;
	info->type = NULL;
	info->severity = 4;
	info->has_flow_id = 0;
	info->flow_id = 0;
	switch (m->type) {
	case MSG_FLOW_END:
		ew_flow(b, m, info);
		break;
	case MSG_ANOMALY:
		ew_anomaly(b, m, info);
		break;
	case MSG_DLP:
		ew_dlp(b, m, info);
		break;
	case MSG_ALERT:
		ew_alert(b, m, info);
		break;
	case MSG_APP:
		if (ew_app_key(&m->app) == NULL)
			return -EINVAL;
		ew_header(b, &m->flow, ew_app_key(&m->app), m->ts_us, info);
		ew_app_meta(b, &m->app);
		break;
	default:
		return -EINVAL;
	}
	if (capture_id != NULL) {
		char url[160];

		snprintf(url, sizeof(url), "/v1/captures/%s/files/1", capture_id);
		EW_KEY(b, "capture");
		ew_open(b, '{');
		EW_KNAME(b, "id", capture_id);
		EW_KNAME(b, "url", url);
		ew_close(b, '}');
	}
	ew_close(b, '}');
	/* the NUL: sinks and the ring copy lines as C strings */
	if (ew_reserve(b, 1) != 0 || b->oom)
		return -ENOMEM;
	b->p[b->len] = '\0';
	return (long)b->len;
}

void
eve_buf_free(struct eve_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
