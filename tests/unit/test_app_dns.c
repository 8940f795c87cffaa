/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the DNS response parser (dataplane/app_dns.c; RFC 1035 4.1 and 4.1.4,
 * RFC 3596, RFC 2181 8). The captured-style messages were built with scapy 2.5
 * (DNS/DNSQR/DNSRR, compressed with DNS.compress() where noted) and pasted as bytes;
 * hostile ones are assembled by hand. Every parse goes through an exactly-sized heap copy
 * so ASan catches any read past the end; every prefix is checked, and a seeded mutation
 * loop runs last.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "app_dns.h"

/*
 * DNS(id=0x1a2b, qr=1, rd=1, ra=1, qd=DNSQR(qname='api.partner.example'),
 *     an=DNSRR(rrname='api.partner.example', ttl=300, rdata='203.0.113.10')).compress()
 */
static const uint8_t dns_a_compressed[53] = {
	0x1a, 0x2b, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x61, 0x70, 0x69, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00,
	0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00,
	0x04, 0xcb, 0x00, 0x71, 0x0a,
};

/*
 * DNS(id=0x4242, qr=1, rd=1, ra=1, qd=DNSQR(qname='WWW.Example.COM'), an=
 *     DNSRR('WWW.Example.COM', CNAME, ttl=3600, 'cdn.example.net') /
 *     DNSRR('other.example', A, ttl=60, '192.0.2.99') /
 *     DNSRR('cdn.example.net', CNAME, ttl=120, 'edge.cdn.example.net') /
 *     DNSRR('edge.cdn.example.net', A, ttl=30, '198.51.100.7') /
 *     DNSRR('edge.cdn.example.net', A, ttl=45, '198.51.100.8')).compress()
 * Owner and CNAME target names use pointers (0xc0 0x2d, 0xc0 0x67).
 */
static const uint8_t dns_cname_chain[142] = {
	0x42, 0x42, 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x57, 0x57, 0x57, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x43, 0x4f, 0x4d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
	0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x11, 0x03, 0x63, 0x64,
	0x6e, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6e, 0x65,
	0x74, 0x00, 0x05, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x63, 0xc0, 0x2d, 0x00, 0x05, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x07, 0x04, 0x65, 0x64, 0x67, 0x65,
	0xc0, 0x2d, 0xc0, 0x67, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e,
	0x00, 0x04, 0xc6, 0x33, 0x64, 0x07, 0xc0, 0x67, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x2d, 0x00, 0x04, 0xc6, 0x33, 0x64, 0x08,
};

/*
 * DNS(id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname='v6.partner.example', qtype='AAAA'), an=
 *     DNSRR(.., AAAA, ttl=86400, '2001:db8::1') /
 *     DNSRR(.., AAAA, ttl=4000000000, '2001:db8:0:1::2')), not compressed
 */
static const uint8_t dns_aaaa_uncompressed[128] = {
	0x00, 0x07, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x76, 0x36, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72, 0x07,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x1c, 0x00, 0x01,
	0x02, 0x76, 0x36, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72, 0x07,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x1c, 0x00, 0x01,
	0x00, 0x01, 0x51, 0x80, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x76,
	0x36, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72, 0x07, 0x65, 0x78,
	0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x1c, 0x00, 0x01, 0xee, 0x6b,
	0x28, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

/*
 * DNS(id=8, qr=1, rd=1, ra=1, rcode=3, qd=DNSQR(qname='nope.partner.example'),
 *     ns=DNSRRSOA(rrname='partner.example', ...)).compress()
 */
static const uint8_t dns_nxdomain[89] = {
	0x00, 0x08, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x04, 0x6e, 0x6f, 0x70, 0x65, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65,
	0x72, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01,
	0x00, 0x01, 0xc0, 0x11, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x03, 0x84,
	0x00, 0x27, 0x03, 0x6e, 0x73, 0x31, 0xc0, 0x11, 0x0a, 0x68, 0x6f, 0x73,
	0x74, 0x6d, 0x61, 0x73, 0x74, 0x65, 0x72, 0xc0, 0x11, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DNS(id=9, qr=0, rd=1, qd=DNSQR(qname='api.partner.example')) */
static const uint8_t dns_query[37] = {
	0x00, 0x09, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x61, 0x70, 0x69, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x01, 0x00,
	0x01,
};

/* DNS(id=10, qr=1, qd=DNSQR(qname='mail.partner.example', qtype='MX'), an=<MX 10 mx.mail...>) */
static const uint8_t dns_mx_only[77] = {
	0x00, 0x0a, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x6d, 0x61, 0x69, 0x6c, 0x07, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65,
	0x72, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0x0f,
	0x00, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6c, 0x07, 0x70, 0x61, 0x72, 0x74,
	0x6e, 0x65, 0x72, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00,
	0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x07, 0x00, 0x0a,
	0x02, 0x6d, 0x78, 0xc0, 0x0c,
};

/* Offsets inside dns_a_compressed. */
#define A_FLAGS		2
#define A_ANCOUNT	6
#define A_QCLASS	35
#define A_RR_CLASS	41
#define A_RR_TTL	43
#define A_RR_RDLEN	47

/* ---- helpers ------------------------------------------------------------------------- */

static int
parse(const uint8_t *b, uint32_t len, struct app_dns_result *out)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	memset(out, 0x5a, sizeof(*out));
	rc = app_dns_parse_response(copy, len, out);
	free(copy);
	if (rc != 0)
		assert_int_equal(out->n, 0);
	return rc;
}

static void
assert_v4(const struct app_dns_answer *a, uint8_t o0, uint8_t o1, uint8_t o2, uint8_t o3,
	  uint32_t ttl)
{
	const uint8_t want[16] = { o0, o1, o2, o3 };

	assert_int_equal(a->family, AF_INET);
	assert_memory_equal(a->addr, want, 16);
	assert_int_equal(a->ttl, ttl);
}

#define MSG_MAX 4096

struct msg {
	uint8_t b[MSG_MAX];
	uint32_t len;
};

static void
put(struct msg *m, const void *d, uint32_t n)
{
	assert_true(m->len + n <= MSG_MAX);
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

static void
put8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void
put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

/* Uncompressed name from dotted text ("" is the root), labels taken verbatim. */
static uint32_t
put_name(struct msg *m, const char *name)
{
	uint32_t at = m->len;

	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		uint32_t n = dot != NULL ? (uint32_t)(dot - name) : (uint32_t)strlen(name);

		put8(m, (uint8_t)n);
		put(m, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	put8(m, 0);
	return at;
}

static void
put_ptr(struct msg *m, uint32_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

/* Header of a NOERROR response, then the question (class IN). Returns the question
 * name's offset (12). */
static uint32_t
start(struct msg *m, uint16_t ancount, const char *qname, uint16_t qtype)
{
	m->len = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
	return 12;
}

/* The fixed part of a record after its owner name. */
static void
rr(struct msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, rdlen);
}

static void
rr_a(struct msg *m, uint32_t ttl, uint8_t last_octet)
{
	const uint8_t a[4] = { 192, 0, 2, last_octet };

	rr(m, 1, ttl, 4);
	put(m, a, 4);
}

/* A CNAME whose target is written uncompressed. */
static void
rr_cname(struct msg *m, uint32_t ttl, const char *target)
{
	uint32_t at;

	rr(m, 5, ttl, 0);
	at = m->len;
	put_name(m, target);
	m->b[at - 2] = (uint8_t)((m->len - at) >> 8);
	m->b[at - 1] = (uint8_t)(m->len - at);
}

/* ---- real responses ------------------------------------------------------------------ */

static void
test_dns_a_answer_with_compressed_owner_gives_address(void **state)
{
	struct app_dns_result r;

	(void)state;
	assert_int_equal(parse(dns_a_compressed, sizeof(dns_a_compressed), &r), 0);
	assert_string_equal(r.qname, "api.partner.example");
	assert_int_equal(r.n, 1);
	assert_v4(&r.a[0], 203, 0, 113, 10, 300);
}

static void
test_dns_cname_chain_is_followed_and_unrelated_a_is_ignored(void **state)
{
	struct app_dns_result r;

	(void)state;
	assert_int_equal(parse(dns_cname_chain, sizeof(dns_cname_chain), &r), 0);
	assert_string_equal(r.qname, "www.example.com");
	assert_int_equal(r.n, 2);
	/* TTL: the smallest along qname -3600-> cdn -120-> edge -30/45-> address */
	assert_v4(&r.a[0], 198, 51, 100, 7, 30);
	assert_v4(&r.a[1], 198, 51, 100, 8, 45);
}

static void
test_dns_aaaa_answers_give_ipv6_and_high_bit_ttl_counts_as_zero(void **state)
{
	static const uint8_t a0[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };		/* ::1 */
	static const uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [15] = 2 };	/* 0:1::2 */
	struct app_dns_result r;

	(void)state;
	assert_int_equal(parse(dns_aaaa_uncompressed, sizeof(dns_aaaa_uncompressed), &r), 0);
	assert_string_equal(r.qname, "v6.partner.example");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.a[0].family, AF_INET6);
	assert_memory_equal(r.a[0].addr, a0, 16);
	assert_int_equal(r.a[0].ttl, 86400);
	assert_int_equal(r.a[1].family, AF_INET6);
	assert_memory_equal(r.a[1].addr, a1, 16);
	assert_int_equal(r.a[1].ttl, 0);	/* 4000000000 has the top bit set (RFC 2181 8) */
}

static void
test_dns_ttl_over_a_week_is_clamped(void **state)
{
	static const struct {
		uint32_t in, out;
	} cases[] = {
		{ 0, 0 }, { 604799, 604799 }, { 604800, 604800 }, { 604801, 604800 },
		{ 0x7fffffff, 604800 }, { 0x80000000, 0 }, { 0xffffffff, 0 },
	};
	uint8_t b[sizeof(dns_a_compressed)];
	struct app_dns_result r;
	uint32_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, dns_a_compressed, sizeof(b));
		b[A_RR_TTL] = (uint8_t)(cases[i].in >> 24);
		b[A_RR_TTL + 1] = (uint8_t)(cases[i].in >> 16);
		b[A_RR_TTL + 2] = (uint8_t)(cases[i].in >> 8);
		b[A_RR_TTL + 3] = (uint8_t)cases[i].in;
		assert_int_equal(parse(b, sizeof(b), &r), 0);
		assert_int_equal(r.a[0].ttl, cases[i].out);
	}
}

static void
test_dns_nxdomain_query_and_mx_only_are_enoent(void **state)
{
	struct app_dns_result r;

	(void)state;
	assert_int_equal(parse(dns_nxdomain, sizeof(dns_nxdomain), &r), -ENOENT);
	assert_string_equal(r.qname, "nope.partner.example");
	assert_int_equal(parse(dns_query, sizeof(dns_query), &r), -ENOENT);
	assert_string_equal(r.qname, "api.partner.example");
	assert_int_equal(parse(dns_mx_only, sizeof(dns_mx_only), &r), -ENOENT);
	assert_string_equal(r.qname, "mail.partner.example");
}

static void
test_dns_error_rcode_other_opcode_or_class_is_enoent(void **state)
{
	uint8_t b[sizeof(dns_a_compressed)];
	struct app_dns_result r;
	uint8_t rcode;

	(void)state;
	for (rcode = 1; rcode < 16; rcode++) {
		memcpy(b, dns_a_compressed, sizeof(b));
		b[A_FLAGS + 1] = (uint8_t)(0x80 | rcode);
		assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
	}
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_FLAGS] = 0x81 | (4 << 3);	/* NOTIFY response */
	assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_QCLASS + 1] = 3;		/* question class CH */
	assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_RR_CLASS + 1] = 3;		/* the A record in class CH is not an address */
	assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_RR_CLASS + 1] = 3;		/* ... nor is its rdlength checked */
	b[A_RR_RDLEN + 1] = 3;
	assert_int_equal(parse(b, sizeof(b) - 1, &r), -ENOENT);
}

static void
test_dns_question_count_other_than_one_is_enoent(void **state)
{
	uint8_t b[sizeof(dns_a_compressed)];
	struct app_dns_result r;

	(void)state;
	memcpy(b, dns_a_compressed, sizeof(b));
	b[5] = 0;
	assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
	assert_string_equal(r.qname, "");
	b[5] = 2;
	assert_int_equal(parse(b, sizeof(b), &r), -ENOENT);
}

/* ---- malformed ----------------------------------------------------------------------- */

static void
test_dns_every_prefix_is_einval_or_enoent_exactly(void **state)
{
	static const struct {
		const uint8_t *b;
		uint32_t len;
		uint32_t question_end;	/* prefixes from here on are -ENOENT, or 0 if never */
	} msgs[] = {
		{ dns_a_compressed, sizeof(dns_a_compressed), 0 },
		{ dns_cname_chain, sizeof(dns_cname_chain), 0 },
		{ dns_aaaa_uncompressed, sizeof(dns_aaaa_uncompressed), 0 },
		{ dns_mx_only, sizeof(dns_mx_only), 0 },
		/* The authority section (the SOA) is not read. */
		{ dns_nxdomain, sizeof(dns_nxdomain), 12 + 22 + 4 },
		{ dns_query, sizeof(dns_query), 0 },
	};
	struct app_dns_result r;
	uint32_t i, len;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		for (len = 0; len < msgs[i].len; len++) {
			int want = msgs[i].question_end != 0 && len >= msgs[i].question_end ?
					   -ENOENT : -EINVAL;

			assert_int_equal(parse(msgs[i].b, len, &r), want);
		}
	}
	assert_int_equal(app_dns_parse_response(NULL, 0, &r), -EINVAL);
}

static void
test_dns_counts_past_the_end_are_einval(void **state)
{
	uint8_t b[sizeof(dns_a_compressed)];
	struct app_dns_result r;

	(void)state;
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_ANCOUNT] = 0xff;
	b[A_ANCOUNT + 1] = 0xff;
	assert_int_equal(parse(b, sizeof(b), &r), -EINVAL);
	b[A_ANCOUNT] = 0;
	b[A_ANCOUNT + 1] = 2;	/* fits the minimum sizes, but the second record is absent */
	assert_int_equal(parse(b, sizeof(b), &r), -EINVAL);
	memcpy(b, dns_a_compressed, sizeof(b));
	b[4] = 0x10;		/* QDCOUNT 4097 */
	assert_int_equal(parse(b, sizeof(b), &r), -EINVAL);
	memcpy(b, dns_a_compressed, sizeof(b));
	b[A_RR_RDLEN + 1] = 5;	/* rdata past the end */
	assert_int_equal(parse(b, sizeof(b), &r), -EINVAL);
}

static void
test_dns_address_rdlength_mismatch_is_einval(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	start(&m, 1, "h.example", 1);
	put_ptr(&m, 12);
	rr(&m, 1, 60, 5);
	put32(&m, 0xc0000201);
	put8(&m, 0);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	start(&m, 1, "h.example", 28);
	put_ptr(&m, 12);
	rr(&m, 28, 60, 4);
	put32(&m, 0xc0000201);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
}

static void
test_dns_cname_target_must_fill_rdata(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	start(&m, 2, "h.example", 1);
	put_ptr(&m, 12);
	rr_cname(&m, 60, "t.example");
	put_name(&m, "t.example");
	rr_a(&m, 60, 9);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_v4(&r.a[0], 192, 0, 2, 9, 60);
	/* One byte of slack in the CNAME's rdata. */
	start(&m, 2, "h.example", 1);
	put_ptr(&m, 12);
	rr(&m, 5, 60, 12);
	put_name(&m, "t.example");
	put8(&m, 0);
	put_name(&m, "t.example");
	rr_a(&m, 60, 9);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	/* A target running out of its rdata into the next record. */
	start(&m, 2, "h.example", 1);
	put_ptr(&m, 12);
	rr(&m, 5, 60, 3);
	put_name(&m, "t.example");
	put_name(&m, "t.example");
	rr_a(&m, 60, 9);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
}

static void
test_dns_pointer_loops_and_forward_pointers_are_einval(void **state)
{
	struct msg m;
	struct app_dns_result r;
	uint32_t at;

	(void)state;
	/* The question name points at itself. */
	start(&m, 0, "", 1);
	m.len = 12;
	put8(&m, 1);
	put8(&m, 'a');
	put_ptr(&m, 12);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	/* An owner name: label then a pointer back to its own start. */
	start(&m, 1, "a.example", 1);
	at = m.len;
	put8(&m, 1);
	put8(&m, 'b');
	put_ptr(&m, at);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	/*
	 * A loop made of backward pointers only: the owner points at "e", whose "f" label is
	 * followed by a pointer back to "f" (earlier than that pointer, but not earlier than
	 * where the run of labels started). The name sits in an unknown type's rdata, so
	 * only the owner's walk meets it.
	 */
	start(&m, 2, "a.example", 1);
	put_ptr(&m, 12);
	rr(&m, 99, 60, 6);
	at = m.len;
	put8(&m, 1);
	put8(&m, 'e');
	put8(&m, 1);
	put8(&m, 'f');
	put_ptr(&m, at + 2);
	put_ptr(&m, at);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	/* A CNAME target pointing forward. */
	start(&m, 2, "a.example", 1);
	put_ptr(&m, 12);
	rr(&m, 5, 60, 2);
	at = m.len;
	put_ptr(&m, at + 2);
	put_name(&m, "t.example");
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	/* Pointer beyond the message, and pointer into the header. */
	start(&m, 1, "a.example", 1);
	put_ptr(&m, 0x3fff);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	start(&m, 1, "a.example", 1);
	put_ptr(&m, 4);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	/* A pointer cut after its first byte. */
	start(&m, 0, "", 1);
	m.len = 12;
	put8(&m, 0xc0);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
}

/* An owner reached through exactly `hops` pointers: the first RR (an unknown type) holds
 * a chain of hops - 1 pointers ending at the question name. */
static void
pointer_chain(struct msg *m, uint32_t hops)
{
	uint32_t i, first;

	start(m, 2, "a.example", 1);
	put_ptr(m, 12);
	rr(m, 99, 60, (uint16_t)(2 * (hops - 1)));
	first = m->len;
	put_ptr(m, 12);
	for (i = 1; i < hops - 1; i++)
		put_ptr(m, first + 2 * (i - 1));
	put_ptr(m, first + 2 * (hops - 2));
	rr_a(m, 60, 7);
}

static void
test_dns_sixteen_pointers_per_name_and_no_more(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	pointer_chain(&m, 16);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_v4(&r.a[0], 192, 0, 2, 7, 60);
	pointer_chain(&m, 17);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
}

static void
test_dns_label_and_name_length_limits(void **state)
{
	char label[80], name[300];
	struct msg m;
	struct app_dns_result r;
	uint32_t i;

	(void)state;
	memset(label, 'x', 63);
	strcpy(label + 63, ".example");
	start(&m, 1, label, 1);
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_string_equal(r.qname, label);

	/* 64: the length byte 0x40 is a reserved label type as well. */
	memset(label, 'x', 64);
	strcpy(label + 64, ".example");
	start(&m, 1, label, 1);
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	/* 253 characters are fine, 254 are not. */
	for (i = 0; i < 253; i++)
		name[i] = (i % 50 == 49) ? '.' : 'n';
	name[253] = '\0';
	start(&m, 1, name, 1);
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_string_equal(r.qname, name);
	name[253] = 'n';
	name[254] = '\0';
	start(&m, 1, name, 1);
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	/* ... also when the excess comes through a pointer. */
	name[253] = '\0';
	start(&m, 1, name, 1);
	put8(&m, 1);
	put8(&m, 'z');
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);

	/* Extended label type 0x40 and reserved 0x80. */
	start(&m, 0, "", 1);
	m.len = 12;
	put8(&m, 0x41);
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	m.b[5] = 1;
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	m.b[12] = 0x81;
	assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
}

static void
test_dns_non_hostname_label_bytes_are_einval(void **state)
{
	static const char *const bad[] = {
		"a b.example", "*.example", "caf\xc3\xa9.example", "a/b.example", "a\\.example",
	};
	struct msg m;
	struct app_dns_result r;
	uint32_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(&m, 1, bad[i], 1);
		put_ptr(&m, 12);
		rr_a(&m, 60, 1);
		assert_int_equal(parse(m.b, m.len, &r), -EINVAL);
	}
	start(&m, 1, "_Srv-1.Ex_Ample", 1);
	put_ptr(&m, 12);
	rr_a(&m, 60, 1);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_string_equal(r.qname, "_srv-1.ex_ample");
}

/* ---- chains -------------------------------------------------------------------------- */

static void
test_dns_records_in_any_order_and_case_are_matched(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	/* A first, then the CNAME that leads to it; names differ in case. */
	start(&m, 3, "Www.Example.com", 1);
	put_name(&m, "EDGE.example.net");
	rr_a(&m, 300, 5);
	put_name(&m, "unrelated.example");
	rr_a(&m, 300, 6);
	put_ptr(&m, 12);
	rr_cname(&m, 100, "edge.EXAMPLE.net");
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_string_equal(r.qname, "www.example.com");
	assert_int_equal(r.n, 1);
	assert_v4(&r.a[0], 192, 0, 2, 5, 100);
}

/* qname -> h1 -> ... -> h<hops>, the last one with an A record. */
static void
cname_chain(struct msg *m, uint32_t hops)
{
	char a[16], b[16];
	uint32_t i;

	start(m, (uint16_t)(hops + 1), "h0", 1);
	for (i = 0; i < hops; i++) {
		snprintf(a, sizeof(a), "h%u", i);
		snprintf(b, sizeof(b), "h%u", i + 1);
		put_name(m, a);
		rr_cname(m, 1000 - i, b);
	}
	snprintf(a, sizeof(a), "h%u", hops);
	put_name(m, a);
	rr_a(m, 2000, 42);
}

static void
test_dns_cname_chain_of_eight_hops_is_followed_nine_is_not(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	cname_chain(&m, 8);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_v4(&r.a[0], 192, 0, 2, 42, 1000 - 7);
	cname_chain(&m, 9);
	assert_int_equal(parse(m.b, m.len, &r), -ENOENT);
	assert_string_equal(r.qname, "h0");
}

static void
test_dns_cname_loop_ends_without_answer(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	start(&m, 3, "a.example", 1);
	put_ptr(&m, 12);
	rr_cname(&m, 60, "b.example");
	put_name(&m, "b.example");
	rr_cname(&m, 60, "a.example");
	put_name(&m, "c.example");
	rr_a(&m, 60, 3);
	assert_int_equal(parse(m.b, m.len, &r), -ENOENT);
}

static void
test_dns_cname_not_starting_at_question_is_ignored(void **state)
{
	struct msg m;
	struct app_dns_result r;

	(void)state;
	start(&m, 2, "a.example", 1);
	put_name(&m, "other.example");
	rr_cname(&m, 60, "t.example");
	put_name(&m, "t.example");
	rr_a(&m, 60, 3);
	assert_int_equal(parse(m.b, m.len, &r), -ENOENT);
}

static void
test_dns_addresses_beyond_sixteen_are_dropped_and_repeats_merged(void **state)
{
	struct msg m;
	struct app_dns_result r;
	uint32_t i;

	(void)state;
	start(&m, 20, "many.example", 1);
	for (i = 0; i < 20; i++) {
		put_ptr(&m, 12);
		rr_a(&m, 100 + i, (uint8_t)(i + 1));
	}
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_int_equal(r.n, APP_DNS_MAX_ANSWERS);
	for (i = 0; i < APP_DNS_MAX_ANSWERS; i++)
		assert_v4(&r.a[i], 192, 0, 2, (uint8_t)(i + 1), 100 + i);

	start(&m, 3, "dup.example", 1);
	put_ptr(&m, 12);
	rr_a(&m, 500, 1);
	put_ptr(&m, 12);
	rr_a(&m, 50, 1);
	put_ptr(&m, 12);
	rr_a(&m, 70, 2);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_int_equal(r.n, 2);
	assert_v4(&r.a[0], 192, 0, 2, 1, 50);
	assert_v4(&r.a[1], 192, 0, 2, 2, 70);
}

static void
test_dns_only_sixty_four_answer_records_are_examined(void **state)
{
	struct msg m;
	struct app_dns_result r;
	uint32_t i;

	(void)state;
	/* 64 unrelated records, then the answer: never looked at. */
	start(&m, 65, "late.example", 1);
	for (i = 0; i < APP_DNS_MAX_RRS; i++) {
		put_name(&m, "x");
		rr_a(&m, 60, 1);
	}
	put_ptr(&m, 12);
	rr_a(&m, 60, 2);
	assert_int_equal(parse(m.b, m.len, &r), -ENOENT);
	/* ... nor is a malformed 65th record. */
	m.b[m.len - 5] = 5;
	assert_int_equal(parse(m.b, m.len, &r), -ENOENT);
	/* With 63 before it, it is. */
	start(&m, 64, "late.example", 1);
	for (i = 0; i < APP_DNS_MAX_RRS - 1; i++) {
		put_name(&m, "x");
		rr_a(&m, 60, 1);
	}
	put_ptr(&m, 12);
	rr_a(&m, 60, 2);
	assert_int_equal(parse(m.b, m.len, &r), 0);
	assert_v4(&r.a[0], 192, 0, 2, 2, 60);
}

/* ---- any message, for dns events (app_dns_parse_meta) --------------------------------- */

static int
meta(const uint8_t *b, uint32_t len, struct app_dns_meta *out)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	rc = app_dns_parse_meta(copy, len, out);
	free(copy);
	return rc;
}

static const char *
meta_name(const struct app_dns_meta *d, uint16_t off)
{
	assert_true(off == APP_META_DNS_QNAME || off < sizeof(d->names));
	return off == APP_META_DNS_QNAME ? d->rrname : d->names + off;
}

static void
test_dns_meta_query_gives_header_and_question(void **state)
{
	struct app_dns_meta d;

	(void)state;
	assert_int_equal(meta(dns_query, sizeof(dns_query), &d), 0);
	assert_int_equal(d.id, 9);
	assert_int_equal(d.flags, 0x0100);
	assert_true(d.has_question);
	assert_string_equal(d.rrname, "api.partner.example");
	assert_int_equal(d.rrtype, 1);
	assert_int_equal(d.ancount, 0);
	assert_int_equal(d.n, 0);
}

/* Every answer listed in order, whatever the chain: owners and targets by name, each
 * name kept once (the question's as APP_META_DNS_QNAME). */
static void
test_dns_meta_lists_every_answer_with_its_names(void **state)
{
	struct app_dns_meta d;
	static const uint8_t a7[4] = { 198, 51, 100, 7 };

	(void)state;
	assert_int_equal(meta(dns_cname_chain, sizeof(dns_cname_chain), &d), 0);
	assert_int_equal(d.id, 0x4242);
	assert_int_equal(d.flags, 0x8180);
	assert_string_equal(d.rrname, "www.example.com");
	assert_int_equal(d.ancount, 5);
	assert_int_equal(d.n, 5);
	assert_int_equal(d.a[0].type, 5);
	assert_int_equal(d.a[0].owner, APP_META_DNS_QNAME);
	assert_string_equal(meta_name(&d, d.a[0].rdata), "cdn.example.net");
	assert_int_equal(d.a[0].ttl, 3600);
	assert_string_equal(meta_name(&d, d.a[1].owner), "other.example");
	assert_int_equal(d.a[1].family, 4);
	assert_int_equal(d.a[1].rdata, APP_META_DNS_NO_NAME);
	assert_int_equal(d.a[2].owner, d.a[0].rdata);		/* cdn.example.net, once */
	assert_string_equal(meta_name(&d, d.a[2].rdata), "edge.cdn.example.net");
	assert_int_equal(d.a[3].owner, d.a[2].rdata);
	assert_memory_equal(d.a[3].addr, a7, 4);
	assert_int_equal(d.a[3].ttl, 30);
	assert_int_equal(d.a[4].ttl, 45);
	/* TTLs as sent, not clamped (4000000000 stays) */
	assert_int_equal(meta(dns_aaaa_uncompressed, sizeof(dns_aaaa_uncompressed), &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.a[1].family, 6);
	assert_int_equal(d.a[1].ttl, 4000000000u);
	assert_int_equal(d.a[1].owner, APP_META_DNS_QNAME);
	/* MX: the exchange, a pointer into the question */
	assert_int_equal(meta(dns_mx_only, sizeof(dns_mx_only), &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.a[0].type, 15);
	assert_string_equal(meta_name(&d, d.a[0].rdata), "mx.mail.partner.example");
	/* NXDOMAIN: the rcode in the flags, no answers (the SOA is in authority) */
	assert_int_equal(meta(dns_nxdomain, sizeof(dns_nxdomain), &d), 0);
	assert_int_equal(d.flags & 0x0f, 3);
	assert_int_equal(d.n, 0);
}

/* At most APP_META_DNS_ANSWERS listed; when names no longer fit, listing stops. */
static void
test_dns_meta_caps_answers_and_names(void **state)
{
	struct app_dns_meta d;
	struct msg m;
	char name[64];
	uint32_t i;

	(void)state;
	start(&m, 20, "many.example", 1);
	for (i = 0; i < 20; i++) {
		put_ptr(&m, 12);
		rr_a(&m, 100 + i, (uint8_t)(i + 1));
	}
	assert_int_equal(meta(m.b, m.len, &d), 0);
	assert_int_equal(d.ancount, 20);
	assert_int_equal(d.n, APP_META_DNS_ANSWERS);
	assert_int_equal(d.a[7].addr[3], 8);
	/* eight CNAMEs of 60-byte names: 480 bytes of names hold 7 of them (61 each,
	 * owner = the previous target), the 8th does not fit */
	start(&m, 8, "c.example", 1);
	for (i = 0; i < 8; i++) {
		if (i == 0) {
			put_ptr(&m, 12);
		} else {
			snprintf(name, sizeof(name), "%0*u.example", 52, i - 1);
			put_name(&m, name);
		}
		snprintf(name, sizeof(name), "%0*u.example", 52, i);
		rr_cname(&m, 60, name);
	}
	assert_int_equal(meta(m.b, m.len, &d), 0);
	assert_int_equal(d.n, 7);
	assert_string_equal(meta_name(&d, d.a[6].rdata), "000000000000000000000000000000000000000"
			    "0000000000006.example");
}

static void
test_dns_meta_malformed_is_einval(void **state)
{
	struct app_dns_meta d;
	struct msg m;
	uint32_t len;

	(void)state;
	for (len = 0; len < sizeof(dns_cname_chain); len++)
		assert_int_equal(meta(dns_cname_chain, len, &d), -EINVAL);
	start(&m, 1, "bad.example", 1);
	put_ptr(&m, 12);
	rr(&m, 1, 60, 3);		/* an A of 3 bytes */
	put(&m, (const uint8_t *)"abc", 3);
	assert_int_equal(meta(m.b, m.len, &d), -EINVAL);
	start(&m, 1, "bad.example", 1);
	put_ptr(&m, 12);
	rr(&m, 5, 60, 4);		/* a CNAME whose target does not fill its rdata */
	put(&m, (const uint8_t *)"\x01x\x00\x00", 4);
	assert_int_equal(meta(m.b, m.len, &d), -EINVAL);
}

/* ---- fuzz ---------------------------------------------------------------------------- */

static uint64_t
prng(uint64_t *s)
{
	/* splitmix64: deterministic across platforms */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
check_result(const struct app_dns_result *r)
{
	static const uint8_t zero[12];
	size_t i, n = strlen(r->qname);

	assert_true(n <= 253);
	for (i = 0; i < n; i++) {
		char c = r->qname[i];

		assert_true((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_' || c == '.');
	}
	assert_true(r->n >= 1 && r->n <= APP_DNS_MAX_ANSWERS);
	for (i = 0; i < r->n; i++) {
		assert_true(r->a[i].ttl <= APP_DNS_TTL_MAX);
		assert_true(r->a[i].family == AF_INET || r->a[i].family == AF_INET6);
		if (r->a[i].family == AF_INET)
			assert_memory_equal(r->a[i].addr + 4, zero, 12);
	}
}

static void
test_dns_fuzzed_responses_never_overread(void **state)
{
	const struct {
		const uint8_t *b;
		uint32_t len;
	} seeds[] = {
		{ dns_a_compressed, sizeof(dns_a_compressed) },
		{ dns_cname_chain, sizeof(dns_cname_chain) },
		{ dns_aaaa_uncompressed, sizeof(dns_aaaa_uncompressed) },
		{ dns_nxdomain, sizeof(dns_nxdomain) },
	};
	uint64_t seed = 0x646e732d66757a7aull;
	unsigned int counts[3] = { 0 };
	uint8_t b[256];
	uint32_t it, k;

	(void)state;
	for (it = 0; it < 100000; it++) {
		uint32_t which = (uint32_t)(prng(&seed) % 4), len = seeds[which].len;
		uint32_t flips = 1 + (uint32_t)(prng(&seed) % 4);
		struct app_dns_result r;
		int rc;

		memcpy(b, seeds[which].b, len);
		for (k = 0; k < flips; k++)
			b[prng(&seed) % len] = (uint8_t)prng(&seed);
		if (prng(&seed) % 8 == 0)
			len = (uint32_t)(prng(&seed) % (len + 1));
		{
			struct app_dns_meta d;
			unsigned int i;

			rc = meta(b, len, &d);
			assert_true(rc == 0 || rc == -EINVAL);
			assert_true(d.n <= APP_META_DNS_ANSWERS && strlen(d.rrname) <= 253);
			for (i = 0; rc == 0 && i < d.n; i++) {
				assert_true(strlen(meta_name(&d, d.a[i].owner)) <= 253);
				if (d.a[i].rdata != APP_META_DNS_NO_NAME)
					assert_true(strlen(meta_name(&d, d.a[i].rdata)) <= 253);
			}
		}
		rc = parse(b, len, &r);
		if (rc == 0) {
			check_result(&r);
			counts[0]++;
		} else if (rc == -ENOENT) {
			counts[1]++;
		} else {
			assert_int_equal(rc, -EINVAL);
			counts[2]++;
		}
	}
	assert_true(counts[0] > 1000 && counts[1] > 1000 && counts[2] > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_a_answer_with_compressed_owner_gives_address),
		cmocka_unit_test(test_dns_cname_chain_is_followed_and_unrelated_a_is_ignored),
		cmocka_unit_test(test_dns_aaaa_answers_give_ipv6_and_high_bit_ttl_counts_as_zero),
		cmocka_unit_test(test_dns_ttl_over_a_week_is_clamped),
		cmocka_unit_test(test_dns_nxdomain_query_and_mx_only_are_enoent),
		cmocka_unit_test(test_dns_error_rcode_other_opcode_or_class_is_enoent),
		cmocka_unit_test(test_dns_question_count_other_than_one_is_enoent),
		cmocka_unit_test(test_dns_every_prefix_is_einval_or_enoent_exactly),
		cmocka_unit_test(test_dns_counts_past_the_end_are_einval),
		cmocka_unit_test(test_dns_address_rdlength_mismatch_is_einval),
		cmocka_unit_test(test_dns_cname_target_must_fill_rdata),
		cmocka_unit_test(test_dns_pointer_loops_and_forward_pointers_are_einval),
		cmocka_unit_test(test_dns_sixteen_pointers_per_name_and_no_more),
		cmocka_unit_test(test_dns_label_and_name_length_limits),
		cmocka_unit_test(test_dns_non_hostname_label_bytes_are_einval),
		cmocka_unit_test(test_dns_records_in_any_order_and_case_are_matched),
		cmocka_unit_test(test_dns_cname_chain_of_eight_hops_is_followed_nine_is_not),
		cmocka_unit_test(test_dns_cname_loop_ends_without_answer),
		cmocka_unit_test(test_dns_cname_not_starting_at_question_is_ignored),
		cmocka_unit_test(test_dns_addresses_beyond_sixteen_are_dropped_and_repeats_merged),
		cmocka_unit_test(test_dns_only_sixty_four_answer_records_are_examined),
		cmocka_unit_test(test_dns_meta_query_gives_header_and_question),
		cmocka_unit_test(test_dns_meta_lists_every_answer_with_its_names),
		cmocka_unit_test(test_dns_meta_caps_answers_and_names),
		cmocka_unit_test(test_dns_meta_malformed_is_einval),
		cmocka_unit_test(test_dns_fuzzed_responses_never_overread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
