/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap files of Ethernet frames, read with large read(2) calls into one buffer
 * that each record is handed out of (pcap_file.h). The buffer holds PCAP_FILE_READ bytes
 * plus the largest record, so a record is always whole in it: when fewer bytes than a
 * record needs are left, they move to the front and the rest is read behind them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_file.h"

#define PCAP_FILE_READ		(1u << 20)
#define PCAP_FILE_HDR		24
#define PCAP_FILE_REC_HDR	16
#define PCAP_FILE_BUF		(PCAP_FILE_READ + PCAP_FILE_REC_HDR + PCAP_FILE_MAX_CAPLEN)

#define MAGIC_USEC	0xa1b2c3d4u
#define MAGIC_NSEC	0xa1b23c4du
#define LINKTYPE_ETHERNET 1u
#define LINKTYPE_MASK	0x03ffffffu	/* the bits above are FCS length and flags */

static uint32_t
get32(const uint8_t *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t
get16(const uint8_t *p, int swapped)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap16(v) : v;
}

/* read(2) of at most n bytes into p, again when interrupted; -1 with f->err set. */
static ssize_t
read_some(struct pcap_file *f, int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t k = read(fd, p, n);

		if (k >= 0 || errno != EINTR) {
			if (k < 0)
				snprintf(f->err, sizeof(f->err), "error reading dump file: %s",
					 strerror(errno));
			return k;
		}
	}
}

/* Read into buf at hi until n bytes are unread or the file ends. 0, or -1 (f->err). */
static int
fill(struct pcap_file *f, size_t n)
{
	if (f->hi - f->lo >= n || f->eof)
		return 0;
	if (f->lo > 0) {
		memmove(f->buf, f->buf + f->lo, f->hi - f->lo);
		f->hi -= f->lo;
		f->lo = 0;
	}
	while (f->hi < n) {
		ssize_t k = read_some(f, f->fd, f->buf + f->hi, PCAP_FILE_BUF - f->hi);

		if (k < 0)
			return -1;
		if (k == 0) {
			f->eof = 1;
			break;
		}
		f->hi += (size_t)k;
	}
	return 0;
}

int
pcap_file_open_fd(struct pcap_file *f, int fd)
{
	uint8_t h[PCAP_FILE_HDR];
	uint32_t magic, snaplen;
	size_t got = 0;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	while (got < sizeof(h)) {
		ssize_t k = read_some(f, fd, h + got, sizeof(h) - got);

		if (k < 0)
			return -1;
		if (k == 0)
			return 0;	/* libpcap says how it is cut short */
		got += (size_t)k;
	}
	magic = get32(h, 0);
	if (magic == __builtin_bswap32(MAGIC_USEC) || magic == __builtin_bswap32(MAGIC_NSEC))
		f->swapped = 1;
	else if (magic != MAGIC_USEC && magic != MAGIC_NSEC)
		return 0;
	f->nsec = get32(h, f->swapped) == MAGIC_NSEC;
	if (get16(h + 4, f->swapped) != 2 || get16(h + 6, f->swapped) != 4 ||
	    (get32(h + 20, f->swapped) & LINKTYPE_MASK) != LINKTYPE_ETHERNET)
		return 0;
	snaplen = get32(h + 16, f->swapped);
	f->snaplen = snaplen == 0 || snaplen > PCAP_FILE_MAX_CAPLEN ? PCAP_FILE_MAX_CAPLEN :
								      snaplen;
	f->buf = malloc(PCAP_FILE_BUF);
	if (f->buf == NULL) {
		snprintf(f->err, sizeof(f->err), "out of memory");
		return -1;
	}
	f->fd = fd;
	return 1;
}

int
pcap_file_open(struct pcap_file *f, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	struct stat sb;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (fd < 0)
		return 0;	/* libpcap says why, as for every other file */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);	/* a FIFO or a device: libpcap's */
		return 0;
	}
	rc = pcap_file_open_fd(f, fd);
	if (rc != 1)
		close(fd);
	else
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return rc;
}

int
pcap_file_next(struct pcap_file *f, struct pcap_file_rec *r)
{
	const uint8_t *h;
	uint32_t caplen;
	size_t have;

	if (fill(f, PCAP_FILE_REC_HDR) != 0)
		return -1;
	have = f->hi - f->lo;
	if (have < PCAP_FILE_REC_HDR) {
		if (have == 0)
			return 0;
		snprintf(f->err, sizeof(f->err), "truncated dump file; tried to read %u header "
			 "bytes, only got %zu", PCAP_FILE_REC_HDR, have);
		return -1;
	}
	h = f->buf + f->lo;
	caplen = get32(h + 8, f->swapped);
	if (caplen > PCAP_FILE_MAX_CAPLEN) {
		snprintf(f->err, sizeof(f->err), "invalid packet capture length %u, bigger than "
			 "maximum of %u", caplen, PCAP_FILE_MAX_CAPLEN);
		return -1;
	}
	if (fill(f, PCAP_FILE_REC_HDR + caplen) != 0)
		return -1;
	h = f->buf + f->lo;
	have = f->hi - f->lo - PCAP_FILE_REC_HDR;
	if (have < caplen) {
		snprintf(f->err, sizeof(f->err), "truncated dump file; tried to read %u captured "
			 "bytes, only got %zu", caplen, have);
		return -1;
	}
	/* libpcap's time stamp fields are signed, but its byte swap makes them unsigned */
	r->sec = f->swapped ? (int64_t)get32(h, 1) : (int64_t)(int32_t)get32(h, 0);
	r->usec = f->swapped ? (int64_t)get32(h + 4, 1) : (int64_t)(int32_t)get32(h + 4, 0);
	if (f->nsec)
		r->usec /= 1000;
	r->caplen = caplen < f->snaplen ? caplen : f->snaplen;
	r->len = get32(h + 12, f->swapped);
	r->data = h + PCAP_FILE_REC_HDR;
	f->lo += PCAP_FILE_REC_HDR + (size_t)caplen;
	return 1;
}

void
pcap_file_close(struct pcap_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
}
