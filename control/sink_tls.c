/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS for the syslog sink (RFC 5425), with GnuTLS: client credentials per sink, and per
 * connection a non-blocking handshake that verifies the server's certificate chain
 * against the sink's CA file and checks that the certificate names the server (RFC 5425
 * section 5.2, "subject name authorization"; RFC 6125 matching, done by GnuTLS), then
 * sends with deadlines. Every wait is a poll in 100 ms slices that sees the sink being
 * stopped (sink_queue_wait_fd), so a receiver that stalls mid-handshake never holds up
 * the exit. The sender thread runs all of it but sink_tls_create and sink_tls_free.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "sink_queue.h"
#include "sink_tls.h"

struct sink_tls {
	gnutls_certificate_credentials_t cred;
	char name[256];			/* the name the server's certificate must carry */
	int name_is_ip;			/* no SNI for an address (RFC 6066 section 3) */
};

struct sink_tls_session {
	gnutls_session_t s;
	int fd;
};

/* 0 when path is unset or readable, else -1 with err "what path: reason". */
static int
sink_tls_readable(const char *what, const char *path, char *err, size_t errlen)
{
	if (path == NULL || path[0] == '\0' || access(path, R_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

struct sink_tls *
sink_tls_create(const char *ca_file, const char *cert_file, const char *key_file,
		const char *server_name, char *err, size_t errlen)
{
	struct sink_tls *t = calloc(1, sizeof(*t));
	unsigned char addr[16];
	int rc;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = gnutls_certificate_allocate_credentials(&t->cred);
	if (rc < 0) {
		snprintf(err, errlen, "TLS credentials: %s", gnutls_strerror(rc));
		free(t);
		return NULL;
	}
	/* GnuTLS says only "Error while reading file": name the reason first */
	if (sink_tls_readable("tls_ca_file", ca_file, err, errlen) != 0 ||
	    sink_tls_readable("tls_cert_file", cert_file, err, errlen) != 0 ||
	    sink_tls_readable("tls_key_file", key_file, err, errlen) != 0)
		goto fail;
	if (ca_file != NULL && ca_file[0] != '\0') {
		rc = gnutls_certificate_set_x509_trust_file(t->cred, ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			snprintf(err, errlen, "tls_ca_file %s: %s", ca_file,
				 rc == 0 ? "no PEM certificate in it" : gnutls_strerror(rc));
			goto fail;
		}
	} else {
		rc = gnutls_certificate_set_x509_system_trust(t->cred);
		if (rc <= 0) {
			snprintf(err, errlen, "no tls_ca_file and no system CA certificates (%s)",
				 rc == 0 ? "none found" : gnutls_strerror(rc));
			goto fail;
		}
	}
	if (cert_file != NULL && cert_file[0] != '\0') {
		rc = gnutls_certificate_set_x509_key_file(t->cred, cert_file, key_file,
							  GNUTLS_X509_FMT_PEM);
		if (rc < 0) {
			snprintf(err, errlen, "tls_cert_file %s / tls_key_file %s: %s", cert_file,
				 key_file, gnutls_strerror(rc));
			goto fail;
		}
	}
	snprintf(t->name, sizeof(t->name), "%s", server_name);
	t->name_is_ip = inet_pton(AF_INET, t->name, addr) == 1 ||
			inet_pton(AF_INET6, t->name, addr) == 1;
	return t;
fail:
	gnutls_certificate_free_credentials(t->cred);
	free(t);
	return NULL;
}

void
sink_tls_free(struct sink_tls *t)
{
	if (t == NULL)
		return;
	gnutls_certificate_free_credentials(t->cred);
	free(t);
}

/* Wait for what GnuTLS was blocked on (read or write) before deadline. */
static int
sink_tls_wait(struct sink_tls_session *s, const struct sink_queue *q, double deadline)
{
	short ev = gnutls_record_get_direction(s->s) == 0 ? POLLIN : POLLOUT;

	return sink_queue_wait_fd(q, s->fd, ev, deadline);
}

/* Why the server's certificate was refused, as GnuTLS words it. */
static void
sink_tls_verify_error(struct sink_tls_session *s, char *err, size_t errlen)
{
	unsigned int status = gnutls_session_get_verify_cert_status(s->s);
	gnutls_datum_t out = { NULL, 0 };

	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
		size_t n = strlen((char *)out.data);

		while (n > 0 && (out.data[n - 1] == ' ' || out.data[n - 1] == '\n'))
			out.data[--n] = '\0';
		snprintf(err, errlen, "certificate verification failed: %s", (char *)out.data);
		gnutls_free(out.data);
	} else {
		snprintf(err, errlen, "certificate verification failed (status 0x%x)", status);
	}
}

struct sink_tls_session *
sink_tls_handshake(struct sink_tls *t, int fd, const struct sink_queue *q, double deadline,
		   char *err, size_t errlen)
{
	struct sink_tls_session *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = fd;
	rc = gnutls_init(&s->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (rc < 0) {
		snprintf(err, errlen, "TLS session: %s", gnutls_strerror(rc));
		free(s);
		return NULL;
	}
	rc = gnutls_set_default_priority(s->s);
	if (rc == 0)
		rc = gnutls_credentials_set(s->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc == 0 && !t->name_is_ip)
		rc = gnutls_server_name_set(s->s, GNUTLS_NAME_DNS, t->name, strlen(t->name));
	if (rc < 0) {
		snprintf(err, errlen, "TLS session: %s", gnutls_strerror(rc));
		goto fail;
	}
	/* Chain against the CA file, and the name (DNS or IP SAN) during the handshake. */
	gnutls_session_set_verify_cert(s->s, t->name, 0);
	gnutls_transport_set_int(s->s, fd);
	for (;;) {
		rc = gnutls_handshake(s->s);
		if (rc == 0)
			return s;
		if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			sink_tls_verify_error(s, err, errlen);
			goto fail;
		}
		if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED &&
		    gnutls_error_is_fatal(rc)) {
			snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(rc));
			goto fail;
		}
		rc = sink_tls_wait(s, q, deadline);
		if (rc != 0) {
			snprintf(err, errlen, "%s", rc == -ECANCELED ? "stopped" :
				 rc == -ETIMEDOUT ? "TLS handshake timed out" : strerror(-rc));
			goto fail;
		}
	}
fail:
	gnutls_deinit(s->s);
	free(s);
	return NULL;
}

int
sink_tls_send(struct sink_tls_session *s, const void *buf, size_t len,
	      const struct sink_queue *q, double deadline, char *err, size_t errlen)
{
	const char *p = buf;
	int again = 0;

	while (len > 0) {
		/* After GNUTLS_E_AGAIN the call is repeated with no data: GnuTLS holds it. */
		ssize_t n = again ? gnutls_record_send(s->s, NULL, 0) :
			    gnutls_record_send(s->s, p, len);
		int rc;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			again = 0;
			continue;
		}
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
			snprintf(err, errlen, "TLS send: %s", gnutls_strerror((int)n));
			return -EIO;
		}
		again = 1;
		rc = sink_tls_wait(s, q, deadline);
		if (rc != 0) {
			snprintf(err, errlen, "%s", rc == -ETIMEDOUT ? "TLS send timed out" :
				 rc == -ECANCELED ? "stopped" : strerror(-rc));
			return rc == -ETIMEDOUT || rc == -ECANCELED ? rc : -EIO;
		}
	}
	return 0;
}

int
sink_tls_closed(struct sink_tls_session *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	char buf[512];

	while (poll(&p, 1, 0) > 0) {
		ssize_t n = gnutls_record_recv(s->s, buf, sizeof(buf));

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 0;	/* a handshake message (TLS 1.3 ticket), nothing else */
		if (n <= 0 && (n == 0 || gnutls_error_is_fatal((int)n)))
			return 1;
		/* application data or a warning alert from a receiver: ignored */
	}
	return 0;
}

void
sink_tls_close(struct sink_tls_session *s)
{
	if (s == NULL)
		return;
	gnutls_bye(s->s, GNUTLS_SHUT_WR);	/* non-blocking: one try */
	gnutls_deinit(s->s);
	free(s);
}
