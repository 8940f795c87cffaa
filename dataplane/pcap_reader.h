/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_PCAP_READER_H
#define TOLLGATE_PCAP_READER_H

#include "runtime_types.h"

/*
 * Check that path opens as a capture file we can read (libpcap, Ethernet / raw IP /
 * Linux cooked link types). Returns 0, or -EINVAL with err naming the file and the
 * reason. Control thread, before the lcores start.
 */
int pcap_reader_check(const char *path, char *err, size_t errlen);

/*
 * Input lcore entry for offline mode: reads rt->read_files in order into mbufs (packet
 * timestamp in rte_dynfield_timestamp, microseconds), dispatches them to the workers
 * without loss, then publishes rt->input_end_us and rt->input_done. A file that fails
 * part-way is reported (named) and sets rt->input_failed; the packets before the fault
 * are processed.
 */
int pcap_reader_main(void *arg);

#endif
