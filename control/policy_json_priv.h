/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_POLICY_JSON_PRIV_H
#define TOLLGATE_POLICY_JSON_PRIV_H

/*
 * Inside the policy JSON module only (policy_json_*.c): the text helper that the schema
 * checks (policy_json_check.c) share with the loader-message helpers (policy_json_msg.c),
 * where it is defined. Everyone else goes through policy_json.h.
 */

#include <stddef.h>

/*
 * Append printf output at buf + *o (buf is len bytes), keeping *o within the buffer: the
 * text is cut at the end of buf and stays NUL-terminated; nothing happens once *o >= len.
 * Pure; any thread.
 */
void policy_json_msg_append(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
