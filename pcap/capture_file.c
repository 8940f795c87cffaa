/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A capture's ring of pcap files (capture_file.h).
 *
 * libpcap writes each file through a stdio stream of our own (fopencookie, unbuffered):
 * every byte pcap_dump produces lands in out->buf at once, so after each pcap_dump the
 * buffer ends on a record boundary, and only then is it written to the file (one write(2)
 * for many records). The file on disk therefore grows by whole records only.
 *
 *   pcap_dump ─► fwrite ─► out_write (append to buf) ─► [>= 64 KiB, flush, close]
 *                                                        ─► write(2) of whole records
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "capture_file.h"
#include "capture_types.h"

#define OUT_FLUSH_AT (64 * 1024)	/* buffered bytes that trigger a write */
#define PCAP_MAGIC_US 0xa1b2c3d4u

struct capture_out {
	int fd;
	FILE *fp;
	pcap_t *dead;
	pcap_dumper_t *d;
	uint8_t *buf;
	size_t len, cap;
	int err;		/* errno of the first failed write, 0 */
};

/* ---- the stream libpcap writes into ---- */

static int
out_drain(struct capture_out *o)
{
	size_t off = 0;

	while (off < o->len && o->err == 0) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
	return -o->err;
}

static ssize_t
out_write(void *cookie, const char *data, size_t n)
{
	struct capture_out *o = cookie;

	if (o->len + n > o->cap) {
		size_t cap = o->cap == 0 ? 2 * OUT_FLUSH_AT : o->cap;
		uint8_t *p;

		while (cap < o->len + n)
			cap *= 2;
		p = realloc(o->buf, cap);
		if (p == NULL) {
			o->err = ENOMEM;
			errno = ENOMEM;
			return -1;
		}
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	return (ssize_t)n;
}

static int
out_close(void *cookie)
{
	struct capture_out *o = cookie;
	int rc = out_drain(o);

	if (close(o->fd) != 0 && rc == 0)
		rc = -errno;
	o->fd = -1;
	return rc == 0 ? 0 : -1;
}

static void
out_free(struct capture_out *o)
{
	if (o == NULL)
		return;
	if (o->d != NULL)
		pcap_dump_close(o->d);	/* closes fp, which drains and closes fd */
	else if (o->fp != NULL)
		fclose(o->fp);
	else if (o->fd >= 0)
		close(o->fd);
	if (o->dead != NULL)
		pcap_close(o->dead);
	free(o->buf);
	free(o);
}

/* A new file at path holding its pcap header, or NULL with err. */
static struct capture_out *
out_open(const char *path, uint32_t snaplen, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = { .write = out_write, .close = out_close };
	struct capture_out *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(o);
		return NULL;
	}
	o->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_MICRO);
	o->fp = o->dead != NULL ? fopencookie(o, "w", io) : NULL;
	if (o->fp != NULL)
		setvbuf(o->fp, NULL, _IONBF, 0);
	o->d = o->fp != NULL ? pcap_dump_fopen(o->dead, o->fp) : NULL;
	if (o->d == NULL || out_drain(o) != 0) {
		snprintf(err, errlen, "%s: %s", path, o->err ? strerror(o->err) :
			 o->dead != NULL ? pcap_geterr(o->dead) : "out of memory");
		if (o->d == NULL && o->fp != NULL) {
			fclose(o->fp);
			o->fp = NULL;
		}
		out_free(o);
		unlink(path);
		return NULL;
	}
	return o;
}

/* ---- names ---- */

void
capture_files_name(const struct capture_files *cf, const struct capture_file_info *fi,
		   char *buf, size_t len)
{
	time_t t = (time_t)fi->created_s;
	struct tm tm;
	char ts[16];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
	snprintf(buf, len, "%s_%05u_%s.pcap", cf->name, fi->index, ts);
}

static void
files_path(const struct capture_files *cf, const struct capture_file_info *fi, char *buf,
	   size_t len)
{
	char name[CAPTURE_FNAME_LEN];

	capture_files_name(cf, fi, name, sizeof(name));
	snprintf(buf, len, "%s/%s", cf->dir, name);
}

/*
 * Is d "<name>_<index>_<YYYYmmddHHMMSS>.pcap" for this ring? Sets index and the time.
 * The index has 5 digits or more, without a sign.
 */
static int
files_parse_name(const struct capture_files *cf, const char *d, uint32_t *index,
		 uint64_t *created_s)
{
	size_t nl = strlen(cf->name), len = strlen(d), i, digits;
	unsigned long long v = 0;
	struct tm tm;
	const char *p;

	if (len < nl + 1 + 5 + 1 + 14 + 5 || strncmp(d, cf->name, nl) != 0 || d[nl] != '_' ||
	    strcmp(d + len - 5, ".pcap") != 0)
		return 0;
	p = d + nl + 1;
	digits = strspn(p, "0123456789");
	if (digits < 5 || digits > 9 || p[digits] != '_')
		return 0;
	for (i = 0; i < digits; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	p += digits + 1;
	if (strspn(p, "0123456789") != 14 || strcmp(p + 14, ".pcap") != 0 || v == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(p, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*index = (uint32_t)v;
	*created_s = (uint64_t)timegm(&tm);
	return 1;
}

/* ---- the list ---- */

void
capture_files_init(struct capture_files *cf, const char *dir, const char *name,
		   uint32_t snaplen, uint64_t file_size, uint32_t file_count)
{
	memset(cf, 0, sizeof(*cf));
	snprintf(cf->dir, sizeof(cf->dir), "%s", dir);
	snprintf(cf->name, sizeof(cf->name), "%s", name);
	cf->snaplen = snaplen;
	cf->file_size = file_size;
	cf->file_count = file_count;
	cf->next_index = 1;
}

static struct capture_file_info *
files_append(struct capture_files *cf)
{
	if (cf->n == cf->cap) {
		uint32_t cap = cf->cap == 0 ? 16 : cf->cap * 2;
		struct capture_file_info *p = realloc(cf->f, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		cf->f = p;
		cf->cap = cap;
	}
	memset(&cf->f[cf->n], 0, sizeof(cf->f[0]));
	return &cf->f[cf->n++];
}

static int
files_cmp(const void *a, const void *b)
{
	const struct capture_file_info *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Read the records of one file: count them, note first and last time, and cut the file
 * after the last whole record (a record header or data cut short by a crash).
 */
static int
files_scan_one(struct capture_files *cf, const char *path, struct capture_file_info *fi)
{
	uint32_t hdr[6], rec[4];
	struct stat st;
	uint64_t off = CAPTURE_FILE_HDR;
	int fd = open(path, O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    hdr[0] != PCAP_MAGIC_US) {
		/* Not a file we wrote whole (its header never reached the disk): skip it. */
		close(fd);
		return -EINVAL;
	}
	while (off + CAPTURE_PKT_HDR <= (uint64_t)st.st_size) {
		uint64_t ts;

		if (pread(fd, rec, sizeof(rec), (off_t)off) != (ssize_t)sizeof(rec) ||
		    rec[2] > CAPTURE_SNAPLEN_MAX || rec[2] > rec[3] ||
		    off + CAPTURE_PKT_HDR + rec[2] > (uint64_t)st.st_size)
			break;
		ts = (uint64_t)rec[0] * 1000000 + rec[1];
		if (fi->packets == 0)
			fi->first_us = ts;
		fi->last_us = ts;
		fi->packets++;
		off += CAPTURE_PKT_HDR + rec[2];
	}
	if (off != (uint64_t)st.st_size) {
		if (ftruncate(fd, (off_t)off) != 0)
			rc = -errno;
		else
			cf->repaired++;
	}
	fi->size = off;
	close(fd);
	return rc;
}

int
capture_files_scan(struct capture_files *cf, char *err, size_t errlen)
{
	char path[CAPTURE_FILE_PATH_LEN + 256];
	struct dirent *de;
	DIR *d = opendir(cf->dir);
	uint32_t i;

	if (d == NULL)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", cf->dir,
						       strerror(errno)), -errno);
	while ((de = readdir(d)) != NULL) {
		struct capture_file_info *fi;
		uint32_t index;
		uint64_t created;

		if (!files_parse_name(cf, de->d_name, &index, &created))
			continue;
		fi = files_append(cf);
		if (fi == NULL) {
			closedir(d);
			snprintf(err, errlen, "%s: out of memory", cf->dir);
			return -ENOMEM;
		}
		fi->index = index;
		fi->created_s = created;
		snprintf(path, sizeof(path), "%s/%s", cf->dir, de->d_name);
		if (files_scan_one(cf, path, fi) != 0) {
			cf->n--;	/* unreadable: not listed, not counted */
			continue;
		}
	}
	closedir(d);
	qsort(cf->f, cf->n, sizeof(cf->f[0]), files_cmp);
	cf->bytes = 0;
	for (i = 0; i < cf->n; i++) {
		cf->bytes += cf->f[i].size;
		if (cf->f[i].index >= cf->next_index)
			cf->next_index = cf->f[i].index + 1;
	}
	return 0;
}

/* Delete the oldest files until at most keep remain. */
static void
files_trim(struct capture_files *cf, uint32_t keep)
{
	char path[CAPTURE_FILE_PATH_LEN];
	uint32_t drop;

	if (cf->n <= keep)
		return;
	drop = cf->n - keep;
	for (uint32_t i = 0; i < drop; i++) {
		files_path(cf, &cf->f[i], path, sizeof(path));
		if (unlink(path) == 0 || errno == ENOENT)
			cf->deleted++;
		cf->bytes -= cf->f[i].size;
	}
	memmove(cf->f, cf->f + drop, (cf->n - drop) * sizeof(cf->f[0]));
	cf->n -= drop;
}

int
capture_files_close(struct capture_files *cf)
{
	struct capture_out *o = cf->out;
	int rc;

	if (o == NULL)
		return 0;
	rc = out_drain(o);
	cf->out = NULL;
	/* Closes the stream: out_close writes nothing more and closes the descriptor. */
	pcap_dump_close(o->d);
	if (o->err != 0 && rc == 0)
		rc = -o->err;
	o->d = NULL;
	o->fp = NULL;
	o->fd = -1;
	out_free(o);
	return rc;
}

int
capture_files_open(struct capture_files *cf, uint64_t now_us, char *err, size_t errlen)
{
	char path[CAPTURE_FILE_PATH_LEN];
	struct capture_file_info *fi;
	int rc;

	if ((rc = capture_files_close(cf)) != 0) {
		snprintf(err, errlen, "%s: %s", cf->dir, strerror(-rc));
		return rc;
	}
	/* Room for the new one: the ring keeps file_count files, this one included. */
	files_trim(cf, cf->file_count - 1);
	fi = files_append(cf);
	if (fi == NULL) {
		snprintf(err, errlen, "%s: out of memory", cf->dir);
		return -ENOMEM;
	}
	fi->index = cf->next_index;
	fi->created_s = now_us / 1000000;
	files_path(cf, fi, path, sizeof(path));
	cf->out = out_open(path, cf->snaplen, err, errlen);
	if (cf->out == NULL) {
		cf->n--;
		return -EIO;
	}
	cf->next_index++;
	cf->created++;
	fi->size = CAPTURE_FILE_HDR;
	cf->bytes += CAPTURE_FILE_HDR;
	return 0;
}

int
capture_files_write(struct capture_files *cf, const struct capture_rec *r,
		    const uint8_t *data, uint64_t now_us, char *err, size_t errlen)
{
	uint64_t need = CAPTURE_PKT_HDR + (uint64_t)r->caplen;
	struct capture_file_info *fi;
	struct pcap_pkthdr h;
	int rc;

	if (cf->out == NULL || cf->n == 0)
		return -EBADF;
	fi = &cf->f[cf->n - 1];
	if (fi->size + need > cf->file_size && fi->packets > 0) {
		rc = capture_files_open(cf, now_us, err, errlen);
		if (rc != 0)
			return rc;
		fi = &cf->f[cf->n - 1];
	}
	h.ts.tv_sec = (time_t)(r->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(r->ts_us % 1000000);
	h.caplen = r->caplen;
	h.len = r->origlen;
	pcap_dump((u_char *)cf->out->d, &h, data);
	if (cf->out->err != 0) {
		snprintf(err, errlen, "%s: %s", cf->dir, strerror(cf->out->err));
		return -cf->out->err;
	}
	if (fi->packets == 0)
		fi->first_us = r->ts_us;
	fi->last_us = r->ts_us;
	fi->packets++;
	fi->size += need;
	cf->bytes += need;
	if (cf->out->len >= OUT_FLUSH_AT && (rc = out_drain(cf->out)) != 0) {
		snprintf(err, errlen, "%s: %s", cf->dir, strerror(-rc));
		return rc;
	}
	return 0;
}

int
capture_files_flush(struct capture_files *cf)
{
	return cf->out != NULL ? out_drain(cf->out) : 0;
}

int
capture_files_path(const struct capture_files *cf, uint32_t index, char *buf, size_t len)
{
	uint32_t i;

	for (i = 0; i < cf->n; i++)
		if (cf->f[i].index == index) {
			files_path(cf, &cf->f[i], buf, len);
			return 0;
		}
	return -ENOENT;
}

int
capture_files_remove(struct capture_files *cf)
{
	int rc = capture_files_close(cf);

	files_trim(cf, 0);
	return rc;
}

void
capture_files_release(struct capture_files *cf)
{
	capture_files_close(cf);
	free(cf->f);
	cf->f = NULL;
	cf->n = cf->cap = 0;
}

int
capture_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n < CAPTURE_ID_LEN && id[0] != '-' &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int
capture_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n < CAPTURE_NAME_LEN && name[0] != '-' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       n;
}
