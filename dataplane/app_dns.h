/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_DNS_H
#define TOLLGATE_APP_DNS_H

#include <stdint.h>
#include "app_layer_types.h"

#define APP_DNS_MAX_ANSWERS	16	/* addresses kept from one response */
#define APP_DNS_NAME_LEN	254	/* hostname: at most 253 bytes + NUL */
#define APP_DNS_MAX_RRS		64	/* answer records examined per message */
#define APP_DNS_MAX_CNAME_HOPS	8	/* CNAMEs followed from the question name */
#define APP_DNS_MAX_POINTERS	16	/* compression pointers followed per name */
#define APP_DNS_TTL_MAX		604800u	/* one week; larger TTLs are clamped to it */

struct app_dns_answer {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; IPv4 uses addr[0..3], the rest is zero */
	uint32_t ttl;		/* seconds, 0..APP_DNS_TTL_MAX */
};

struct app_dns_result {
	char qname[APP_DNS_NAME_LEN];	/* lower case, no trailing dot; "" for the root */
	uint16_t n;			/* entries of a[] filled */
	struct app_dns_answer a[APP_DNS_MAX_ANSWERS];
};

/*
 * Parse one DNS response message (RFC 1035 4.1; UDP payload, or a TCP message with its
 * 2-byte length prefix already stripped) of len bytes at p into the addresses it gives
 * for its question name. Accepts a QUERY response with QR=1, RCODE 0 (NOERROR),
 * QDCOUNT 1 and class IN whose answer section holds A (RFC 1035) or AAAA (RFC 3596)
 * records owned by the question name, or by the end of a CNAME chain that starts at the
 * question name (at most APP_DNS_MAX_CNAME_HOPS hops, answer records in any order).
 * Records for names outside the chain are ignored. Each address's TTL is the smallest
 * TTL along its chain; TTLs with the top bit set count as 0 (RFC 2181 8) and the rest
 * are clamped to APP_DNS_TTL_MAX. An address that repeats is kept once, with the smaller
 * TTL; addresses beyond APP_DNS_MAX_ANSWERS and answer records beyond APP_DNS_MAX_RRS
 * are ignored. Only the header, the question and the answer section are read.
 *
 * Names are decompressed (RFC 1035 4.1.4; pointers must point strictly backwards, at
 * most APP_DNS_MAX_POINTERS per name) and lower-cased; since only hostnames matter
 * here, a label byte outside [A-Za-z0-9_-] makes the message malformed.
 *
 * Returns 0 with out filled; -EINVAL for a malformed message (shorter than a header or
 * longer than 65535 bytes, QDCOUNT/ANCOUNT that cannot fit, a truncated question or
 * answer record, a label over 63 bytes or of a reserved type, a name over 253
 * characters, a pointer that is not strictly backwards or one too many, an A rdlength
 * other than 4 or an AAAA one other than 16, a CNAME whose target does not fill its
 * rdata exactly); -ENOENT for a well-formed message with nothing to use (a query, an
 * error RCODE such as NXDOMAIN, another opcode, QDCOUNT other than 1, class other
 * than IN, no A/AAAA for the question's chain). On error out->n is 0 and out->qname is
 * the question name when it was parsed, "" otherwise. The caller owns p and out; nothing
 * is kept. Pure, no allocation, bounded work: any thread.
 */
int app_dns_parse_response(const uint8_t *p, uint32_t len, struct app_dns_result *out);

/*
 * Read any DNS message (query or response, any opcode and RCODE; UDP payload, or a TCP
 * message without its length prefix) of len bytes at p for a dns event: the header's id
 * and flags, the first question (name and type), and the answer records of class IN, the
 * first APP_META_DNS_ANSWERS of them listed with their TTL as sent and, for A and AAAA,
 * the address, for CNAME, NS and PTR the target name and for MX the exchange (other
 * types: no rdata). Names are read as app_dns_parse_response reads them and kept in
 * out->names (each once); when a name does not fit there, listing stops. Returns 0 with
 * out filled; -EINVAL when what is read is malformed (the rules of
 * app_dns_parse_response: a header or question cut short, QDCOUNT/ANCOUNT that cannot fit,
 * a bad name, an answer record cut short, an A/AAAA rdata of the wrong length, a name in
 * rdata that does not fill it exactly). Only the header, the first question and the
 * answer section are read (up to APP_DNS_MAX_RRS records). Pure, no allocation: any
 * thread.
 */
int app_dns_parse_meta(const uint8_t *p, uint32_t len, struct app_dns_meta *out);

#endif
