/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential tests of the DOM-free EVE writer (control/eve_write.c) against the jansson
 * builder it replaced on the event path (control/event_json.c + json_dumps COMPACT |
 * PRESERVE_ORDER): every event kind, with fields drawn from a fixed-seed generator
 * (addresses of both families, VLANs, every anomaly, alert reason, app object, DNS flag
 * and answer shape, dlp matches and paths, captures), strings holding quotes, backslashes,
 * control characters, DEL, '/' and multi-byte UTF-8, must give the same bytes; the
 * event_type, flow id, timestamp and severity handed to the sinks must be what the line
 * says (sink_event_severity of the parsed event). Then what differs on purpose: bytes
 * that are not UTF-8 become U+FFFD where jansson refused the whole object.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "eve_write.h"
#include "event_json.h"
#include "flow_table.h"
#include "sensor_types.h"
#include "sink.h"

#define ROUNDS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n == 0 ? 0 : (uint32_t)(rng % n);
}

/* A string of at most cap - 1 bytes from pieces that exercise every escape. */
static void
rnd_str(char *dst, size_t cap, int may_be_empty)
{
	static const char *const pieces[] = {
		"a", "Z", "0", "9", " ", "-", ".", "@", "*", "_", "/", "\"", "\\", "\n", "\t",
		"\r", "\b", "\f", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "example", "%41", "<>", "{}", "[]", ":", ",",
	};
	size_t len = 0, want = rnd(may_be_empty ? 24 : 23) + (may_be_empty ? 0 : 1);

	while (want-- > 0) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
		size_t n = strlen(p);

		if (len + n + 1 > cap)
			break;
		memcpy(dst + len, p, n);
		len += n;
	}
	if (len == 0 && !may_be_empty && cap > 1)
		dst[len++] = 'x';
	dst[len] = '\0';
}

static void
rnd_flow(struct msg_flow *fl)
{
	unsigned int i;

	memset(fl, 0, sizeof(*fl));
	fl->key.family = rnd(3) == 0 ? 6 : 4;
	for (i = 0; i < 16; i++) {
		fl->key.addr[0][i] = (uint8_t)(rnd(4) == 0 ? 0 : rnd(256));
		fl->key.addr[1][i] = (uint8_t)(rnd(4) == 0 ? 0 : rnd(256));
	}
	if (fl->key.family == 4) {
		memset(fl->key.addr[0] + 4, 0, 12);
		memset(fl->key.addr[1] + 4, 0, 12);
	}
	fl->key.port[0] = (uint16_t)rnd(65536);
	fl->key.port[1] = (uint16_t)rnd(65536);
	fl->key.vlan = rnd(3) == 0 ? (uint16_t)rnd(4096) : 0;
	fl->key.proto = (uint8_t[]){ 6, 17, 1, 58, 132, 47 }[rnd(6)];
	fl->flow_id = ((uint64_t)rnd(1u << 31) << 21) ^ rnd(1u << 21);
	fl->start_us = 1700000000000000ull + (uint64_t)rnd(1u << 30) * 1000 + rnd(1000);
	fl->end_us = fl->start_us + rnd(5000000);
	fl->pkts[0] = rnd(100000);
	fl->pkts[1] = rnd(3) == 0 ? 0 : rnd(100000);
	fl->bytes[0] = (uint64_t)rnd(1u << 31) * rnd(8);
	fl->bytes[1] = rnd(1u << 20);
	fl->gaps = rnd(5);
	fl->overlaps_diff = rnd(5);
	fl->client = (uint8_t)rnd(2);
	fl->state = (uint8_t)rnd(10);
	fl->reason = (uint8_t)rnd(FLOW_END__COUNT + 1);
	fl->flags = (uint8_t)rnd(4);
	fl->app = (uint8_t)rnd(6);
	fl->mode = (uint8_t)rnd(5);
	fl->action = (uint8_t)rnd(3);
	if (rnd(3) != 0)
		rnd_str(fl->rule, sizeof(fl->rule), 0);
	rnd_str(fl->from_group, sizeof(fl->from_group), 1);
	rnd_str(fl->to_group, sizeof(fl->to_group), 1);
}

static void
rnd_dns(struct app_dns_meta *d)
{
	size_t off = 0;
	uint16_t starts[6];
	unsigned int i, nstarts = 0;

	d->id = (uint16_t)rnd(65536);
	d->flags = (uint16_t)rnd(65536);
	d->rrtype = (uint16_t)(rnd(2) ? (uint16_t[]){ 1, 28, 5, 15, 16, 65, 257, 99 }[rnd(8)] :
			       rnd(65536));
	d->has_question = (uint8_t)rnd(2);
	rnd_str(d->rrname, sizeof(d->rrname), 1);
	while (nstarts < 6 && off + 40 < sizeof(d->names)) {
		starts[nstarts++] = (uint16_t)off;
		rnd_str(d->names + off, 40, 1);
		off += strlen(d->names + off) + 1;
	}
	d->n = (uint8_t)rnd(APP_META_DNS_ANSWERS + 2);
	for (i = 0; i < APP_META_DNS_ANSWERS; i++) {
		struct app_dns_answer_meta *a = &d->a[i];
		unsigned int k;

		a->ttl = (uint32_t)rng;
		a->type = (uint16_t)(rnd(2) ? (uint16_t[]){ 1, 28, 5, 2, 12, 33, 41 }[rnd(7)] :
				     rnd(65536));
		a->owner = rnd(4) == 0 ? APP_META_DNS_QNAME :
			   rnd(8) == 0 ? (uint16_t)(APP_META_DNS_NAMES + rnd(500)) :
			   starts[rnd(nstarts)];
		a->rdata = rnd(4) == 0 ? APP_META_DNS_NO_NAME :
			   rnd(4) == 0 ? APP_META_DNS_QNAME : starts[rnd(nstarts)];
		a->family = (uint8_t[]){ 0, 4, 6 }[rnd(3)];
		for (k = 0; k < 16; k++)
			a->addr[k] = (uint8_t)rnd(256);
	}
}

static void
rnd_app(struct app_meta *a)
{
	unsigned int i;

	memset(a, 0, sizeof(*a));
	a->kind = (uint8_t)rnd(6);
	switch (a->kind) {
	case APP_META_HTTP:
		rnd_str(a->http.hostname, sizeof(a->http.hostname), 1);
		rnd_str(a->http.url, sizeof(a->http.url), 1);
		rnd_str(a->http.method, sizeof(a->http.method), 1);
		if (rnd(2))
			rnd_str(a->http.content_type, sizeof(a->http.content_type), 1);
		a->http.status = rnd(2) ? (uint16_t)rnd(600) : 0;
		break;
	case APP_META_SMTP:
		rnd_str(a->smtp.helo, sizeof(a->smtp.helo), 1);
		rnd_str(a->smtp.mail_from, sizeof(a->smtp.mail_from), 1);
		a->smtp.nrcpt = (uint8_t)rnd(APP_META_RCPT + 1);
		for (i = 0; i < APP_META_RCPT; i++)
			rnd_str(a->smtp.rcpt_to[i], sizeof(a->smtp.rcpt_to[i]), 1);
		a->smtp.nattach = (uint8_t)rnd(APP_META_ATTACH + 1);
		for (i = 0; i < APP_META_ATTACH; i++)
			rnd_str(a->smtp.attachments[i], sizeof(a->smtp.attachments[i]), 1);
		a->smtp.starttls = (uint8_t)rnd(2);
		break;
	case APP_META_TLS:
		if (rnd(3))
			rnd_str(a->tls.sni, sizeof(a->tls.sni), 1);
		a->tls.version = (uint16_t[]){ 0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304,
					       0x7f17 }[rnd(7)];
		if (rnd(3))
			snprintf(a->tls.ja3, sizeof(a->tls.ja3), "771,%u-4866,0-23-65281,29-23,0",
				 rnd(70000));
		break;
	case APP_META_DNS:
		rnd_dns(&a->dns);
		break;
	default:
		break;
	}
}

static void
rnd_dlp(struct dlp_event *d)
{
	static const char *const sensors[] = { "credit_card", "email", "iban", "private_key",
					       "custom_ids" };
	static const char *const categories[] = { "financial", "contact", "credentials",
						  "national_id" };
	unsigned int i;

	rnd_str(d->rule, sizeof(d->rule), 1);
	d->action = (uint8_t)rnd(2);
	d->blocked = (uint8_t)rnd(2);
	d->crossing = (uint8_t)rnd(2);
	d->severity = (uint8_t)rnd(5);
	d->threshold = (uint32_t)rng;
	snprintf(d->sensor, sizeof(d->sensor), "%s", sensors[rnd(5)]);
	snprintf(d->category, sizeof(d->category), "%s", categories[rnd(4)]);
	d->n = (uint8_t)rnd(DLP_EVENT_MATCHES + 2);
	d->total = d->n + rnd(100);
	d->npaths = (uint8_t)rnd(DLP_EVENT_PATHS + 1);
	for (i = 0; i < DLP_EVENT_PATHS; i++)
		snprintf(d->paths[i], sizeof(d->paths[i]), "%s",
			 (const char *[]){ "http.body", "http.url", "smtp.attachment",
					   "raw" }[rnd(4)]);
	for (i = 0; i < DLP_EVENT_MATCHES; i++) {
		struct dlp_match *x = &d->m[i];

		snprintf(x->sensor, sizeof(x->sensor), "%s", sensors[rnd(5)]);
		snprintf(x->category, sizeof(x->category), "%s", categories[rnd(4)]);
		snprintf(x->redacted, sizeof(x->redacted), "************%04u", rnd(10000));
		x->confidence = (uint8_t)rnd(3);
		x->hash = ((uint64_t)rng << 1) ^ rnd(7);
		x->offset = rnd(1u << 30);
		x->path = (uint8_t)rnd(DLP_EVENT_PATHS + 2);
	}
}

static struct msg *
rnd_msg(struct msg *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->type = (uint16_t[]){ MSG_FLOW_END, MSG_ANOMALY, MSG_DLP, MSG_ALERT,
				MSG_APP }[rnd(5)];
	m->ts_us = 1700000000000000ull + (uint64_t)rnd(1u << 31) * 1000 + rnd(1000);
	m->dir = (uint8_t)rnd(2);
	m->has_flow = 1;
	rnd_flow(&m->flow);
	switch (m->type) {
	case MSG_ANOMALY:
		m->anomaly = (uint16_t)rnd(MSG_ANOM__COUNT + 1);
		m->has_flow = (uint8_t)rnd(2);
		m->count = rnd(1u << 20);
		m->frag.family = rnd(2) ? 4 : 6;
		m->frag.proto = (uint8_t)rnd(256);
		m->frag.vlan = rnd(2) ? (uint16_t)rnd(4096) : 0;
		m->frag.id = (uint32_t)rng;
		m->frag.frags = rnd(1000);
		m->frag.max_frags = rnd(1000);
		for (i = 0; i < 16; i++) {
			m->frag.src[i] = (uint8_t)rnd(256);
			m->frag.dst[i] = (uint8_t)rnd(256);
		}
		break;
	case MSG_DLP:
		rnd_dlp(&m->dlp);
		rnd_app(&m->app);
		break;
	case MSG_ALERT:
		m->alert.reason = (uint8_t)rnd(5);
		m->alert.blocked = (uint8_t)rnd(2);
		break;
	case MSG_APP:
		rnd_app(&m->app);
		break;
	default:
		break;
	}
	return m;
}

/* The line the jansson path wrote for m (control.c before eve_write): NULL when none. */
static char *
reference_line(const struct msg *m, const char *capture_id, json_t **dom)
{
	json_t *o = event_json_build(m);
	char *line;

	*dom = o;
	if (o == NULL)
		return NULL;
	if (capture_id != NULL) {
		char url[128];

		snprintf(url, sizeof(url), "/v1/captures/%s/files/1", capture_id);
		json_object_set_new(o, "capture", json_pack("{s:s, s:s}", "id", capture_id, "url",
							    url));
	}
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(line);
	return line;
}

static void
check_info(const struct eve_info *info, const json_t *dom)
{
	const json_t *fid = json_object_get(dom, "flow_id");

	assert_string_equal(info->type, json_string_value(json_object_get(dom, "event_type")));
	assert_string_equal(info->ts, json_string_value(json_object_get(dom, "timestamp")));
	assert_int_equal(info->severity, sink_event_severity(dom));
	assert_int_equal(info->has_flow_id, fid != NULL);
	if (fid != NULL)
		assert_int_equal(info->flow_id, (uint64_t)json_integer_value(fid));
}

static void
test_eve_write_gives_the_jansson_bytes_for_every_event_kind(void **state)
{
	struct msg *m = malloc(sizeof(*m));
	struct eve_buf b = { 0 };
	unsigned int i, seen[MSG_APP + 1] = { 0 }, compared = 0;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		const char *cap = rnd(4) == 0 ? "auto-0123456789abcdef" : NULL;
		struct eve_info info;
		json_t *dom;
		char *want;
		long len;

		rnd_msg(m);
		want = reference_line(m, m->type == MSG_DLP || m->type == MSG_ALERT ? cap : NULL,
				      &dom);
		len = eve_write_event(&b, m, m->type == MSG_DLP || m->type == MSG_ALERT ? cap :
				      NULL, &info);
		if (want == NULL) {
			/* only an app message without metadata has no event */
			assert_int_equal(m->type, MSG_APP);
			assert_true(m->app.kind == APP_META_NONE || m->app.kind > APP_META_DNS);
			assert_int_equal(len, -EINVAL);
			continue;
		}
		if (len != (long)strlen(want) || strcmp(b.p, want) != 0)
			fprintf(stderr, "want %s\ngot  %s\n", want, b.p);
		assert_int_equal(len, (long)strlen(want));
		assert_string_equal(b.p, want);
		check_info(&info, dom);
		seen[m->type]++;
		compared++;
		free(want);
		json_decref(dom);
	}
	assert_true(compared > ROUNDS / 2);
	for (i = MSG_FLOW_END; i <= MSG_APP; i++)
		assert_true(i == MSG_STREAM_DATA || i == MSG_LEARN || i == MSG_FQDN ||
			    i == MSG_FLOW_START || seen[i] > 500);
	eve_buf_free(&b);
	free(m);
}

static void
test_eve_write_refuses_messages_that_are_no_events(void **state)
{
	struct msg *m = calloc(1, sizeof(*m));
	struct eve_buf b = { 0 };
	struct eve_info info;

	(void)state;
	m->type = MSG_FLOW_START;
	assert_int_equal(eve_write_event(&b, m, NULL, &info), -EINVAL);
	m->type = MSG_APP;
	m->app.kind = APP_META_NONE;
	assert_int_equal(eve_write_event(&b, m, NULL, &info), -EINVAL);
	eve_buf_free(&b);
	free(m);
}

/* An app message of kind about an IPv4 TCP flow, fields zero. */
static struct msg *
app_msg(uint8_t kind)
{
	struct msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->type = MSG_APP;
	m->ts_us = 1700000000123456ull;
	m->has_flow = 1;
	m->flow.key.family = 4;
	m->flow.key.proto = 6;
	m->flow.flow_id = 42;
	m->app.kind = kind;
	return m;
}

static void
test_eve_write_replaces_bytes_that_are_not_utf8(void **state)
{
	struct msg *m = app_msg(APP_META_HTTP);
	struct eve_buf b = { 0 };
	struct eve_info info;
	json_t *o, *http;
	long len;

	(void)state;
	/* a stray byte, an overlong '/', a UTF-16 surrogate, a sequence cut at the end of
	 * the field; then the valid ones stay as they are */
	snprintf(m->app.http.hostname, sizeof(m->app.http.hostname),
		 "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82");
	snprintf(m->app.http.url, sizeof(m->app.http.url), "/caf\xc3\xa9/\xf0\x9f\x98\x80");
	snprintf(m->app.http.method, sizeof(m->app.http.method), "GET");
	/* jansson refused the object, which lost the whole event */
	assert_null(event_json_build(m));

	len = eve_write_event(&b, m, NULL, &info);
	assert_true(len > 0);
	o = json_loads(b.p, 0, NULL);
	assert_non_null(o);
	http = json_object_get(o, "http");
	assert_string_equal(json_string_value(json_object_get(http, "hostname")),
			    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "d\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(http, "url")),
			    "/caf\xc3\xa9/\xf0\x9f\x98\x80");
	assert_string_equal(info.type, "http");
	assert_int_equal(info.severity, 4);
	json_decref(o);
	eve_buf_free(&b);
	free(m);
}

static void
test_eve_write_escapes_controls_as_jansson_does(void **state)
{
	struct msg *m = app_msg(APP_META_TLS);
	struct eve_buf b = { 0 };
	struct eve_info info;

	(void)state;
	m->app.tls.version = 0x0304;
	snprintf(m->app.tls.sni, sizeof(m->app.tls.sni), "q\"b\\s/\x01\x1f\x7f\b\f\n\r\t");
	assert_true(eve_write_event(&b, m, NULL, &info) > 0);
	assert_non_null(strstr(b.p, "\"sni\":\"q\\\"b\\\\s/\\u0001\\u001F\x7f\\b\\f\\n\\r\\t\""));
	eve_buf_free(&b);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eve_write_gives_the_jansson_bytes_for_every_event_kind),
		cmocka_unit_test(test_eve_write_refuses_messages_that_are_no_events),
		cmocka_unit_test(test_eve_write_replaces_bytes_that_are_not_utf8),
		cmocka_unit_test(test_eve_write_escapes_controls_as_jansson_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
