/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_STREAM_DUMP_H
#define TOLLGATE_STREAM_DUMP_H

#include <stdint.h>
#include "msg_types.h"

struct stream_dump;

struct stream_dump_stats {
	uint64_t files;		/* flow directions written */
	uint64_t bytes;
	uint64_t errors;	/* failed opens or writes */
};

/*
 * Open (create if needed) the --dump-streams directory. Returns NULL with err set when it
 * cannot be created or is not a writable directory. Control thread.
 */
struct stream_dump *stream_dump_open(const char *dir, char *err, size_t errlen);

/*
 * Append a MSG_STREAM_DATA chunk to
 * DIR/<client_ip>_<client_port>_<server_ip>_<server_port>_<c2s|s2c>.bin, or, for a flow
 * whose addresses and ports an earlier flow of the run dumped already (port reuse),
 * DIR/<client_ip>_<client_port>_<server_ip>_<server_port>_<flow_id>_<c2s|s2c>.bin; the first
 * chunk of a flow direction (MSG_F_FIRST) truncates the file. Returns 0 or -errno (counted
 * in errors). Control thread.
 */
int stream_dump_write(struct stream_dump *d, const struct msg *m);

/* The flow ended: close its files. */
void stream_dump_flow_end(struct stream_dump *d, uint64_t flow_id);

const struct stream_dump_stats *stream_dump_stats(const struct stream_dump *d);

/* Close everything. NULL is a no-op. */
void stream_dump_close(struct stream_dump *d);

#endif
