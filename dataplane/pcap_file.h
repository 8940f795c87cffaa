/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap files of Ethernet frames read without libpcap (dataplane/pcap_file.c), so
 * that the offline reader copies each frame once, from a large read(2) buffer straight
 * into its mbuf: libpcap's fread copies a record twice more (stdio's buffer, then its
 * own) and costs about 550 instructions a record.
 *
 * Only the format nearly every capture is in is taken: the classic file header with
 * microsecond or nanosecond time stamps in either byte order, version 2.4, link type
 * Ethernet. Anything else (pcapng, other versions or link types, a header cut short) is
 * left to libpcap (pcap_file_open returns 0). What is taken is read as libpcap 1.10 reads
 * it (fuzz target pcap_reader compares the two record by record): time stamp fields as
 * signed 32-bit numbers in a file of this machine's byte order and unsigned in the other
 * (libpcap's byte swap), nanoseconds divided down to microseconds; a snapshot length of
 * 0 or over PCAP_FILE_MAX_CAPLEN taken as that maximum; a record longer than the maximum
 * is a corrupt file, one longer than the snapshot length is cut to it; a record cut
 * short by the end of the file is a corrupt file, after the complete records before it.
 *
 * Pure: no EAL; one thread per struct pcap_file.
 */
#ifndef TOLLGATE_PCAP_FILE_H
#define TOLLGATE_PCAP_FILE_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_FILE_MAX_CAPLEN	262144	/* libpcap's MAXIMUM_SNAPLEN */
#define PCAP_FILE_ERRLEN	160

struct pcap_file_rec {
	int64_t sec;		/* 32 bits in the file: see above */
	int64_t usec;		/* microseconds (a nanosecond file's divided by 1000) */
	uint32_t caplen;	/* bytes at data */
	uint32_t len;		/* length on the wire */
	const uint8_t *data;	/* valid until the next pcap_file_next or pcap_file_close */
};

struct pcap_file {
	int fd;
	int swapped;		/* written in the other byte order */
	int nsec;		/* time stamps in nanoseconds */
	uint32_t snaplen;	/* the header's, adjusted as libpcap does */
	uint8_t *buf;
	size_t lo, hi;		/* bytes read and not yet consumed: buf[lo..hi) */
	int eof;		/* read(2) returned 0 */
	char err[PCAP_FILE_ERRLEN];
};

/*
 * Open path and read its file header. Returns 1 when it is a regular file this reader
 * takes (f ready for pcap_file_next), 0 when it is not or cannot be opened (nothing is
 * kept open: libpcap's to read or refuse, and to say why), -1 when its header cannot be
 * read (f->err says why; nothing kept open).
 */
int pcap_file_open(struct pcap_file *f, const char *path);

/* The same on an open descriptor, read from its current offset; fd is f's from then on
 * when 1 is returned (pcap_file_close closes it), the caller's otherwise. */
int pcap_file_open_fd(struct pcap_file *f, int fd);

/* The next record: 1 (r filled), 0 at the end of the file, -1 for a corrupt file or a
 * read error (f->err says which; the records before it were good). */
int pcap_file_next(struct pcap_file *f, struct pcap_file_rec *r);

void pcap_file_close(struct pcap_file *f);

#endif
