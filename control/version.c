/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tollgated --version: Tollgate's version and the run-time version of every library it
 * links, each asked of the library itself. Some version strings already carry the
 * library's name (rte_version(): "DPDK 22.11.11"; pcap_lib_version(): "libpcap version
 * 1.10.3 (with TPACKET_V3)"): those are printed as they are, the others after a name.
 */
#include <stdint.h>
#include <stdio.h>
#include <brotli/decode.h>
#include <hs.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pcap/pcap.h>
#include <rte_version.h>
#include <yaml.h>
#include <zlib.h>
#include <zstd.h>
#include "version.h"

void
version_print(FILE *f)
{
	uint32_t br = BrotliDecoderVersion();	/* 0xMMMNNNPPP: major, minor, patch */

	fprintf(f, "tollgated %s\n", TOLLGATE_VERSION);
	fprintf(f, "  %s\n", rte_version());
	fprintf(f, "  Hyperscan %s\n", hs_version());
	fprintf(f, "  %s\n", pcap_lib_version());
	fprintf(f, "  libmicrohttpd %s\n", MHD_get_version());
	fprintf(f, "  jansson %s\n", jansson_version_str());
	fprintf(f, "  libyaml %s\n", yaml_get_version_string());
	fprintf(f, "  zlib %s\n", zlibVersion());
	fprintf(f, "  zstd %s\n", ZSTD_versionString());
	fprintf(f, "  brotli %u.%u.%u\n", br >> 24, (br >> 12) & 0xFFF, br & 0xFFF);
}
