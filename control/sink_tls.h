/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_TLS_H
#define TOLLGATE_SINK_TLS_H

#include <stddef.h>

struct sink_queue;
struct sink_tls;
struct sink_tls_session;

/*
 * TLS client credentials of one sink (GnuTLS): the CA certificates in ca_file (PEM; ""
 * or NULL: the system's trust store), an optional client certificate and key (both or
 * neither), and the name the server's certificate must carry (a DNS name, or an IP
 * address checked against the certificate's IP addresses). NULL with err naming the file
 * and GnuTLS's reason. Control thread, at start.
 */
struct sink_tls *sink_tls_create(const char *ca_file, const char *cert_file,
				 const char *key_file, const char *server_name, char *err,
				 size_t errlen);

/* NULL is a no-op. After every session is closed. */
void sink_tls_free(struct sink_tls *t);

/*
 * Handshake over the connected non-blocking socket fd (the session does not own it) until
 * the monotonic time deadline: the server's chain must verify against the CA file and its
 * certificate name the server name, else the handshake fails with err saying why (e.g.
 * "certificate verification failed: The certificate is NOT trusted. The name in the
 * certificate does not match the expected."). Returns the session, or NULL with err set
 * (or err "stopped" when q was stopped meanwhile). Sender thread.
 */
struct sink_tls_session *sink_tls_handshake(struct sink_tls *t, int fd,
					    const struct sink_queue *q, double deadline,
					    char *err, size_t errlen);

/*
 * Send all len bytes before deadline. 0, -ETIMEDOUT, -ECANCELED (q stopped) or -EIO with
 * err set. Sender thread.
 */
int sink_tls_send(struct sink_tls_session *s, const void *buf, size_t len,
		  const struct sink_queue *q, double deadline, char *err, size_t errlen);

/*
 * 1 when the peer has closed the connection or it failed (read without waiting: a syslog
 * receiver sends nothing, so anything readable is a close, an alert or a TLS 1.3 ticket),
 * else 0. Sender thread.
 */
int sink_tls_closed(struct sink_tls_session *s);

/* Send close_notify without waiting and free the session (not the socket). NULL: no-op. */
void sink_tls_close(struct sink_tls_session *s);

#endif
