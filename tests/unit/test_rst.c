/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of TCP reset generation (dataplane/rst.c): RFC 9293 3.10.7.1 sequence numbers,
 * RFC 1071 checksums, RFC 791 / RFC 8200 headers and the 802.1Q / 802.1ad tags kept.
 *
 * Every input frame and every expected reset below was generated with scapy 2.5 (the
 * expression is in the comment above each array; expected resets shorter than 60 bytes
 * are padded with zeros to 60). Inputs go through pkt_parse() from an exactly-sized heap
 * copy so that ASan catches any read past the frame; checksums are also verified by an
 * independent summation here; refusals and a seeded fuzz loop close the set.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt_parse.h"
#include "rst.h"

#define OUT_FILL 0xa5	/* out is prefilled with this: bytes past the frame must keep it */
#define FUZZ_ROUNDS 200000
#define META_FUZZ_ROUNDS 200000

/* ---- scapy vectors: frames that get resets --------------------------------------------- */

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=57,id=0x1234,tos=0x10)/
 *   TCP(sport=49152,dport=443,seq=0x11223344,ack=0x55667788,flags='PA',window=502)/
 *   Raw(b'hello')/
 *   Padding(b'\x00')
 * )
 */
static const uint8_t v4_data_ack_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x10, 0x00, 0x2d, 0x12, 0x34, 0x00, 0x00, 0x39, 0x06,
	0x83, 0x35, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00,
	0x01, 0xbb, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x50, 0x18,
	0x01, 0xf6, 0xaa, 0x9c, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=64,flags='DF',id=0)/
 *   TCP(sport=49152,dport=443,seq=0x11223344,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_data_ack_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x4e, 0x7e, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00,
	0x01, 0xbb, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0xbd, 0x6c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   IP(src='198.51.100.20',dst='192.0.2.10',ttl=64,flags='DF',id=0)/
 *   TCP(sport=443,dport=49152,seq=0x55667788,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_data_ack_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x4e, 0x7e, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00, 0x02, 0x0a, 0x01, 0xbb,
	0xc0, 0x00, 0x55, 0x66, 0x77, 0x88, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0x34, 0xe4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   Dot1Q(prio=5,id=1,vlan=100)/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=128,id=0x4242,flags='DF')/
 *   TCP(sport=40000,dport=80,seq=0xfffffff0,flags='S',window=64240,options=[('MSS',1460),
 *     ('SAckOK',b''),('WScale',7)])
 * )
 */
static const uint8_t v4_dot1q_syn_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x81, 0x00, 0xb0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x42, 0x42,
	0x40, 0x00, 0x80, 0x06, 0xcc, 0x2f, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33,
	0x64, 0x14, 0x9c, 0x40, 0x00, 0x50, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00,
	0x00, 0x00, 0x80, 0x02, 0xfa, 0xf0, 0xe6, 0x54, 0x00, 0x00, 0x02, 0x04,
	0x05, 0xb4, 0x04, 0x02, 0x03, 0x03, 0x07, 0x00, 0x00, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   Dot1Q(prio=5,id=1,vlan=100)/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=64,flags='DF',id=0)/
 *   TCP(sport=40000,dport=80,seq=0xfffffff0,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_dot1q_syn_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x81, 0x00, 0xb0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00,
	0x40, 0x00, 0x40, 0x06, 0x4e, 0x7e, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33,
	0x64, 0x14, 0x9c, 0x40, 0x00, 0x50, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0x27, 0x0d, 0x00, 0x00, 0x00, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   Dot1Q(prio=5,id=1,vlan=100)/
 *   IP(src='198.51.100.20',dst='192.0.2.10',ttl=64,flags='DF',id=0)/
 *   TCP(sport=80,dport=40000,seq=0,ack=0xfffffff1,flags='RA',window=0)
 * )
 */
static const uint8_t v4_dot1q_syn_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x81, 0x00, 0xb0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00,
	0x40, 0x00, 0x40, 0x06, 0x4e, 0x7e, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00,
	0x02, 0x0a, 0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
	0xff, 0xf1, 0x50, 0x14, 0x00, 0x00, 0x26, 0xfc, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   Dot1AD(prio=3,vlan=200)/
 *   Dot1Q(vlan=300)/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=61,id=7)/
 *   TCP(sport=25,dport=51000,seq=0x0a0b0c0d,ack=0x01020304,flags='FA',window=1024)/
 *   Raw(b'bye\n')
 * )
 */
static const uint8_t v4_qinq_fin_ack_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x88, 0xa8, 0x60, 0xc8, 0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x2c, 0x00, 0x07, 0x00, 0x00, 0x3d, 0x06, 0x91, 0x73, 0xc0, 0x00,
	0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x00, 0x19, 0xc7, 0x38, 0x0a, 0x0b,
	0x0c, 0x0d, 0x01, 0x02, 0x03, 0x04, 0x50, 0x11, 0x04, 0x00, 0x16, 0x8a,
	0x00, 0x00, 0x62, 0x79, 0x65, 0x0a,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   Dot1AD(prio=3,vlan=200)/
 *   Dot1Q(vlan=300)/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=64,flags='DF',id=0)/
 *   TCP(sport=25,dport=51000,seq=0x0a0b0c0d,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_qinq_fin_ack_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x88, 0xa8, 0x60, 0xc8, 0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x7e, 0xc0, 0x00,
	0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x00, 0x19, 0xc7, 0x38, 0x0a, 0x0b,
	0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0xe6, 0x24,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   Dot1AD(prio=3,vlan=200)/
 *   Dot1Q(vlan=300)/
 *   IP(src='198.51.100.20',dst='192.0.2.10',ttl=64,flags='DF',id=0)/
 *   TCP(sport=51000,dport=25,seq=0x01020304,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_qinq_fin_ack_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x88, 0xa8, 0x60, 0xc8, 0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x7e, 0xc6, 0x33,
	0x64, 0x14, 0xc0, 0x00, 0x02, 0x0a, 0xc7, 0x38, 0x00, 0x19, 0x01, 0x02,
	0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0xf8, 0x36,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=64,id=99,options=[IPOption_Router_Alert(),
 *     IPOption_NOP(),IPOption_NOP(),IPOption_NOP(),IPOption_EOL()])/
 *   TCP(sport=8080,dport=33000,seq=1000,ack=2000,flags='A',window=300)
 * )
 */
static const uint8_t v4_options_ack_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x47, 0x00, 0x00, 0x30, 0x00, 0x63, 0x00, 0x00, 0x40, 0x06,
	0xf6, 0x0d, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x94, 0x04,
	0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x1f, 0x90, 0x80, 0xe8, 0x00, 0x00,
	0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0, 0x50, 0x10, 0x01, 0x2c, 0x16, 0x26,
	0x00, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20',ttl=64,flags='DF',id=0)/
 *   TCP(sport=8080,dport=33000,seq=1000,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_options_ack_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x4e, 0x7e, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x1f, 0x90,
	0x80, 0xe8, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0x1f, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * padded with zeros to 60 bytes: bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   IP(src='198.51.100.20',dst='192.0.2.10',ttl=64,flags='DF',id=0)/
 *   TCP(sport=33000,dport=8080,seq=2000,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v4_options_ack_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x4e, 0x7e, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00, 0x02, 0x0a, 0x80, 0xe8,
	0x1f, 0x90, 0x00, 0x00, 0x07, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0x1b, 0x46, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b',tc=0x20,fl=0x12345,hlim=50)/
 *   TCP(sport=50505,dport=443,seq=0x89abcdef,ack=0x76543210,flags='PA',window=8192)/
 *   Raw(b'GET / HTTP/1.1\r\n')
 * )
 */
static const uint8_t v6_data_ack_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x62, 0x01, 0x23, 0x45, 0x00, 0x24, 0x06, 0x32, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc5, 0x49, 0x01, 0xbb, 0x89, 0xab,
	0xcd, 0xef, 0x76, 0x54, 0x32, 0x10, 0x50, 0x18, 0x20, 0x00, 0x9b, 0x99,
	0x00, 0x00, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54, 0x54, 0x50,
	0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b',hlim=64)/
 *   TCP(sport=50505,dport=443,seq=0x89abcdef,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v6_data_ack_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc5, 0x49, 0x01, 0xbb, 0x89, 0xab,
	0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0x35, 0xb9,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   IPv6(src='2001:db8:1::b',dst='2001:db8::a',hlim=64)/
 *   TCP(sport=443,dport=50505,seq=0x76543210,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v6_data_ack_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x01, 0xbb, 0xc5, 0x49, 0x76, 0x54,
	0x32, 0x10, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0xe4, 0xef,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b',hlim=255)/
 *   IPv6ExtHdrHopByHop(options=[RouterAlert()])/
 *   IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\x00'*4)])/
 *   TCP(sport=41000,dport=22,seq=123456789,flags='S',window=65535)
 * )
 */
static const uint8_t v6_ext_syn_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x3c, 0x00, 0x05, 0x02, 0x00, 0x00,
	0x01, 0x00, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x28,
	0x00, 0x16, 0x07, 0x5b, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
	0xff, 0xff, 0xdf, 0xab, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b',hlim=64)/
 *   TCP(sport=41000,dport=22,seq=123456789,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v6_ext_syn_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xa0, 0x28, 0x00, 0x16, 0x07, 0x5b,
	0xcd, 0x15, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0xdf, 0xa9,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a')/
 *   IPv6(src='2001:db8:1::b',dst='2001:db8::a',hlim=64)/
 *   TCP(sport=22,dport=41000,seq=0,ack=123456790,flags='RA',window=0)
 * )
 */
static const uint8_t v6_ext_syn_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x16, 0xa0, 0x28, 0x00, 0x00,
	0x00, 0x00, 0x07, 0x5b, 0xcd, 0x16, 0x50, 0x14, 0x00, 0x00, 0xdf, 0x98,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b',type=0x9100)/
 *   Dot1Q(prio=7,vlan=4094)/
 *   Dot1Q(id=1,vlan=1)/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b')/
 *   TCP(sport=1234,dport=5678,seq=0xfffffffe,flags='SF',window=1)/
 *   Raw(b'xyz')
 * )
 */
static const uint8_t v6_qinq9100_syn_fin_data_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x91, 0x00, 0xef, 0xfe, 0x81, 0x00, 0x10, 0x01, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x17, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x04, 0xd2, 0x16, 0x2e, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x03, 0x00, 0x01, 0x46, 0xdd, 0x00, 0x00, 0x78, 0x79,
	0x7a,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b',type=0x9100)/
 *   Dot1Q(prio=7,vlan=4094)/
 *   Dot1Q(id=1,vlan=1)/
 *   IPv6(src='2001:db8::a',dst='2001:db8:1::b',hlim=64)/
 *   TCP(sport=1234,dport=5678,seq=0xfffffffe,ack=0,flags='R',window=0)
 * )
 */
static const uint8_t v6_qinq9100_syn_fin_data_to_receiver[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x91, 0x00, 0xef, 0xfe, 0x81, 0x00, 0x10, 0x01, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0b, 0x04, 0xd2, 0x16, 0x2e, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x04, 0x00, 0x00, 0x39, 0x5a, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0b',dst='02:00:00:00:00:0a',type=0x9100)/
 *   Dot1Q(prio=7,vlan=4094)/
 *   Dot1Q(id=1,vlan=1)/
 *   IPv6(src='2001:db8:1::b',dst='2001:db8::a',hlim=64)/
 *   TCP(sport=5678,dport=1234,seq=0,ack=3,flags='RA',window=0)
 * )
 */
static const uint8_t v6_qinq9100_syn_fin_data_to_sender[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x91, 0x00, 0xef, 0xfe, 0x81, 0x00, 0x10, 0x01, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x16, 0x2e, 0x04, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x03, 0x50, 0x14, 0x00, 0x00, 0x39, 0x46, 0x00, 0x00,
};

/* ---- scapy vectors: frames that are refused -------------------------------------------- */

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20')/
 *   UDP(sport=5353,dport=53)/
 *   Raw(b'query')/
 *   Padding(b'\x00'*13)
 * )
 */
static const uint8_t udp_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x8e, 0x79, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x14, 0xe9,
	0x00, 0x35, 0x00, 0x0d, 0xae, 0x7b, 0x71, 0x75, 0x65, 0x72, 0x79, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20')/
 *   ICMP(id=1,seq=1)/
 *   Raw(b'ping')/
 *   Padding(b'\x00'*14)
 * )
 */
static const uint8_t icmp_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
	0x8e, 0x8a, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x08, 0x00,
	0x19, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='ff:ff:ff:ff:ff:ff')/
 *   ARP(hwsrc='02:00:00:00:00:0a',psrc='192.0.2.10',pdst='198.51.100.20')/
 *   Padding(b'\x00'*18)
 * )
 */
static const uint8_t arp_in[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc6, 0x33, 0x64, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20',id=77,flags='MF')/
 *   TCP(sport=49152,dport=443,seq=5,ack=6,flags='A')/
 *   Raw(b'\x00'*8)
 * )
 */
static const uint8_t frag_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x00, 0x4d, 0x20, 0x00, 0x40, 0x06,
	0x6e, 0x29, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00,
	0x01, 0xbb, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x50, 0x10,
	0x20, 0x00, 0xe1, 0xb3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/*
 * bytes(
 *   Ether(src='02:00:00:00:00:0a',dst='02:00:00:00:00:0b')/
 *   IP(src='192.0.2.10',dst='198.51.100.20')/
 *   TCP(sport=49152,dport=443,seq=5,ack=6,flags='RA')/
 *   Padding(b'\x00'*6)
 * )
 */
static const uint8_t rst_in[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0x8e, 0x7d, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0xc0, 0x00,
	0x01, 0xbb, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x50, 0x14,
	0x20, 0x00, 0xe1, 0xb7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ---- helpers ---------------------------------------------------------------------------- */

struct rst_case {
	const char *name;
	const uint8_t *in;
	uint32_t in_len;
	const uint8_t *to_receiver;
	uint32_t receiver_len;
	const uint8_t *to_sender;
	uint32_t sender_len;
};

#define CASE(n) { #n, n##_in, sizeof(n##_in), n##_to_receiver, sizeof(n##_to_receiver), \
	n##_to_sender, sizeof(n##_to_sender) }

static const struct rst_case cases[] = {
	CASE(v4_data_ack),
	CASE(v4_dot1q_syn),
	CASE(v4_qinq_fin_ack),
	CASE(v4_options_ack),
	CASE(v6_data_ack),
	CASE(v6_ext_syn),
	CASE(v6_qinq9100_syn_fin_data),
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Parse from an exactly-sized heap copy (ASan sees any overread), then build one reset. */
static int
parse_and_build(const uint8_t *in, uint32_t len, enum pkt_err *perr, struct pkt_meta *m,
	enum rst_target t, uint8_t *out, size_t outlen)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, in, len);
	*perr = pkt_parse(copy, len, m);
	rc = rst_build(copy, len, m, t, out, outlen);
	free(copy);
	return rc;
}

/* Internet checksum computed byte by byte, independently of rst.c: the folded sum. */
static uint16_t
ones_sum(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (i % 2 == 0) ? (uint64_t)p[i] * 256 : p[i];
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/*
 * Check a reset frame on its own terms: it parses, has no IP options or extension headers,
 * a 20-byte TCP header with no payload, and both checksums verify (a sum over the data and
 * its checksum field folds to 0xffff).
 */
static void
assert_reset_is_valid(const uint8_t *f, int flen)
{
	uint8_t pseudo[40 + 12 + 20];
	struct pkt_meta m;
	size_t alen, n = 0;
	uint32_t i;

	assert_true(flen >= RST_FRAME_MIN && flen <= 86);
	assert_int_equal(pkt_parse(f, (uint32_t)flen, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(m.ttl, 64);
	assert_true((m.tcp_flags & PKT_TCP_RST) != 0);
	assert_int_equal(m.win, 0);
	assert_int_equal(m.payload_off - m.l4_off, 20);
	/* Padding only up to 60 bytes, and only zeros. */
	assert_int_equal(flen, m.ip_end < RST_FRAME_MIN ? RST_FRAME_MIN : m.ip_end);
	for (i = m.ip_end; i < (uint32_t)flen; i++)
		assert_int_equal(f[i], 0);

	if (m.l3 == PKT_L3_IPV4) {
		assert_int_equal(m.l4_off - m.l3_off, 20);
		assert_int_equal(ones_sum(f + m.l3_off, 20), 0xffff);
		alen = 4;
	} else {
		assert_int_equal(m.l3, PKT_L3_IPV6);
		assert_int_equal(m.l4_off - m.l3_off, 40);
		alen = 16;
	}
	/* Pseudo-header as RFC 8200 8.1 lays it out (same sum as RFC 9293's for IPv4). */
	memcpy(pseudo + n, f + m.l3_off + (alen == 4 ? 12 : 8), 2 * alen);
	n += 2 * alen;
	memcpy(pseudo + n, (const uint8_t[]){ 0, 0, 0, 20, 0, 0, 0, 6 }, 8);
	n += 8;
	memcpy(pseudo + n, f + m.l4_off, 20);
	n += 20;
	assert_int_equal(ones_sum(pseudo, n), 0xffff);
}

/* Build one target for a case and compare with the scapy bytes; the rest of out untouched. */
static void
check_target(const struct rst_case *c, enum rst_target t, const uint8_t *want, uint32_t want_len)
{
	uint8_t out[RST_FRAME_MAX + 16];
	struct pkt_meta m;
	enum pkt_err perr;
	uint32_t i;
	int rc;

	memset(out, OUT_FILL, sizeof(out));
	rc = parse_and_build(c->in, c->in_len, &perr, &m, t, out, RST_FRAME_MAX);
	assert_int_equal(perr, PKT_OK);
	assert_int_equal(rc, (int)want_len);
	assert_memory_equal(out, want, want_len);
	for (i = want_len; i < sizeof(out); i++)
		assert_int_equal(out[i], OUT_FILL);
	assert_reset_is_valid(out, rc);
}

static void
check_case(const struct rst_case *c)
{
	check_target(c, RST_TO_RECEIVER, c->to_receiver, c->receiver_len);
	check_target(c, RST_TO_SENDER, c->to_sender, c->sender_len);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- frames that get resets ------------------------------------------------------------- */

static void
test_ipv4_data_segment_resets_receiver_at_seq_and_sender_at_ack(void **state)
{
	(void)state;
	check_case(&cases[0]);
}

static void
test_ipv4_dot1q_syn_keeps_tag_and_gets_rst_ack_of_seq_plus_one(void **state)
{
	(void)state;
	check_case(&cases[1]);
}

static void
test_ipv4_qinq_fin_ack_keeps_both_tags_and_resets_at_ack(void **state)
{
	(void)state;
	check_case(&cases[2]);
}

static void
test_ipv4_input_options_are_not_copied_into_the_reset(void **state)
{
	(void)state;
	check_case(&cases[3]);
}

static void
test_ipv6_data_segment_resets_zero_tc_and_flow_label(void **state)
{
	(void)state;
	check_case(&cases[4]);
}

static void
test_ipv6_input_extension_headers_are_not_copied_into_the_reset(void **state)
{
	(void)state;
	check_case(&cases[5]);
}

static void
test_ipv6_9100_qinq_syn_fin_data_acks_each_octet_mod_2_32(void **state)
{
	(void)state;
	check_case(&cases[6]);
}

/* The sequence rules, spelled out on the expected frames rather than implied by them. */
static void
test_sequence_numbers_follow_rfc9293_reset_generation(void **state)
{
	/* TCP header offsets in the expected frames: Ethernet + tags + IP header. */
	static const struct {
		uint32_t tcp_off;
		uint32_t recv_seq, send_seq, send_ack;
		uint8_t send_flags;
	} want[N_CASES] = {
		{ 34, 0x11223344, 0x55667788, 0, PKT_TCP_RST },
		{ 38, 0xfffffff0, 0, 0xfffffff1, PKT_TCP_RST | PKT_TCP_ACK },
		{ 42, 0x0a0b0c0d, 0x01020304, 0, PKT_TCP_RST },
		{ 34, 1000, 2000, 0, PKT_TCP_RST },
		{ 54, 0x89abcdef, 0x76543210, 0, PKT_TCP_RST },
		{ 54, 123456789, 0, 123456790, PKT_TCP_RST | PKT_TCP_ACK },
		{ 62, 0xfffffffe, 0, 3, PKT_TCP_RST | PKT_TCP_ACK },
	};
	struct pkt_meta m;
	uint32_t i;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		const uint8_t *r = cases[i].to_receiver + want[i].tcp_off;
		const uint8_t *s = cases[i].to_sender + want[i].tcp_off;

		assert_int_equal(rd32(r + 4), want[i].recv_seq);
		assert_int_equal(rd32(r + 8), 0);
		assert_int_equal(r[13], PKT_TCP_RST);
		assert_int_equal(rd32(s + 4), want[i].send_seq);
		assert_int_equal(rd32(s + 8), want[i].send_ack);
		assert_int_equal(s[13], want[i].send_flags);
		/* Ports kept towards the receiver, swapped towards the sender. */
		assert_int_equal(pkt_parse(cases[i].in, cases[i].in_len, &m), PKT_OK);
		assert_int_equal(r[0] << 8 | r[1], m.sport);
		assert_int_equal(r[2] << 8 | r[3], m.dport);
		assert_int_equal(s[0] << 8 | s[1], m.dport);
		assert_int_equal(s[2] << 8 | s[3], m.sport);
	}
}

static void
test_padding_of_the_input_frame_is_not_counted_as_payload(void **state)
{
	struct pkt_meta m;
	uint8_t out[RST_FRAME_MAX];
	enum pkt_err perr;

	(void)state;
	/* v4_data_ack carries "hello" plus 1 byte of Ethernet padding; a SYN's ack is seq + 1. */
	assert_int_equal(parse_and_build(v4_data_ack_in, sizeof(v4_data_ack_in), &perr, &m,
		RST_TO_SENDER, out, sizeof(out)), 60);
	assert_int_equal(m.payload_len, 5);
	assert_int_equal(parse_and_build(v4_dot1q_syn_in, sizeof(v4_dot1q_syn_in), &perr, &m,
		RST_TO_SENDER, out, sizeof(out)), 60);
	assert_int_equal(rd32(out + 38 + 8), 0xfffffff1);
}

static void
test_cuts_short_of_the_ip_datagram_are_refused_longer_ones_match(void **state)
{
	uint8_t out[RST_FRAME_MAX], full[RST_FRAME_MAX];
	struct pkt_meta m;
	enum pkt_err perr;
	uint32_t i, cut, ip_end;
	int t, rc, full_rc;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		for (t = RST_TO_SENDER; t <= RST_TO_RECEIVER; t++) {
			full_rc = parse_and_build(cases[i].in, cases[i].in_len, &perr, &m, t, full,
				sizeof(full));
			assert_true(full_rc > 0);
			ip_end = m.ip_end;
			for (cut = 0; cut < cases[i].in_len; cut++) {
				memset(out, OUT_FILL, sizeof(out));
				rc = parse_and_build(cases[i].in, cut, &perr, &m, t, out,
					sizeof(out));
				if (cut < ip_end) {
					assert_int_equal(rc, -EINVAL);
					assert_int_equal(out[0], OUT_FILL);
				} else {
					assert_int_equal(rc, full_rc);
					assert_memory_equal(out, full, (size_t)rc);
				}
			}
		}
	}
}

/* ---- refusals ---------------------------------------------------------------------------- */

static void
assert_refused_both_ways(const uint8_t *in, uint32_t len, enum pkt_err want_perr)
{
	uint8_t out[RST_FRAME_MAX];
	struct pkt_meta m;
	enum pkt_err perr;
	int t;

	for (t = RST_TO_SENDER; t <= RST_TO_RECEIVER; t++) {
		memset(out, OUT_FILL, sizeof(out));
		assert_int_equal(parse_and_build(in, len, &perr, &m, t, out, sizeof(out)), -EINVAL);
		assert_int_equal(perr, want_perr);
		assert_int_equal(out[0], OUT_FILL);
	}
}

static void
test_udp_icmp_and_arp_frames_are_refused(void **state)
{
	(void)state;
	assert_refused_both_ways(udp_in, sizeof(udp_in), PKT_OK);
	assert_refused_both_ways(icmp_in, sizeof(icmp_in), PKT_OK);
	assert_refused_both_ways(arp_in, sizeof(arp_in), PKT_OK);
}

static void
test_tcp_frame_with_meta_of_a_udp_frame_is_refused(void **state)
{
	uint8_t out[RST_FRAME_MAX];
	struct pkt_meta m;

	(void)state;
	assert_int_equal(pkt_parse(udp_in, sizeof(udp_in), &m), PKT_OK);
	assert_int_equal(rst_build(v4_data_ack_in, sizeof(v4_data_ack_in), &m, RST_TO_SENDER, out,
		sizeof(out)), -EINVAL);
}

static void
test_ipv4_first_fragment_of_a_tcp_segment_is_refused(void **state)
{
	uint8_t out[RST_FRAME_MAX];
	struct pkt_meta m;

	(void)state;
	assert_int_equal(pkt_parse(frag_in, sizeof(frag_in), &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.l4_proto, 6);
	assert_refused_both_ways(frag_in, sizeof(frag_in), PKT_OK);
	/* The fragment flag alone is enough, even where the offsets would fit a segment. */
	assert_int_equal(pkt_parse(v4_data_ack_in, sizeof(v4_data_ack_in), &m), PKT_OK);
	m.is_fragment = 1;
	assert_int_equal(rst_build(v4_data_ack_in, sizeof(v4_data_ack_in), &m, RST_TO_RECEIVER,
		out, sizeof(out)), -EINVAL);
}

static void
test_a_reset_is_never_answered_with_a_reset(void **state)
{
	(void)state;
	assert_refused_both_ways(rst_in, sizeof(rst_in), PKT_OK);
}

static void
test_output_buffer_below_rst_frame_max_is_refused_untouched(void **state)
{
	uint8_t out[RST_FRAME_MAX];
	struct pkt_meta m;
	uint32_t i;

	(void)state;
	assert_int_equal(pkt_parse(v6_data_ack_in, sizeof(v6_data_ack_in), &m), PKT_OK);
	memset(out, OUT_FILL, sizeof(out));
	assert_int_equal(rst_build(v6_data_ack_in, sizeof(v6_data_ack_in), &m, RST_TO_SENDER, out,
		RST_FRAME_MAX - 1), -EINVAL);
	assert_int_equal(rst_build(v6_data_ack_in, sizeof(v6_data_ack_in), &m, RST_TO_SENDER, out,
		0), -EINVAL);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], OUT_FILL);
	assert_int_equal(rst_build(v6_data_ack_in, sizeof(v6_data_ack_in), &m, RST_TO_SENDER, out,
		RST_FRAME_MAX), 74);
}

static void
test_null_pointers_and_unknown_target_are_refused(void **state)
{
	const uint8_t *in = v4_data_ack_in;
	uint32_t len = sizeof(v4_data_ack_in);
	uint8_t out[RST_FRAME_MAX];
	struct pkt_meta m;

	(void)state;
	assert_int_equal(pkt_parse(in, len, &m), PKT_OK);
	assert_int_equal(rst_build(NULL, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	assert_int_equal(rst_build(in, len, NULL, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, NULL, sizeof(out)), -EINVAL);
	assert_int_equal(rst_build(in, len, &m, (enum rst_target)2, out, sizeof(out)), -EINVAL);
	assert_int_equal(rst_build(in, len, &m, (enum rst_target)-1, out, sizeof(out)), -EINVAL);
}

static void
test_meta_that_does_not_match_the_frame_is_refused(void **state)
{
	const uint8_t *in = v4_dot1q_syn_in;
	uint32_t len = sizeof(v4_dot1q_syn_in);
	uint8_t out[RST_FRAME_MAX], bad_in[sizeof(v4_dot1q_syn_in)];
	struct pkt_meta good, m;

	(void)state;
	assert_int_equal(pkt_parse(in, len, &good), PKT_OK);
	assert_int_equal(rst_build(in, len, &good, RST_TO_SENDER, out, sizeof(out)), 60);

	/* Frame shorter than the datagram the meta describes. */
	assert_int_equal(rst_build(in, good.ip_end - 1, &good, RST_TO_SENDER, out, sizeof(out)),
		-EINVAL);
	/* Tag count that does not match l3_off, or more tags than the parser allows. */
	m = good;
	m.vlan_count = 0;
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	m = good;
	m.vlan_count = PKT_MAX_VLANS + 1;
	m.l3_off = 14 + 4 * (PKT_MAX_VLANS + 1);
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	/* IPv6 meta over an IPv4 ethertype. */
	m = good;
	m.l3 = PKT_L3_IPV6;
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	/* TCP header shorter than 20 bytes, L4 inside the IP header, payload length off by one. */
	m = good;
	m.payload_off = m.l4_off + 19;
	m.payload_len = m.ip_end - m.payload_off;
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	m = good;
	m.l4_off = m.l3_off + 19;
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	m = good;
	m.payload_len++;
	assert_int_equal(rst_build(in, len, &m, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	/* A tag whose TPID is not a VLAN TPID. */
	memcpy(bad_in, in, len);
	bad_in[12] = 0x88;
	bad_in[13] = 0xe5;	/* MACsec */
	assert_int_equal(rst_build(bad_in, len, &good, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
	/* IPv4 meta over a frame whose inner ethertype says IPv6. */
	memcpy(bad_in, in, len);
	bad_in[16] = 0x86;
	bad_in[17] = 0xdd;
	assert_int_equal(rst_build(bad_in, len, &good, RST_TO_SENDER, out, sizeof(out)), -EINVAL);
}

/*
 * More tags than PKT_MAX_VLANS (which pkt_parse never reports) would push the reset past
 * RST_FRAME_MAX: the meta is refused even where every tag is a real 802.1Q tag.
 */
static void
test_meta_with_more_tags_than_the_parser_allows_is_refused(void **state)
{
	static const uint32_t tag_counts[] = { PKT_MAX_VLANS + 1, 40 };
	uint8_t frame[14 + 40 * 4 + sizeof(v4_data_ack_in)], out[RST_FRAME_MAX];
	struct pkt_meta base, m;
	uint32_t i, k, n, shift;

	(void)state;
	assert_int_equal(pkt_parse(v4_data_ack_in, sizeof(v4_data_ack_in), &base), PKT_OK);
	for (k = 0; k < sizeof(tag_counts) / sizeof(tag_counts[0]); k++) {
		n = tag_counts[k];
		shift = 4 * n;
		memcpy(frame, v4_data_ack_in, 12);
		for (i = 0; i < n; i++)
			memcpy(frame + 12 + 4 * i, (const uint8_t[]){ 0x81, 0x00, 0x00, 0x64 }, 4);
		memcpy(frame + 12 + shift, v4_data_ack_in + 12, sizeof(v4_data_ack_in) - 12);
		m = base;
		m.vlan_count = (uint8_t)n;
		m.l3_off += shift;
		m.l4_off += shift;
		m.payload_off += shift;
		m.ip_end += shift;
		memset(out, OUT_FILL, sizeof(out));
		assert_int_equal(rst_build(frame, (uint32_t)sizeof(v4_data_ack_in) + shift, &m,
			RST_TO_SENDER, out, sizeof(out)), -EINVAL);
		assert_int_equal(out[0], OUT_FILL);
	}
}

/* ---- fuzz --------------------------------------------------------------------------------- */

/* xorshift64*: the same sequence on every run. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* The L2 header of a reset is the frame's, with the MACs swapped towards the sender. */
static void
assert_l2_kept(const uint8_t *in, const struct pkt_meta *m, enum rst_target t,
	const uint8_t *out)
{
	if (t == RST_TO_RECEIVER) {
		assert_memory_equal(out, in, 12);
	} else {
		assert_memory_equal(out, in + 6, 6);
		assert_memory_equal(out + 6, in, 6);
	}
	assert_memory_equal(out + 12, in + 12, m->l3_off - 12);
}

static void
test_fuzzed_frames_never_overread_and_give_valid_resets(void **state)
{
	uint64_t seed = 0x5e7ab1e5eedULL;
	uint8_t buf[256], out[RST_FRAME_MAX];
	uint32_t built = 0, refused = 0, r, i;
	struct pkt_meta m;

	(void)state;
	for (r = 0; r < FUZZ_ROUNDS; r++) {
		const struct rst_case *c = &cases[rng_next(&seed) % N_CASES];
		uint32_t len = c->in_len;
		uint32_t flips = (uint32_t)(rng_next(&seed) % 5);
		enum rst_target t = (enum rst_target)(rng_next(&seed) & 1);
		enum pkt_err perr;
		int rc;

		memcpy(buf, c->in, len);
		/* Sometimes grow the frame with random trailing bytes. */
		if (rng_next(&seed) % 8 == 0) {
			uint32_t extra = (uint32_t)(rng_next(&seed) % 64);

			for (i = 0; i < extra; i++)
				buf[len + i] = (uint8_t)rng_next(&seed);
			len += extra;
		}
		for (i = 0; i < flips; i++) {
			uint64_t x = rng_next(&seed);
			uint32_t pos = (uint32_t)((x >> 8) % len);

			if ((x >> 4) & 1)
				buf[pos] ^= (uint8_t)(1u << ((x >> 5) & 7));
			else
				buf[pos] = (uint8_t)(x >> 40);
		}
		if (rng_next(&seed) % 3 == 0)
			len = (uint32_t)(rng_next(&seed) % (len + 1));

		rc = parse_and_build(buf, len, &perr, &m, t, out, sizeof(out));
		if (rc < 0) {
			assert_int_equal(rc, -EINVAL);
			/* A cleanly parsed, whole, non-RST TCP segment always gets its reset. */
			assert_false(perr == PKT_OK && m.l4_proto == 6 && !m.is_fragment &&
				(m.tcp_flags & PKT_TCP_RST) == 0 && m.l3 != PKT_L3_NONE);
			refused++;
			continue;
		}
		built++;
		assert_reset_is_valid(out, rc);
		assert_l2_kept(buf, &m, t, out);
	}
	/* Both outcomes are reached often enough for the loop to mean something. */
	assert_true(built > FUZZ_ROUNDS / 10);
	assert_true(refused > FUZZ_ROUNDS / 10);
}

/*
 * Random metadata over a short frame: whatever a caller hands in, rst_build reads nothing
 * past len (the frame is an exactly-sized heap copy) and only succeeds on metadata that
 * fits inside the frame.
 */
static void
test_random_meta_never_reads_past_the_frame(void **state)
{
	uint64_t seed = 0xbadc0ffee0ddf00dULL;
	uint8_t out[RST_FRAME_MAX];
	uint32_t built = 0, r, i;

	(void)state;
	for (r = 0; r < META_FUZZ_ROUNDS; r++) {
		const struct rst_case *c = &cases[rng_next(&seed) % N_CASES];
		uint32_t len = (uint32_t)(rng_next(&seed) % (c->in_len + 1));
		uint8_t *copy = malloc(len > 0 ? len : 1);
		struct pkt_meta m;
		uint8_t *mb = (uint8_t *)&m;
		uint32_t scrambles = 1 + (uint32_t)(rng_next(&seed) % 3);
		int rc;

		assert_non_null(copy);
		memcpy(copy, c->in, len);
		/* Start from the true parse of the whole frame and scramble a few fields. */
		assert_int_equal(pkt_parse(c->in, c->in_len, &m), PKT_OK);
		for (i = 0; i < scrambles; i++) {
			uint64_t x = rng_next(&seed);

			mb[(x >> 8) % sizeof(m)] = (uint8_t)(x >> 32);
		}
		rc = rst_build(copy, len, &m, (enum rst_target)(rng_next(&seed) & 1), out,
			sizeof(out));
		if (rc > 0) {
			assert_true(m.ip_end <= len);
			assert_true(rc >= RST_FRAME_MIN && rc <= 86);
			built++;
		} else {
			assert_int_equal(rc, -EINVAL);
		}
		free(copy);
	}
	assert_true(built > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_data_segment_resets_receiver_at_seq_and_sender_at_ack),
		cmocka_unit_test(test_ipv4_dot1q_syn_keeps_tag_and_gets_rst_ack_of_seq_plus_one),
		cmocka_unit_test(test_ipv4_qinq_fin_ack_keeps_both_tags_and_resets_at_ack),
		cmocka_unit_test(test_ipv4_input_options_are_not_copied_into_the_reset),
		cmocka_unit_test(test_ipv6_data_segment_resets_zero_tc_and_flow_label),
		cmocka_unit_test(test_ipv6_input_extension_headers_are_not_copied_into_the_reset),
		cmocka_unit_test(test_ipv6_9100_qinq_syn_fin_data_acks_each_octet_mod_2_32),
		cmocka_unit_test(test_sequence_numbers_follow_rfc9293_reset_generation),
		cmocka_unit_test(test_padding_of_the_input_frame_is_not_counted_as_payload),
		cmocka_unit_test(test_cuts_short_of_the_ip_datagram_are_refused_longer_ones_match),
		cmocka_unit_test(test_udp_icmp_and_arp_frames_are_refused),
		cmocka_unit_test(test_tcp_frame_with_meta_of_a_udp_frame_is_refused),
		cmocka_unit_test(test_ipv4_first_fragment_of_a_tcp_segment_is_refused),
		cmocka_unit_test(test_a_reset_is_never_answered_with_a_reset),
		cmocka_unit_test(test_output_buffer_below_rst_frame_max_is_refused_untouched),
		cmocka_unit_test(test_null_pointers_and_unknown_target_are_refused),
		cmocka_unit_test(test_meta_that_does_not_match_the_frame_is_refused),
		cmocka_unit_test(test_meta_with_more_tags_than_the_parser_allows_is_refused),
		cmocka_unit_test(test_fuzzed_frames_never_overread_and_give_valid_resets),
		cmocka_unit_test(test_random_meta_never_reads_past_the_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
