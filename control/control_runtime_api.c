/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the gateway sees at run time, next to the policy (control_policy_api.h): the
 * discover-mode records (/v1/learned), the addresses each user group holds now through its
 * label selector and its FQDN patterns (/v1/labels/groups), and the flow and event lists
 * (/v1/flows, /v1/events). None of them changes the policy.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "services.h"
#include "control_policy_api.h"
#include "event_ring.h"
#include "flow_list.h"
#include "flow_policy.h"
#include "fqdn_cache.h"
#include "label_map.h"
#include "learned.h"
#include "policy.h"
#include "policy_json.h"
#include "policy_store.h"
#include "snapshot.h"

/* ---- /v1/learned, /v1/labels/groups, /v1/flows ---- */

int
control_learned_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *s = cookie;

	(void)req;
	return api_reply_json(resp, 200, learned_json(s->learned), NULL);
}

int
control_learned_api_clear(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	const struct services *s = cookie;

	(void)req;
	learned_clear(s->learned);
	return api_reply_json(resp, 204, NULL, NULL);
}

static void
cp_ip_text(const uint8_t ip[16], int family, char *buf, size_t len)
{
	if (inet_ntop(family, ip, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void
cp_add_label_ip(void *cookie, const uint8_t ip[16], int family)
{
	char buf[INET6_ADDRSTRLEN];

	cp_ip_text(ip, family, buf, sizeof(buf));
	json_array_append_new(cookie, json_string(buf));
}

struct cp_fqdn_ctx {
	const struct snapshot *s;	/* its patterns are the running policy's */
	unsigned int group;
	json_t *out;
};

static void
cp_add_fqdn_ip(void *cookie, const char *name, int family, const uint8_t ip[16],
	       uint64_t expires_s)
{
	struct cp_fqdn_ctx *x = cookie;
	char buf[INET6_ADDRSTRLEN];
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < x->s->nfqdns; i++) {
		if (x->s->fqdns[i].group != x->group ||
		    !flow_policy_fqdn_match(&x->s->fqdns[i], name, len))
			continue;
		cp_ip_text(ip, family, buf, sizeof(buf));
		json_array_append_new(x->out, json_pack("{s:s, s:s, s:I}", "ip", buf, "name", name,
							"expires", (json_int_t)expires_s));
		return;
	}
}

int
control_labels_api_groups(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
	const struct policy *p = policy_store_policy(ps);
	json_t *groups = json_array();
	unsigned int g;

	(void)req;
	for (g = POLICY_GROUP_FIRST_USER; g < p->ngroups; g++) {
		const struct policy_group *pg = &p->groups[g];
		json_t *all = policy_json_group(p, g);
		json_t *labels = json_array(), *names = json_array();
		struct cp_fqdn_ctx x = { policy_store_snapshot(ps), g, names };

		if (pg->selector != NULL)
			label_map_select(c->labels, pg->selector, cp_add_label_ip, labels);
		if (pg->nfqdns > 0)
			fqdn_cache_foreach(policy_store_fqdns(ps), cp_add_fqdn_ip, &x);
		json_array_append_new(groups, json_pack("{s:s, s:O, s:O, s:O, s:o, s:o}",
			"name", pg->name, "selector", json_object_get(all, "selector"),
			"cidrs", json_object_get(all, "cidrs"),
			"ranges", json_object_get(all, "ranges"),
			"label_ips", labels, "fqdn_ips", names));
		json_decref(all);
	}
	return api_reply_json(resp, 200, json_pack("{s:I, s:I, s:o}",
		"generation", (json_int_t)label_map_generation(c->labels),
		"snapshot", (json_int_t)policy_store_snapshot(ps)->version, "groups", groups), NULL);
}

static const char *
cp_query(void *ctx, const char *name)
{
	return api_request_query(ctx, name);
}

int
control_flows_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *s = cookie;
	char param[64] = "", err[512];
	json_t *out = flow_list_query(s->flows, cp_query, (void *)req, param,
				      sizeof(param), err, sizeof(err));

	if (out == NULL)
		return api_reply_problem(resp, 400, "Invalid query", err, param);
	return api_reply_json(resp, 200, out, NULL);
}

int
control_events_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *s = cookie;
	char param[64] = "", err[512];
	json_t *out;

	if (s->recent == NULL)	/* api.events_kept: 0 */
		return api_reply_json(resp, 200, json_pack("{s:[], s:i, s:i, s:n}", "events",
			"returned", 0, "dropped", 0, "next_cursor"), NULL);
	out = event_ring_query(s->recent, cp_query, (void *)req, param,
			       sizeof(param), err, sizeof(err));
	if (out == NULL)
		return api_reply_problem(resp, 400, "Invalid query", err, param);
	return api_reply_json(resp, 200, out, NULL);
}
