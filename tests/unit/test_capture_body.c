/* SPDX-License-Identifier: BSD-3-Clause */
/* control/capture_body.c: the body of POST /v1/captures checked against capture: limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <jansson.h>
#include "capture_body.h"

static void
conf(struct config_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->snaplen = 65535;
	c->max_snaplen = 65535;
	c->file_size = 16u << 20;
	c->max_file_size = 1u << 30;
	c->file_count = 8;
	c->max_file_count = 1024;
	c->max_duration = 3600;
}

static int
parse(const char *text, struct capture_body *b, struct capture_fail *f)
{
	static json_t *keep;		/* the strings of *b are borrowed from it */
	struct config_capture c;

	json_decref(keep);
	keep = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(keep);
	conf(&c);
	memset(f, 0, sizeof(*f));
	return capture_body_parse(keep, &c, b, f);
}

static void
test_capture_body_takes_values_and_defaults(void **state)
{
	struct capture_body b;
	struct capture_fail f;

	(void)state;
	assert_int_equal(parse("{\"id\":\"inc-1\",\"ip\":\"10.1.2.3/20\",\"port\":443,"
			       "\"snaplen\":96,\"duration\":60}", &b, &f), 0);
	assert_string_equal(b.id, "inc-1");
	assert_null(b.name);
	assert_int_equal(b.ip_family, AF_INET);
	assert_int_equal(b.ip_prefix, 20);
	/* host bits cleared: 10.1.0.0 */
	assert_int_equal(b.ip_addr[0], 10);
	assert_int_equal(b.ip_addr[1], 1);
	assert_int_equal(b.ip_addr[2], 0);
	assert_int_equal(b.ip_addr[3], 0);
	assert_int_equal(b.port, 443);
	assert_int_equal(b.flow_id, CAPTURE_BODY_NO_FLOW);
	assert_int_equal(b.snaplen, 96);
	assert_int_equal(b.file_size, 16u << 20);
	assert_int_equal(b.file_count, 8);
	assert_int_equal(b.duration, 60);
	assert_int_equal(parse("{\"ip\":\"2001:db8::1\"}", &b, &f), 0);
	assert_int_equal(b.ip_family, AF_INET6);
	assert_int_equal(b.ip_prefix, 128);
}

static void
test_capture_body_refusals_name_the_member(void **state)
{
	static const struct {
		const char *body, *field, *detail;
	} cases[] = {
		{ "{\"a/b~c\":1}", "/a~1b~0c", "a/b~c: unknown field" },
		{ "{\"port\":0}", "/port", "port: 0 is out of range (expected 1..65535)" },
		{ "{\"port\":\"80\"}", "/port", "port: expected an integer 1..65535" },
		{ "{\"duration\":0}", "/duration", "duration: 0 is out of range (expected 1..3600)" },
		{ "{\"id\":\"-x\"}", "/id", "id: \"-x\": expected 1 to 32" },
		{ "{\"name\":\"a/b\"}", "/name", "name: \"a/b\": expected 1 to 32" },
		{ "{\"ip\":\"10.0.0.1/33\"}", "/ip", "ip: \"10.0.0.1/33\": expected an IPv4" },
		{ "{\"ip\":\"10.0.0.1/\"}", "/ip", "ip: \"10.0.0.1/\": expected an IPv4" },
		/* the defaults fit: the member the body gave is at fault */
		{ "{\"file_size\":1024}", "/file_size", "file_size: 1024 bytes cannot hold one "
		  "packet of snaplen 65535 (expected at least 65575)" },
		{ "{\"snaplen\":65535,\"file_size\":2000}", "/file_size", "file_size: 2000" },
		{ "{\"flow_id\":9007199254740993}", "/flow_id", "flow_id: 9007199254740993 is out" },
	};
	struct capture_body b;
	struct capture_fail f;
	char key[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].body, &b, &f) != -EINVAL)
			fail_msg("accepted: %s", cases[i].body);
		assert_int_equal(f.status, 400);
		assert_string_equal(f.title, "Invalid capture");
		if (strcmp(f.field, cases[i].field) != 0 ||
		    strncmp(f.detail, cases[i].detail, strlen(cases[i].detail)) != 0)
			fail_msg("%s: field \"%s\" detail \"%s\"", cases[i].body, f.field, f.detail);
	}
	/* a member name too long for a pointer of 64 bytes: the whole body */
	memset(key, 'k', sizeof(key));
	memcpy(key, "{\"", 2);
	memcpy(key + sizeof(key) - 6, "\":1}", 5);
	assert_int_equal(parse(key, &b, &f), -EINVAL);
	assert_string_equal(f.field, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_body_takes_values_and_defaults),
		cmocka_unit_test(test_capture_body_refusals_name_the_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
