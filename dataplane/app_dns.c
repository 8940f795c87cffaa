/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS response parsing for FQDN policy: which addresses a resolver was just told a
 * hostname has, so that later flows to those addresses can be matched against FQDN
 * groups; and any DNS message read for a dns event (app_dns_parse_meta). Message format
 * of RFC 1035 4.1 (header, question, resource records), name compression of RFC 1035
 * 4.1.4, AAAA of RFC 3596, CNAME semantics of RFC 1034 3.6.2 and TTL handling of RFC
 * 2181 8.
 *
 * The answer section is walked once: every record is checked for shape, and the A, AAAA
 * and CNAME records of class IN are noted by offset with a hash of their owner name.
 * The chain is then followed from the question name without copying names around:
 *
 *   question  www.example.com
 *                |  CNAME (ttl 3600)         owner == current name?  hash first, then
 *                v                           the decoded name
 *             cdn.example.net
 *                |  CNAME (ttl 120)
 *                v
 *             edge.cdn.example.net  --A-->  198.51.100.7 (ttl 30) => kept with min 30
 *
 * Decompression only accepts pointers into the message body that go strictly back from
 * where the current run of labels started, so positions decrease at every jump and a
 * loop is impossible; the pointer count cap bounds the work on top of that.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "app_dns.h"

#define DNS_HDR_LEN		12
#define DNS_MSG_MAX		65535u
#define DNS_QUESTION_MIN	5	/* root name, QTYPE, QCLASS */
#define DNS_RR_MIN		11	/* root name, TYPE, CLASS, TTL, RDLENGTH */
#define DNS_RR_FIXED		10
#define DNS_LABEL_MAX		63
#define DNS_NAME_MAX		(APP_DNS_NAME_LEN - 1)

#define DNS_FLAG_QR		0x8000
#define DNS_OPCODE(f)		(((f) >> 11) & 0x0f)
#define DNS_RCODE(f)		((f) & 0x0f)

#define DNS_CLASS_IN		1
#define DNS_TYPE_A		1
#define DNS_TYPE_NS		2
#define DNS_TYPE_CNAME		5
#define DNS_TYPE_PTR		12
#define DNS_TYPE_MX		15
#define DNS_TYPE_AAAA		28

/* An answer record worth a second look: class IN, type A, AAAA or CNAME. */
struct dns_rr {
	uint32_t owner;		/* offset of the owner name */
	uint32_t rdata;		/* offset of RDATA */
	uint32_t hash;		/* of the decoded, lower-cased owner name */
	uint32_t ttl;		/* already clamped */
	uint16_t type;
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline bool
host_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static inline uint32_t
name_hash(const char *s, int n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	int i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

/* RFC 2181 8: a TTL with the most significant bit set is treated as zero. */
static inline uint32_t
ttl_clamp(uint32_t ttl)
{
	if (ttl & 0x80000000u)
		return 0;
	return ttl > APP_DNS_TTL_MAX ? APP_DNS_TTL_MAX : ttl;
}

/*
 * Decode the name at p[off] into buf (APP_DNS_NAME_LEN bytes: lower case, dot separated,
 * no trailing dot, NUL terminated). *next gets the offset just past the name as it sits
 * at off (past its first pointer if it has one). Returns the name's length or -EINVAL;
 * buf is unspecified on error.
 */
static int
dns_name(const uint8_t *p, uint32_t len, uint32_t off, char *buf, uint32_t *next)
{
	uint32_t pos = off, run = off, end = 0, n = 0;
	unsigned int ptrs = 0;
	bool jumped = false;

	for (;;) {
		uint32_t b, i;

		if (pos >= len)
			return -EINVAL;
		b = p[pos];
		if (b == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			uint32_t target;

			if (pos + 1 >= len)
				return -EINVAL;
			target = ((b & 0x3f) << 8) | p[pos + 1];
			if (target < DNS_HDR_LEN || target >= run || ++ptrs > APP_DNS_MAX_POINTERS)
				return -EINVAL;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = target;
			run = target;
			continue;
		}
		if (b > DNS_LABEL_MAX)	/* 0x40 and 0x80: extended / reserved label types */
			return -EINVAL;
		if (pos + 1 + b > len || n + (n > 0) + b > DNS_NAME_MAX)
			return -EINVAL;
		if (n > 0)
			buf[n++] = '.';
		for (i = 0; i < b; i++) {
			uint8_t c = p[pos + 1 + i];

			if (!host_byte(c))
				return -EINVAL;
			buf[n++] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
		}
		pos += 1 + b;
	}
	buf[n] = '\0';
	*next = end;
	return (int)n;
}

/* Add an address unless it is there already (then keep the smaller TTL). */
static void
add_answer(struct app_dns_result *out, uint8_t family, const uint8_t *addr, uint32_t alen,
	   uint32_t ttl)
{
	struct app_dns_answer a;
	uint16_t i;

	memset(&a, 0, sizeof(a));
	a.family = family;
	memcpy(a.addr, addr, alen);
	a.ttl = ttl;
	for (i = 0; i < out->n; i++) {
		if (out->a[i].family == family && memcmp(out->a[i].addr, a.addr, 16) == 0) {
			if (ttl < out->a[i].ttl)
				out->a[i].ttl = ttl;
			return;
		}
	}
	if (out->n < APP_DNS_MAX_ANSWERS)
		out->a[out->n++] = a;
}

int
app_dns_parse_response(const uint8_t *p, uint32_t len, struct app_dns_result *out)
{
	struct dns_rr rrs[APP_DNS_MAX_RRS];
	char cur[APP_DNS_NAME_LEN], tmp[APP_DNS_NAME_LEN];
	uint16_t flags, qdcount, ancount, qclass;
	uint32_t pos, nrr = 0, i, hop, chain_ttl, cur_hash;
	int rc, cur_len;

	out->qname[0] = '\0';
	out->n = 0;
	if (p == NULL || len < DNS_HDR_LEN || len > DNS_MSG_MAX)
		return -EINVAL;
	flags = rd16(p + 2);
	qdcount = rd16(p + 4);
	ancount = rd16(p + 6);
	if (DNS_HDR_LEN + (uint64_t)qdcount * DNS_QUESTION_MIN + (uint64_t)ancount * DNS_RR_MIN >
	    len)
		return -EINVAL;
	if (qdcount != 1)
		return -ENOENT;

	cur_len = dns_name(p, len, DNS_HDR_LEN, cur, &pos);
	if (cur_len < 0)
		return cur_len;
	if (pos + 4 > len)
		return -EINVAL;
	memcpy(out->qname, cur, (size_t)cur_len + 1);
	qclass = rd16(p + pos + 2);
	pos += 4;

	for (i = 0; i < ancount && i < APP_DNS_MAX_RRS; i++) {
		uint32_t owner = pos, rdata, ttl, end;
		uint16_t type, rclass, rdlen;

		rc = dns_name(p, len, pos, tmp, &pos);
		if (rc < 0)
			return rc;
		if (pos + DNS_RR_FIXED > len)
			return -EINVAL;
		type = rd16(p + pos);
		rclass = rd16(p + pos + 2);
		ttl = rd32(p + pos + 4);
		rdlen = rd16(p + pos + 8);
		rdata = pos + DNS_RR_FIXED;
		if (rdata + rdlen > len)
			return -EINVAL;
		pos = rdata + rdlen;
		if (rclass != DNS_CLASS_IN)
			continue;
		if (type == DNS_TYPE_A && rdlen != 4)
			return -EINVAL;
		if (type == DNS_TYPE_AAAA && rdlen != 16)
			return -EINVAL;
		if (type == DNS_TYPE_CNAME) {
			char target[APP_DNS_NAME_LEN];

			if (dns_name(p, len, rdata, target, &end) < 0 || end != pos)
				return -EINVAL;
		} else if (type != DNS_TYPE_A && type != DNS_TYPE_AAAA) {
			continue;
		}
		rrs[nrr].owner = owner;
		rrs[nrr].rdata = rdata;
		rrs[nrr].hash = name_hash(tmp, rc);
		rrs[nrr].ttl = ttl_clamp(ttl);
		rrs[nrr].type = type;
		nrr++;
	}

	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0 || DNS_RCODE(flags) != 0 ||
	    qclass != DNS_CLASS_IN)
		return -ENOENT;

	/* Follow the chain from the question name; names were all validated above. */
	chain_ttl = APP_DNS_TTL_MAX;
	cur_hash = name_hash(cur, cur_len);
	for (hop = 0;; hop++) {
		const struct dns_rr *cname = NULL;

		for (i = 0; i < nrr; i++) {
			const struct dns_rr *r = &rrs[i];
			uint32_t skip;
			uint32_t ttl;

			if (r->hash != cur_hash ||
			    dns_name(p, len, r->owner, tmp, &skip) != cur_len ||
			    memcmp(tmp, cur, (size_t)cur_len) != 0)
				continue;
			ttl = r->ttl < chain_ttl ? r->ttl : chain_ttl;
			if (r->type == DNS_TYPE_A)
				add_answer(out, AF_INET, p + r->rdata, 4, ttl);
			else if (r->type == DNS_TYPE_AAAA)
				add_answer(out, AF_INET6, p + r->rdata, 16, ttl);
			else if (cname == NULL)
				cname = r;
		}
		if (cname == NULL || hop == APP_DNS_MAX_CNAME_HOPS)
			break;
		if (cname->ttl < chain_ttl)
			chain_ttl = cname->ttl;
		cur_len = dns_name(p, len, cname->rdata, cur, &pos);
		if (cur_len < 0) {
			out->n = 0;	/* not reached: every CNAME target was validated */
			return -EINVAL;
		}
		cur_hash = name_hash(cur, cur_len);
	}
	return out->n > 0 ? 0 : -ENOENT;
}

/* ---- any message, for dns events ---- */

/* APP_META_DNS_QNAME for the question name, else the offset of name (len n) in
 * out->names, added if new; -ENOSPC when it does not fit. */
static int
meta_name(struct app_dns_meta *out, uint16_t *used, const char *name, int n)
{
	uint16_t off = 0;

	if (strcmp(name, out->rrname) == 0)
		return APP_META_DNS_QNAME;
	while (off < *used) {
		size_t l = strlen(out->names + off);

		if ((int)l == n && memcmp(out->names + off, name, (size_t)n) == 0)
			return off;
		off = (uint16_t)(off + l + 1);
	}
	if ((size_t)*used + (size_t)n + 1 > sizeof(out->names))
		return -ENOSPC;
	memcpy(out->names + *used, name, (size_t)n + 1);
	*used = (uint16_t)(*used + n + 1);
	return off;
}

/* The rdata name of a CNAME/NS/PTR (at rdata) or MX (after its preference), checked to
 * fill the rdata exactly: as meta_name, or -EINVAL. */
static int
meta_rdata_name(const uint8_t *p, uint32_t len, uint32_t rdata, uint32_t end, uint16_t type,
		struct app_dns_meta *out, uint16_t *used)
{
	char name[APP_DNS_NAME_LEN];
	uint32_t at = rdata + (type == DNS_TYPE_MX ? 2 : 0), next;
	int n;

	if (at > end)
		return -EINVAL;
	n = dns_name(p, len, at, name, &next);
	if (n < 0 || next != end)
		return -EINVAL;
	return meta_name(out, used, name, n);
}

int
app_dns_parse_meta(const uint8_t *p, uint32_t len, struct app_dns_meta *out)
{
	char owner[APP_DNS_NAME_LEN];
	uint16_t qdcount, used = 0;
	uint32_t pos = DNS_HDR_LEN, i;
	int listing = 1, rc;

	out->id = out->flags = out->rrtype = out->ancount = 0;
	out->has_question = out->n = 0;
	out->rrname[0] = '\0';
	if (p == NULL || len < DNS_HDR_LEN || len > DNS_MSG_MAX)
		return -EINVAL;
	out->id = rd16(p);
	out->flags = rd16(p + 2);
	qdcount = rd16(p + 4);
	out->ancount = rd16(p + 6);
	if (DNS_HDR_LEN + (uint64_t)qdcount * DNS_QUESTION_MIN +
	    (uint64_t)out->ancount * DNS_RR_MIN > len)
		return -EINVAL;
	for (i = 0; i < qdcount; i++) {
		char q[APP_DNS_NAME_LEN];

		rc = dns_name(p, len, pos, q, &pos);
		if (rc < 0)
			return rc;
		if (pos + 4 > len)
			return -EINVAL;
		if (i == 0) {
			memcpy(out->rrname, q, (size_t)rc + 1);
			out->rrtype = rd16(p + pos);
			out->has_question = 1;
		}
		pos += 4;
	}
	for (i = 0; i < out->ancount && i < APP_DNS_MAX_RRS; i++) {
		struct app_dns_answer_meta *a = &out->a[out->n];
		uint16_t type, rclass, rdlen;
		uint32_t rdata, ttl;
		int n;

		n = dns_name(p, len, pos, owner, &pos);
		if (n < 0)
			return n;
		if (pos + DNS_RR_FIXED > len)
			return -EINVAL;
		type = rd16(p + pos);
		rclass = rd16(p + pos + 2);
		ttl = rd32(p + pos + 4);
		rdlen = rd16(p + pos + 8);
		rdata = pos + DNS_RR_FIXED;
		if (rdata + rdlen > len)
			return -EINVAL;
		pos = rdata + rdlen;
		if ((type == DNS_TYPE_A && rdlen != 4) || (type == DNS_TYPE_AAAA && rdlen != 16))
			return -EINVAL;
		if (rclass != DNS_CLASS_IN || !listing || out->n == APP_META_DNS_ANSWERS)
			continue;
		memset(a, 0, sizeof(*a));
		a->type = type;
		a->ttl = ttl;
		a->rdata = APP_META_DNS_NO_NAME;
		rc = meta_name(out, &used, owner, n);
		if (rc == -ENOSPC) {
			listing = 0;
			continue;
		}
		a->owner = (uint16_t)rc;
		if (type == DNS_TYPE_A || type == DNS_TYPE_AAAA) {
			a->family = type == DNS_TYPE_A ? 4 : 6;
			memcpy(a->addr, p + rdata, rdlen);
		} else if (type == DNS_TYPE_CNAME || type == DNS_TYPE_NS || type == DNS_TYPE_PTR ||
			   type == DNS_TYPE_MX) {
			rc = meta_rdata_name(p, len, rdata, pos, type, out, &used);
			if (rc == -EINVAL)
				return rc;
			if (rc == -ENOSPC) {
				listing = 0;
				continue;
			}
			a->rdata = (uint16_t)rc;
		}
		out->n++;
	}
	return 0;
}
