/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The syslog sink: each event as one RFC 5424 message,
 *
 *   <PRI>1 TIMESTAMP HOSTNAME tollgated PROCID MSGID - {"timestamp":...EVE JSON...}
 *
 * over UDP (RFC 5426: one message per datagram), TCP (RFC 6587 octet counting: "LEN SP
 * MSG", so a message may hold any byte) or TLS (RFC 5425: the same framing in a GnuTLS
 * session, sink_tls.c). One sender thread per sink; it connects on the first event and
 * keeps the connection. After a failure it reconnects at once, then, while attempts keep
 * failing, after an exponential backoff with jitter (retry_backoff_ms doubling up to
 * retry_backoff_max_ms), retrying the event `retries` times before it counts it failed. Everything here but the pure formatting
 * functions and create/free runs on that thread; the control thread only queues.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "config.h"
#include "sink_queue.h"
#include "sink_syslog.h"
#include "sink_tls.h"

#define SINK_SYSLOG_APP "tollgated"

struct sink_syslog {
	struct config_sink conf;
	struct sink_queue *q;
	struct sink_tls *tls;		/* transport tls only */
	char host[CONFIG_SINK_ADDR_LEN];
	char port[8];
	char hostname[256];		/* HOSTNAME: gethostname(2), printable US-ASCII */
	long pid;
	int fd;				/* -1: not connected */
	struct sink_tls_session *sess;
	uint32_t fails;			/* attempts failed since a message was last sent */
	double next_connect;		/* monotonic time before which none is tried */
	int down_logged;		/* the current outage was logged */
	char *buf;			/* the frame being sent */
	size_t bufcap;
};

static const char *const transport_name[] = { "udp", "tcp", "tls" };

unsigned int
sink_syslog_severity(uint8_t event_severity)
{
	switch (event_severity) {
	case 1:
		return 2;	/* critical */
	case 2:
		return 3;	/* error */
	case 3:
		return 4;	/* warning */
	default:
		return 6;	/* informational */
	}
}

void
sink_syslog_timestamp(const char *eve, char *out, size_t len)
{
	size_t n = strlen(eve), i;
	static const char form[] = "dddd-dd-ddTdd:dd:dd";

	/* YYYY-MM-DDTHH:MM:SS[.1 to 6 digits]+0000: the daemon writes UTC only */
	if (n < 24 || n - 3 > len || strcmp(eve + n - 5, "+0000") != 0)
		goto nil;
	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'd' ? (eve[i] < '0' || eve[i] > '9') : eve[i] != form[i])
			goto nil;
	if (n > 24 && (n == 25 || n > 31 || eve[19] != '.' ||
		       strspn(eve + 20, "0123456789") != n - 25))
		goto nil;
	memcpy(out, eve, n - 5);
	out[n - 5] = 'Z';
	out[n - 4] = '\0';
	return;
nil:
	snprintf(out, len, "-");
}

size_t
sink_syslog_format(char *buf, size_t cap, unsigned int facility, const char *hostname,
		   long pid, const struct sink_item *it)
{
	char ts[40], msgid[SINK_TYPE_LEN];
	size_t i, n, hlen;
	int h;

	sink_syslog_timestamp(it->ts, ts, sizeof(ts));
	/* MSGID is 1..32 PRINTUSASCII; an event type always is, but never trust a field */
	for (i = 0; it->type[i] != '\0' && i < sizeof(msgid) - 1; i++)
		msgid[i] = it->type[i] > 32 && it->type[i] < 127 ? it->type[i] : '_';
	msgid[i] = '\0';
	h = snprintf(buf, cap, "<%u>1 %s %s " SINK_SYSLOG_APP " %ld %s - ",
		     facility * 8 + sink_syslog_severity(it->severity), ts, hostname, pid,
		     i > 0 ? msgid : "-");
	hlen = h > 0 ? (size_t)h : 0;
	n = hlen + it->len;
	if (n < cap) {
		memcpy(buf + hlen, it->line, it->len);
		buf[n] = '\0';
	}
	return n;
}

/* HOSTNAME: the host's name, each byte outside 33..126 replaced; "-" when there is none. */
static void
sink_syslog_hostname(char *out, size_t len)
{
	size_t i;

	if (gethostname(out, len) != 0 || out[0] == '\0') {
		snprintf(out, len, "-");
		return;
	}
	out[len - 1] = '\0';
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] < 33 || out[i] > 126)
			out[i] = '-';
}

struct sink_syslog *
sink_syslog_create(const struct config_sink *conf, struct sink_queue *q, char *err,
		   size_t errlen)
{
	struct sink_syslog *s = calloc(1, sizeof(*s));
	uint16_t port;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->conf = *conf;
	s->q = q;
	s->fd = -1;
	s->pid = (long)getpid();
	sink_syslog_hostname(s->hostname, sizeof(s->hostname));
	if (config_split_hostport(conf->address, s->host, sizeof(s->host), &port) != 0) {
		snprintf(err, errlen, "address %s: expected HOST:PORT", conf->address);
		free(s);
		return NULL;
	}
	snprintf(s->port, sizeof(s->port), "%u", port);
	if (conf->transport == CONFIG_SYSLOG_TLS) {
		s->tls = sink_tls_create(conf->tls_ca_file, conf->tls_cert_file,
					 conf->tls_key_file, conf->tls_server_name[0] ?
					 conf->tls_server_name : s->host, err, errlen);
		if (s->tls == NULL) {
			free(s);
			return NULL;
		}
	}
	return s;
}

static void
sink_syslog_disconnect(struct sink_syslog *s)
{
	sink_tls_close(s->sess);
	s->sess = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* A non-blocking socket connected to one of host's addresses before deadline, or -errno. */
static int
sink_syslog_socket(struct sink_syslog *s, double deadline, char *err, size_t errlen)
{
	int udp = s->conf.transport == CONFIG_SYSLOG_UDP;
	struct addrinfo hints = {
		.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	}, *res, *ai;
	int fd = -1, rc, e = 0;
	socklen_t el = sizeof(e);

	rc = getaddrinfo(s->host, s->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%.255s: %s", s->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "socket: %s", strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = -errno;
		if (errno == EINPROGRESS) {
			rc = sink_queue_wait_fd(s->q, fd, POLLOUT, deadline);
			if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
				break;
			if (rc == 0)
				rc = -e;
		}
		snprintf(err, errlen, "connect: %s", rc == -ETIMEDOUT ? "timed out" :
			 strerror(-rc));
		close(fd);
		fd = -1;
		if (rc == -ECANCELED)
			break;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : rc;
}

/*
 * Connect (and for TLS, handshake), waiting first until the backoff of earlier failures
 * has passed. 0, -ECANCELED when stopped, or another -errno with err set.
 */
static int
sink_syslog_connect(struct sink_syslog *s, char *err, size_t errlen)
{
	double now = sink_queue_now(), deadline;
	int fd;

	if (s->next_connect > now &&
	    sink_queue_sleep(s->q, (uint32_t)((s->next_connect - now) * 1000) + 1) != 0)
		return -ECANCELED;
	deadline = sink_queue_now() + s->conf.timeout_ms / 1000.0;
	fd = sink_syslog_socket(s, deadline, err, errlen);
	if (fd >= 0 && s->tls != NULL) {
		s->sess = sink_tls_handshake(s->tls, fd, s->q, deadline, err, errlen);
		if (s->sess == NULL) {
			close(fd);
			fd = sink_queue_stopping(s->q) ? -ECANCELED : -EPROTO;
		}
	}
	if (fd < 0)
		return fd;
	s->fd = fd;
	return 0;
}

/*
 * An attempt failed (connect, handshake or send): drop the connection; the next attempt
 * comes at once after the first failure since a message went out (a receiver that
 * restarted), then after a growing backoff. The first failure of an outage is logged.
 */
static void
sink_syslog_failed(struct sink_syslog *s, const char *err)
{
	sink_syslog_disconnect(s);
	s->fails++;
	s->next_connect = sink_queue_now() +
			  (s->fails == 1 ? 0 : sink_queue_backoff_ms(s->q, s->fails - 1) / 1000.0);
	if (!s->down_logged)
		SINK_LOG(WARNING, "%s: syslog %s (%s): %s; retrying with backoff up to %u ms",
			 s->conf.name, s->conf.address, transport_name[s->conf.transport], err,
			 s->conf.backoff_max_ms);
	s->down_logged = 1;
}

/* TCP/TLS: the receiver closed the connection while it was idle (it sends nothing). */
static int
sink_syslog_peer_closed(struct sink_syslog *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	char buf[512];

	if (s->sess != NULL)
		return sink_tls_closed(s->sess);
	while (poll(&p, 1, 0) > 0) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return 1;
		if (n < 0)
			return 0;
	}
	return 0;
}

/* Write len bytes on the plain socket before deadline. 0 or -errno (err set). */
static int
sink_syslog_write(struct sink_syslog *s, const char *p, size_t len, double deadline, char *err,
		  size_t errlen)
{
	int rc;

	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			/* a datagram goes whole or not at all */
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -errno;
		}
		rc = sink_queue_wait_fd(s->q, s->fd, POLLOUT, deadline);
		if (rc != 0) {
			snprintf(err, errlen, "send: %s", rc == -ETIMEDOUT ? "timed out" :
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * The frame of it, in s->buf: the message, after "LEN " on TCP and TLS (the message is
 * formatted first, LEN written just before it). NULL when out of memory.
 */
static const char *
sink_syslog_frame(struct sink_syslog *s, const struct sink_item *it, size_t *framelen)
{
	const size_t off = s->conf.transport != CONFIG_SYSLOG_UDP ? 24 : 0;
	char prefix[24];
	size_t n;
	int p;

	for (;;) {
		n = sink_syslog_format(s->buf != NULL ? s->buf + off : NULL,
				       s->buf != NULL ? s->bufcap - off : 0,
				       s->conf.facility, s->hostname, s->pid, it);
		if (s->buf != NULL && off + n < s->bufcap)
			break;
		free(s->buf);
		s->bufcap = off + n + 1024;
		s->buf = malloc(s->bufcap);
		if (s->buf == NULL) {
			s->bufcap = 0;
			return NULL;
		}
	}
	if (off == 0) {
		*framelen = n;
		return s->buf;
	}
	p = snprintf(prefix, sizeof(prefix), "%zu ", n);
	memcpy(s->buf + off - (size_t)p, prefix, (size_t)p);
	*framelen = (size_t)p + n;
	return s->buf + off - (size_t)p;
}

/* Send one event, retrying on a new connection; always ends it with sink_queue_done. */
static void
sink_syslog_one(struct sink_syslog *s, struct sink_item *it)
{
	char err[512];
	size_t len = 0;
	const char *frame = sink_syslog_frame(s, it, &len);
	uint32_t attempt;
	int rc;

	if (frame == NULL ||
	    (s->conf.transport == CONFIG_SYSLOG_UDP && len > SINK_SYSLOG_UDP_MAX)) {
		SINK_LOG(DEBUG, "%s: a %s event of %zu bytes cannot be sent over %s",
			 s->conf.name, it->type, it->len, transport_name[s->conf.transport]);
		sink_queue_done(s->q, it, SINK_FAILED);
		return;
	}
	for (attempt = 0;; attempt++) {
		if (attempt > 0) {
			if (attempt > s->conf.retries) {
				sink_queue_done(s->q, it, SINK_FAILED);
				return;
			}
			sink_queue_retried(s->q);
		}
		if (s->fd >= 0 && s->conf.transport != CONFIG_SYSLOG_UDP &&
		    sink_syslog_peer_closed(s))
			sink_syslog_disconnect(s);
		rc = s->fd >= 0 ? 0 : sink_syslog_connect(s, err, sizeof(err));
		if (rc == 0) {
			double deadline = sink_queue_now() + s->conf.timeout_ms / 1000.0;

			if (s->sess != NULL)
				rc = sink_tls_send(s->sess, frame, len, s->q, deadline, err,
						   sizeof(err));
			else
				rc = sink_syslog_write(s, frame, len, deadline, err, sizeof(err));
		}
		if (rc == 0) {
			if (s->down_logged)
				SINK_LOG(NOTICE, "%s: syslog %s (%s) takes messages again, after "
					 "%u failed attempts", s->conf.name, s->conf.address,
					 transport_name[s->conf.transport], s->fails);
			s->down_logged = 0;
			s->fails = 0;
			sink_queue_done(s->q, it, SINK_SENT);
			return;
		}
		if (rc == -ECANCELED || sink_queue_stopping(s->q)) {
			sink_queue_done(s->q, it, SINK_DROPPED);
			return;
		}
		sink_syslog_failed(s, err);
	}
}

void *
sink_syslog_main(void *arg)
{
	struct sink_syslog *s = arg;

	while (!sink_queue_stopping(s->q)) {
		struct sink_item *it = sink_queue_pop(s->q, 100);

		if (it != NULL)
			sink_syslog_one(s, it);
	}
	sink_syslog_disconnect(s);
	return NULL;
}

void
sink_syslog_free(struct sink_syslog *s)
{
	if (s == NULL)
		return;
	sink_syslog_disconnect(s);
	sink_tls_free(s->tls);
	free(s->buf);
	free(s);
}
