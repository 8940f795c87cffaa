/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The webhook sink: each event is POSTed alone to the sink's URL as application/json
 * (the EVE object, as in the events file), by libcurl in the sink's sender thread over a
 * kept-alive connection. With hmac_key_file set, each request carries
 *
 *   X-Tollgate-Signature: sha256=<hex HMAC-SHA256 of the body>      (RFC 2104, GnuTLS)
 *
 * so the receiver can tell the request came from an appliance holding the key. A 2xx
 * answer delivers the event. A transport error, 408, 429 or 5xx is retried `retries`
 * times, each after an exponential backoff with jitter (sink_queue_backoff_ms); past them
 * the event is a dead letter, counted failed. Any other status is a refusal that a retry
 * would not change: failed at once. Only the stop flag (exit) cuts a request short.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include "sink_queue.h"
#include "sink_webhook.h"

#define SINK_WEBHOOK_UA "tollgated/" TOLLGATE_VERSION

struct sink_webhook {
	struct config_sink conf;
	struct sink_queue *q;
	char url[CONFIG_SINK_ADDR_LEN];	/* address as logged (sink_webhook_display) */
	uint8_t key[SINK_WEBHOOK_KEY_MAX];
	size_t keylen;			/* 0: requests are not signed */
	CURL *curl;			/* the sender's; made when it starts */
	int down_logged;		/* the current run of failures was logged */
	char curl_err[CURL_ERROR_SIZE];
};

int
sink_webhook_read_key(const char *path, uint8_t *key, size_t *keylen, char *err, size_t errlen)
{
	uint8_t buf[SINK_WEBHOOK_KEY_MAX + 3];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "hmac_key_file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "hmac_key_file %s: not a regular file: expected the webhook "
			 "HMAC key", path);
		return -EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "hmac_key_file %s: mode %04o lets group or others read the "
			 "webhook HMAC key: expected no group or other permissions (chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		return -EINVAL;
	}
	/* room for a CRLF after the longest key, and one byte more to tell a longer file */
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "hmac_key_file %s: %s", path, strerror(errno));
		return -EIO;
	}
	if (n == (ssize_t)sizeof(buf))
		n = SINK_WEBHOOK_KEY_MAX + 3;	/* too long, whatever the end */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n < SINK_WEBHOOK_KEY_MIN || n > SINK_WEBHOOK_KEY_MAX) {
		snprintf(err, errlen, "hmac_key_file %s: %s: expected a key of %d..%d bytes "
			 "(e.g. head -c 32 /dev/urandom | base64 > %s)", path,
			 n < SINK_WEBHOOK_KEY_MIN ? "too short" : "too long",
			 SINK_WEBHOOK_KEY_MIN, SINK_WEBHOOK_KEY_MAX, path);
		memset(buf, 0, sizeof(buf));
		return -EINVAL;
	}
	memcpy(key, buf, (size_t)n);
	memset(buf, 0, sizeof(buf));
	*keylen = (size_t)n;
	return 0;
}

int
sink_webhook_sign(const uint8_t *key, size_t keylen, const char *body, size_t len,
		  char out[SINK_WEBHOOK_SIG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t mac[32];
	unsigned int i;

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, body, len, mac) != 0)
		return -EIO;
	memcpy(out, "sha256=", 7);
	for (i = 0; i < sizeof(mac); i++) {
		out[7 + 2 * i] = hex[mac[i] >> 4];
		out[8 + 2 * i] = hex[mac[i] & 15];
	}
	out[7 + 64] = '\0';
	return 0;
}

void
sink_webhook_display(const char *url, char *out, size_t len)
{
	const char *host = strstr(url, "://"), *at, *end;

	host = host != NULL ? host + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL)
		snprintf(out, len, "%.*s%.*s", (int)(host - url), url, (int)(end - at - 1), at + 1);
	else
		snprintf(out, len, "%.*s", (int)(end - url), url);
}

int
sink_webhook_global_init(char *err, size_t errlen)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
		return -EIO;
	}
	return 0;
}

void
sink_webhook_global_cleanup(void)
{
	curl_global_cleanup();
}

struct sink_webhook *
sink_webhook_create(const struct config_sink *conf, struct sink_queue *q, char *err,
		    size_t errlen)
{
	struct sink_webhook *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->conf = *conf;
	w->q = q;
	sink_webhook_display(conf->address, w->url, sizeof(w->url));
	if (conf->hmac_key_file[0] != '\0' &&
	    sink_webhook_read_key(conf->hmac_key_file, w->key, &w->keylen, err, errlen) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

/* The receiver's answer is not read: only its status matters. */
static size_t
sink_webhook_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Called by libcurl while a request runs: a non-zero return aborts it (exit). */
static int
sink_webhook_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct sink_webhook *w = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return sink_queue_stopping(w->q);
}

/* The handle's settings that do not change between requests. 0 or -EIO. */
static int
sink_webhook_setup(struct sink_webhook *w)
{
	CURL *c = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (c == NULL)
		return -EIO;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, w->conf.address);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);		/* threads: no SIGALRM for DNS timeouts */
	SET(CURLOPT_TIMEOUT_MS, (long)w->conf.timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)w->conf.timeout_ms);
	SET(CURLOPT_USERAGENT, SINK_WEBHOOK_UA);
	SET(CURLOPT_WRITEFUNCTION, sink_webhook_discard);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, sink_webhook_progress);
	SET(CURLOPT_XFERINFODATA, w);
	SET(CURLOPT_ERRORBUFFER, w->curl_err);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (w->conf.tls_ca_file[0] != '\0')
		SET(CURLOPT_CAINFO, w->conf.tls_ca_file);
	if (w->conf.tls_cert_file[0] != '\0') {
		SET(CURLOPT_SSLCERT, w->conf.tls_cert_file);
		SET(CURLOPT_SSLKEY, w->conf.tls_key_file);
	}
#undef SET
	if (rc != CURLE_OK) {
		SINK_LOG(ERR, "%s: webhook: libcurl: %s", w->conf.name, curl_easy_strerror(rc));
		curl_easy_cleanup(c);
		return -EIO;
	}
	w->curl = c;
	return 0;
}

/*
 * One POST of it. Returns 0 delivered, -EAGAIN worth retrying, -EPERM refused (do not
 * retry), -ECANCELED stopped, -EIO a local failure; why (when not delivered) in err.
 */
static int
sink_webhook_post(struct sink_webhook *w, const struct sink_item *it, char *err, size_t errlen)
{
	char sig[SINK_WEBHOOK_SIG_LEN], hdr[sizeof(SINK_WEBHOOK_SIG_HEADER) + 2 + sizeof(sig)];
	struct curl_slist *h = NULL, *t;
	long status = 0;
	CURLcode rc;

	h = curl_slist_append(h, "Content-Type: application/json");
	/* no "Expect: 100-continue" round trip before the body */
	if (h != NULL && (t = curl_slist_append(h, "Expect:")) != NULL)
		h = t;
	if (h != NULL && w->keylen > 0) {
		if (sink_webhook_sign(w->key, w->keylen, it->line, it->len, sig) != 0) {
			curl_slist_free_all(h);
			snprintf(err, errlen, "HMAC failed");
			return -EIO;
		}
		snprintf(hdr, sizeof(hdr), SINK_WEBHOOK_SIG_HEADER ": %s", sig);
		t = curl_slist_append(h, hdr);
		h = t != NULL ? t : NULL;
	}
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -EIO;
	}
	w->curl_err[0] = '\0';
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, (const char *)it->line);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	rc = curl_easy_perform(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return -ECANCELED;
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", w->curl_err[0] ? w->curl_err : curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status <= 299)
		return 0;
	snprintf(err, errlen, "HTTP status %ld", status);
	return status == 408 || status == 429 || status >= 500 ? -EAGAIN : -EPERM;
}

/* Post one event, retrying with backoff; always ends it with sink_queue_done. */
static void
sink_webhook_one(struct sink_webhook *w, struct sink_item *it)
{
	enum sink_outcome out = SINK_FAILED;
	uint32_t attempt;
	char err[CURL_ERROR_SIZE + 64];
	int rc = -EIO;

	for (attempt = 0; attempt <= w->conf.retries; attempt++) {
		if (attempt > 0) {
			sink_queue_retried(w->q);
			if (sink_queue_sleep(w->q, sink_queue_backoff_ms(w->q, attempt)) != 0) {
				rc = -ECANCELED;
				break;
			}
		}
		rc = sink_webhook_post(w, it, err, sizeof(err));
		if (rc != -EAGAIN)
			break;
		if (!w->down_logged)
			SINK_LOG(WARNING, "%s: webhook %s: %s; retrying with backoff", w->conf.name,
				 w->url, err);
		w->down_logged = 1;
	}
	if (rc == 0) {
		out = SINK_SENT;
		if (w->down_logged)
			SINK_LOG(NOTICE, "%s: webhook %s accepts events again", w->conf.name,
				 w->url);
		w->down_logged = 0;
	} else if (rc == -ECANCELED) {
		out = SINK_DROPPED;
	} else if (rc == -EPERM) {
		SINK_LOG(WARNING, "%s: webhook %s refused a %s event: %s (not retried)",
			 w->conf.name, w->url, it->type, err);
	} else if (rc == -EAGAIN) {
		SINK_LOG(DEBUG, "%s: webhook %s: a %s event given up after %u retries",
			 w->conf.name, w->url, it->type, w->conf.retries);
	}
	sink_queue_done(w->q, it, out);
}

void *
sink_webhook_main(void *arg)
{
	struct sink_webhook *w = arg;

	if (sink_webhook_setup(w) != 0) {
		/* nothing can be sent: every event is failed as it comes */
		while (!sink_queue_stopping(w->q)) {
			struct sink_item *it = sink_queue_pop(w->q, 100);

			if (it != NULL)
				sink_queue_done(w->q, it, SINK_FAILED);
		}
		return NULL;
	}
	while (!sink_queue_stopping(w->q)) {
		struct sink_item *it = sink_queue_pop(w->q, 100);

		if (it != NULL)
			sink_webhook_one(w, it);
	}
	curl_easy_cleanup(w->curl);
	w->curl = NULL;
	return NULL;
}

void
sink_webhook_free(struct sink_webhook *w)
{
	if (w == NULL)
		return;
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	memset(w->key, 0, sizeof(w->key));
	free(w);
}
