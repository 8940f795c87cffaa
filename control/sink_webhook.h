/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_WEBHOOK_H
#define TOLLGATE_SINK_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include "config_types.h"

struct sink_queue;
struct sink_webhook;

#define SINK_WEBHOOK_KEY_MIN 16		/* bytes of an HMAC key, at least */
#define SINK_WEBHOOK_KEY_MAX 4096
/* "sha256=" and 64 hex digits, NUL-terminated */
#define SINK_WEBHOOK_SIG_LEN (7 + 64 + 1)
#define SINK_WEBHOOK_SIG_HEADER "X-Tollgate-Signature"

/*
 * Read the HMAC key at path into key (SINK_WEBHOOK_KEY_MAX bytes): a regular file without
 * group or other permissions (chmod 600, like the API token file and the value-hash key),
 * whose bytes are the key, less one trailing newline (LF or CRLF); 16..4096 bytes. 0 with
 * *keylen set, or -EINVAL/-errno with err naming the path and what was expected. Control
 * thread, at start.
 */
int sink_webhook_read_key(const char *path, uint8_t *key, size_t *keylen, char *err,
			  size_t errlen);

/*
 * The signature header's value for body: "sha256=" and the HMAC-SHA256 (RFC 2104) of the
 * len bytes at body under key, in lowercase hex. 0 or -EIO. Any thread.
 */
int sink_webhook_sign(const uint8_t *key, size_t keylen, const char *body, size_t len,
		      char out[SINK_WEBHOOK_SIG_LEN]);

/*
 * The URL as the log shows it: scheme, host and port only, since the user information,
 * path and query of a webhook URL often hold its secret (https://u:p@h:8443/t/SECRET?k=v
 * -> https://h:8443). Into out (len bytes, cut to fit). Pure; any thread.
 */
void sink_webhook_display(const char *url, char *out, size_t len);

/* curl_global_init / curl_global_cleanup, once around every webhook sink. Control thread,
 * before any sender starts / after every sender stopped. */
int sink_webhook_global_init(char *err, size_t errlen);
void sink_webhook_global_cleanup(void);

/*
 * A webhook sink for conf (copied) posting the events of q: reads the HMAC key file (when
 * set). NULL with err. Control thread.
 */
struct sink_webhook *sink_webhook_create(const struct config_sink *conf, struct sink_queue *q,
					 char *err, size_t errlen);

/*
 * The sender thread's body (arg: the struct sink_webhook): POST each event alone as
 * application/json, signed when a key is set; 2xx is delivered, 408, 429, 5xx and transport
 * errors are retried with backoff, any other status fails the event at once. Until the
 * queue is stopped.
 */
void *sink_webhook_main(void *arg);

/* After the thread has been joined. NULL is a no-op. */
void sink_webhook_free(struct sink_webhook *w);

#endif
