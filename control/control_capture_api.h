/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * REST handlers of packet captures (docs/capture.md, docs/api/openapi.yaml): /v1/captures,
 * /v1/captures/{id} and /v1/captures/{id}/files/{n}; and the --capture option, which
 * starts a capture from the same JSON before the first packet. The route table lives in
 * control_api.c; every handler runs on the control thread inside api_poll, with the struct
 * services (services.h) as cookie.
 */
#ifndef TOLLGATE_CONTROL_CAPTURE_API_H
#define TOLLGATE_CONTROL_CAPTURE_API_H

#include <stddef.h>
#include "api.h"

struct services;

int control_capture_api_create(void *cookie, const struct api_request *req,
			       struct api_response *resp);
int control_capture_api_list(void *cookie, const struct api_request *req,
			     struct api_response *resp);
int control_capture_api_get(void *cookie, const struct api_request *req,
			    struct api_response *resp);
/* DELETE: stop; ?purge=true also deletes its files. */
int control_capture_api_stop(void *cookie, const struct api_request *req,
			     struct api_response *resp);
/* GET a ring file, streamed as application/vnd.tcpdump.pcap. */
int control_capture_api_file(void *cookie, const struct api_request *req,
			     struct api_response *resp);

/*
 * --capture: start the capture json_text describes (the body of POST /v1/captures).
 * Returns 0 with its id in id (33 bytes), or -errno with err naming the field and the
 * problem. Control thread, before the workers start.
 */
int control_capture_start_text(struct services *s, const char *json_text, char *id, char *err,
			       size_t errlen);

#endif
