/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server Name Indication from a TLS ClientHello, for FQDN policy on TLS flows; for tls
 * events, the whole ClientHello (its JA3 string) and the version a ServerHello settles on.
 * JA3 is Salesforce's TLS client fingerprint (github.com/salesforce/ja3); GREASE values
 * are those of RFC 8701. Record
 * layer of RFC 8446 5.1 (also RFC 5246 6.2.1 and RFC 6101 5.2 for the older versions),
 * ClientHello of RFC 8446 4.1.2 (same layout since SSLv3, extensions per RFC 5246 7.4.1.2),
 * server_name extension of RFC 6066 3.
 *
 * A ClientHello may be fragmented over several handshake records (RFC 8446 5.1 allows
 * any split, the 4-byte handshake header included). Rather than copying the fragments
 * together, a cursor reads the handshake bytes in place and steps over each record
 * header it meets:
 *
 *   p:  [hdr 5][ handshake bytes ... ][hdr 5][ ... more handshake bytes ... ]...
 *              <------ rec_left ----->        <---------- rec_left --------->
 *   cursor:    <========== ClientHello body, msg_left bytes, read in order =========>
 *
 * Each structure's length is checked against its enclosing one before it is read, so
 * running out of message is -EINVAL while running out of bytes at p is -EAGAIN: a
 * prefix of a valid ClientHello is never called malformed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app_tls.h"

#define TLS_RECORD_HDR		5
#define TLS_CT_HANDSHAKE	22
#define TLS_HS_CLIENT_HELLO	1
#define TLS_HS_SERVER_HELLO	2
#define TLS_EXT_GROUPS		10
#define TLS_EXT_POINT_FORMATS	11
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_HS_HDR		4
#define TLS_RANDOM_LEN		32
#define TLS_SESSION_ID_MAX	32
#define TLS_EXT_SERVER_NAME	0
#define TLS_SNI_HOST_NAME	0
#define HOST_MAX		253
#define LABEL_MAX		63

struct hs_cur {
	const uint8_t *p;
	uint32_t len;
	uint32_t pos;		/* next byte of p */
	uint32_t rec_left;	/* handshake bytes left in the current record */
	uint32_t msg_left;	/* bytes left in the structure being read (the message) */
};

/* The record header bytes that are there must be right; -EAGAIN when some are missing. */
static int
record_header(struct hs_cur *c)
{
	uint32_t avail = c->len - c->pos;
	const uint8_t *h;
	uint32_t rlen;

	if (avail == 0)
		return -EAGAIN;
	h = c->p + c->pos;
	if (h[0] != TLS_CT_HANDSHAKE)
		return -EINVAL;
	if (avail >= 2 && h[1] != 0x03)
		return -EINVAL;
	if (avail >= 3 && h[2] > 0x04)
		return -EINVAL;
	if (avail < TLS_RECORD_HDR)
		return -EAGAIN;
	rlen = ((uint32_t)h[3] << 8) | h[4];
	if (rlen == 0 || rlen > APP_TLS_MAX_RECORD)
		return -EINVAL;
	c->pos += TLS_RECORD_HDR;
	c->rec_left = rlen;
	return 0;
}

/* Consume n bytes of the message, copying them to out unless it is NULL. */
static int
cur_read(struct hs_cur *c, uint8_t *out, uint32_t n)
{
	if (n > c->msg_left)
		return -EINVAL;
	while (n > 0) {
		uint32_t chunk;

		if (c->rec_left == 0) {
			int rc = record_header(c);

			if (rc < 0)
				return rc;
		}
		if (c->pos >= c->len)
			return -EAGAIN;
		chunk = n;
		if (chunk > c->rec_left)
			chunk = c->rec_left;
		if (chunk > c->len - c->pos)
			chunk = c->len - c->pos;
		if (out != NULL) {
			memcpy(out, c->p + c->pos, chunk);
			out += chunk;
		}
		c->pos += chunk;
		c->rec_left -= chunk;
		c->msg_left -= chunk;
		n -= chunk;
	}
	return 0;
}

static int
cur_u8(struct hs_cur *c, uint32_t *v)
{
	uint8_t b;
	int rc = cur_read(c, &b, 1);

	if (rc == 0)
		*v = b;
	return rc;
}

static int
cur_u16(struct hs_cur *c, uint32_t *v)
{
	uint8_t b[2];
	int rc = cur_read(c, b, 2);

	if (rc == 0)
		*v = ((uint32_t)b[0] << 8) | b[1];
	return rc;
}

static int
cur_u24(struct hs_cur *c, uint32_t *v)
{
	uint8_t b[3];
	int rc = cur_read(c, b, 3);

	if (rc == 0)
		*v = ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2];
	return rc;
}

/* Validate and normalise a HostName (RFC 6066 3: ASCII, no trailing dot; one tolerated). */
static int
host_name(const uint8_t *h, uint32_t n, char *name, size_t namelen)
{
	char buf[HOST_MAX + 1];
	uint32_t i, label = 0;

	if (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0 || n > HOST_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint8_t c = h[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A'));
		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '_') {
			if (++label > LABEL_MAX)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		buf[i] = (char)c;
	}
	if (label == 0)	/* "a.." once the trailing dot is gone */
		return -EINVAL;
	if (namelen < (size_t)n + 1)
		return -ENOSPC;
	memcpy(name, buf, n);
	name[n] = '\0';
	return 0;
}

/* The server_name extension body, elen bytes (msg_left is narrowed to it). */
static int
server_name_ext(struct hs_cur *c, uint32_t elen, char *name, size_t namelen)
{
	uint8_t host[HOST_MAX + 1];
	uint32_t list, type, nlen;
	int rc;

	c->msg_left = elen;
	rc = cur_u16(c, &list);
	if (rc < 0)
		return rc;
	if (list != c->msg_left || list == 0)
		return -EINVAL;
	while (c->msg_left > 0) {
		if ((rc = cur_u8(c, &type)) < 0 || (rc = cur_u16(c, &nlen)) < 0)
			return rc;
		if (nlen > c->msg_left)
			return -EINVAL;
		if (type != TLS_SNI_HOST_NAME) {
			rc = cur_read(c, NULL, nlen);
			if (rc < 0)
				return rc;
			continue;
		}
		if (nlen == 0 || nlen > sizeof(host))
			return -EINVAL;
		rc = cur_read(c, host, nlen);
		if (rc < 0)
			return rc;
		return host_name(host, nlen, name, namelen);
	}
	return -ENOENT;
}

int
app_tls_sni(const uint8_t *p, uint32_t len, char *name, size_t namelen)
{
	struct hs_cur c = { .p = p, .len = len, .msg_left = TLS_HS_HDR };
	uint32_t v, hs_len, ext_len;
	int rc;

	if (p == NULL && len > 0)
		return -EINVAL;
	if (name == NULL)
		namelen = 0;
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v != TLS_HS_CLIENT_HELLO)
		return -EINVAL;
	if ((rc = cur_u24(&c, &hs_len)) < 0)
		return rc;
	if (hs_len + TLS_HS_HDR > APP_TLS_MAX_HANDSHAKE)
		return -EINVAL;
	c.msg_left = hs_len;

	/* legacy_version: 3.x (RFC 8446 4.1.2 sends 3.3; SSLv3 sent 3.0) */
	if ((rc = cur_u16(&c, &v)) < 0)
		return rc;
	if ((v >> 8) != 0x03)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, TLS_RANDOM_LEN)) < 0)
		return rc;
	/* legacy_session_id<0..32> */
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v > TLS_SESSION_ID_MAX)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v)) < 0)
		return rc;
	/* cipher_suites<2..2^16-2>, two bytes each */
	if ((rc = cur_u16(&c, &v)) < 0)
		return rc;
	if (v < 2 || (v & 1) != 0)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v)) < 0)
		return rc;
	/* legacy_compression_methods<1..2^8-1> */
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v < 1)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v)) < 0)
		return rc;
	/* Extensions are optional before TLS 1.3 (RFC 5246 7.4.1.2). */
	if (c.msg_left == 0)
		return -ENOENT;
	if ((rc = cur_u16(&c, &ext_len)) < 0)
		return rc;
	if (ext_len != c.msg_left)
		return -EINVAL;
	while (c.msg_left > 0) {
		uint32_t type, elen;

		if ((rc = cur_u16(&c, &type)) < 0 || (rc = cur_u16(&c, &elen)) < 0)
			return rc;
		if (elen > c.msg_left)
			return -EINVAL;
		if (type == TLS_EXT_SERVER_NAME)
			return server_name_ext(&c, elen, name, namelen);
		if ((rc = cur_read(&c, NULL, elen)) < 0)
			return rc;
	}
	return -ENOENT;
}

bool
app_tls_is_client_hello(const uint8_t *p, uint32_t len)
{
	uint32_t rlen;

	if (p == NULL || len < TLS_RECORD_HDR + 1)
		return false;
	rlen = ((uint32_t)p[3] << 8) | p[4];
	return p[0] == TLS_CT_HANDSHAKE && p[1] == 0x03 && p[2] <= 0x04 && rlen >= 1 &&
	       rlen <= APP_TLS_MAX_RECORD && p[5] == TLS_HS_CLIENT_HELLO;
}

/* ---- the whole ClientHello (tls events) ---- */

/* A value list being written as JA3 does: decimal, '-' between values. */
struct ja3_list {
	char *buf;
	size_t size;
	size_t len;
	int full;		/* something did not fit */
};

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa; skipped by JA3. */
static bool
tls_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void
ja3_add(struct ja3_list *l, uint32_t v)
{
	int n;

	if (tls_grease(v) || l->full)
		return;
	n = snprintf(l->buf + l->len, l->size - l->len, "%s%u", l->len ? "-" : "", v);
	if (n < 0 || (size_t)n >= l->size - l->len) {
		l->full = 1;
		return;
	}
	l->len += (size_t)n;
}

/* A list of n values of width bytes each (1 or 2) into l. */
static int
ja3_values(struct hs_cur *c, uint32_t n, uint32_t width, struct ja3_list *l)
{
	uint32_t v;
	int rc;

	for (; n > 0; n--) {
		rc = width == 2 ? cur_u16(c, &v) : cur_u8(c, &v);
		if (rc < 0)
			return rc;
		ja3_add(l, v);
	}
	return 0;
}

/* supported_groups (a u16 list) or ec_point_formats (a u8 list), elen bytes. */
static int
ja3_ext_list(struct hs_cur *c, uint32_t elen, uint32_t width, struct ja3_list *l)
{
	uint32_t n;
	int rc;

	rc = width == 2 ? cur_u16(c, &n) : cur_u8(c, &n);
	if (rc < 0)
		return rc;
	if (n + width != elen || n % width != 0)
		return -EINVAL;
	return ja3_values(c, n / width, width, l);
}

/* The server_name extension for a tls event: a bad host name leaves sni empty. */
static int
hello_sni(struct hs_cur *c, uint32_t elen, struct app_tls_meta *out)
{
	uint32_t outer = c->msg_left - elen;
	int rc = server_name_ext(c, elen, out->sni, sizeof(out->sni));

	if (rc == -EAGAIN)
		return rc;
	if (rc != 0)
		out->sni[0] = '\0';	/* no usable name; the extension's bounds still hold */
	/* server_name_ext narrowed msg_left to the extension: skip what it left unread */
	rc = cur_read(c, NULL, c->msg_left);
	if (rc < 0)
		return rc;
	c->msg_left = outer;
	return 0;
}

int
app_tls_client_hello(const uint8_t *p, uint32_t len, struct app_tls_meta *out)
{
	struct hs_cur c = { .p = p, .len = len, .msg_left = TLS_HS_HDR };
	char ciphers[APP_META_JA3_LEN], exts[APP_META_JA3_LEN], groups[APP_META_JA3_LEN];
	char formats[64];
	struct ja3_list lc = { ciphers, sizeof(ciphers), 0, 0 };
	struct ja3_list le = { exts, sizeof(exts), 0, 0 };
	struct ja3_list lg = { groups, sizeof(groups), 0, 0 };
	struct ja3_list lf = { formats, sizeof(formats), 0, 0 };
	uint32_t v, hs_len, ext_len, version;
	int rc, n;

	memset(out, 0, sizeof(*out));
	ciphers[0] = exts[0] = groups[0] = formats[0] = '\0';
	if (p == NULL && len > 0)
		return -EINVAL;
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v != TLS_HS_CLIENT_HELLO)
		return -EINVAL;
	if ((rc = cur_u24(&c, &hs_len)) < 0)
		return rc;
	if (hs_len + TLS_HS_HDR > APP_TLS_MAX_HANDSHAKE)
		return -EINVAL;
	c.msg_left = hs_len;
	if ((rc = cur_u16(&c, &version)) < 0)
		return rc;
	if ((version >> 8) != 0x03)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, TLS_RANDOM_LEN)) < 0)
		return rc;
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v > TLS_SESSION_ID_MAX)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v)) < 0)
		return rc;
	if ((rc = cur_u16(&c, &v)) < 0)
		return rc;
	if (v < 2 || (v & 1) != 0)
		return -EINVAL;
	if ((rc = ja3_values(&c, v / 2, 2, &lc)) < 0)
		return rc;
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v < 1)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v)) < 0)
		return rc;
	if (c.msg_left > 0) {
		if ((rc = cur_u16(&c, &ext_len)) < 0)
			return rc;
		if (ext_len != c.msg_left)
			return -EINVAL;
	}
	while (c.msg_left > 0) {
		uint32_t type, elen, outer;

		if ((rc = cur_u16(&c, &type)) < 0 || (rc = cur_u16(&c, &elen)) < 0)
			return rc;
		if (elen > c.msg_left)
			return -EINVAL;
		ja3_add(&le, type);
		outer = c.msg_left - elen;
		if (type == TLS_EXT_SERVER_NAME)
			rc = hello_sni(&c, elen, out);
		else if (type == TLS_EXT_GROUPS)
			rc = ja3_ext_list(&c, elen, 2, &lg);
		else if (type == TLS_EXT_POINT_FORMATS)
			rc = ja3_ext_list(&c, elen, 1, &lf);
		else
			rc = cur_read(&c, NULL, elen);
		if (rc < 0)
			return rc;
		if (c.msg_left != outer)
			return -EINVAL;
	}
	if (lc.full || le.full || lg.full || lf.full)
		return 0;		/* too long for a JA3 string: left out */
	n = snprintf(out->ja3, sizeof(out->ja3), "%u,%s,%s,%s,%s", version, ciphers, exts,
		     groups, formats);
	if (n < 0 || (size_t)n >= sizeof(out->ja3))
		out->ja3[0] = '\0';
	return 0;
}

int
app_tls_server_version(const uint8_t *p, uint32_t len, uint16_t *version)
{
	struct hs_cur c = { .p = p, .len = len, .msg_left = TLS_HS_HDR };
	uint32_t v, hs_len, legacy;
	int rc;

	if (p == NULL && len > 0)
		return -EINVAL;
	if ((rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v != TLS_HS_SERVER_HELLO)
		return -EINVAL;
	if ((rc = cur_u24(&c, &hs_len)) < 0)
		return rc;
	if (hs_len + TLS_HS_HDR > APP_TLS_MAX_HANDSHAKE)
		return -EINVAL;
	c.msg_left = hs_len;
	if ((rc = cur_u16(&c, &legacy)) < 0)
		return rc;
	if ((legacy >> 8) != 0x03)
		return -EINVAL;
	/* random, legacy_session_id_echo, cipher_suite, legacy_compression_method */
	if ((rc = cur_read(&c, NULL, TLS_RANDOM_LEN)) < 0 || (rc = cur_u8(&c, &v)) < 0)
		return rc;
	if (v > TLS_SESSION_ID_MAX)
		return -EINVAL;
	if ((rc = cur_read(&c, NULL, v + 3)) < 0)
		return rc;
	if (c.msg_left > 0) {
		uint32_t ext_len;

		if ((rc = cur_u16(&c, &ext_len)) < 0)
			return rc;
		if (ext_len != c.msg_left)
			return -EINVAL;
	}
	while (c.msg_left > 0) {
		uint32_t type, elen;

		if ((rc = cur_u16(&c, &type)) < 0 || (rc = cur_u16(&c, &elen)) < 0)
			return rc;
		if (elen > c.msg_left)
			return -EINVAL;
		if (type == TLS_EXT_SUPPORTED_VERSIONS) {
			if (elen != 2)
				return -EINVAL;
			if ((rc = cur_u16(&c, &v)) < 0)
				return rc;
			*version = (uint16_t)v;
			return 0;
		}
		if ((rc = cur_read(&c, NULL, elen)) < 0)
			return rc;
	}
	*version = (uint16_t)legacy;
	return 0;
}
