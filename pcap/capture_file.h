/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring of pcap files of one capture, in its own directory (docs/capture.md "Files"):
 *
 *   STATE_DIR/captures/<id>/<name>_<index>_<YYYYmmddHHMMSS>.pcap
 *
 * named like dumpcap's ring buffer files: index counts files from 00001 (5 digits, more
 * past 99999) and never restarts, the time is the file's creation (UTC). A file never
 * grows past file_size bytes: the record that would not fit opens the next file, and when
 * the ring then holds more than file_count files the oldest is deleted.
 *
 * Files are written with libpcap (pcap_dump, microsecond timestamps, LINKTYPE_ETHERNET)
 * into a stream whose bytes this module collects and writes with write(2) only at record
 * boundaries: a file on disk always ends with a whole record, so it stays readable when
 * the daemon is killed (the last records not yet written are lost, the file is not). A
 * scan at start-up lists the files found and cuts a file whose last record is incomplete
 * back to its last whole record.
 *
 * One thread at a time (the pcap writer, or the control thread while it holds the capture
 * registry's lock).
 */
#ifndef TOLLGATE_CAPTURE_FILE_H
#define TOLLGATE_CAPTURE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_ID_LEN 33		/* 1..32 of [A-Za-z0-9_-], not starting with '-' */
#define CAPTURE_NAME_LEN 33		/* a capture's name: 1..32 of [A-Za-z0-9_-] */
#define CAPTURE_ROOT_LEN 544		/* STATE_DIR/captures */
#define CAPTURE_PATH_LEN 600		/* a capture's directory */
#define CAPTURE_FNAME_LEN 80		/* a ring file's name */
#define CAPTURE_FILE_PATH_LEN (CAPTURE_PATH_LEN + CAPTURE_FNAME_LEN)
#define CAPTURE_FILE_HDR 24		/* pcap file header */
#define CAPTURE_PKT_HDR 16		/* pcap record header */

struct capture_rec;
struct capture_out;

/* One file of the ring. */
struct capture_file_info {
	uint32_t index;
	uint64_t created_s;	/* the time in its name, seconds since the epoch (UTC) */
	uint64_t size;		/* bytes: the pcap header and every record written to it */
	uint64_t packets;
	uint64_t first_us;	/* first and last packet times; 0 with no packet */
	uint64_t last_us;
};

struct capture_files {
	char dir[CAPTURE_PATH_LEN];
	char name[CAPTURE_NAME_LEN];
	uint32_t snaplen;
	uint64_t file_size;
	uint32_t file_count;
	uint32_t n;			/* files in f[], oldest first */
	uint32_t cap;
	struct capture_file_info *f;	/* the last is the open one while out != NULL */
	uint32_t next_index;		/* index of the next file, from 1 */
	uint64_t bytes;			/* sum of f[].size */
	uint64_t created;		/* files opened, deleted by the ring, repaired at scan */
	uint64_t deleted;
	uint64_t repaired;
	struct capture_out *out;	/* the open file, or NULL */
};

/* An empty ring in dir for files called name_... (no file is touched). */
void capture_files_init(struct capture_files *cf, const char *dir, const char *name,
			uint32_t snaplen, uint64_t file_size, uint32_t file_count);

/*
 * List the files of this ring found in dir (any index, oldest first), cut each back to its
 * last whole record if need be, and count their packets and times; next_index follows the
 * highest index found. Other files are left alone. Returns 0, or -errno with err naming the
 * file (a missing directory is an empty ring, 0).
 */
int capture_files_scan(struct capture_files *cf, char *err, size_t errlen);

/*
 * Open the next file of the ring now (created at now_us, wall clock), deleting the oldest
 * files past file_count. The file holds its pcap header as soon as this returns. Returns 0
 * or -errno with err naming the file.
 */
int capture_files_open(struct capture_files *cf, uint64_t now_us, char *err, size_t errlen);

/*
 * Append the copy r (r->caplen bytes at data) to the open file, opening the next one first
 * when it would pass file_size (a file with no packet takes any record that fits
 * file_size). Returns 0, or -errno (the file could not be written or opened: err says
 * why). Needs an open file (capture_files_open).
 */
int capture_files_write(struct capture_files *cf, const struct capture_rec *r,
			const uint8_t *data, uint64_t now_us, char *err, size_t errlen);

/* Write what is buffered (whole records) to disk. 0 or -errno. */
int capture_files_flush(struct capture_files *cf);

/* Flush and close the open file (none: a no-op). 0 or -errno of the last write. */
int capture_files_close(struct capture_files *cf);

/* The path of the file with index (of this ring) into buf; -ENOENT when it has none. */
int capture_files_path(const struct capture_files *cf, uint32_t index, char *buf, size_t len);

/* The name of file i of f[] (no directory) into buf. */
void capture_files_name(const struct capture_files *cf, const struct capture_file_info *fi,
			char *buf, size_t len);

/* Close and delete every file of the ring; the list is then empty. 0 or -errno. */
int capture_files_remove(struct capture_files *cf);

/* Close the open file and free the list. */
void capture_files_release(struct capture_files *cf);

/*
 * Is id a well-formed capture id (1..32 of [A-Za-z0-9_-], not starting with '-'), safe as
 * a directory name? Pure.
 */
int capture_id_valid(const char *id);

/* Is name a well-formed file name prefix (1..32 of [A-Za-z0-9_-], not starting with '-')? */
int capture_name_valid(const char *name);

#endif
