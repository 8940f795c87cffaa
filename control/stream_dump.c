/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --dump-streams: each flow direction's reassembled bytes in a file of its own, for
 * forensics and for the tests that check reassembly byte for byte. Gaps are left out (the
 * flow event counts them). A small direct-mapped cache of open descriptors keeps the
 * number of open files bounded however many flows are live.
 *
 * Files are named by addresses and ports. Several flows can share those in one run (a port
 * reused after a close, a flow picked up again after a timeout): the first flow to dump
 * anything owns the plain names, and every later one puts its flow_id in its names, so no
 * flow overwrites another. The owners are kept in an open-addressing table of 64-bit name
 * hashes, 16 bytes per distinct 4-tuple dumped (a file on disk costs more), for the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "event_json.h"
#include "stream_dump.h"

#define DUMP_CACHE 64

struct dump_slot {
	uint64_t flow_id;
	uint8_t dir;
	int fd;			/* -1 when empty */
};

/* The flow that owns the plain file names of one 4-tuple (name_hash 0: empty entry). */
struct dump_owner {
	uint64_t name_hash;
	uint64_t flow_id;
};

struct stream_dump {
	char dir[PATH_MAX];
	struct dump_slot slot[DUMP_CACHE];
	struct dump_owner *owners;	/* open addressing, linear probing */
	size_t owners_cap;		/* 0 or a power of two */
	size_t owners_n;
	struct stream_dump_stats stats;
};

/* mkdir -p: dir and every missing parent (0755); 0 or -1 with errno. */
static int
stream_dump_mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path)) {
		errno = n == 0 ? ENOENT : ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		path[i] = i < n ? '/' : '\0';
	}
	return 0;
}

struct stream_dump *
stream_dump_open(const char *dir, char *err, size_t errlen)
{
	struct stream_dump *d;
	struct stat st;
	unsigned int i;

	if (stream_dump_mkdirs(dir) != 0) {
		snprintf(err, errlen, "--dump-streams %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
		snprintf(err, errlen, "--dump-streams %s: not a writable directory", dir);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "--dump-streams: out of memory");
		return NULL;
	}
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	for (i = 0; i < DUMP_CACHE; i++)
		d->slot[i].fd = -1;
	return d;
}

static void
dump_slot_close(struct dump_slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* FNV-1a 64 of a file name stem; never 0 (the empty entry). */
static uint64_t
dump_name_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h != 0 ? h : 1;
}

static struct dump_owner *
dump_owner_slot(struct dump_owner *tab, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i].name_hash != 0 && tab[i].name_hash != h)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Keep the table at most half full; 0 or -1 (no memory: the table is unchanged). */
static int
dump_owner_grow(struct stream_dump *d)
{
	size_t cap = d->owners_cap != 0 ? d->owners_cap * 2 : 256, i;
	struct dump_owner *tab;

	if ((d->owners_n + 1) * 2 <= d->owners_cap)
		return 0;
	tab = calloc(cap, sizeof(*tab));
	if (tab == NULL)
		return -1;
	for (i = 0; i < d->owners_cap; i++)
		if (d->owners[i].name_hash != 0)
			*dump_owner_slot(tab, cap, d->owners[i].name_hash) = d->owners[i];
	free(d->owners);
	d->owners = tab;
	d->owners_cap = cap;
	return 0;
}

/*
 * The flow whose files have the plain names of stem. claim: this flow is opening its first
 * file; it becomes the owner when there is none yet. Out of memory, a flow keeps the plain
 * names (as before port reuse was told apart) and the error is counted.
 */
static uint64_t
dump_owner_of(struct stream_dump *d, const char *stem, uint64_t flow_id, int claim)
{
	uint64_t h = dump_name_hash(stem);
	struct dump_owner *o;

	if (d->owners_cap != 0) {
		o = dump_owner_slot(d->owners, d->owners_cap, h);
		if (o->name_hash == h)
			return o->flow_id;
	}
	if (!claim)
		return flow_id;
	if (dump_owner_grow(d) != 0) {
		d->stats.errors++;
		return flow_id;
	}
	o = dump_owner_slot(d->owners, d->owners_cap, h);
	o->name_hash = h;
	o->flow_id = flow_id;
	d->owners_n++;
	return flow_id;
}

static struct dump_slot *
dump_slot_of(struct stream_dump *d, uint64_t flow_id, uint8_t dir)
{
	return &d->slot[(flow_id * 2 + dir) % DUMP_CACHE];
}

int
stream_dump_write(struct stream_dump *d, const struct msg *m)
{
	const struct msg_flow *fl = &m->flow;
	struct dump_slot *s = dump_slot_of(d, fl->flow_id, m->dir);
	const uint8_t *p = m->data;
	uint32_t left = m->len;

	if (s->fd < 0 || s->flow_id != fl->flow_id || s->dir != m->dir ||
	    (m->flags & MSG_F_FIRST)) {
		char path[PATH_MAX + 160], c[INET6_ADDRSTRLEN], sv[INET6_ADDRSTRLEN];
		char stem[2 * INET6_ADDRSTRLEN + 16];
		const char *dn = m->dir == FLOW_TOSERVER ? "c2s" : "s2c";
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

		dump_slot_close(s);
		event_json_addr(&fl->key, fl->client, c, sizeof(c));
		event_json_addr(&fl->key, !fl->client, sv, sizeof(sv));
		snprintf(stem, sizeof(stem), "%s_%u_%s_%u", c, fl->key.port[fl->client], sv,
			 fl->key.port[!fl->client]);
		if (dump_owner_of(d, stem, fl->flow_id, (m->flags & MSG_F_FIRST) != 0) ==
		    fl->flow_id)
			snprintf(path, sizeof(path), "%s/%s_%s.bin", d->dir, stem, dn);
		else
			snprintf(path, sizeof(path), "%s/%s_%" PRIu64 "_%s.bin", d->dir, stem,
				 fl->flow_id, dn);
		flags |= (m->flags & MSG_F_FIRST) ? O_TRUNC : O_APPEND;
		s->fd = open(path, flags, 0644);
		if (s->fd < 0) {
			d->stats.errors++;
			return -errno;
		}
		if (!(m->flags & MSG_F_FIRST))
			lseek(s->fd, 0, SEEK_END);
		else
			d->stats.files++;
		s->flow_id = fl->flow_id;
		s->dir = m->dir;
	}
	while (left > 0) {
		ssize_t n = write(s->fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			d->stats.errors++;
			return -errno;
		}
		p += n;
		left -= n;
	}
	d->stats.bytes += m->len;
	return 0;
}

void
stream_dump_flow_end(struct stream_dump *d, uint64_t flow_id)
{
	uint8_t dir;

	for (dir = 0; dir < 2; dir++) {
		struct dump_slot *s = dump_slot_of(d, flow_id, dir);

		if (s->fd >= 0 && s->flow_id == flow_id)
			dump_slot_close(s);
	}
}

const struct stream_dump_stats *
stream_dump_stats(const struct stream_dump *d)
{
	return &d->stats;
}

void
stream_dump_close(struct stream_dump *d)
{
	unsigned int i;

	if (d == NULL)
		return;
	for (i = 0; i < DUMP_CACHE; i++)
		dump_slot_close(&d->slot[i]);
	free(d->owners);
	free(d);
}
