/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy evaluation of one flow against a published snapshot (snapshot_types.h): which
 * groups its client and server are in, which rule matches first, which mode applies.
 * Pure reads of the snapshot: no allocation, no locks, any thread that holds the snapshot
 * (a worker between two RCU quiescent points).
 */
#ifndef TOLLGATE_FLOW_POLICY_H
#define TOLLGATE_FLOW_POLICY_H

#include <stdint.h>
#include "flow_types.h"
#include "snapshot_types.h"

#define FLOW_POLICY_DEFAULT_RULE (-1)

struct flow_verdict {
	int32_t rule;		/* index in snap->rules, FLOW_POLICY_DEFAULT_RULE: none matched */
	uint8_t action;		/* enum policy_action: the rule's, or the default action */
	uint8_t mode;		/* enum policy_mode in force: a group override, else global */
	uint8_t require_tls;	/* the rule asks for TLS */
	uint16_t from_group;	/* first user group holding the client, else EXTERNAL */
	uint16_t to_group;	/* first user group holding the server, else EXTERNAL */
};

/*
 * Evaluate the flow with key k whose client is key side `client`, application app (enum
 * policy_app, POLICY_APP_ANY when not identified yet), and optionally the TLS SNI name the
 * client sent (lower case, NULL when none): the server is then also in every group with a
 * matching FQDN pattern. Rules are tried in order; the first whose from group holds the
 * client, to group holds the server, and protocol, server port and app match, wins.
 * Mode: the first user group, in document order, that holds the client or the server and
 * sets a mode; otherwise the global mode.
 */
void flow_policy_eval(const struct snapshot *s, const struct flow_key *k, uint8_t client,
		      uint8_t app, const char *sni, struct flow_verdict *out);

/*
 * Whether name (lower case, no trailing dot) matches an FQDN pattern: exact, or for
 * "*.suffix" (stored as ".suffix") any name of one or more labels under suffix.
 */
int flow_policy_fqdn_match(const struct snapshot_fqdn *p, const char *name, size_t len);

#endif
