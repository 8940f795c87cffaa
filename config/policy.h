/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Egress policy: loading and checking the policy YAML (mode, default_action, groups,
 * rules; docs and DESIGN.md "Policy model") into struct policy (policy_types.h), and the
 * pure lookups the data path will use.
 *
 * Errors a person can fix come back as one line, in the style of config.h:
 *   NAME:LINE:COL: field.path: problem (got VALUE, expected WHAT)
 * e.g. "p.yaml:9:9: rules[3].to: unknown group (got partners, expected one of: any,
 * external, workloads)".
 *
 * Loading runs on the control thread (it allocates). The lookups are pure reads of a
 * loaded policy: any thread, no allocation, no locks.
 */
#ifndef TOLLGATE_POLICY_H
#define TOLLGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy_types.h"

struct yaml_node;

/*
 * Build a policy from root, the mapping that holds mode, default_action, groups and rules
 * (a null root is the empty policy: monitor, allow, no groups, no rules). name is used in
 * messages. Absent keys: mode monitor, default_action allow, protocol any, app any,
 * require_tls false, threshold 1; groups[].name and rules[].id, from, to, action and
 * dlp[].sensor, action are required. Returns the policy (owned by the caller, free with
 * policy_free) or NULL with errno EINVAL (or ENOMEM) and one line in err (errlen bytes,
 * NUL-terminated when errlen > 0). The policy does not refer to root afterwards.
 */
struct policy *policy_load_tree(const char *name, const struct yaml_node *root, char *err,
				size_t errlen);

/*
 * The policy section of a whole configuration document: root["policy"] loaded as
 * policy_load_tree does, with messages naming the path from the document's root
 * ("policy.rules[3].to"). No policy section is the empty policy.
 */
struct policy *policy_load_config(const char *name, const struct yaml_node *root, char *err,
				  size_t errlen);

/* yaml_tree_load_buffer (syntax errors come back as its message) + policy_load_tree. */
struct policy *policy_load_buffer(const char *name, const char *yaml, size_t len, char *err,
				  size_t errlen);

/* Free a policy and its selectors. NULL is a no-op. */
void policy_free(struct policy *p);

/* Index of the group called name (built-in ones included), -1 when there is none. */
int policy_group_index(const struct policy *p, const char *name);

/*
 * Whether ip (16 bytes, an IPv4 address in the first 4, network order) of family
 * (AF_INET or AF_INET6) is in group: by its CIDRs and ranges only (FQDN and selector
 * membership are resolved elsewhere). "any" holds every address; "external" the addresses
 * in no user group's CIDRs or ranges. An unknown group or family holds nothing.
 */
bool policy_group_has_ip(const struct policy *p, unsigned int group, const uint8_t ip[16],
			 int family);

/*
 * The first rule, in document order, whose from group holds src, to group holds dst,
 * protocol matches proto (icmp also matches 58 for IPv6), ports hold dport (a rule with
 * ports only matches TCP and UDP) and app matches app (enum policy_app; a rule's "any"
 * matches every app, a flow's POLICY_APP_ANY only "any" rules). NULL when none matches:
 * the policy's default_action applies.
 */
const struct policy_rule *policy_match(const struct policy *p, const uint8_t src[16],
				       const uint8_t dst[16], int family, uint8_t proto,
				       uint16_t dport, unsigned int app);

#endif
