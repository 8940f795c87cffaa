/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the policy REST bodies (control/policy_json.h) through the same path
 * the API handlers take: JSON parse (as api_request_json does), schema check, the body
 * merged into a policy document, JSON -> YAML, the policy loader (config/policy.h) or, for
 * a custom class, the configuration loader (config/config.h), and the export.
 *
 * Input:  byte 0   the kind of body (mod 5): a whole policy (PUT /v1/policy), a group
 *                  (POST /v1/groups), a rule (POST /v1/rules), a custom class (POST
 *                  /v1/sensors), a mode (PUT /v1/policy/mode)
 *         then the body (JSON text).
 *
 * Groups and rules are appended to a small base policy (groups "web" and "db", one rule),
 * a mode replaces the base's; a custom class goes under dlp.custom as the sensors API does.
 *
 * Checks, aborting on failure:
 *   - a body the schema refuses gets -EINVAL, a one-line message, and a pointer that is ""
 *     or an RFC 6901 pointer resolving to a value of the body (the member at fault, or the
 *     object missing one); the same verdict with no room for either, and both stay
 *     NUL-terminated in small buffers;
 *   - the YAML made from an accepted body (policy_json_to_yaml) is never NULL; when the
 *     loader refuses it, the message is one line naming a location, and its field path
 *     (what cp_problem turns into a pointer) converts with policy_json_pointer_from_path;
 *   - round trip: what the loader accepts exports (policy_json_export / _group / _rule /
 *     _custom) to JSON that passes the same schema check, and that JSON goes through the
 *     same path again to an export equal to the first (json_equal).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "fuzz_common.h"
#include "policy.h"
#include "policy_json.h"

enum kind { K_POLICY, K_GROUP, K_RULE, K_CUSTOM, K_MODE, K__COUNT };

static const char base_doc[] =
	"{\"mode\": \"monitor\", \"default_action\": \"allow\", \"groups\": ["
	"{\"name\": \"web\", \"cidrs\": [\"10.0.0.0/8\"]},"
	"{\"name\": \"db\", \"cidrs\": [\"192.168.1.0/24\"], \"fqdns\": [\"*.db.example\"]}],"
	"\"rules\": [{\"id\": \"r1\", \"from\": \"web\", \"to\": \"db\", \"action\": \"allow\"}]}";

typedef int (*check_fn)(const json_t *, char *, size_t, char *, size_t);

static const check_fn checks[K__COUNT] = {
	policy_json_check_policy, policy_json_check_group, policy_json_check_rule,
	policy_json_check_custom, policy_json_check_mode,
};

/* The value at RFC 6901 pointer ptr in j, or NULL. */
static FUZZ_NOCOV const json_t *
resolve(const json_t *j, const char *ptr)
{
	char tok[1100];

	while (*ptr != '\0') {
		size_t n = 0;

		if (*ptr != '/')
			return NULL;
		ptr++;
		while (*ptr != '\0' && *ptr != '/') {
			char c = *ptr++;

			if (c == '~') {
				if (*ptr != '0' && *ptr != '1')
					return NULL;
				c = *ptr++ == '0' ? '~' : '/';
			}
			if (n + 1 >= sizeof(tok))
				return NULL;
			tok[n++] = c;
		}
		tok[n] = '\0';
		if (json_is_object(j)) {
			j = json_object_get(j, tok);
		} else if (json_is_array(j)) {
			char *e;
			unsigned long i = strtoul(tok, &e, 10);

			if (n == 0 || *e != '\0' || (tok[0] == '0' && n > 1))
				return NULL;
			j = json_array_get(j, i);
		} else {
			return NULL;
		}
		if (j == NULL)
			return NULL;
	}
	return j;
}

static FUZZ_NOCOV void
check_refusal(check_fn check, const json_t *body)
{
	char ptr[1100], msg[1100], sp[4], sm[8];

	memset(ptr, 'x', sizeof(ptr));
	memset(msg, 'x', sizeof(msg));
	FUZZ_CHECK(check(body, ptr, sizeof(ptr), msg, sizeof(msg)) == -EINVAL);
	FUZZ_CHECK(strnlen(ptr, sizeof(ptr)) < sizeof(ptr));
	FUZZ_CHECK(strnlen(msg, sizeof(msg)) < sizeof(msg));
	FUZZ_CHECK(msg[0] != '\0' && strchr(msg, '\n') == NULL);
	FUZZ_CHECK(ptr[0] == '\0' || ptr[0] == '/');
	if (resolve(body, ptr) == NULL)
		fprintf(stderr, "pointer \"%s\" names nothing in the body (%s)\n", ptr, msg);
	FUZZ_CHECK(resolve(body, ptr) != NULL);
	FUZZ_CHECK(check(body, NULL, 0, NULL, 0) == -EINVAL);
	memset(sp, 'x', sizeof(sp));
	memset(sm, 'x', sizeof(sm));
	FUZZ_CHECK(check(body, sp, sizeof(sp), sm, sizeof(sm)) == -EINVAL);
	FUZZ_CHECK(memchr(sp, '\0', sizeof(sp)) != NULL && memchr(sm, '\0', sizeof(sm)) != NULL);
}

/* The policy document a group, rule or mode body makes (a new reference). */
static FUZZ_NOCOV json_t *
merge(enum kind k, json_t *body)
{
	json_t *doc;

	if (k == K_POLICY)
		return json_incref(body);
	doc = json_loads(base_doc, 0, NULL);
	if (doc == NULL)
		abort();
	if (k == K_GROUP)
		json_array_append(json_object_get(doc, "groups"), body);
	else if (k == K_RULE)
		json_array_append(json_object_get(doc, "rules"), body);
	else
		json_object_set(doc, "mode", json_object_get(body, "mode"));
	return doc;
}

/* A loader message: one line with a location; its path converts to a pointer. */
static FUZZ_NOCOV void
check_loader_message(const char *err, size_t errlen, const char *name)
{
	const char *msg = policy_json_strip_location(err);
	const char *colon;
	char path[256], ptr[256];

	FUZZ_CHECK(strnlen(err, errlen) < errlen);
	FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	FUZZ_CHECK(strncmp(err, name, strlen(name)) == 0);
	if (strcmp(msg, "out of memory") == 0)
		return;
	FUZZ_CHECK(msg != err && msg[0] != '\0');
	colon = strstr(msg, ": ");
	if (colon != NULL && (size_t)(colon - msg) < sizeof(path) &&
	    memchr(msg, ' ', (size_t)(colon - msg)) == NULL) {
		int rc;

		memcpy(path, msg, (size_t)(colon - msg));
		path[colon - msg] = '\0';
		rc = policy_json_pointer_from_path(path, ptr, sizeof(ptr));
		FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
		FUZZ_CHECK(strnlen(ptr, sizeof(ptr)) < sizeof(ptr));
		FUZZ_CHECK(rc != 0 || ptr[0] == '\0' || ptr[0] == '/');
	}
}

/*
 * One trip: body (checked) through the loader to its export (a new reference), or NULL
 * when the loader refused it (after checking the message).
 */
static FUZZ_NOCOV json_t *
trip(enum kind k, json_t *body)
{
	char err[1024];
	json_t *out = NULL;
	size_t len = 0;
	char *yaml;

	if (k == K_CUSTOM) {
		json_t *arr = json_pack("[O]", body);
		static struct tg_config cfg;
		char *doc;

		if (arr == NULL)
			abort();
		yaml = policy_json_custom_to_yaml(arr, &len);
		json_decref(arr);
		FUZZ_CHECK(yaml != NULL && strlen(yaml) == len);
		doc = malloc(len + 32);
		if (doc == NULL)
			abort();
		len = (size_t)snprintf(doc, len + 32, "dlp:\n  custom: %s\n", yaml);
		free(yaml);
		config_defaults(&cfg);
		if (config_load_buffer(&cfg, "request", doc, len, err, sizeof(err)) != 0) {
			check_loader_message(err, sizeof(err), "request");
		} else {
			FUZZ_CHECK(cfg.dlp.n_custom == 1);
			out = policy_json_custom(&cfg.dlp.custom[0]);
			FUZZ_CHECK(out != NULL);
		}
		free(doc);
		return out;
	}

	json_t *doc = merge(k, body);
	struct policy *p;

	yaml = policy_json_to_yaml(doc, &len);
	FUZZ_CHECK(yaml != NULL && strlen(yaml) == len);
	p = policy_load_buffer("request", yaml, len, err, sizeof(err));
	free(yaml);
	json_decref(doc);
	if (p == NULL) {
		check_loader_message(err, sizeof(err), "request");
		return NULL;
	}
	if (k == K_GROUP) {
		FUZZ_CHECK(p->ngroups == POLICY_GROUP_FIRST_USER + 3);
		out = policy_json_group(p, p->ngroups - 1);
	} else if (k == K_RULE) {
		FUZZ_CHECK(p->nrules == 2);
		out = policy_json_rule(p, p->nrules - 1);
	} else {
		out = policy_json_export(p);
	}
	FUZZ_CHECK(out != NULL);
	policy_free(p);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body, *e1, *e2, *check_me;
	json_error_t jerr;
	char ptr[1100], msg[1100];
	enum kind k;

	if (size < 1)
		return 0;
	k = (enum kind)(data[0] % K__COUNT);
	body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES |
			  JSON_DECODE_ANY, &jerr);
	if (body == NULL)
		return 0;
	if (!json_is_object(body)) {
		FUZZ_CHECK(checks[k](body, ptr, sizeof(ptr), msg, sizeof(msg)) == -EINVAL);
		FUZZ_CHECK(ptr[0] == '\0');
		json_decref(body);
		return 0;
	}
	if (checks[k](body, ptr, sizeof(ptr), msg, sizeof(msg)) != 0) {
		check_refusal(checks[k], body);
		json_decref(body);
		return 0;
	}
	FUZZ_CHECK(msg[0] == '\0' && ptr[0] == '\0');
	e1 = trip(k, body);
	json_decref(body);
	if (e1 == NULL)
		return 0;
	/* The export is a body of the same kind (a mode comes back as a whole policy). */
	check_me = k == K_MODE ? json_pack("{s:O}", "mode", json_object_get(e1, "mode")) :
				 json_incref(e1);
	if (checks[k](check_me, ptr, sizeof(ptr), msg, sizeof(msg)) != 0) {
		char *t = json_dumps(check_me, 0);

		fprintf(stderr, "export refused by its schema: %s: %s\n%s\n", ptr, msg, t);
		free(t);
	}
	FUZZ_CHECK(checks[k](check_me, NULL, 0, NULL, 0) == 0);
	e2 = trip(k, check_me);
	if (e2 == NULL || !json_equal(e1, e2)) {
		char *t1 = json_dumps(e1, JSON_SORT_KEYS);
		char *t2 = e2 != NULL ? json_dumps(e2, JSON_SORT_KEYS) : NULL;

		fprintf(stderr, "export does not come back:\n%s\n%s\n", t1, t2 ? t2 : "(refused)");
		free(t1);
		free(t2);
	}
	FUZZ_CHECK(e2 != NULL && json_equal(e1, e2));
	json_decref(check_me);
	json_decref(e1);
	json_decref(e2);
	return 0;
}
