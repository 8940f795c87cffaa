/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The incident store (incident.h). A finding is one dlp message: a threshold alert, or
 * the matches a flow direction reported at its end. Its key is (destination group, rule);
 * it joins the newest incident of that key if its time is within incidents.window of
 * that incident's findings, else it opens a new incident:
 *
 *   time ─────────────────────────────────────────────────────────►
 *   partners/no-pii   ●  ●●   ●            (gap > window)     ●  ●
 *                     └── incident 4 ──┘                      └ incident 9 ┘
 *
 * From each finding the store keeps what the report needs and nothing more: the keyed
 * hash and category of every match the event lists (distinct hashes per category are the
 * data subjects), the match count (records), the action, the destination (group, name,
 * address, port), the time and flow id, and the policy revision in force. The redacted
 * values, offsets and paths of the matches are not kept.
 *
 * Control thread only; memory comes from the libc heap, each structure within its cap.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fqdn_cache.h"
#include "incident.h"
#include "policy_store.h"

#define INCIDENT_SET_MIN 64

struct incident_store {
	struct config_incidents conf;
	const struct policy_store *ps;
	int inline_ports;
	struct incident **inc;		/* by id, oldest first; n of conf.max used */
	uint32_t n;
	uint64_t next_id;
	uint64_t dropped;
	uint64_t clock_us;
};

/* ---- sets of 64-bit keys ---- */

static void
incident_set_free(struct incident_set *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

static uint32_t
incident_set_home(uint64_t key, uint32_t cap)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Twice the slots (INCIDENT_SET_MIN at first), the keys moved over. */
static int
incident_set_grow(struct incident_set *s)
{
	uint32_t ncap = s->cap == 0 ? INCIDENT_SET_MIN : s->cap * 2, i, j;
	uint64_t *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -ENOMEM;
	for (j = 0; j < s->cap; j++) {
		if (s->slot[j] == 0)
			continue;
		for (i = incident_set_home(s->slot[j], ncap); ns[i] != 0; i = (i + 1) & (ncap - 1))
			;
		ns[i] = s->slot[j];
	}
	free(s->slot);
	s->slot = ns;
	s->cap = ncap;
	return 0;
}

/* Insert key: 1 when new, 0 when there already, -ENOSPC when the set holds cap keys
 * already (or there is no memory). At most half the slots are used. */
static int
incident_set_add(struct incident_set *s, uint64_t key, uint32_t cap)
{
	uint32_t i;

	if (key == 0) {
		if (s->zero)
			return 0;
		if (s->n >= cap)
			return -ENOSPC;
		s->zero = 1;
		s->n++;
		return 1;
	}
	for (i = s->cap != 0 ? incident_set_home(key, s->cap) : 0; s->cap != 0 && s->slot[i] != 0;
	     i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key)
			return 0;
	if (s->n >= cap)
		return -ENOSPC;
	if ((uint64_t)(s->n + 1) * 2 > s->cap) {
		if (incident_set_grow(s) != 0)
			return -ENOSPC;
		i = incident_set_home(key, s->cap);
		while (s->slot[i] != 0)
			i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = key;
	s->n++;
	return 1;
}

/* ---- store ---- */

struct incident_store *
incident_store_create(const struct config_incidents *conf, const struct policy_store *ps,
		      int inline_ports)
{
	struct incident_store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->conf = *conf;
	st->ps = ps;
	st->inline_ports = inline_ports;
	st->next_id = 1;
	st->inc = calloc(conf->max, sizeof(*st->inc));
	if (st->inc == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

static void
incident_free(struct incident *inc)
{
	uint32_t i;

	if (inc == NULL)
		return;
	for (i = 0; i < inc->ncat; i++)
		incident_set_free(&inc->cat[i].values);
	incident_set_free(&inc->flows);
	free(inc);
}

void
incident_store_free(struct incident_store *st)
{
	uint32_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		incident_free(st->inc[i]);
	free(st->inc);
	free(st);
}

/* Room for one more: drop the incident whose last finding is the oldest. */
static void
incident_store_make_room(struct incident_store *st)
{
	uint32_t i, victim = 0;

	if (st->n < st->conf.max)
		return;
	for (i = 1; i < st->n; i++)
		if (st->inc[i]->last_us < st->inc[victim]->last_us)
			victim = i;
	incident_free(st->inc[victim]);
	memmove(&st->inc[victim], &st->inc[victim + 1], (st->n - victim - 1) * sizeof(st->inc[0]));
	st->n--;
	st->dropped++;
}

/* The incident finding m joins, or a new one; NULL when out of memory. */
static struct incident *
incident_store_find(struct incident_store *st, const struct msg *m)
{
	const struct msg_flow *fl = &m->flow;
	uint64_t w = st->conf.window_us, t = m->ts_us;
	struct incident *inc;
	uint32_t i;

	for (i = st->n; i-- > 0;) {
		inc = st->inc[i];
		if (strcmp(inc->to_group, fl->to_group) != 0 || strcmp(inc->rule, m->dlp.rule) != 0)
			continue;
		if (t <= inc->last_us + w && t + w >= inc->first_us)
			return inc;
		break;		/* the newest of the key is out of the window: a new one */
	}
	incident_store_make_room(st);
	inc = calloc(1, sizeof(*inc));
	if (inc == NULL)
		return NULL;
	inc->id = st->next_id++;
	memcpy(inc->to_group, fl->to_group, sizeof(inc->to_group));
	inc->to_group[sizeof(inc->to_group) - 1] = '\0';
	snprintf(inc->rule, sizeof(inc->rule), "%s", m->dlp.rule);
	inc->first_us = inc->last_us = t;
	st->inc[st->n++] = inc;
	return inc;
}

/* The incident's category of that name, added if new; NULL when the list is full. */
static struct incident_category *
incident_category(struct incident *inc, const char *name, uint32_t *index)
{
	uint32_t i;

	for (i = 0; i < inc->ncat; i++)
		if (strcmp(inc->cat[i].name, name) == 0)
			break;
	if (i == inc->ncat) {
		if (inc->ncat == INCIDENT_CATEGORIES) {
			inc->capped = 1;
			return NULL;
		}
		snprintf(inc->cat[i].name, sizeof(inc->cat[i].name), "%s", name);
		inc->ncat++;
	}
	*index = i;
	return &inc->cat[i];
}

static void
incident_category_sensor(struct incident *inc, struct incident_category *c, const char *sensor)
{
	uint8_t i;

	for (i = 0; i < c->nsensors; i++)
		if (strcmp(c->sensors[i], sensor) == 0)
			return;
	if (c->nsensors == INCIDENT_SENSORS) {
		inc->capped = 1;
		return;
	}
	snprintf(c->sensors[c->nsensors++], INCIDENT_SENSOR_LEN, "%s", sensor);
}

struct incident_fqdn_find {
	int family;
	const uint8_t *addr;
	char *out;
	size_t len;
};

static void
incident_fqdn_cb(void *cookie, const char *name, int family, const uint8_t ip[16],
		 uint64_t expires_s)
{
	struct incident_fqdn_find *q = cookie;

	(void)expires_s;
	if (q->out[0] == '\0' && family == q->family &&
	    memcmp(ip, q->addr, family == AF_INET ? 4 : 16) == 0)
		snprintf(q->out, q->len, "%s", name);
}

/* The destination of m (server side), added if new; INCIDENT_DESTS when not listed. */
static uint8_t
incident_dest(struct incident_store *st, struct incident *inc, const struct msg *m)
{
	const struct msg_flow *fl = &m->flow;
	uint8_t server = fl->client ^ 1;
	const uint8_t *addr = fl->key.addr[server];
	uint16_t port = fl->key.port[server];
	struct incident_dest *d;
	uint32_t i;

	for (i = 0; i < inc->ndest; i++) {
		d = &inc->dest[i];
		if (d->family == fl->key.family && d->port == port &&
		    memcmp(d->addr, addr, 16) == 0 && strcmp(d->group, fl->to_group) == 0)
			break;
	}
	if (i == inc->ndest) {
		if (inc->ndest == INCIDENT_DESTS) {
			inc->dests_unlisted++;
			inc->capped = 1;
			return INCIDENT_DESTS;
		}
		d = &inc->dest[inc->ndest++];
		memcpy(d->group, fl->to_group, sizeof(d->group));
		d->group[sizeof(d->group) - 1] = '\0';
		d->family = fl->key.family;
		memcpy(d->addr, addr, 16);
		d->port = port;
		if (m->app.kind == APP_META_HTTP && m->app.http.hostname[0] != '\0') {
			snprintf(d->fqdn, sizeof(d->fqdn), "%s", m->app.http.hostname);
		} else if (st->ps != NULL) {
			struct incident_fqdn_find q = {
				d->family == 4 ? AF_INET : AF_INET6, d->addr, d->fqdn,
				sizeof(d->fqdn),
			};

			fqdn_cache_foreach(policy_store_fqdns(st->ps), incident_fqdn_cb, &q);
		}
	}
	inc->dest[i].findings++;
	return (uint8_t)i;
}

static void
incident_source(struct incident *inc, const char *group)
{
	uint32_t i;

	for (i = 0; i < inc->nsrc; i++)
		if (strcmp(inc->src_groups[i], group) == 0)
			return;
	if (inc->nsrc == INCIDENT_SOURCES) {
		inc->capped = 1;
		return;
	}
	snprintf(inc->src_groups[inc->nsrc++], POLICY_NAME_LEN, "%s", group);
}

static void
incident_revision(struct incident_store *st, struct incident *inc)
{
	uint64_t rev;
	uint32_t i;

	if (st->ps == NULL)
		return;
	rev = policy_store_revision(st->ps);
	snprintf(inc->etag, sizeof(inc->etag), "%s", policy_store_etag(st->ps));
	for (i = 0; i < inc->nrev; i++)
		if (inc->revisions[i] == rev)
			return;
	if (inc->nrev == INCIDENT_REVISIONS) {
		inc->capped = 1;
		return;
	}
	inc->revisions[inc->nrev++] = rev;
}

/* The index of capture id in the incident's list (added), or INCIDENT_CAPTURES. */
static uint8_t
incident_capture(struct incident *inc, const char *id)
{
	uint32_t i;

	if (id == NULL || id[0] == '\0')
		return INCIDENT_CAPTURES;
	for (i = 0; i < inc->ncap; i++)
		if (strcmp(inc->caps[i].id, id) == 0)
			break;
	if (i == inc->ncap) {
		if (inc->ncap == INCIDENT_CAPTURES) {
			inc->caps_unlisted++;
			return INCIDENT_CAPTURES;
		}
		snprintf(inc->caps[inc->ncap++].id, INCIDENT_CAPTURE_ID_LEN, "%s", id);
	}
	inc->caps[i].findings++;
	return (uint8_t)i;
}

void
incident_store_add(struct incident_store *st, const struct msg *m, const char *capture)
{
	const struct dlp_event *d = &m->dlp;
	struct incident_finding *f = NULL;
	uint32_t i, listed = 0, values_left;
	struct incident *inc;
	uint16_t cats = 0;
	uint8_t dest, cap;
	int reset;

	if (st == NULL || m->type != MSG_DLP || !m->has_flow)
		return;
	inc = incident_store_find(st, m);
	if (inc == NULL)
		return;
	if (m->ts_us > st->clock_us)
		st->clock_us = m->ts_us;
	if (m->ts_us < inc->first_us)
		inc->first_us = m->ts_us;
	if (m->ts_us > inc->last_us)
		inc->last_us = m->ts_us;
	inc->findings++;
	inc->records += d->total;
	if (m->flow.mode < 8)
		inc->modes |= (uint8_t)(1u << m->flow.mode);
	reset = d->blocked && st->inline_ports && m->flow.key.proto == IPPROTO_TCP;
	inc->actions[d->blocked ? INCIDENT_BLOCKED : INCIDENT_ALLOWED]++;
	inc->actions[INCIDENT_RESET] += reset != 0;
	if (incident_set_add(&inc->flows, m->flow.flow_id, st->conf.max_values) < 0)
		inc->capped = 1;
	incident_source(inc, m->flow.from_group);
	incident_revision(st, inc);
	dest = incident_dest(st, inc, m);
	cap = incident_capture(inc, capture);

	/* distinct values: the set of every category shares incidents.max_values */
	values_left = st->conf.max_values;
	for (i = 0; i < inc->ncat; i++)
		values_left -= inc->cat[i].values.n < values_left ? inc->cat[i].values.n :
								    values_left;
	for (i = 0; i < d->n && i < DLP_EVENT_MATCHES; i++) {
		const struct dlp_match *x = &d->m[i];
		struct incident_category *c;
		uint32_t ci;
		int rc;

		c = incident_category(inc, x->category, &ci);
		if (c == NULL)
			continue;
		listed++;
		c->records++;
		cats |= (uint16_t)(1u << ci);
		incident_category_sensor(inc, c, x->sensor);
		rc = incident_set_add(&c->values, x->hash, c->values.n + values_left);
		if (rc < 0)
			inc->capped = 1;
		else if (rc > 0 && values_left > 0)
			values_left--;
	}
	if (d->total > listed) {
		/* A threshold alert stands for its sensor's matches only: the ones it could
		 * not list are of its category; a dlp event's may be of any. */
		struct incident_category *c = NULL;
		uint32_t ci;

		if (d->crossing && d->category[0] != '\0')
			c = incident_category(inc, d->category, &ci);
		if (c != NULL) {
			c->records += d->total - listed;
			cats |= (uint16_t)(1u << ci);
		} else {
			inc->unlisted += d->total - listed;
		}
	}
	if (inc->ntl < INCIDENT_TIMELINE) {
		f = &inc->tl[inc->ntl++];
		f->ts_us = m->ts_us;
		f->flow_id = m->flow.flow_id;
		f->records = d->total;
		f->categories = cats;
		f->dest = dest;
		f->capture = cap;
		f->crossing = d->crossing;
		f->blocked = d->blocked;
		f->reset = (uint8_t)reset;
		f->to_client = m->dir == FLOW_TOCLIENT;
		snprintf(f->sensor, sizeof(f->sensor), "%s", d->crossing ? d->sensor : "");
	} else {
		inc->capped = 1;
	}
}

uint32_t
incident_store_count(const struct incident_store *st)
{
	return st != NULL ? st->n : 0;
}

const struct incident *
incident_store_at(const struct incident_store *st, uint32_t i)
{
	return st != NULL && i < st->n ? st->inc[i] : NULL;
}

const struct incident *
incident_store_get(const struct incident_store *st, uint64_t id)
{
	uint32_t i;

	for (i = 0; st != NULL && i < st->n; i++)
		if (st->inc[i]->id == id)
			return st->inc[i];
	return NULL;
}

uint64_t
incident_store_dropped(const struct incident_store *st)
{
	return st != NULL ? st->dropped : 0;
}

uint64_t
incident_store_clock(const struct incident_store *st)
{
	return st != NULL ? st->clock_us : 0;
}

uint64_t
incident_store_window_us(const struct incident_store *st)
{
	return st != NULL ? st->conf.window_us : 0;
}

uint64_t
incident_subjects(const struct incident *inc)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < inc->ncat; i++)
		n += inc->cat[i].values.n;
	return n;
}
