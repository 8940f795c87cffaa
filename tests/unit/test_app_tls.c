/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the ClientHello server_name parser (dataplane/app_tls.c; RFC 8446 4.1.2,
 * RFC 6066 3). The real-world hellos below were captured from `openssl s_client
 * -servername api.partner.example` (OpenSSL 3.0, TLS 1.3 offer), from curl 7/8 against
 * https://API.Partner.Example/ and from `openssl s_client -noservername -tls1_2`, each
 * received by a Python socket listener on 127.0.0.1. Others are assembled by hand. Every
 * parse goes through an exactly-sized heap copy so ASan catches any read past the end;
 * every prefix and every record split is checked, and a seeded mutation loop runs last.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_tls.h"

#define BUF_MAX 40000

/* The SNI host_name of ch_openssl and ch_curl ends at this offset (record header included). */
#define CAPTURED_SNI_END 172

/* openssl s_client -connect 127.0.0.1:PORT -servername api.partner.example */
static const uint8_t ch_openssl[325] = {
	0x16, 0x03, 0x01, 0x01, 0x40, 0x01, 0x00, 0x01, 0x3c, 0x03, 0x03, 0x87,
	0x31, 0x7d, 0xb1, 0x4f, 0x0b, 0xde, 0xbb, 0x2f, 0x2b, 0x0f, 0x0c, 0xcc,
	0x21, 0x39, 0x6c, 0x1a, 0xda, 0x67, 0x52, 0xf6, 0x6c, 0x99, 0x65, 0x59,
	0x7c, 0x14, 0x40, 0x81, 0x63, 0x72, 0xd9, 0x20, 0x59, 0x4b, 0x4b, 0x89,
	0xf3, 0x70, 0x0e, 0xa6, 0xcd, 0x74, 0xaf, 0x8c, 0x6e, 0x33, 0x13, 0x0c,
	0xa7, 0xa6, 0xeb, 0xab, 0xf0, 0x6a, 0xe8, 0xd3, 0xe0, 0x72, 0x41, 0xe2,
	0x87, 0x73, 0xfd, 0x5a, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xb5,
	0x00, 0x00, 0x00, 0x18, 0x00, 0x16, 0x00, 0x00, 0x13, 0x61, 0x70, 0x69,
	0x2e, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72, 0x2e, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
	0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e,
	0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03,
	0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17,
	0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03,
	0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b,
	0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
	0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
	0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03,
	0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00,
	0x24, 0x00, 0x1d, 0x00, 0x20, 0x4d, 0xc3, 0x35, 0xf0, 0xf2, 0xa9, 0x73,
	0xf9, 0x61, 0x68, 0x0a, 0x72, 0x35, 0x65, 0x79, 0x4a, 0xb9, 0xba, 0xb2,
	0x40, 0x0a, 0xe9, 0x0b, 0x6f, 0xeb, 0xd5, 0x3f, 0x4a, 0x00, 0x1a, 0x1e,
	0x7d,
};

/* curl https://API.Partner.Example/ (curl lower-cases the name) */
static const uint8_t ch_curl[517] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x2f,
	0x18, 0x46, 0x6f, 0xcb, 0x55, 0xcb, 0x95, 0xb6, 0x61, 0x11, 0x45, 0x24,
	0xa8, 0x77, 0x7f, 0x19, 0xa6, 0x86, 0xd6, 0xc5, 0xfc, 0x08, 0x86, 0x3f,
	0xb8, 0x18, 0xe8, 0x13, 0x7d, 0x46, 0xfb, 0x20, 0x3a, 0xe6, 0x4b, 0xcc,
	0x01, 0x1a, 0x78, 0x49, 0x44, 0x25, 0x9c, 0xe0, 0x2c, 0x10, 0x3b, 0xe0,
	0x4e, 0x07, 0x42, 0xc2, 0x0a, 0xa1, 0x35, 0xab, 0x8f, 0xc1, 0x2e, 0x39,
	0x3b, 0x50, 0xf3, 0xc9, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x01, 0x75,
	0x00, 0x00, 0x00, 0x18, 0x00, 0x16, 0x00, 0x00, 0x13, 0x61, 0x70, 0x69,
	0x2e, 0x70, 0x61, 0x72, 0x74, 0x6e, 0x65, 0x72, 0x2e, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
	0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e,
	0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03,
	0x01, 0x04, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08,
	0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00,
	0x00, 0x17, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a,
	0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08,
	0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06,
	0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02,
	0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03,
	0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01,
	0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x17,
	0x8e, 0xb1, 0x64, 0x0d, 0x82, 0xf6, 0xb9, 0x70, 0xca, 0x71, 0x69, 0xf4,
	0x6d, 0x98, 0xe7, 0x6c, 0x16, 0xf4, 0xce, 0x2c, 0x2a, 0x6c, 0xf9, 0xa9,
	0x49, 0x25, 0xb0, 0x8a, 0x90, 0xaf, 0x37, 0x00, 0x15, 0x00, 0xaa, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};

/* openssl s_client -connect 127.0.0.1:PORT -noservername -tls1_2 */
static const uint8_t ch_openssl_nosni[188] = {
	0x16, 0x03, 0x01, 0x00, 0xb7, 0x01, 0x00, 0x00, 0xb3, 0x03, 0x03, 0x6b,
	0xe0, 0xfc, 0x39, 0x7b, 0xd4, 0xfd, 0xc3, 0x3a, 0x2d, 0x37, 0x61, 0x55,
	0x85, 0x0e, 0x53, 0xdc, 0x85, 0x27, 0xb3, 0x73, 0x4e, 0x30, 0x87, 0xa6,
	0xe6, 0xed, 0x3b, 0xba, 0x60, 0xf6, 0xa2, 0x00, 0x00, 0x38, 0xc0, 0x2c,
	0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23,
	0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09,
	0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
	0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x52, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a,
	0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
};


/* ---- helpers ------------------------------------------------------------------------- */

/* app_tls_sni over an exactly-sized heap copy of b[0..len). */
static int
sni(const uint8_t *b, uint32_t len, char *name, size_t namelen)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	rc = app_tls_sni(copy, len, name, namelen);
	free(copy);
	return rc;
}

static bool
is_client_hello(const uint8_t *b, uint32_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	bool r;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	r = app_tls_is_client_hello(copy, len);
	free(copy);
	return r;
}

/*
 * Re-frame the handshake bytes hs[0..hslen) as handshake records of at most frag bytes
 * each, record version 3.minor. Returns the stream length.
 */
static uint32_t
frame(const uint8_t *hs, uint32_t hslen, uint32_t frag, uint8_t minor, uint8_t *out)
{
	uint32_t off = 0, n = 0;

	while (off < hslen) {
		uint32_t k = hslen - off < frag ? hslen - off : frag;

		assert_true(n + 5 + k <= BUF_MAX);
		out[n++] = 0x16;
		out[n++] = 0x03;
		out[n++] = minor;
		out[n++] = (uint8_t)(k >> 8);
		out[n++] = (uint8_t)k;
		memcpy(out + n, hs + off, k);
		n += k;
		off += k;
	}
	return n;
}

/* Stream offset just past handshake byte h (0-based) once framed by frag. */
static uint32_t
framed_end(uint32_t h, uint32_t frag)
{
	return h + 1 + 5 * (h / frag + 1);
}

/*
 * A hand-made ClientHello handshake message (header included): TLS 1.2 version, zero
 * random, no session id, two cipher suites, null compression, then supported_groups, the
 * server_name extension carrying the raw host bytes (when host is not NULL) and
 * ec_point_formats. Layout of the offsets the malformation tests poke at:
 *   0 type, 1..3 length, 4..5 version, 38 session id length, 39..40 suites length,
 *   45 compression length, 47..48 extensions length, 49 supported_groups,
 *   57 server_name type, 59..60 its length, 61..62 list length, 63 name type,
 *   64..65 name length, 66 name.
 */
static uint32_t
hello(uint8_t *hs, const char *host)
{
	static const uint8_t ext_groups[] = { 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d };
	static const uint8_t ext_points[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };
	uint32_t n = 4, ext_start, hl = host != NULL ? (uint32_t)strlen(host) : 0;

	hs[n++] = 0x03;
	hs[n++] = 0x03;
	memset(hs + n, 0, 32);
	n += 32;
	hs[n++] = 0;			/* session id */
	hs[n++] = 0x00;
	hs[n++] = 0x04;
	hs[n++] = 0xc0;
	hs[n++] = 0x2f;
	hs[n++] = 0x00;
	hs[n++] = 0x9c;
	hs[n++] = 1;			/* compression methods */
	hs[n++] = 0;
	n += 2;				/* extensions length, below */
	ext_start = n;
	memcpy(hs + n, ext_groups, sizeof(ext_groups));
	n += sizeof(ext_groups);
	if (host != NULL) {
		hs[n++] = 0x00;
		hs[n++] = 0x00;
		hs[n++] = (uint8_t)((hl + 5) >> 8);
		hs[n++] = (uint8_t)(hl + 5);
		hs[n++] = (uint8_t)((hl + 3) >> 8);
		hs[n++] = (uint8_t)(hl + 3);
		hs[n++] = 0;		/* host_name */
		hs[n++] = (uint8_t)(hl >> 8);
		hs[n++] = (uint8_t)hl;
		memcpy(hs + n, host, hl);
		n += hl;
	}
	memcpy(hs + n, ext_points, sizeof(ext_points));
	n += sizeof(ext_points);
	hs[ext_start - 2] = (uint8_t)((n - ext_start) >> 8);
	hs[ext_start - 1] = (uint8_t)(n - ext_start);
	hs[0] = 1;
	hs[1] = (uint8_t)((n - 4) >> 16);
	hs[2] = (uint8_t)((n - 4) >> 8);
	hs[3] = (uint8_t)(n - 4);
	return n;
}

/* One record around a hand-made hello. */
static uint32_t
hello_record(uint8_t *out, const char *host)
{
	uint8_t hs[1024];
	uint32_t n = hello(hs, host);

	return frame(hs, n, 16384, 0x01, out);
}

/* app_tls_client_hello over an exactly-sized heap copy of b[0..len). */
static int
whole_hello(const uint8_t *b, uint32_t len, struct app_tls_meta *out)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	rc = app_tls_client_hello(copy, len, out);
	free(copy);
	return rc;
}

/* app_tls_server_version over an exactly-sized heap copy of b[0..len). */
static int
server_version(const uint8_t *b, uint32_t len, uint16_t *v)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	rc = app_tls_server_version(copy, len, v);
	free(copy);
	return rc;
}

/*
 * JA3 strings of the captured hellos, from an independent reading of their bytes (Python,
 * the JA3 rules: decimal values, GREASE left out).
 */
#define JA3_CIPHERS "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-" \
	"49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,"
#define JA3_GROUPS ",29-23-30-25-24-256-257-258-259-260,0-1-2"
#define JA3_OPENSSL JA3_CIPHERS "0-11-10-35-22-23-13-43-45-51" JA3_GROUPS
#define JA3_CURL JA3_CIPHERS "0-11-10-16-22-23-49-13-43-45-51-21" JA3_GROUPS

/* A ServerHello record: legacy version, and supported_versions when selected != 0. */
static uint32_t
server_hello(uint8_t *out, uint16_t legacy, uint16_t selected)
{
	uint32_t n = 9, body;

	out[n++] = (uint8_t)(legacy >> 8);
	out[n++] = (uint8_t)legacy;
	memset(out + n, 0x5a, 32);
	n += 32;
	out[n++] = 0;			/* session id echo */
	out[n++] = 0x13;		/* TLS_AES_128_GCM_SHA256 */
	out[n++] = 0x01;
	out[n++] = 0;			/* compression */
	if (selected != 0) {
		const uint8_t ext[] = { 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02,
					(uint8_t)(selected >> 8), (uint8_t)selected };

		memcpy(out + n, ext, sizeof(ext));
		n += sizeof(ext);
	}
	body = n - 9;
	out[0] = 0x16;
	out[1] = 0x03;
	out[2] = 0x03;
	out[3] = (uint8_t)((body + 4) >> 8);
	out[4] = (uint8_t)(body + 4);
	out[5] = 2;
	out[6] = 0;
	out[7] = (uint8_t)(body >> 8);
	out[8] = (uint8_t)body;
	return n;
}

/* ---- captured hellos ----------------------------------------------------------------- */

static void
test_tls_sni_openssl_client_hello_gives_name(void **state)
{
	char name[APP_TLS_NAME_LEN];

	(void)state;
	assert_int_equal(sni(ch_openssl, sizeof(ch_openssl), name, sizeof(name)), 0);
	assert_string_equal(name, "api.partner.example");
}

static void
test_tls_sni_curl_client_hello_gives_name(void **state)
{
	char name[APP_TLS_NAME_LEN];

	(void)state;
	assert_int_equal(sni(ch_curl, sizeof(ch_curl), name, sizeof(name)), 0);
	assert_string_equal(name, "api.partner.example");
}

static void
test_tls_sni_upper_case_name_is_lowered(void **state)
{
	uint8_t b[sizeof(ch_curl)];
	char name[APP_TLS_NAME_LEN];

	(void)state;
	memcpy(b, ch_curl, sizeof(b));
	memcpy(b + CAPTURED_SNI_END - 19, "API.Partner.EXAMPLE", 19);
	assert_int_equal(sni(b, sizeof(b), name, sizeof(name)), 0);
	assert_string_equal(name, "api.partner.example");
}

static void
test_tls_sni_every_prefix_is_eagain_until_name_is_complete(void **state)
{
	const struct {
		const uint8_t *b;
		uint32_t len;
	} caps[] = {
		{ ch_openssl, sizeof(ch_openssl) },
		{ ch_curl, sizeof(ch_curl) },
	};
	char name[APP_TLS_NAME_LEN];
	uint32_t c, len;

	(void)state;
	for (c = 0; c < 2; c++) {
		for (len = 0; len <= caps[c].len; len++) {
			int rc = sni(caps[c].b, len, name, sizeof(name));

			if (len < CAPTURED_SNI_END) {
				assert_int_equal(rc, -EAGAIN);
			} else {
				assert_int_equal(rc, 0);
				assert_string_equal(name, "api.partner.example");
			}
		}
	}
}

static void
test_tls_sni_split_at_every_record_size_gives_name(void **state)
{
	static uint8_t b[BUF_MAX];
	const uint8_t *hs = ch_openssl + 5;
	uint32_t hslen = sizeof(ch_openssl) - 5, frag, n, len, need;
	char name[APP_TLS_NAME_LEN];

	(void)state;
	for (frag = 1; frag <= hslen; frag++) {
		n = frame(hs, hslen, frag, 0x01, b);
		memset(name, 0, sizeof(name));
		assert_int_equal(sni(b, n, name, sizeof(name)), 0);
		assert_string_equal(name, "api.partner.example");
		/* The name's last byte is handshake byte CAPTURED_SNI_END - 6. */
		need = framed_end(CAPTURED_SNI_END - 6, frag);
		for (len = 0; len < n; len += (frag < 8 ? 7 : 1)) {
			int rc = sni(b, len, name, sizeof(name));

			assert_int_equal(rc, len < need ? -EAGAIN : 0);
		}
	}
}

static void
test_tls_sni_split_records_of_every_version_are_accepted(void **state)
{
	static uint8_t b[BUF_MAX];
	char name[APP_TLS_NAME_LEN];
	uint8_t minor;
	uint32_t n;

	(void)state;
	for (minor = 0; minor <= 4; minor++) {
		n = frame(ch_openssl + 5, sizeof(ch_openssl) - 5, 100, minor, b);
		assert_int_equal(sni(b, n, name, sizeof(name)), 0);
		assert_string_equal(name, "api.partner.example");
	}
	n = frame(ch_openssl + 5, sizeof(ch_openssl) - 5, 100, 5, b);
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
}

static void
test_tls_sni_hello_without_server_name_is_enoent(void **state)
{
	char name[APP_TLS_NAME_LEN] = "unchanged";
	uint32_t len;

	(void)state;
	assert_int_equal(sni(ch_openssl_nosni, sizeof(ch_openssl_nosni), name, sizeof(name)),
			 -ENOENT);
	assert_string_equal(name, "unchanged");
	for (len = 0; len < sizeof(ch_openssl_nosni); len++)
		assert_int_equal(sni(ch_openssl_nosni, len, name, sizeof(name)), -EAGAIN);
}

static void
test_tls_sni_sslv3_hello_without_extensions_is_enoent(void **state)
{
	/* SSLv3 record and hello version, a 32-byte session id, no extensions at all. */
	uint8_t b[5 + 4 + 2 + 32 + 1 + 32 + 2 + 4 + 2];
	uint32_t n = 0, len;
	char name[APP_TLS_NAME_LEN];

	(void)state;
	memset(b, 0xab, sizeof(b));
	b[n++] = 0x16;
	b[n++] = 0x03;
	b[n++] = 0x00;
	b[n++] = 0x00;
	b[n++] = (uint8_t)(sizeof(b) - 5);
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = (uint8_t)(sizeof(b) - 9);
	b[n++] = 0x03;
	b[n++] = 0x00;
	n += 32;
	b[n++] = 32;
	n += 32;
	b[n++] = 0x00;
	b[n++] = 0x04;
	n += 4;
	b[n++] = 1;
	b[n++] = 0;
	assert_int_equal(n, sizeof(b));
	assert_int_equal(sni(b, n, name, sizeof(name)), -ENOENT);
	for (len = 0; len < n; len++)
		assert_int_equal(sni(b, len, name, sizeof(name)), -EAGAIN);
}

/* ---- hand-made hellos ---------------------------------------------------------------- */

static void
test_tls_sni_hand_made_hello_gives_name(void **state)
{
	uint8_t b[1024];
	char name[APP_TLS_NAME_LEN];
	uint32_t n = hello_record(b, "Files.Example-1.org");

	(void)state;
	assert_true(is_client_hello(b, n));
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, "files.example-1.org");
	n = hello_record(b, "_svc.x");
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, "_svc.x");
}

static void
test_tls_sni_one_trailing_dot_is_dropped(void **state)
{
	uint8_t b[1024];
	char name[APP_TLS_NAME_LEN];
	uint32_t n;

	(void)state;
	n = hello_record(b, "api.partner.example.");
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, "api.partner.example");
	n = hello_record(b, "api.partner.example..");
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	n = hello_record(b, ".");
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
}

static void
test_tls_sni_bad_host_names_are_einval(void **state)
{
	static const char *const bad[] = {
		"api partner.example", "api.partner.example/x", "api..example", ".api.example",
		"caf\xc3\xa9.example", "*.example", "api:443", "api.partner.example\\",
	};
	char label64[80], long_name[300];
	uint8_t b[1024];
	char name[APP_TLS_NAME_LEN];
	uint32_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = hello_record(b, bad[i]);
		assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	}
	/* A NUL inside the name (strlen above stops at it, so build it by hand). */
	n = hello_record(b, "abc");
	b[5 + 66 + 1] = 0;
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);

	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".example");
	n = hello_record(b, label64);
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	n = hello_record(b, label64 + 1);	/* 63 is fine */
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, label64 + 1);

	/* 253 bytes is the longest name; 254 is refused. */
	for (i = 0; i < 253; i++)
		long_name[i] = (i % 50 == 49) ? '.' : 'b';
	long_name[253] = '\0';
	n = hello_record(b, long_name);
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, long_name);
	long_name[253] = 'b';
	long_name[254] = '\0';
	n = hello_record(b, long_name);
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
}

static void
test_tls_sni_short_name_buffer_is_enospc(void **state)
{
	char name[8] = "keep";
	uint32_t n;
	uint8_t b[1024];

	(void)state;
	assert_int_equal(sni(ch_openssl, sizeof(ch_openssl), name, sizeof(name)), -ENOSPC);
	assert_string_equal(name, "keep");
	assert_int_equal(sni(ch_openssl, sizeof(ch_openssl), NULL, 0), -ENOSPC);
	n = hello_record(b, "abcdefg");
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
	assert_string_equal(name, "abcdefg");
	n = hello_record(b, "abcdefgh");
	assert_int_equal(sni(b, n, name, sizeof(name)), -ENOSPC);
}

static void
test_tls_sni_first_host_name_entry_wins_and_others_are_skipped(void **state)
{
	uint8_t hs[1024], b[1100];
	char name[APP_TLS_NAME_LEN];
	uint32_t n, rec;

	(void)state;
	/* Turn the entry into an unknown name type: then there is no host_name. */
	n = hello(hs, "first.example");
	hs[63] = 7;
	rec = frame(hs, n, 16384, 1, b);
	assert_int_equal(sni(b, rec, name, sizeof(name)), -ENOENT);
	/* "a.b" as type 7 then "c.d" as host_name, in one list. */
	n = hello(hs, "a.bXXXc.d");
	hs[63] = 7;
	hs[64] = 0;
	hs[65] = 3;
	hs[66 + 3] = 0;
	hs[66 + 4] = 0;
	hs[66 + 5] = 3;
	rec = frame(hs, n, 16384, 1, b);
	assert_int_equal(sni(b, rec, name, sizeof(name)), 0);
	assert_string_equal(name, "c.d");
}

static void
test_tls_sni_not_a_client_hello_is_einval(void **state)
{
	static const uint8_t app_data[] = { 0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5 };
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0, 0, 0 };
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15 };
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const uint8_t tls4x[] = { 0x16, 0x04, 0x01, 0x00, 0x05, 0x01 };
	static const uint8_t minor5[] = { 0x16, 0x03, 0x05 };
	char name[APP_TLS_NAME_LEN];

	(void)state;
	assert_int_equal(sni(app_data, sizeof(app_data), name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(server_hello, sizeof(server_hello), name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(sslv2, sizeof(sslv2), name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(http, sizeof(http) - 1, name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(tls4x, sizeof(tls4x), name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(minor5, sizeof(minor5), name, sizeof(name)), -EINVAL);
	/* One byte is enough to refuse, and none is not enough to decide. */
	assert_int_equal(sni(app_data, 1, name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(app_data, 0, name, sizeof(name)), -EAGAIN);
	assert_int_equal(app_tls_sni(NULL, 0, name, sizeof(name)), -EAGAIN);
}

static void
test_tls_sni_other_record_between_fragments_is_einval(void **state)
{
	static uint8_t b[BUF_MAX];
	char name[APP_TLS_NAME_LEN];
	uint32_t n;

	(void)state;
	n = frame(ch_openssl + 5, sizeof(ch_openssl) - 5, 64, 0x01, b);
	b[5 + 64] = 0x14;	/* second record: change_cipher_spec */
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	/* ... and the refusal does not wait for more than that byte. */
	assert_int_equal(sni(b, 5 + 64 + 1, name, sizeof(name)), -EINVAL);
	assert_int_equal(sni(b, 5 + 64, name, sizeof(name)), -EAGAIN);
}

static void
test_tls_sni_record_lengths_out_of_range_are_einval(void **state)
{
	uint8_t b[1024];
	char name[APP_TLS_NAME_LEN];
	uint32_t n;

	(void)state;
	n = hello_record(b, "a.example");
	b[3] = 0;
	b[4] = 0;
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	b[3] = 0x40;	/* 16385 */
	b[4] = 0x01;
	assert_int_equal(sni(b, n, name, sizeof(name)), -EINVAL);
	b[3] = 0x40;	/* 16384: fine, the bytes just are not all there */
	b[4] = 0x00;
	assert_int_equal(sni(b, n, name, sizeof(name)), 0);
}

static void
test_tls_sni_inner_length_overruns_are_einval(void **state)
{
	static const struct {
		uint32_t off;
		uint8_t val;
		int rc;
	} pokes[] = {
		{ 0, 2, -EINVAL },	/* handshake type ServerHello */
		{ 1, 0x01, -EINVAL },	/* 64 KiB+ hello: over APP_TLS_MAX_HANDSHAKE */
		{ 4, 0x02, -EINVAL },	/* client_version 2.x */
		{ 38, 33, -EINVAL },	/* session id longer than 32 */
		{ 40, 0x03, -EINVAL },	/* odd cipher suites length */
		{ 40, 0x00, -EINVAL },	/* no cipher suite */
		{ 39, 0xff, -EINVAL },	/* cipher suites past the message */
		{ 45, 0, -EINVAL },	/* no compression method */
		{ 45, 0xf0, -EINVAL },	/* compression methods past the message */
		{ 48, 0x01, -EINVAL },	/* extensions shorter than the rest */
		{ 47, 0x01, -EINVAL },	/* extensions past the message */
		{ 52, 0x7f, -EINVAL },	/* an extension past the block */
		{ 62, 0x01, -EINVAL },	/* server name list length mismatch */
		{ 65, 0x7f, -EINVAL },	/* host name past the list */
		{ 65, 0x00, -EINVAL },	/* empty host name */
		{ 3, 0xff, -EINVAL },	/* longer message: extensions no longer fill it */
	};
	uint8_t hs[1024], b[1100];
	char name[APP_TLS_NAME_LEN];
	uint32_t i, n, rec;

	(void)state;
	for (i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		n = hello(hs, "abc.example");
		hs[pokes[i].off] = pokes[i].val;
		rec = frame(hs, n, 16384, 1, b);
		assert_int_equal(sni(b, rec, name, sizeof(name)), pokes[i].rc);
	}
}

static void
test_tls_sni_sixteen_kib_hello_over_many_records_is_accepted(void **state)
{
	/* A padding extension (RFC 7685) ahead of server_name makes a 16 KiB message. */
	static uint8_t hs[APP_TLS_MAX_HANDSHAKE + 16], b[BUF_MAX];
	char name[APP_TLS_NAME_LEN];
	uint32_t n, pad, ext_len, rec;

	(void)state;
	n = hello(hs, "big.example");
	/* Insert the padding extension at offset 49 (first extension). */
	pad = APP_TLS_MAX_HANDSHAKE - n - 4;
	memmove(hs + 49 + 4 + pad, hs + 49, n - 49);
	hs[49] = 0x00;
	hs[50] = 0x15;
	hs[51] = (uint8_t)(pad >> 8);
	hs[52] = (uint8_t)pad;
	memset(hs + 53, 0, pad);
	n += 4 + pad;
	assert_int_equal(n, APP_TLS_MAX_HANDSHAKE);
	ext_len = n - 49;
	hs[47] = (uint8_t)(ext_len >> 8);
	hs[48] = (uint8_t)ext_len;
	hs[1] = 0;
	hs[2] = (uint8_t)((n - 4) >> 8);
	hs[3] = (uint8_t)(n - 4);
	rec = frame(hs, n, 1000, 3, b);
	assert_int_equal(sni(b, rec, name, sizeof(name)), 0);
	assert_string_equal(name, "big.example");
	/* One byte more of padding is over the cap. */
	hs[3] = (uint8_t)(n - 3);
	hs[2] = (uint8_t)((n - 3) >> 8);
	rec = frame(hs, n, 1000, 3, b);
	assert_int_equal(sni(b, rec, name, sizeof(name)), -EINVAL);
}

static void
test_tls_is_client_hello_needs_six_bytes_of_handshake_record(void **state)
{
	static const uint8_t zero_len[] = { 0x16, 0x03, 0x01, 0x00, 0x00, 0x01 };
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	static const uint8_t minor5[] = { 0x16, 0x03, 0x05, 0x00, 0x10, 0x01 };
	static const uint8_t huge[] = { 0x16, 0x03, 0x03, 0x40, 0x01, 0x01 };
	uint32_t len;

	(void)state;
	assert_true(is_client_hello(ch_openssl, sizeof(ch_openssl)));
	assert_true(is_client_hello(ch_openssl, 6));
	for (len = 0; len < 6; len++)
		assert_false(is_client_hello(ch_openssl, len));
	assert_true(is_client_hello(ch_curl, sizeof(ch_curl)));
	assert_true(is_client_hello(ch_openssl_nosni, sizeof(ch_openssl_nosni)));
	assert_false(is_client_hello(zero_len, sizeof(zero_len)));
	assert_false(is_client_hello(ccs, sizeof(ccs)));
	assert_false(is_client_hello(minor5, sizeof(minor5)));
	assert_false(is_client_hello(huge, sizeof(huge)));
	assert_false(app_tls_is_client_hello(NULL, 0));
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
check_name_shape(const char *name)
{
	size_t i, n = strlen(name);

	assert_true(n >= 1 && n <= 253);
	assert_true(name[0] != '.' && name[n - 1] != '.');
	for (i = 0; i < n; i++) {
		char c = name[i];

		assert_true((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_' || c == '.');
	}
}

/* ---- the whole ClientHello (tls events) and the ServerHello version ------------------- */

static void
test_tls_hello_captured_hellos_give_sni_and_ja3(void **state)
{
	struct app_tls_meta m;

	(void)state;
	assert_int_equal(whole_hello(ch_openssl, sizeof(ch_openssl), &m), 0);
	assert_string_equal(m.sni, "api.partner.example");
	assert_string_equal(m.ja3, JA3_OPENSSL);
	assert_int_equal(m.version, 0);
	assert_int_equal(whole_hello(ch_curl, sizeof(ch_curl), &m), 0);
	assert_string_equal(m.sni, "api.partner.example");
	assert_string_equal(m.ja3, JA3_CURL);
}

/* Unlike the SNI, the whole hello is needed: every shorter prefix waits for more. */
static void
test_tls_hello_every_prefix_is_eagain(void **state)
{
	struct app_tls_meta m;
	uint32_t len;

	(void)state;
	for (len = 0; len < sizeof(ch_curl); len++)
		assert_int_equal(whole_hello(ch_curl, len, &m), -EAGAIN);
	assert_int_equal(whole_hello(ch_curl, sizeof(ch_curl), &m), 0);
}

static void
test_tls_hello_split_at_every_record_size_gives_the_same_ja3(void **state)
{
	static uint8_t b[BUF_MAX];
	const uint32_t hs_len = sizeof(ch_openssl) - 5;
	struct app_tls_meta m;
	uint32_t frag;

	(void)state;
	for (frag = 1; frag <= hs_len; frag++) {
		uint32_t n = frame(ch_openssl + 5, hs_len, frag, 0x01, b);

		assert_int_equal(whole_hello(b, n, &m), 0);
		assert_string_equal(m.sni, "api.partner.example");
		assert_string_equal(m.ja3, JA3_OPENSSL);
	}
}

/* RFC 8701 GREASE values in the suites, the extensions and the groups are not JA3's. */
static void
test_tls_hello_grease_values_are_left_out(void **state)
{
	uint8_t b[sizeof(ch_openssl)];
	struct app_tls_meta m;

	(void)state;
	memcpy(b, ch_openssl, sizeof(b));
	b[78] = b[79] = 0x2a;		/* first suite 0x1302 -> 0x2a2a */
	b[172] = b[173] = 0xba;		/* ec_point_formats (11) -> extension 0xbaba */
	b[186] = b[187] = 0xfa;		/* first group 29 -> 0xfafa */
	assert_int_equal(whole_hello(b, sizeof(b), &m), 0);
	assert_string_equal(m.ja3, "771,4867-4865-49196-49200-159-52393-52392-52394-49195-"
			    "49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-"
			    "49171-51-157-156-61-60-53-47-255,0-10-35-22-23-13-43-45-51,"
			    "23-30-25-24-256-257-258-259-260,");
}

/* A server name that is no host name leaves sni empty; the JA3 is still there. */
static void
test_tls_hello_bad_server_name_keeps_the_rest(void **state)
{
	uint8_t b[1100];
	struct app_tls_meta m;

	(void)state;
	assert_int_equal(whole_hello(b, hello_record(b, "bad name!"), &m), 0);
	assert_string_equal(m.sni, "");
	assert_string_equal(m.ja3, "771,49199-156,10-0-11,29,0");
	assert_int_equal(whole_hello(b, hello_record(b, NULL), &m), 0);
	assert_string_equal(m.ja3, "771,49199-156,10-11,29,0");
	assert_int_equal(whole_hello(b, hello_record(b, "Ok.Example."), &m), 0);
	assert_string_equal(m.sni, "ok.example");
}

/* A hello whose JA3 string would not fit APP_META_JA3_LEN: no JA3, the name stays. */
static void
test_tls_hello_too_long_ja3_is_left_out(void **state)
{
	static uint8_t hs[4096], b[BUF_MAX];
	uint32_t n = 4, i, ext_start;
	struct app_tls_meta m;

	(void)state;
	hs[n++] = 0x03;
	hs[n++] = 0x03;
	n += 32;
	hs[n++] = 0;
	hs[n++] = 0x01;			/* 200 suites: 400 bytes */
	hs[n++] = 0x90;
	for (i = 0; i < 200; i++) {
		hs[n++] = 0xc0;
		hs[n++] = (uint8_t)i;
	}
	hs[n++] = 1;
	hs[n++] = 0;
	n += 2;
	ext_start = n;
	memcpy(hs + n, "\x00\x00\x00\x0b\x00\x09\x00\x00\x06" "a.test", 15);
	n += 15;
	hs[ext_start - 2] = 0;
	hs[ext_start - 1] = (uint8_t)(n - ext_start);
	hs[0] = 1;
	hs[2] = (uint8_t)((n - 4) >> 8);
	hs[3] = (uint8_t)(n - 4);
	assert_int_equal(whole_hello(b, frame(hs, n, 16384, 0x01, b), &m), 0);
	assert_string_equal(m.sni, "a.test");
	assert_string_equal(m.ja3, "");
}

static void
test_tls_hello_malformed_groups_are_einval(void **state)
{
	uint8_t hs[1024], b[1100];
	struct app_tls_meta m;
	uint32_t n = hello(hs, "x.test");

	(void)state;
	hs[54] = 0x03;		/* supported_groups list length 3, extension length 4 */
	assert_int_equal(whole_hello(b, frame(hs, n, 16384, 0x01, b), &m), -EINVAL);
	assert_int_equal(whole_hello(ch_openssl, sizeof(ch_openssl) - 1, &m), -EAGAIN);
	assert_int_equal(whole_hello(b, server_hello(b, 0x0303, 0), &m), -EINVAL);
}

static void
test_tls_server_version_from_supported_versions_or_legacy(void **state)
{
	uint8_t b[128];
	uint16_t v = 0;
	uint32_t n, len;

	(void)state;
	n = server_hello(b, 0x0303, 0x0304);
	assert_int_equal(server_version(b, n, &v), 0);
	assert_int_equal(v, 0x0304);
	for (len = 0; len < n; len++)
		assert_int_equal(server_version(b, len, &v), -EAGAIN);
	n = server_hello(b, 0x0303, 0);
	assert_int_equal(server_version(b, n, &v), 0);
	assert_int_equal(v, 0x0303);
	n = server_hello(b, 0x0301, 0);
	assert_int_equal(server_version(b, n, &v), 0);
	assert_int_equal(v, 0x0301);
	/* a ClientHello, a wrong-size supported_versions, a bad version */
	assert_int_equal(server_version(ch_curl, sizeof(ch_curl), &v), -EINVAL);
	n = server_hello(b, 0x0303, 0x0304);
	b[n - 3] = 3;
	assert_int_equal(server_version(b, n, &v), -EINVAL);
	n = server_hello(b, 0x0203, 0);
	assert_int_equal(server_version(b, n, &v), -EINVAL);
}

static void
test_tls_sni_fuzzed_hellos_never_overread(void **state)
{
	static uint8_t base[BUF_MAX], b[BUF_MAX];
	uint32_t base_len[3];
	uint64_t seed = 0x746f6c6c67617465ull;
	unsigned int counts[5] = { 0 };
	uint32_t it, k;

	(void)state;
	memcpy(base, ch_openssl, sizeof(ch_openssl));
	base_len[0] = sizeof(ch_openssl);
	base_len[1] = frame(ch_openssl + 5, sizeof(ch_openssl) - 5, 37, 0x03, base + 4096);
	base_len[2] = hello_record(base + 8192, "fuzz.example");
	for (it = 0; it < 100000; it++) {
		uint32_t which = (uint32_t)(prng(&seed) % 3), len = base_len[which];
		uint32_t flips = 1 + (uint32_t)(prng(&seed) % 4);
		char name[APP_TLS_NAME_LEN];
		int rc;

		memcpy(b, base + which * 4096, len);
		for (k = 0; k < flips; k++)
			b[prng(&seed) % len] = (uint8_t)prng(&seed);
		if (prng(&seed) % 4 == 0)
			len = (uint32_t)(prng(&seed) % (len + 1));
		{
			struct app_tls_meta m;
			uint16_t v;

			rc = whole_hello(b, len, &m);
			assert_true(rc == 0 || rc == -EAGAIN || rc == -EINVAL);
			if (rc == 0 && m.sni[0] != '\0')
				check_name_shape(m.sni);
			assert_true(strlen(m.ja3) < sizeof(m.ja3));
			rc = server_version(b, len, &v);
			assert_true(rc == -EAGAIN || rc == -EINVAL);
		}
		rc = sni(b, len, name, sizeof(name));
		switch (rc) {
		case 0:
			check_name_shape(name);
			counts[0]++;
			break;
		case -EAGAIN:
			counts[1]++;
			break;
		case -ENOENT:
			counts[2]++;
			break;
		case -EINVAL:
			counts[3]++;
			break;
		default:
			fail_msg("unexpected %d", rc);
		}
		(void)is_client_hello(b, len);
	}
	/* The mutations reach every outcome (a loop that only sees -EINVAL tests little). */
	assert_true(counts[0] > 1000 && counts[1] > 1000 && counts[2] > 10 && counts[3] > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_sni_openssl_client_hello_gives_name),
		cmocka_unit_test(test_tls_sni_curl_client_hello_gives_name),
		cmocka_unit_test(test_tls_sni_upper_case_name_is_lowered),
		cmocka_unit_test(test_tls_sni_every_prefix_is_eagain_until_name_is_complete),
		cmocka_unit_test(test_tls_sni_split_at_every_record_size_gives_name),
		cmocka_unit_test(test_tls_sni_split_records_of_every_version_are_accepted),
		cmocka_unit_test(test_tls_sni_hello_without_server_name_is_enoent),
		cmocka_unit_test(test_tls_sni_sslv3_hello_without_extensions_is_enoent),
		cmocka_unit_test(test_tls_sni_hand_made_hello_gives_name),
		cmocka_unit_test(test_tls_sni_one_trailing_dot_is_dropped),
		cmocka_unit_test(test_tls_sni_bad_host_names_are_einval),
		cmocka_unit_test(test_tls_sni_short_name_buffer_is_enospc),
		cmocka_unit_test(test_tls_sni_first_host_name_entry_wins_and_others_are_skipped),
		cmocka_unit_test(test_tls_sni_not_a_client_hello_is_einval),
		cmocka_unit_test(test_tls_sni_other_record_between_fragments_is_einval),
		cmocka_unit_test(test_tls_sni_record_lengths_out_of_range_are_einval),
		cmocka_unit_test(test_tls_sni_inner_length_overruns_are_einval),
		cmocka_unit_test(test_tls_sni_sixteen_kib_hello_over_many_records_is_accepted),
		cmocka_unit_test(test_tls_is_client_hello_needs_six_bytes_of_handshake_record),
		cmocka_unit_test(test_tls_hello_captured_hellos_give_sni_and_ja3),
		cmocka_unit_test(test_tls_hello_every_prefix_is_eagain),
		cmocka_unit_test(test_tls_hello_split_at_every_record_size_gives_the_same_ja3),
		cmocka_unit_test(test_tls_hello_grease_values_are_left_out),
		cmocka_unit_test(test_tls_hello_bad_server_name_keeps_the_rest),
		cmocka_unit_test(test_tls_hello_too_long_ja3_is_left_out),
		cmocka_unit_test(test_tls_hello_malformed_groups_are_einval),
		cmocka_unit_test(test_tls_server_version_from_supported_versions_or_legacy),
		cmocka_unit_test(test_tls_sni_fuzzed_hellos_never_overread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
