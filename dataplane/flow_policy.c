/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow policy evaluation (DESIGN.md "Policy model"): groups by address (one binary search
 * per endpoint in the snapshot's interval table), FQDN groups by SNI, first-match rules,
 * group mode overrides. Runs on the workers, once per flow and again when the snapshot,
 * the application or the SNI of the flow changes; never per packet otherwise.
 */
#include <string.h>
#include <sys/socket.h>
#include "flow_policy.h"
#include "group_table.h"

int
flow_policy_fqdn_match(const struct snapshot_fqdn *p, const char *name, size_t len)
{
	if (!p->wildcard)
		return len == p->len && memcmp(name, p->name, len) == 0;
	/* ".suffix" must end the name and leave at least one label before it. */
	return len > p->len && memcmp(name + len - p->len, p->name, p->len) == 0;
}

static int
port_match(const struct snapshot_rule *r, uint8_t proto, uint16_t dport)
{
	unsigned int i;

	if (r->nports == 0)
		return 1;
	if (proto != POLICY_PROTO_TCP && proto != POLICY_PROTO_UDP)
		return 0;
	for (i = 0; i < r->nports; i++)
		if (dport >= r->ports[i].lo && dport <= r->ports[i].hi)
			return 1;
	return 0;
}

/* An icmp rule also takes ICMPv6 (58), for IPv6 flows only. */
static int
proto_match(uint8_t want, uint8_t proto, uint8_t family)
{
	return want == POLICY_PROTO_ANY || want == proto ||
	       (want == POLICY_PROTO_ICMP && proto == 58 && family == 6);
}

/* First user group of the set, else EXTERNAL. */
static uint16_t
first_user(const struct group_set *set, uint16_t ngroups)
{
	unsigned int g;

	for (g = POLICY_GROUP_FIRST_USER; g < ngroups; g++)
		if (group_set_has(set, g))
			return (uint16_t)g;
	return POLICY_GROUP_EXTERNAL;
}

void
flow_policy_eval(const struct snapshot *s, const struct flow_key *k, uint8_t client,
		 uint8_t app, const char *sni, struct flow_verdict *out)
{
	int family = k->family == 6 ? AF_INET6 : AF_INET;
	uint8_t server = client ^ 1;
	uint16_t dport = k->port[server];
	struct group_set src, dst;
	unsigned int i;

	group_table_lookup(s->addr, family, k->addr[client], &src);
	group_table_lookup(s->addr, family, k->addr[server], &dst);
	if (sni != NULL && s->nfqdns != 0) {
		size_t len = strlen(sni);
		int added = 0;

		for (i = 0; i < s->nfqdns; i++) {
			if (flow_policy_fqdn_match(&s->fqdns[i], sni, len)) {
				group_set_add(&dst, s->fqdns[i].group);
				added = 1;
			}
		}
		if (added)	/* in a user group now: not external any more */
			dst.w[POLICY_GROUP_EXTERNAL / 64] &= ~(1ull << (POLICY_GROUP_EXTERNAL % 64));
	}
	out->from_group = first_user(&src, s->ngroups);
	out->to_group = first_user(&dst, s->ngroups);
	out->mode = s->mode;
	for (i = POLICY_GROUP_FIRST_USER; i < s->ngroups; i++) {
		if (s->groups[i].mode != POLICY_MODE_INHERIT &&
		    (group_set_has(&src, i) || group_set_has(&dst, i))) {
			out->mode = s->groups[i].mode;
			break;
		}
	}
	for (i = 0; i < s->nrules; i++) {
		const struct snapshot_rule *r = &s->rules[i];

		if (!group_set_has(&src, r->from) || !group_set_has(&dst, r->to) ||
		    !proto_match(r->proto, k->proto, k->family) || !port_match(r, k->proto, dport))
			continue;
		if (r->app != POLICY_APP_ANY && r->app != app)
			continue;
		out->rule = (int32_t)i;
		out->action = r->action;
		out->require_tls = r->require_tls;
		return;
	}
	out->rule = FLOW_POLICY_DEFAULT_RULE;
	out->action = s->default_action;
	out->require_tls = 0;
}
