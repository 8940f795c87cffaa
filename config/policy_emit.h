/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy emitter: writes a loaded policy (policy_types.h) and the custom DLP classes
 * (config_types.h, dlp.custom) back as block YAML that the loaders (policy_load_buffer,
 * config_load_buffer) read back to the same values. The API uses it to persist a policy it
 * accepted; config_splice.h puts the text into the user's file.
 *
 * The output is the canonical form: keys in the loader's order, defaults left out, every
 * list a block sequence ("[]" when empty), CIDRs as inet_ntop text plus "/prefix".
 * Scalars are plain when no YAML reader could take them for anything else and
 * double-quoted (YAML 1.1 escapes) otherwise: selectors, comments, "*." hostnames, port
 * ranges, and anything that reads as a boolean, null or number.
 *
 * Control thread (it allocates); no shared state.
 */
#ifndef TOLLGATE_POLICY_EMIT_H
#define TOLLGATE_POLICY_EMIT_H

#include <stddef.h>

#include "config_types.h"
#include "policy_types.h"

/*
 * Write p as a block mapping with the keys mode, default_action, groups and rules (all
 * four, "groups: []" / "rules: []" when empty), every line prefixed by indent spaces,
 * ending with a newline. Only user groups are written (the built-in any and external are
 * implied). A group leaves out empty lists, an absent selector and mode inherit; a rule
 * always has id, from, to and action and leaves out protocol any, no ports, app any,
 * require_tls false, no dlp and an empty comment; a dlp item leaves out threshold 1.
 *
 * On success *out is a NUL-terminated malloc'd string owned by the caller (free) and *len
 * its length (len may be NULL). Returns 0, -ENOMEM, or -EINVAL when p, out is NULL or p
 * holds what the loader never produces (an enum or group index out of range, a string
 * that is not UTF-8); *out is NULL on failure.
 */
int policy_emit_yaml(const struct policy *p, unsigned int indent, char **out, size_t *len);

/*
 * Write the n custom classes at s as a block sequence (one "- name: ..." item each, "[]"
 * when n is 0), every line prefixed by indent spaces, ending with a newline: the value of
 * dlp.custom. Items leave out the defaults (category custom, validator none, no keywords,
 * window 0, threshold 0, severity medium, context_required false). s may be NULL when n
 * is 0. Ownership and returns as policy_emit_yaml (-EINVAL also for a severity out of
 * range).
 */
int policy_emit_custom_yaml(const struct config_custom_sensor *s, unsigned int n,
			    unsigned int indent, char **out, size_t *len);

/*
 * The len bytes at s (UTF-8, may hold NUL) as a YAML double-quoted scalar, quotes
 * included, that a YAML 1.1 reader (libyaml) reads back to exactly those bytes: '"' and
 * '\' escaped, C0 controls, DEL, C1 controls, U+2028/U+2029, U+FEFF, U+FFFE and U+FFFF
 * as escapes (which libyaml refuses raw), everything else as is. Writes like snprintf:
 * at most dstlen - 1 bytes then a NUL (dst may be NULL when dstlen is 0), and returns the
 * length of the whole scalar, or (size_t)-1 when s is not valid UTF-8. Pure; any thread.
 */
size_t policy_emit_quote(const char *s, size_t len, char *dst, size_t dstlen);

#endif
