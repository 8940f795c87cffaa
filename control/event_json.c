/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON output (Suricata's event format, so existing SIEM parsers work): one object
 * per line with timestamp, flow_id, event_type, src/dest ip and port, proto, and an
 * event-specific object. src is always the client. docs/events.md is the schema.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "event_json.h"
#include "eve_sid.h"
#include "md5.h"
#include "flow_table.h"
#include "sensor_types.h"

#define EJ_DIM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const anomaly_names[MSG_ANOM__COUNT] = {
	[MSG_ANOM_OVERLAP_DIFF] = "overlap_different_data",
	[MSG_ANOM_OOO_FLOW_CAP] = "reassembly_flow_cap",
	[MSG_ANOM_REASM_MEMCAP] = "reassembly_memcap",
	[MSG_ANOM_DEPTH] = "reassembly_depth_reached",
	[MSG_ANOM_FLOW_TABLE_FULL] = "flow_table_full",
	[MSG_ANOM_DEFRAG_DROPPED] = "defrag_dropped",
	[MSG_ANOM_DLP_UNINSPECTED] = "dlp_stream_unavailable",
	[MSG_ANOM_APP_LIMIT] = "app_header_limit",
	[MSG_ANOM_APP_DECODE] = "app_decode_failed",
	[MSG_ANOM_APP_UNPARSED] = "app_parser_unavailable",
	[MSG_ANOM_FRAG_TOO_MANY] = "frag_too_many",
	[MSG_ANOM_FRAG_OVERLAP] = "frag_overlap",
	[MSG_ANOM_FRAG_INVALID] = "frag_invalid",
	[MSG_ANOM_TTL_CHANGED] = "ttl_changed",
	[MSG_ANOM_TS_OLD] = "timestamp_old",
};

const char *
event_json_anomaly_name(uint16_t kind)
{
	return kind < MSG_ANOM__COUNT ? anomaly_names[kind] : "unknown";
}

void
event_json_ts(uint64_t us, char *buf, size_t len)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char base[24];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06u+0000", base, (unsigned int)(us % 1000000));
}

void
event_json_addr(const struct flow_key *k, uint8_t side, char *buf, size_t len)
{
	if (k->family == 4)
		inet_ntop(AF_INET, k->addr[side], buf, len);
	else
		inet_ntop(AF_INET6, k->addr[side], buf, len);
}

const char *
event_json_proto(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "IPv6-ICMP";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

const char *
event_json_app(uint8_t app)
{
	static const char *const names[] = {
		[POLICY_APP_ANY] = "any", [POLICY_APP_HTTP] = "http", [POLICY_APP_TLS] = "tls",
		[POLICY_APP_DNS] = "dns", [POLICY_APP_SMTP] = "smtp",
	};

	return app < EJ_DIM(names) ? names[app] : "any";
}

const char *
event_json_mode(uint8_t mode)
{
	static const char *const names[] = {
		[POLICY_MODE_INHERIT] = "inherit", [POLICY_MODE_DISCOVER] = "discover",
		[POLICY_MODE_MONITOR] = "monitor", [POLICY_MODE_PROTECT] = "protect",
	};

	return mode < EJ_DIM(names) ? names[mode] : "unknown";
}

/* The EVE header shared by every event about a flow. */
static json_t *
event_json_header(const struct msg_flow *fl, const char *type, uint64_t ts_us)
{
	char ts[40], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pb[8];
	uint8_t c = fl->client, s = !fl->client;
	json_t *o = json_object();

	event_json_ts(ts_us, ts, sizeof(ts));
	event_json_addr(&fl->key, c, a, sizeof(a));
	event_json_addr(&fl->key, s, b, sizeof(b));
	json_object_set_new(o, "timestamp", json_string(ts));
	json_object_set_new(o, "flow_id", json_integer((json_int_t)fl->flow_id));
	json_object_set_new(o, "event_type", json_string(type));
	if (fl->key.vlan != 0)
		json_object_set_new(o, "vlan", json_pack("[i]", fl->key.vlan));
	json_object_set_new(o, "src_ip", json_string(a));
	json_object_set_new(o, "src_port", json_integer(fl->key.port[c]));
	json_object_set_new(o, "dest_ip", json_string(b));
	json_object_set_new(o, "dest_port", json_integer(fl->key.port[s]));
	json_object_set_new(o, "proto", json_string(event_json_proto(fl->key.proto, pb,
								     sizeof(pb))));
	if (fl->app != POLICY_APP_ANY)
		json_object_set_new(o, "app_proto", json_string(event_json_app(fl->app)));
	return o;
}

/* The policy verdict in force for the flow: rule, groups, mode. */
static json_t *
event_json_policy(const struct msg_flow *fl)
{
	return json_pack("{s:s?, s:s, s:s, s:s, s:s}",
		"rule", fl->rule[0] != '\0' ? fl->rule : NULL,
		"from_group", fl->from_group, "to_group", fl->to_group,
		"mode", event_json_mode(fl->mode),
		"action", fl->action == POLICY_ACTION_DENY ? "deny" : "allow");
}

/* Non-TCP flows keep one timeout class internally; report them like Suricata does. */
const char *
event_json_state(const struct msg_flow *fl)
{
	if (fl->key.proto != IPPROTO_TCP)
		return fl->pkts[0] && fl->pkts[1] ? "established" : "new";
	return flow_state_name(fl->state);
}

static json_t *
event_json_flow(const struct msg *m)
{
	const struct msg_flow *fl = &m->flow;
	json_t *o = event_json_header(fl, "flow", fl->end_us);
	char start[40], end[40];

	event_json_ts(fl->start_us, start, sizeof(start));
	event_json_ts(fl->end_us, end, sizeof(end));
	json_object_set_new(o, "flow", json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, "
						 "s:i, s:i, s:b}",
		"pkts_toserver", (json_int_t)fl->pkts[FLOW_TOSERVER],
		"pkts_toclient", (json_int_t)fl->pkts[FLOW_TOCLIENT],
		"bytes_toserver", (json_int_t)fl->bytes[FLOW_TOSERVER],
		"bytes_toclient", (json_int_t)fl->bytes[FLOW_TOCLIENT],
		"start", start, "end", end,
		"state", event_json_state(fl),
		"reason", flow_end_reason_name(fl->reason),
		"gaps", (int)fl->gaps,
		"overlaps_different", (int)fl->overlaps_diff,
		"midstream", (fl->flags & FLOW_F_MIDSTREAM) != 0));
	json_object_set_new(o, "policy", event_json_policy(fl));
	return o;
}

const char *
event_json_alert_reason(uint8_t reason)
{
	static const char *const names[] = {
		[MSG_ALERT_DENY] = "deny",
		[MSG_ALERT_DEFAULT_DENY] = "default_deny",
		[MSG_ALERT_REQUIRE_TLS] = "require_tls",
		[MSG_ALERT_DLP_BLOCK] = "dlp_block",
	};

	return reason < EJ_DIM(names) ? names[reason] : "unknown";
}


/* A metadata value: Suricata's EVE writes each as an array of strings. */
static void
event_json_meta(json_t *md, const char *key, const char *value)
{
	json_object_set_new(md, key, json_pack("[s]", value));
}

/*
 * Suricata's alert object: action, gid, signature_id, rev, signature, category, severity,
 * metadata; then Tollgate's fields: rule (absent when no rule applied), reason, groups and
 * mode. Takes metadata.
 */
static json_t *
event_json_alert_obj(const struct msg_flow *fl, int blocked, uint32_t sid, const char *sig,
		     const char *category, int severity, json_t *md, const char *rule,
		     const char *reason)
{
	json_t *a = json_pack("{s:s, s:i, s:I, s:i, s:s, s:s, s:i, s:o}",
		"action", blocked ? "blocked" : "allowed", "gid", EVE_GID,
		"signature_id", (json_int_t)sid, "rev", 1, "signature", sig,
		"category", category, "severity", severity, "metadata", md);

	if (rule != NULL)
		json_object_set_new(a, "rule", json_string(rule));
	json_object_set_new(a, "reason", json_string(reason));
	json_object_set_new(a, "from_group", json_string(fl->from_group));
	json_object_set_new(a, "to_group", json_string(fl->to_group));
	json_object_set_new(a, "mode", json_string(event_json_mode(fl->mode)));
	return a;
}

/*
 * A policy verdict, as a Suricata EVE alert: action "blocked" in protect mode (where the
 * inline path enforces it), "allowed" in monitor mode (reported only). The signature is
 * the rule's (one id per rule, from its name), or default deny's when no rule matched.
 */
static json_t *
event_json_alert(const struct msg *m)
{
	const struct msg_flow *fl = &m->flow;
	const char *reason = event_json_alert_reason(m->alert.reason);
	const char *rule = fl->rule[0] != '\0' ? fl->rule : NULL;
	json_t *o = event_json_header(fl, "alert", m->ts_us), *md = json_object();
	char sig[POLICY_ID_LEN + 32];
	uint32_t sid;

	if (rule != NULL) {
		snprintf(sig, sizeof(sig), "TOLLGATE POLICY rule %s", rule);
		sid = eve_sid_rule(rule);
		event_json_meta(md, "rule", rule);
	} else {
		snprintf(sig, sizeof(sig), "TOLLGATE POLICY no rule allows the flow (default "
			 "deny)");
		sid = EVE_SID_DEFAULT_DENY;
	}
	event_json_meta(md, "reason", reason);
	event_json_meta(md, "mode", event_json_mode(fl->mode));
	json_object_set_new(o, "alert", event_json_alert_obj(fl, m->alert.blocked, sid, sig,
		EVE_CAT_POLICY, EVE_SEV_POLICY, md, rule, reason));
	return o;
}

/* A datagram defrag gave up: no flow yet, so the addresses and IP id of the datagram. */
static json_t *
event_json_frag(const struct msg *m, const char *name)
{
	const struct msg_frag *fr = &m->frag;
	int af = fr->family == 4 ? AF_INET : AF_INET6;
	char ts[40], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pb[8];
	json_t *o = json_object(), *an;

	event_json_ts(m->ts_us, ts, sizeof(ts));
	inet_ntop(af, fr->src, a, sizeof(a));
	inet_ntop(af, fr->dst, b, sizeof(b));
	json_object_set_new(o, "timestamp", json_string(ts));
	json_object_set_new(o, "event_type", json_string("anomaly"));
	if (fr->vlan != 0)
		json_object_set_new(o, "vlan", json_pack("[i]", fr->vlan));
	json_object_set_new(o, "src_ip", json_string(a));
	json_object_set_new(o, "dest_ip", json_string(b));
	json_object_set_new(o, "proto", json_string(event_json_proto(fr->proto, pb, sizeof(pb))));
	an = json_pack("{s:s, s:s, s:I, s:I}", "type", "defrag", "event", name,
		       "ip_id", (json_int_t)fr->id, "fragments", (json_int_t)fr->frags);
	if (m->anomaly == MSG_ANOM_FRAG_TOO_MANY)
		json_object_set_new(an, "max_frags", json_integer((json_int_t)fr->max_frags));
	json_object_set_new(o, "anomaly", an);
	return o;
}

static json_t *
event_json_anomaly(const struct msg *m)
{
	const char *name = event_json_anomaly_name(m->anomaly);
	json_t *o, *a;
	char ts[40];

	if (m->anomaly == MSG_ANOM_FRAG_TOO_MANY || m->anomaly == MSG_ANOM_FRAG_OVERLAP ||
	    m->anomaly == MSG_ANOM_FRAG_INVALID)
		return event_json_frag(m, name);
	if (m->has_flow) {
		o = event_json_header(&m->flow, "anomaly", m->ts_us);
		a = json_pack("{s:s, s:s, s:s}", "type", "stream", "event", name,
			      "direction", m->dir == FLOW_TOSERVER ? "to_server" : "to_client");
	} else {
		o = json_object();
		event_json_ts(m->ts_us, ts, sizeof(ts));
		json_object_set_new(o, "timestamp", json_string(ts));
		json_object_set_new(o, "event_type", json_string("anomaly"));
		a = json_pack("{s:s, s:s, s:I}", "type", "capacity", "event", name,
			      "count", (json_int_t)m->count);
	}
	json_object_set_new(o, "anomaly", a);
	return o;
}

/* Suricata's names of the TLS versions (SSLVersionToString). */
const char *
event_json_tls_version(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "TLS 1.3";
	case 0x0303:
		return "TLS 1.2";
	case 0x0302:
		return "TLS 1.1";
	case 0x0301:
		return "TLSv1";
	case 0x0300:
		return "SSLv3";
	default:
		return "UNDETERMINED";
	}
}

/* Suricata's tls object: sni (when sent), version, ja3 {hash, string} (when it fits). */
static json_t *
event_json_tls(const struct app_tls_meta *t)
{
	json_t *o = json_object();
	char hash[MD5_HEX_LEN];

	if (t->sni[0] != '\0')
		json_object_set_new(o, "sni", json_string(t->sni));
	json_object_set_new(o, "version", json_string(event_json_tls_version(t->version)));
	if (t->ja3[0] != '\0') {
		md5_hex(t->ja3, strnlen(t->ja3, sizeof(t->ja3)), hash);
		json_object_set_new(o, "ja3", json_pack("{s:s, s:s}", "hash", hash, "string",
							 t->ja3));
	}
	return o;
}

/* RR type mnemonics (RFC 1035, 3596, 2782, 4034, 6844, 9460); others as TYPEnnn (RFC 3597). */
const char *
event_json_rrtype(uint16_t t, char *buf, size_t len)
{
	static const struct {
		uint16_t t;
		const char *name;
	} names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" },
		{ 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" }, { 52, "TLSA" }, { 64, "SVCB" },
		{ 65, "HTTPS" }, { 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
	};
	unsigned int i;

	for (i = 0; i < EJ_DIM(names); i++)
		if (names[i].t == t)
			return names[i].name;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

/* RCODE mnemonics (RFC 1035 4.1.1, RFC 2136 2.2); others as the number. */
const char *
event_json_rcode(unsigned int rcode, char *buf, size_t len)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
		"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode < EJ_DIM(names))
		return names[rcode];
	snprintf(buf, len, "%u", rcode);
	return buf;
}

/* A name an answer points to: the question name, or one in names[]. */
const char *
event_json_dns_name(const struct app_dns_meta *d, uint16_t off)
{
	if (off == APP_META_DNS_QNAME)
		return d->rrname;
	if (off >= sizeof(d->names) || memchr(d->names + off, '\0', sizeof(d->names) - off) ==
	    NULL)
		return "";
	return d->names + off;
}

/*
 * Suricata's dns object (EVE version 2), its fields in Suricata's order: a query (QR 0)
 * gives type, id, rrname, rrtype, opcode; an answer version, type, id, flags (hex), the
 * flag booleans that are set, opcode, rrname, rrtype, rcode and the answers listed, each
 * rrname, rrtype, ttl and rdata where it has a name or an address.
 */
static json_t *
event_json_dns(const struct app_dns_meta *d)
{
	int answer = (d->flags & 0x8000) != 0;
	char tb[16], rb[8], fb[8], addr[INET6_ADDRSTRLEN];
	json_t *o = json_object(), *list;
	unsigned int i;

	if (answer)
		json_object_set_new(o, "version", json_integer(2));
	json_object_set_new(o, "type", json_string(answer ? "answer" : "query"));
	json_object_set_new(o, "id", json_integer(d->id));
	if (answer) {
		snprintf(fb, sizeof(fb), "%x", d->flags);
		json_object_set_new(o, "flags", json_string(fb));
		json_object_set_new(o, "qr", json_true());
		if (d->flags & 0x0400)
			json_object_set_new(o, "aa", json_true());
		if (d->flags & 0x0200)
			json_object_set_new(o, "tc", json_true());
		if (d->flags & 0x0100)
			json_object_set_new(o, "rd", json_true());
		if (d->flags & 0x0080)
			json_object_set_new(o, "ra", json_true());
		json_object_set_new(o, "opcode", json_integer((d->flags >> 11) & 0x0f));
	}
	if (d->has_question) {
		json_object_set_new(o, "rrname", json_string(d->rrname));
		json_object_set_new(o, "rrtype", json_string(event_json_rrtype(d->rrtype, tb,
									       sizeof(tb))));
	}
	if (!answer) {
		json_object_set_new(o, "opcode", json_integer((d->flags >> 11) & 0x0f));
		return o;
	}
	json_object_set_new(o, "rcode", json_string(event_json_rcode(d->flags & 0x0f, rb,
								    sizeof(rb))));
	if (d->n == 0)
		return o;
	list = json_array();
	for (i = 0; i < d->n && i < APP_META_DNS_ANSWERS; i++) {
		const struct app_dns_answer_meta *a = &d->a[i];
		json_t *x = json_pack("{s:s, s:s, s:I}", "rrname", event_json_dns_name(d, a->owner),
				      "rrtype", event_json_rrtype(a->type, tb, sizeof(tb)),
				      "ttl", (json_int_t)a->ttl);

		if (a->family == 4 || a->family == 6) {
			inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, addr, sizeof(addr));
			json_object_set_new(x, "rdata", json_string(addr));
		} else if (a->rdata != APP_META_DNS_NO_NAME) {
			json_object_set_new(x, "rdata",
					    json_string(event_json_dns_name(d, a->rdata)));
		}
		json_array_append_new(list, x);
	}
	json_object_set_new(o, "answers", list);
	return o;
}

/* The application object of an event (Suricata EVE's http / smtp / tls / dns), or NULL. */
static json_t *
event_json_app_meta(const struct app_meta *a, const char **key)
{
	json_t *o, *list;
	unsigned int i;

	if (a->kind == APP_META_TLS) {
		*key = "tls";
		return event_json_tls(&a->tls);
	}
	if (a->kind == APP_META_DNS) {
		*key = "dns";
		return event_json_dns(&a->dns);
	}

	if (a->kind == APP_META_HTTP) {
		*key = "http";
		o = json_pack("{s:s, s:s, s:s}", "hostname", a->http.hostname, "url", a->http.url,
			      "http_method", a->http.method);
		if (a->http.status != 0)
			json_object_set_new(o, "status", json_integer(a->http.status));
		if (a->http.content_type[0] != '\0')
			json_object_set_new(o, "http_content_type",
					    json_string(a->http.content_type));
		return o;
	}
	if (a->kind != APP_META_SMTP)
		return NULL;
	*key = "smtp";
	o = json_pack("{s:s, s:s}", "helo", a->smtp.helo, "mail_from", a->smtp.mail_from);
	list = json_array();
	for (i = 0; i < a->smtp.nrcpt && i < APP_META_RCPT; i++)
		json_array_append_new(list, json_string(a->smtp.rcpt_to[i]));
	json_object_set_new(o, "rcpt_to", list);
	list = json_array();
	for (i = 0; i < a->smtp.nattach && i < APP_META_ATTACH; i++)
		json_array_append_new(list, json_string(a->smtp.attachments[i]));
	json_object_set_new(o, "attachments", list);
	if (a->smtp.starttls)
		json_object_set_new(o, "starttls", json_true());
	return o;
}

/* A Suricata-style http, smtp, tls or dns metadata event (events.http, .smtp, .tls, .dns). */
static json_t *
event_json_app_event(const struct msg *m)
{
	const char *key = NULL;
	json_t *app = event_json_app_meta(&m->app, &key), *o;

	if (app == NULL)
		return NULL;
	o = event_json_header(&m->flow, key, m->ts_us);
	json_object_set_new(o, key, app);
	return o;
}

/* Suricata's severity (1 high .. 3 low) of a sensor severity (enum sensor_severity). */
int
event_json_severity(uint8_t sev)
{
	return sev >= SENSOR_SEV_HIGH ? 1 : sev == SENSOR_SEV_MEDIUM ? 2 : 3;
}

/*
 * The alert of a dlp event that crossed a threshold: the signature is the sensor's (one id
 * per sensor), secrets (category credentials) are an information leak, the rest personal
 * data (a privacy violation).
 */
static json_t *
event_json_dlp_alert(const struct msg *m)
{
	const struct dlp_event *d = &m->dlp;
	json_t *md = json_object();
	char sig[96], thr[16];
	int secret = strcmp(d->category, "credentials") == 0;

	snprintf(sig, sizeof(sig), "TOLLGATE DLP %s (%s)", d->sensor, d->category);
	snprintf(thr, sizeof(thr), "%u", d->threshold);
	event_json_meta(md, "rule", d->rule);
	event_json_meta(md, "sensor", d->sensor);
	event_json_meta(md, "data_category", d->category);
	event_json_meta(md, "threshold", thr);
	event_json_meta(md, "mode", event_json_mode(m->flow.mode));
	return event_json_alert_obj(&m->flow, d->blocked, eve_sid_sensor(d->sensor), sig,
				    secret ? EVE_CAT_LEAK : EVE_CAT_PRIVACY,
				    event_json_severity(d->severity), md, d->rule,
				    "dlp_threshold");
}

/*
 * Personal data in a flow direction. The event that crossed a threshold is an alert
 * (event_type "alert", with the dlp object); the matches after it, reported when the
 * direction ends, stay a dlp event.
 */
static json_t *
event_json_dlp(const struct msg *m)
{
	const struct dlp_event *d = &m->dlp;
	json_t *o = event_json_header(&m->flow, d->crossing ? "alert" : "dlp", m->ts_us);
	json_t *list = json_array(), *app;
	const char *key = NULL;
	char hash[17];
	unsigned int i;

	if (d->crossing)
		json_object_set_new(o, "alert", event_json_dlp_alert(m));
	for (i = 0; i < d->n && i < DLP_EVENT_MATCHES; i++) {
		const struct dlp_match *x = &d->m[i];

		const char *path = x->path < d->npaths && x->path < DLP_EVENT_PATHS ?
				   d->paths[x->path] : DLP_PATH_RAW;

		snprintf(hash, sizeof(hash), "%016" PRIx64, x->hash);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
			"sensor", x->sensor, "category", x->category, "redacted", x->redacted,
			"hash", hash, "offset", (json_int_t)x->offset,
			"confidence", x->confidence == 2 ? "high" : "medium", "path", path));
	}
	json_object_set_new(o, "dlp", json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
		"direction", m->dir == FLOW_TOSERVER ? "to_server" : "to_client",
		"action", d->blocked ? "blocked" : "allowed",
		"rule_action", d->action ? "block" : "alert",
		"rule", d->rule,
		"mode", event_json_mode(m->flow.mode),
		"matches", list,
		"total", (json_int_t)d->total));
	app = event_json_app_meta(&m->app, &key);
	if (app != NULL)
		json_object_set_new(o, key, app);
	return o;
}

json_t *
event_json_build(const struct msg *m)
{
	if (m->type == MSG_FLOW_END)
		return event_json_flow(m);
	if (m->type == MSG_ANOMALY)
		return event_json_anomaly(m);
	if (m->type == MSG_DLP)
		return event_json_dlp(m);
	if (m->type == MSG_ALERT)
		return event_json_alert(m);
	if (m->type == MSG_APP)
		return event_json_app_event(m);
	return NULL;
}
