/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suricata-style tls and dns metadata events. A dns event is one DNS message (query or
 * answer) read by app_dns_parse_meta. A tls event needs two directions: the ClientHello
 * (server name, JA3) and the ServerHello (the version the server chose). The message is
 * filled at the first and kept on the flow until the second:
 *
 *   ClientHello ──► msg (held: f->tls_msg, counted in w->tls_held) ──► ServerHello:
 *                   version set, posted          or flow end: posted without version
 *
 * At most WORKER_TLS_HELD messages are held per worker (the message pool is shared with
 * every other event); past that a tls event goes out at once, without its version.
 * Owning worker only.
 */
#include <errno.h>
#include <string.h>
#include "app_dns.h"
#include "app_tls.h"
#include "runtime_types.h"
#include "worker_meta.h"
#include "worker_msg.h"

int
worker_meta_tls_hello(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n, int final)
{
	struct app_tls_meta hello;
	struct msg *m;
	int rc = app_tls_client_hello(p, n, &hello);

	if (rc == -EAGAIN && !final)
		return 1;
	if (rc != 0 || f->tls_msg != NULL) {
		w->ctr.c[CTR_meta_unparsed] += rc != 0;
		return 0;
	}
	m = worker_msg_new(w, MSG_APP, f, FLOW_TOSERVER, CTR_events_dropped);
	if (m == NULL)
		return 0;
	m->app.kind = APP_META_TLS;
	m->app.tls = hello;
	if (w->tls_held < WORKER_TLS_HELD) {
		f->tls_msg = m;
		w->tls_held++;
		return 0;
	}
	worker_msg_post(w, m, CTR_events_dropped);
	return 0;
}

/* Post f's held tls event, as it stands. */
static void
worker_meta_tls_post(struct worker *w, struct flow *f)
{
	struct msg *m = f->tls_msg;

	f->tls_msg = NULL;
	w->tls_held--;
	m->ts_us = w->now_us;
	worker_msg_post(w, m, CTR_events_dropped);
}

void
worker_meta_tls_server(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n)
{
	uint16_t version;

	if (f->tls_msg == NULL)
		return;
	if (app_tls_server_version(p, n, &version) == 0)
		f->tls_msg->app.tls.version = version;
	else
		w->ctr.c[CTR_meta_unparsed]++;
	worker_meta_tls_post(w, f);
}

void
worker_meta_dns(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *p, uint32_t n)
{
	struct app_dns_meta dns;
	struct msg *m;

	if (app_dns_parse_meta(p, n, &dns) != 0) {
		w->ctr.c[CTR_meta_unparsed]++;
		return;
	}
	m = worker_msg_new(w, MSG_APP, f, dir, CTR_events_dropped);
	if (m == NULL)
		return;
	m->app.kind = APP_META_DNS;
	m->app.dns = dns;
	worker_msg_post(w, m, CTR_events_dropped);
}

void
worker_meta_flow_end(struct worker *w, struct flow *f)
{
	if (f->tls_msg != NULL)
		worker_meta_tls_post(w, f);
}
