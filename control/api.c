/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST server's life: api_start binds the listening socket, loads the tokens and the TLS
 * files, builds the route table and starts libmicrohttpd driven from the control loop (no
 * thread of its own, epoll, MHD_run with no wait); api_poll, api_reload_tokens and api_stop
 * follow. See api.h for the behaviour, api_priv.h for how the module's files divide the work
 * (the request cycle is api_serve.c's).
 *
 * The listening socket is ours (bound before libmicrohttpd starts) so that a bad address or
 * a port in use gets a precise message, and so that "[::]" and port 0 behave alike
 * everywhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api_priv.h"

#define API_HEADER_MEMORY	(32 * 1024)	/* request line + headers per connection */
#define API_PEM_MAX		(1024 * 1024)

/* Binds and listens on "IPV4:PORT" or "[IPV6]:PORT"; returns the socket or -1. */
static int
api_listen(const char *listen_s, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = listen_s, *p;
	size_t hl;
	unsigned long pv = 0;
	int fd = -1, one = 1, zero = 0;
	bool v6;

	memset(&ss, 0, sizeof(ss));
	if (listen_s[0] == '[') {
		colon = strstr(listen_s, "]:");
		if (colon == NULL)
			goto bad;
		h = listen_s + 1;
		hl = (size_t)(colon - h);
		p = colon + 2;
		v6 = true;
	} else {
		colon = strchr(listen_s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			goto bad;
		hl = (size_t)(colon - h);
		p = colon + 1;
		v6 = false;
	}
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (*p == '\0' || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p) ||
	    (pv = strtoul(p, NULL, 10)) > 65535) {
		api_errf(err, errlen,
			"listen \"%s\": port \"%s\": expected a number from 0 to 65535",
			listen_s, p);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)pv);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			api_errf(err, errlen,
				"listen \"%s\": \"%s\" is not an IPv6 address: expected e.g. "
				"[::1]:8470",
				listen_s, host);
			return -1;
		}
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)pv);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			api_errf(err, errlen,
				"listen \"%s\": \"%s\" is not an IPv4 address: expected e.g. "
				"127.0.0.1:8470",
				listen_s, host);
			return -1;
		}
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		api_errf(err, errlen, "listen \"%s\": socket: %s", listen_s, strerror(errno));
		return -1;
	}
	/* "[::]" serves both families, whatever net.ipv6.bindv6only says. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)) {
		api_errf(err, errlen, "listen \"%s\": setsockopt: %s", listen_s, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		api_errf(err, errlen, "listen \"%s\": bind: %s", listen_s, strerror(errno));
		goto fail;
	}
	if (listen(fd, 64) < 0) {
		api_errf(err, errlen, "listen \"%s\": listen: %s", listen_s, strerror(errno));
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		api_errf(err, errlen, "listen \"%s\": getsockname: %s", listen_s, strerror(errno));
		goto fail;
	}
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
						 ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
bad:
	api_errf(err, errlen,
		"listen \"%s\": expected IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8470 or "
		"[::1]:8470",
		listen_s);
	return -1;
fail:
	close(fd);
	return -1;
}

/* Reads a PEM file; a private key must not be accessible to others. */
static char *
api_read_pem(const char *field, const char *path, bool private_key, size_t *len, char *err,
	     size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		api_errf(err, errlen, "%s \"%s\": %s", field, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > API_PEM_MAX) {
		api_errf(err, errlen, "%s \"%s\": expected a regular file of at most %d bytes",
			field, path, API_PEM_MAX);
		goto fail;
	}
	if (private_key && (st.st_mode & 007) != 0) {
		api_errf(err, errlen,
			"%s \"%s\": mode %04o lets others access the private key: expected no "
			"permissions for others (chmod 600 or 640)",
			field, path, (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	/* Room for one byte more than fstat said: a file that grew meanwhile is caught. */
	cap = (size_t)st.st_size + 1;
	buf = calloc(1, cap + 1);
	if (buf == NULL) {
		api_errf(err, errlen, "%s \"%s\": out of memory", field, path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			api_errf(err, errlen, "%s \"%s\": %s", field, path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == cap) {
			api_errf(err, errlen, "%s \"%s\": grew while read: expected a file that "
				"stays put", field, path);
			goto fail;
		}
	}
	close(fd);
	*len = got;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, cap + 1);
		free(buf);
	}
	close(fd);
	return NULL;
}

static bool
api_is_loopback(const char *listen_s)
{
	return strncmp(listen_s, "127.", 4) == 0 || strncmp(listen_s, "[::1]:", 6) == 0;
}

struct api *
api_start(const struct api_conf *conf, const struct api_route *routes, unsigned int n,
	  void *cookie, char *err, size_t errlen)
{
	static const struct api_conf defaults;
	const char *listen_s;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL } };
	unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_EPOLL;
	struct api *a;
	size_t cert_len = 0;
	int fd = -1;

	if (conf == NULL)
		conf = &defaults;
	listen_s = conf->listen != NULL ? conf->listen : API_LISTEN_DEFAULT;
	if (api_route_check(routes, n, err, errlen) < 0)
		return NULL;
	if ((conf->tls_cert == NULL) != (conf->tls_key == NULL)) {
		api_errf(err, errlen, "tls_cert \"%s\", tls_key \"%s\": expected both or neither",
			conf->tls_cert != NULL ? conf->tls_cert : "",
			conf->tls_key != NULL ? conf->tls_key : "");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		api_errf(err, errlen, "out of memory");
		return NULL;
	}
	a->cookie = cookie;
	a->log = conf->log;
	a->log_arg = conf->log_arg;
	a->max_body = conf->max_body > 0 ? conf->max_body : API_MAX_BODY_DEFAULT;
	a->routes = api_route_table(routes, n, &a->n_routes);
	if (a->routes == NULL) {
		api_errf(err, errlen, "out of memory");
		goto fail;
	}

	if (conf->token_file != NULL) {
		a->token_file = strdup(conf->token_file);
		if (a->token_file == NULL) {
			api_errf(err, errlen, "out of memory");
			goto fail;
		}
		a->tokens = api_tokens_load(conf->token_file, err, errlen);
		if (a->tokens == NULL)
			goto fail;
	}
	if (conf->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			api_errf(err, errlen, "tls_cert \"%s\": this libmicrohttpd has no TLS",
				conf->tls_cert);
			goto fail;
		}
		a->tls_cert = api_read_pem("tls_cert", conf->tls_cert, false, &cert_len, err,
					   errlen);
		if (a->tls_cert == NULL)
			goto fail;
		a->tls_key = api_read_pem("tls_key", conf->tls_key, true, &a->tls_key_len, err,
					  errlen);
		if (a->tls_key == NULL)
			goto fail;
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, a->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, a->tls_key };
	}

	fd = api_listen(listen_s, &a->port, err, errlen);
	if (fd < 0)
		goto fail;
	/* After parsing the address, so a malformed one gets its own message. */
	if (!api_is_loopback(listen_s) && (conf->tls_cert == NULL || conf->token_file == NULL)) {
		api_errf(err, errlen, "listen \"%s\": not a loopback address: the API needs "
			 "tls_cert/tls_key and a token_file there (%s)", listen_s,
			 conf->tls_cert == NULL ? "tokens would cross the network in clear text" :
						  "no token file");
		goto fail;
	}
	a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, api_serve_access, a,
				  MHD_OPTION_EXTERNAL_LOGGER, api_log_mhd, a,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  conf->max_connections > 0 ? conf->max_connections :
							      API_MAX_CONNECTIONS_DEFAULT,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  conf->max_per_ip > 0 ? conf->max_per_ip : API_MAX_PER_IP_DEFAULT,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  conf->timeout_s > 0 ? conf->timeout_s : API_TIMEOUT_S_DEFAULT,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_HEADER_MEMORY,
				  MHD_OPTION_URI_LOG_CALLBACK, api_serve_uri, a,
				  MHD_OPTION_NOTIFY_COMPLETED, api_serve_completed, a,
				  MHD_OPTION_STRICT_FOR_CLIENT, 1,
				  MHD_OPTION_ARRAY, tls,
				  MHD_OPTION_END);
	if (a->mhd == NULL) {
		if (a->tls_cert != NULL)
			api_errf(err, errlen, "tls_cert \"%s\", tls_key \"%s\": the HTTPS server on "
				"%s did not start: %s", conf->tls_cert, conf->tls_key, listen_s,
				a->mhd_error[0] != '\0' ? a->mhd_error : "no reason given");
		else
			api_errf(err, errlen, "listen \"%s\": the HTTP server did not start: %s",
				listen_s,
				a->mhd_error[0] != '\0' ? a->mhd_error : "no reason given");
		goto fail;
	}
	api_log(a, API_LOG_INFO, "listening on %s (port %d%s), %u token(s)", listen_s, a->port,
		a->tls_cert != NULL ? ", TLS" : "", api_tokens_count(a->tokens));
	return a;
fail:
	if (fd >= 0)
		close(fd);
	api_stop(a);
	return NULL;
}

int
api_port(const struct api *a)
{
	return a->port;
}

int
api_fd(const struct api *a)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return di == NULL ? -1 : di->epoll_fd;
}

void
api_counters_get(const struct api *a, struct api_counters *out)
{
	if (a == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = a->counters;
}

void
api_poll(struct api *a)
{
	MHD_run(a->mhd);
}

int
api_reload_tokens(struct api *a, char *err, size_t errlen)
{
	struct api_tokens *t;

	if (a->token_file == NULL) {
		api_errf(err, errlen, "token_file: none configured");
		return -ENOENT;
	}
	t = api_tokens_load(a->token_file, err, errlen);
	if (t == NULL)
		return -EINVAL;
	api_tokens_free(a->tokens);
	a->tokens = t;
	api_log(a, API_LOG_INFO, "%s: %u token(s) loaded", a->token_file, api_tokens_count(t));
	return 0;
}

void
api_stop(struct api *a)
{
	if (a == NULL)
		return;
	if (a->mhd != NULL)
		MHD_stop_daemon(a->mhd);
	api_tokens_free(a->tokens);
	free(a->token_file);
	if (a->tls_key != NULL) {
		explicit_bzero(a->tls_key, a->tls_key_len);
		free(a->tls_key);
	}
	free(a->tls_cert);
	free(a->routes);
	free(a);
}
