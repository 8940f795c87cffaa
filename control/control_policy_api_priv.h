/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the policy resource handlers only (control_policy_api.c, control_groups_api.c,
 * control_rules_api.c, control_sensors_api.c): the request checks, problem replies and
 * commit path they share, defined in control_policy_api_write.c, which calls none of them.
 * Like every handler, these run on the control thread inside api_poll. Each one that
 * returns 1 or -1 after replying has put the whole response (status, problem body) in resp.
 */
#ifndef TOLLGATE_CONTROL_POLICY_API_PRIV_H
#define TOLLGATE_CONTROL_POLICY_API_PRIV_H

#include <stddef.h>

#include <jansson.h>

#include "api.h"
#include "services.h"
#include "policy_store.h"

#define CP_ERR 1024		/* room for a loader, compiler or commit message */
#define CP_REQUEST "request"	/* the "file name" the loaders quote for a request body */

/* Reply status with body (stolen) and the running policy's ETag. */
int cp_reply_policy_json(struct api_response *resp, unsigned int status, json_t *body,
			 const struct policy_store *ps);

/* 1 when ?dry_run asks to validate only (true, 1 or empty), else 0. */
int cp_dry_run(const struct api_request *req);

/*
 * The checks before any write: a dry_run other than true/false gets 400; an If-Match that
 * names neither the running policy's tag (strong comparison) nor "*" gets 412. 1 when one
 * of them replied, 0 to go on.
 */
int cp_precondition(const struct api_request *req, struct api_response *resp,
		    const struct policy_store *ps);

/*
 * Reply status with a loader or compiler message err ("[NAME:LINE:COL: ][policy.]path:
 * text") as a problem whose pointer is the path, relative to rel ("/groups/3") when the
 * body is a single resource, or NULL for a whole policy.
 */
int cp_problem(struct api_response *resp, unsigned int status, const char *title,
	       const char *err, const char *rel);

/* Reply to policy_store_commit's rc and err: 422 for -EINVAL (as cp_problem), else 500. */
int cp_commit_problem(struct api_response *resp, int rc, const char *err, const char *rel);

/* Reply 200 to a dry run that passed: the what ("policy", "sensor") is valid, nothing kept. */
int cp_reply_dry_run(struct api_response *resp, const char *what);

/*
 * Load doc (a whole policy object, borrowed) as the YAML file would be and commit it
 * (validate only under ?dry_run). On success replies status with body (stolen; NULL: the
 * new policy's export), or 204 without one; on failure a problem relative to rel.
 */
int cp_commit_doc(struct services *c, const struct api_request *req, struct api_response *resp,
		  const json_t *doc, const char *rel, unsigned int status, json_t *body);

/*
 * The request body as a JSON object (the caller owns it) checked by check (NULL: any JSON);
 * NULL after replying 400.
 */
json_t *cp_body(const struct api_request *req, struct api_response *resp,
		int (*check)(const json_t *, char *, size_t, char *, size_t));

/* Index of the item of arr (borrowed) whose key equals id, or -1. */
int cp_find(const json_t *arr, const char *key, const char *id);

/* Reply 404: no what named id. */
int cp_not_found(struct api_response *resp, const char *what, const char *id);

/*
 * The id in the path and the body's key must agree when both are given; a body without
 * key gets id. 0, or -1 after replying 400.
 */
int cp_same_id(struct api_response *resp, json_t *body, const char *key, const char *id);

#endif
