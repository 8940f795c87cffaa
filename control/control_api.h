/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_CONTROL_API_H
#define TOLLGATE_CONTROL_API_H

#include <stddef.h>
#include "runtime_types.h"

struct api;
struct services;

/*
 * Start the REST API the configuration asks for (api.listen, overridden by --api-listen;
 * api.token_file, by --api-token-file) with the routes served so far: /healthz,
 * /metrics (Prometheus text) and /v1/stats. Returns NULL with err set when it cannot
 * listen or the token file is bad; *disabled is set (and NULL returned, err empty) when
 * api.listen is "". s is every handler's cookie and must outlive the API. Control thread.
 */
struct api *control_api_start(struct services *s, struct runtime *rt, int *disabled, char *err,
			      size_t errlen);

#endif
