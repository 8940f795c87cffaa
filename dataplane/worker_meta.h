/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tls and dns metadata events (events.tls, events.dns) of a worker's flows
 * (worker_meta.c). Owning worker only; nothing here allocates, sleeps or logs.
 */
#ifndef TOLLGATE_WORKER_META_H
#define TOLLGATE_WORKER_META_H

#include <stdint.h>
#include "flow_types.h"
#include "worker_types.h"

/*
 * f's ClientHello, the client's first bytes p[0..n) (events.tls on, f->app TLS). Returns 1
 * when the hello is cut short and more bytes may come (unless final: then it is counted
 * in meta_unparsed), else 0. The event waits for the server's first bytes (the version)
 * in a message held on the flow, at most WORKER_TLS_HELD per worker; beyond that, or when
 * no message can be had, it goes out at once without a version.
 */
int worker_meta_tls_hello(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n,
			  int final);

/* The server's first bytes p[0..n) of f: the ServerHello's version completes the held
 * tls event, which goes out. No-op without one. */
void worker_meta_tls_server(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n);

/* A DNS message p[0..n) of f in direction dir (events.dns on, f->app DNS): its dns event. */
void worker_meta_dns(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *p,
		     uint32_t n);

/* f ends: a tls event still held goes out (version not seen). */
void worker_meta_flow_end(struct worker *w, struct flow *f);

#endif
