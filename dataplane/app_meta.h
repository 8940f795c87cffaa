/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redacted copies for the app metadata of events (app_meta.c). Pure, any thread; out is
 * always NUL terminated (cut to fit).
 */
#ifndef TOLLGATE_APP_META_H
#define TOLLGATE_APP_META_H

#include <stddef.h>

/* A request target with query values and data-like path segments masked; no fragment. */
void app_meta_url(char *out, size_t outlen, const char *url);

/* A mail address ("<jane.doe@example.com>") with its local part masked:
 * "****.doe@example.com". */
void app_meta_addr(char *out, size_t outlen, const char *addr);

/* A plain bounded copy (host names, methods, content types). */
void app_meta_copy(char *out, size_t outlen, const char *s);

#endif
