/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture over REST (control_capture_api.h, docs/capture.md). A request names what
 * to capture with any of:
 *
 *   bpf      a tcpdump expression, compiled by libpcap (its message comes back on a 400)
 *   group    a policy group: its CIDRs, ranges, label-map and DNS addresses as they are
 *            when the capture starts
 *   ip       an address or a CIDR
 *   port     a TCP/UDP/SCTP port, either end
 *   flow_id  a flow of /v1/flows: both directions of its 5-tuple
 *
 * each turned into BPF here and joined with "and"; the workers then run one compiled
 * program. Generated parts also match 802.1Q-tagged frames ("E or (vlan and E)"). The
 * limits (snaplen, file_size, file_count, duration, packets) default to, and may not pass,
 * the capture: section of the configuration.
 *
 *   POST   /v1/captures              admin  201 + Location, 400, 409, 422, 503, 507
 *   GET    /v1/captures              read   200 {"captures": [...]}
 *   GET    /v1/captures/{id}         read   200, 400 (not an id), 404
 *   DELETE /v1/captures/{id}         admin  200 (stopping/stopped), 202/204 with ?purge=true
 *   GET    /v1/captures/{id}/files/{n} read 200 application/vnd.tcpdump.pcap, streamed
 *
 * An id or file number is checked against its syntax before anything looks it up, so
 * nothing from the URL reaches a path (capture.c builds paths from its own records).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "capture.h"
#include "capture_body.h"
#include "control_capture_api.h"
#include "flow_list.h"
#include "flow_policy.h"
#include "fqdn_cache.h"
#include "label_map.h"
#include "policy.h"
#include "policy_store.h"
#include "services.h"
#include "snapshot_types.h"

#define CC_MAX_TERMS 1024		/* address terms of one group */

typedef unsigned __int128 cc_u128;

/* A request refused: the HTTP status, the problem's title, detail and field. */
/* ---- a growing expression ---- */

struct cc_buf {
	char *s;
	size_t len, cap;
	int oom;
	unsigned int terms;
};

static void
cc_printf(struct cc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL, b->s != NULL ? b->cap - b->len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap == 0 ? 256 : b->cap;
		char *p;

		while (cap <= b->len + (size_t)n)
			cap *= 2;
		p = realloc(b->s, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
}

/* ---- addresses ---- */

static cc_u128
cc_load(const uint8_t a[16], unsigned int bits)
{
	cc_u128 v = 0;
	unsigned int i;

	for (i = 0; i < bits / 8; i++)
		v = v << 8 | a[i];
	return v;
}

static void
cc_store(cc_u128 v, unsigned int bits, uint8_t a[16])
{
	unsigned int i;

	memset(a, 0, 16);
	for (i = bits / 8; i > 0; i--) {
		a[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

static unsigned int
cc_ctz(cc_u128 a)
{
	uint64_t lo = (uint64_t)a, hi = (uint64_t)(a >> 64);

	if (lo != 0)
		return (unsigned int)__builtin_ctzll(lo);
	return hi != 0 ? 64 + (unsigned int)__builtin_ctzll(hi) : 128;
}

/* One "net A/P" term, "or"-joined to the ones before it. */
static void
cc_net(struct cc_buf *b, int family, const uint8_t addr[16], unsigned int prefix)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, text, sizeof(text));
	cc_printf(b, "%snet %s/%u", b->terms > 0 ? " or " : "", text, prefix);
	b->terms++;
}

/* lo..hi (inclusive) as the fewest CIDRs. */
static void
cc_range(struct cc_buf *b, int family, const uint8_t lo[16], const uint8_t hi[16])
{
	unsigned int bits = family == AF_INET ? 32 : 128;
	cc_u128 a = cc_load(lo, bits), z = cc_load(hi, bits);
	uint8_t addr[16];

	while (a <= z && b->terms <= CC_MAX_TERMS) {
		unsigned int k = cc_ctz(a);
		cc_u128 span = z - a;

		if (k > bits)
			k = bits;
		/* The largest aligned block at a that stays within z. */
		while (k > 0 && (k == 128 ? span != ~(cc_u128)0 :
				 (((cc_u128)1 << k) - 1) > span))
			k--;
		cc_store(a, bits, addr);
		cc_net(b, family, addr, bits - k);
		if (k == 128 || (((cc_u128)1 << k) - 1) == span)
			break;
		a += (cc_u128)1 << k;
	}
}

struct cc_group_ctx {
	struct cc_buf *b;
	const struct snapshot *snap;
	unsigned int group;
};

static void
cc_label_ip(void *cookie, const uint8_t ip[16], int family)
{
	struct cc_group_ctx *x = cookie;

	cc_net(x->b, family, ip, family == AF_INET ? 32 : 128);
}

static void
cc_fqdn_ip(void *cookie, const char *name, int family, const uint8_t ip[16], uint64_t expires)
{
	struct cc_group_ctx *x = cookie;
	size_t len = strlen(name);
	uint32_t i;

	(void)expires;
	for (i = 0; i < x->snap->nfqdns; i++)
		if (x->snap->fqdns[i].group == x->group &&
		    flow_policy_fqdn_match(&x->snap->fqdns[i], name, len)) {
			cc_net(x->b, family, ip, family == AF_INET ? 32 : 128);
			return;
		}
}

/* The addresses group name holds now, as "net ... or net ...". */
static int
cc_group(struct services *s, const char *name, struct cc_buf *b, struct capture_fail *f)
{
	const struct policy *p = policy_store_policy(s->policy);
	const struct policy_group *pg = NULL;
	struct cc_group_ctx x;
	unsigned int g, i;

	for (g = 0; g < p->ngroups; g++)
		if (strcmp(p->groups[g].name, name) == 0) {
			pg = &p->groups[g];
			break;
		}
	if (pg == NULL)
		return capture_fail_set(f, 422, "Unknown group", "/group",
				 "group: no group \"%.64s\" in the policy (GET /v1/groups lists "
				 "them)", name);
	if (g == POLICY_GROUP_ANY)
		return 0;
	if (g == POLICY_GROUP_EXTERNAL)
		return capture_fail_set(f, 422, "Unsupported group", "/group",
				 "group: \"external\" (addresses in no group) cannot be captured "
				 "by address: write it as a bpf expression");
	cc_printf(b, "(");
	b->terms = 0;
	for (i = 0; i < pg->ncidrs; i++)
		cc_net(b, pg->cidrs[i].family, pg->cidrs[i].addr, pg->cidrs[i].prefix);
	for (i = 0; i < pg->nranges; i++)
		cc_range(b, pg->ranges[i].family, pg->ranges[i].lo, pg->ranges[i].hi);
	x.b = b;
	x.snap = policy_store_snapshot(s->policy);
	x.group = g;
	if (pg->selector != NULL)
		label_map_select(s->labels, pg->selector, cc_label_ip, &x);
	if (pg->nfqdns > 0)
		fqdn_cache_foreach(policy_store_fqdns(s->policy), cc_fqdn_ip, &x);
	if (b->terms == 0)
		return capture_fail_set(f, 422, "Empty group", "/group",
				 "group: \"%s\" holds no address now (no CIDR, range, labelled or "
				 "resolved address)", name);
	if (b->terms > CC_MAX_TERMS)
		return capture_fail_set(f, 422, "Group too large", "/group",
				 "group: \"%s\" needs more than %u address terms: capture it with "
				 "a shorter bpf expression", name, CC_MAX_TERMS);
	cc_printf(b, ")");
	return 0;
}

/* Both directions of flow id's 5-tuple. */
static int
cc_flow(struct services *s, uint64_t id, struct cc_buf *b, unsigned int *vlan,
	struct capture_fail *f)
{
	char a[INET6_ADDRSTRLEN], z[INET6_ADDRSTRLEN];
	const struct flow_key *k;
	struct msg_flow mf;
	int family;

	if (flow_list_find(s->flows, id, &mf) != 0)
		return capture_fail_set(f, 422, "Unknown flow", "/flow_id",
				 "flow_id: no flow %" PRIu64 " in /v1/flows (active or recently "
				 "ended)", id);
	k = &mf.key;
	*vlan = k->vlan;
	family = k->family == 4 ? AF_INET : AF_INET6;
	inet_ntop(family, k->addr[0], a, sizeof(a));
	inet_ntop(family, k->addr[1], z, sizeof(z));
	if (k->proto == 6 || k->proto == 17 || k->proto == 132)
		cc_printf(b, "(%s and ((src host %s and src port %u and dst host %s and dst port %u) "
			  "or (src host %s and src port %u and dst host %s and dst port %u)))",
			  k->proto == 6 ? "tcp" : k->proto == 17 ? "udp" : "sctp", a, k->port[0], z,
			  k->port[1], z, k->port[1], a, k->port[0]);
	else
		cc_printf(b, "(%s proto %u and host %s and host %s)", family == AF_INET ? "ip" : "ip6",
			  k->proto, a, z);
	b->terms++;
	return 0;
}

/* ---- the request ---- */

/*
 * Check body and start its capture: 0 with the id, or -errno with f filled (status,
 * title, detail, field).
 */
static int
cc_start(struct services *s, json_t *body, char *id, struct capture_fail *f)
{
	struct capture_body cb;
	struct capture_req r;
	struct cc_buf b = { 0 }, g = { 0 };
	json_t *filter = NULL;
	unsigned int vlan = 0;
	char err[1024];
	int rc = -EINVAL;

	memset(&r, 0, sizeof(r));
	if (capture_body_parse(body, &s->rt->cfg.capture, &cb, f) != 0)
		return -EINVAL;
	/* Generated parts are joined, then matched with and without an 802.1Q tag as one:
	 * libpcap's "vlan" shifts the offsets of everything after it in the expression. */
	if (cb.group != NULL && cc_group(s, cb.group, &g, f) != 0)
		goto out;
	if (cb.ip != NULL) {
		if (g.len > 0)
			cc_printf(&g, " and ");
		g.terms = 0;
		cc_net(&g, cb.ip_family, cb.ip_addr, cb.ip_prefix);
	}
	if (cb.port != 0)
		cc_printf(&g, "%sport %" PRIu64, g.len > 0 ? " and " : "", cb.port);
	if (cb.flow_id != CAPTURE_BODY_NO_FLOW) {
		if (g.len > 0)
			cc_printf(&g, " and ");
		if (cc_flow(s, cb.flow_id, &g, &vlan, f) != 0)
			goto out;
	}
	if (cb.bpf != NULL && cb.bpf[0] != '\0')
		cc_printf(&b, "(%s)", cb.bpf);
	if (g.len > 0 && vlan != 0)
		cc_printf(&b, "%svlan %u and (%s)", b.len > 0 ? " and " : "", vlan, g.s);
	else if (g.len > 0)
		cc_printf(&b, "%s((%s) or (vlan and (%s)))", b.len > 0 ? " and " : "", g.s, g.s);
	if (g.oom)
		b.oom = 1;
	if (b.oom) {
		capture_fail_set(f, 500, "Internal Server Error", NULL, "out of memory");
		goto out;
	}
	filter = json_object();
	json_object_set_new(filter, "bpf", cb.bpf != NULL ? json_string(cb.bpf) : json_null());
	json_object_set_new(filter, "group", cb.group != NULL ? json_string(cb.group) :
			    json_null());
	json_object_set_new(filter, "ip", cb.ip != NULL ? json_string(cb.ip) : json_null());
	json_object_set_new(filter, "port", cb.port != 0 ? json_integer((json_int_t)cb.port) :
			    json_null());
	json_object_set_new(filter, "flow_id", cb.flow_id != CAPTURE_BODY_NO_FLOW ?
			    json_integer((json_int_t)cb.flow_id) : json_null());
	snprintf(r.id, sizeof(r.id), "%s", cb.id != NULL ? cb.id : "");
	snprintf(r.name, sizeof(r.name), "%s", cb.name != NULL ? cb.name : "");
	r.expr = b.s != NULL ? b.s : "";
	r.filter = filter;
	r.snaplen = (uint32_t)cb.snaplen;
	r.file_size = cb.file_size;
	r.file_count = (uint32_t)cb.file_count;
	r.duration = (uint32_t)cb.duration;
	r.packets = cb.packets;
	rc = capture_start(s->captures, &r, id, err, sizeof(err));
	switch (rc) {
	case 0:
		break;
	case -EINVAL:
		/* The expression: the user's part is the only one that can be wrong. */
		capture_fail_set(f, 400, "Invalid BPF filter", cb.bpf != NULL ? "/bpf" : NULL,
			  "bpf: %s", err);
		break;
	case -EBUSY:
	case -EEXIST:
		capture_fail_set(f, 409, "Capture exists", "/id", "%s", err);
		break;
	case -EMFILE:
		capture_fail_set(f, 409, "Too many captures", NULL, "%s", err);
		break;
	case -ENOSPC:
		capture_fail_set(f, 507, "Capture quota exceeded", NULL, "%s", err);
		break;
	case -ENODEV:
		capture_fail_set(f, 503, "Capture unavailable", NULL, "%s", err);
		break;
	default:
		capture_fail_set(f, 500, "Capture could not start", NULL, "%s", err);
		break;
	}
out:
	json_decref(filter);
	free(b.s);
	free(g.s);
	return rc;
}

int
control_capture_start_text(struct services *s, const char *json_text, char *id, char *err,
			   size_t errlen)
{
	struct capture_fail f = { 0 };
	json_error_t je;
	json_t *body = json_loads(json_text, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (body == NULL || !json_is_object(body)) {
		snprintf(err, errlen, "--capture: %s", body == NULL ? je.text :
			 "expected a JSON object, e.g. '{\"bpf\": \"tcp port 80\"}'");
		json_decref(body);
		return -EINVAL;
	}
	rc = cc_start(s, body, id, &f);
	json_decref(body);
	if (rc != 0)
		snprintf(err, errlen, "--capture: %s", f.detail);
	return rc;
}

/* ---- handlers ---- */

static int
cc_problem(struct api_response *resp, const struct capture_fail *f)
{
	return api_reply_problem(resp, f->status, f->title, f->detail,
				 f->field[0] != '\0' ? f->field : NULL);
}

/* The id of the URL: 400 when it cannot be one (nothing is looked up). */
static int
cc_id_ok(const struct api_request *req, struct api_response *resp)
{
	if (req->id != NULL && capture_id_valid(req->id))
		return 1;
	api_reply_problem(resp, 400, "Invalid capture id", "a capture id is 1 to 32 of A-Z a-z "
			  "0-9 _ - , not starting with -", NULL);
	return 0;
}

static int
cc_not_found(struct api_response *resp, const char *id)
{
	char d[96];

	snprintf(d, sizeof(d), "no capture \"%s\"", id);
	return api_reply_problem(resp, 404, NULL, d, NULL);
}

int
control_capture_api_create(void *cookie, const struct api_request *req,
			   struct api_response *resp)
{
	struct services *s = cookie;
	struct capture_fail f = { 0 };
	char err[512], id[CAPTURE_ID_LEN], loc[CAPTURE_ID_LEN + 32];
	json_t *body = api_request_json(req, err, sizeof(err));
	int rc;

	if (body == NULL)
		return api_reply_problem(resp, 400, "Invalid JSON", err, "");
	rc = cc_start(s, body, id, &f);
	json_decref(body);
	if (rc != 0)
		return cc_problem(resp, &f);
	snprintf(loc, sizeof(loc), "/v1/captures/%s", id);
	rc = api_reply_json(resp, 201, capture_get_json(s->captures, id), NULL);
	if (rc == 0)
		rc = api_reply_header(resp, "Location", loc);
	return rc;
}

int
control_capture_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *s = cookie;

	(void)req;
	return api_reply_json(resp, 200, capture_list_json(s->captures), NULL);
}

int
control_capture_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *s = cookie;
	json_t *o;

	if (!cc_id_ok(req, resp))
		return 0;
	o = capture_get_json(s->captures, req->id);
	if (o == NULL)
		return cc_not_found(resp, req->id);
	return api_reply_json(resp, 200, o, NULL);
}

int
control_capture_api_stop(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *s = cookie;
	const char *purge = api_request_query(req, "purge");
	int rc, p;

	if (!cc_id_ok(req, resp))
		return 0;
	if (purge != NULL && strcmp(purge, "true") != 0 && strcmp(purge, "false") != 0)
		return api_reply_problem(resp, 400, "Invalid query", "purge: expected true or false",
					 "purge");
	p = purge != NULL && strcmp(purge, "true") == 0;
	rc = capture_stop(s->captures, req->id, p);
	if (rc == -ENOENT)
		return cc_not_found(resp, req->id);
	if (p && rc == 0)
		return api_reply_json(resp, 204, NULL, NULL);
	return api_reply_json(resp, p ? 202 : 200, capture_get_json(s->captures, req->id), NULL);
}

struct cc_stream {
	int fd;
	uint64_t size;
};

static ssize_t
cc_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct cc_stream *x = cls;
	ssize_t n;

	if (pos >= x->size)
		return -1;
	if (max > x->size - pos)
		max = (size_t)(x->size - pos);
	do {
		n = pread(x->fd, buf, max, (off_t)pos);
	} while (n < 0 && errno == EINTR);
	/* A file cut shorter meanwhile (the ring deleted it): end the response early. */
	return n > 0 ? n : -1;
}

static void
cc_stream_fin(void *cls)
{
	struct cc_stream *x = cls;

	close(x->fd);
	free(x);
}

int
control_capture_api_file(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *s = cookie;
	char name[CAPTURE_FNAME_LEN], disp[CAPTURE_FNAME_LEN + 32], d[96];
	struct cc_stream *x;
	unsigned long n = 0;
	uint64_t size;
	int fd, rc;

	if (!cc_id_ok(req, resp))
		return 0;
	if (req->n == NULL || strlen(req->n) > 9 || strspn(req->n, "0123456789") != strlen(req->n) ||
	    (n = strtoul(req->n, NULL, 10)) == 0)
		return api_reply_problem(resp, 400, "Invalid file number", "a file number is the "
					 "index of a file of the capture (1 to 999999999)", NULL);
	rc = capture_file_open(s->captures, req->id, (uint32_t)n, &fd, &size, name, sizeof(name));
	if (rc != 0) {
		json_t *o = capture_get_json(s->captures, req->id);

		if (o == NULL)
			return cc_not_found(resp, req->id);
		json_decref(o);
		snprintf(d, sizeof(d), "capture \"%s\" has no file %lu", req->id, n);
		return api_reply_problem(resp, 404, NULL, d, NULL);
	}
	x = malloc(sizeof(*x));
	if (x == NULL) {
		close(fd);
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	}
	x->fd = fd;
	x->size = size;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	rc = api_reply_stream(resp, 200, "application/vnd.tcpdump.pcap", size, cc_stream_read,
			      cc_stream_fin, x);
	if (rc == 0)
		rc = api_reply_header(resp, "Content-Disposition", disp);
	return rc;
}
