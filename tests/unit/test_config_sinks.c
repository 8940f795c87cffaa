/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the events.sinks: list (config/config_sinks.c): each type's keys land in
 * their fields with the documented defaults, the dump reads back to the same sinks, the
 * commented-out examples in config/tollgate.yaml load, HOST:PORT splitting, and the exact
 * message of each kind of mistake.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static struct tg_config cfg, back;

static int
load(struct tg_config *c, const char *text, char *err, size_t errlen)
{
	return config_load_buffer(c, "t.yaml", text, strlen(text), err, errlen);
}

static void
assert_load_error(const char *text, const char *msg)
{
	char err[1024];

	config_defaults(&cfg);
	assert_int_equal(load(&cfg, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(cfg.events.n_sinks, 0);
}

static void
test_config_sinks_defaults_per_type(void **state)
{
	static const char text[] =
		"events:\n"
		"  sinks:\n"
		"    - name: siem\n"
		"      type: syslog\n"
		"      address: siem.example:514\n"
		"    - name: hook\n"
		"      type: webhook\n"
		"      address: https://h.example/in\n"
		"    - name: bus\n"
		"      type: kafka\n"
		"      address: k1:9092\n";
	const struct config_sink *s;
	char err[512];
	unsigned int i;

	(void)state;
	assert_int_equal(load(&cfg, text, err, sizeof(err)), 0);
	assert_int_equal(cfg.events.n_sinks, 3);
	for (i = 0; i < 3; i++) {
		s = &cfg.events.sinks[i];
		assert_int_equal(s->type, i);
		assert_int_equal(s->event_types, (1u << CONFIG_EV__COUNT) - 1);
		assert_int_equal(s->min_severity, 4);
		assert_int_equal(s->queue_size, 4096);
		assert_int_equal(s->retries, 3);
		assert_int_equal(s->backoff_ms, 200);
		assert_int_equal(s->backoff_max_ms, 30000);
		assert_int_equal(s->timeout_ms, 5000);
		assert_int_equal(s->flush_timeout_ms, 5000);
	}
	s = &cfg.events.sinks[0];
	assert_string_equal(s->name, "siem");
	assert_string_equal(s->address, "siem.example:514");
	assert_int_equal(s->transport, CONFIG_SYSLOG_UDP);
	assert_int_equal(s->facility, 21);	/* local5 */
	assert_string_equal(s->tls_ca_file, "");
	s = &cfg.events.sinks[2];
	assert_string_equal(s->topic, "tollgate");
	assert_int_equal(s->key, CONFIG_KAFKA_KEY_FLOW_ID);
	assert_int_equal(s->n_props, 0);
}

static void
test_config_sinks_every_key_lands_and_dumps_back(void **state)
{
	static const char text[] =
		"events:\n"
		"  sinks:\n"
		"    - name: siem-1\n"
		"      type: syslog\n"
		"      address: \"[fd00::1]:6514\"\n"
		"      transport: tls\n"
		"      facility: local3\n"
		"      tls_ca_file: /etc/tollgate/ca.pem\n"
		"      tls_server_name: siem.example\n"
		"      tls_cert_file: /etc/tollgate/c.pem\n"
		"      tls_key_file: /etc/tollgate/c.key\n"
		"      event_types: [dns, alert]\n"
		"      min_severity: 2\n"
		"      queue_size: 10\n"
		"      retries: 0\n"
		"      retry_backoff_ms: 7\n"
		"      retry_backoff_max_ms: 9\n"
		"      timeout_ms: 11\n"
		"      flush_timeout_ms: 0\n"
		"    - name: hook\n"
		"      type: webhook\n"
		"      address: https://h.example/in\n"
		"      hmac_key_file: /etc/tollgate/hook.key\n"
		"      tls_ca_file: /etc/tollgate/ca.pem\n"
		"    - name: bus\n"
		"      type: kafka\n"
		"      address: k1:9092,k2:9092\n"
		"      topic: tg.events-1\n"
		"      key: none\n"
		"      properties:\n"
		"        compression.type: lz4\n"
		"        message.timeout.ms: \"3000\"\n";
	const struct config_sink *s = &cfg.events.sinks[0];
	char err[512], *dump = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(&cfg, text, err, sizeof(err)), 0);
	assert_string_equal(s->address, "[fd00::1]:6514");
	assert_int_equal(s->transport, CONFIG_SYSLOG_TLS);
	assert_int_equal(s->facility, 19);
	assert_string_equal(s->tls_server_name, "siem.example");
	assert_string_equal(s->tls_key_file, "/etc/tollgate/c.key");
	assert_int_equal(s->event_types, (1u << CONFIG_EV_DNS) | (1u << CONFIG_EV_ALERT));
	assert_int_equal(s->min_severity, 2);
	assert_int_equal(s->queue_size, 10);
	assert_int_equal(s->retries, 0);
	assert_int_equal(s->backoff_ms, 7);
	assert_int_equal(s->backoff_max_ms, 9);
	assert_int_equal(s->timeout_ms, 11);
	assert_int_equal(s->flush_timeout_ms, 0);
	assert_string_equal(cfg.events.sinks[1].hmac_key_file, "/etc/tollgate/hook.key");
	s = &cfg.events.sinks[2];
	assert_string_equal(s->topic, "tg.events-1");
	assert_int_equal(s->key, CONFIG_KAFKA_KEY_NONE);
	assert_int_equal(s->n_props, 2);
	assert_string_equal(s->props[1].key, "message.timeout.ms");
	assert_string_equal(s->props[1].value, "3000");

	f = open_memstream(&dump, &len);
	assert_non_null(f);
	config_dump(&cfg, f);
	assert_int_equal(fclose(f), 0);
	/* only each type's own keys, so that the dump loads again */
	assert_non_null(strstr(dump, "      event_types: [alert, dns]\n"));
	assert_non_null(strstr(dump, "    - name: \"bus\"\n      type: kafka\n"));
	assert_non_null(strstr(dump, "      properties:\n        \"compression.type\": \"lz4\"\n"));
	assert_int_equal(load(&back, dump, err, sizeof(err)), 0);
	assert_int_equal(back.events.n_sinks, 3);
	assert_memory_equal(back.events.sinks, cfg.events.sinks, sizeof(cfg.events.sinks));
	free(dump);
}

/* The examples commented out in config/tollgate.yaml, uncommented, load. */
static void
test_config_sinks_shipped_examples_load(void **state)
{
	const char *p = strstr(config_builtin_yaml, "  # Where events go besides the file");
	char text[8192] = "events:\n  sinks:\n", err[512];
	size_t o = strlen(text);

	(void)state;
	assert_non_null(p);
	p = strstr(p, "  #   - name: siem");
	assert_non_null(p);
	while (strncmp(p, "  #   ", 6) == 0 || strncmp(p, "  #\n", 4) == 0) {
		const char *eol = strchr(p, '\n');

		if (p[3] == ' ') {
			o += (size_t)snprintf(text + o, sizeof(text) - o, "  %.*s\n",
					      (int)(eol - p - 4), p + 4);
		}
		p = eol + 1;
	}
	assert_int_equal(load(&cfg, text, err, sizeof(err)), 0);
	assert_int_equal(cfg.events.n_sinks, 3);
	assert_string_equal(cfg.events.sinks[0].name, "siem");
	assert_int_equal(cfg.events.sinks[0].transport, CONFIG_SYSLOG_TLS);
	assert_string_equal(cfg.events.sinks[1].hmac_key_file, "/etc/tollgate/webhook.key");
	assert_string_equal(cfg.events.sinks[2].props[0].key, "compression.type");
}

static void
test_config_sinks_split_hostport(void **state)
{
	char host[64];
	uint16_t port = 0;

	(void)state;
	assert_int_equal(config_split_hostport("siem.example:6514", host, sizeof(host), &port), 0);
	assert_string_equal(host, "siem.example");
	assert_int_equal(port, 6514);
	assert_int_equal(config_split_hostport("[fd00::1]:514", host, sizeof(host), &port), 0);
	assert_string_equal(host, "fd00::1");
	assert_int_equal(port, 514);
	assert_int_equal(config_split_hostport("10.0.0.1:1", host, sizeof(host), &port), 0);
	assert_int_equal(port, 1);
	port = 9;
	assert_int_equal(config_split_hostport("fd00::1:514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("h:0", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("h:65536", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("h:05", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport(":514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("h", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("[::1]514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("a b:514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("h/x:514", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(config_split_hostport("a-very-long-host-name-that-does-not-fit-in-the-"
					       "buffer.example:514", host, 16, &port), -EINVAL);
	assert_int_equal(port, 9);
}

static void
test_config_sinks_mistakes_are_named(void **state)
{
	(void)state;
	assert_load_error("events:\n  sinks: {}\n",
			  "t.yaml:2:10: events.sinks: wrong type (got a mapping, expected a "
			  "sequence of sinks)");
	assert_load_error("events:\n  sinks:\n    - name: a\n      address: h:1\n",
			  "t.yaml:3:7: events.sinks[0]: missing key \"type\" (expected syslog, "
			  "webhook or kafka)");
	assert_load_error("events:\n  sinks:\n    - type: syslog\n      address: h:1\n",
			  "t.yaml:3:7: events.sinks[0]: missing key \"name\" (expected 1..31 "
			  "characters from A-Z a-z 0-9 _ -)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog}\n",
			  "t.yaml:3:7: events.sinks[0]: missing key \"address\" (expected where "
			  "the sink sends (see docs/outputs.md))");
	assert_load_error("events:\n  sinks:\n    - {name: a.b, type: syslog, address: h:1}\n",
			  "t.yaml:3:14: events.sinks[0].name: invalid name (got a.b, expected "
			  "1..31 characters from A-Z a-z 0-9 _ -)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "transport: tcp}\n",
			  "t.yaml:3:44: events.sinks[0].transport: only syslog sinks have this key "
			  "(this sink's type is kafka)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "tls_ca_file: x}\n",
			  "t.yaml:3:44: events.sinks[0].tls_ca_file: only syslog and webhook sinks "
			  "have this key (this sink's type is kafka)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "colour: red}\n",
			  "t.yaml:3:45: events.sinks[0].colour: unknown key (expected one of: "
			  "name, type, address, event_types, min_severity, queue_size, retries, "
			  "retry_backoff_ms, retry_backoff_max_ms, timeout_ms, flush_timeout_ms, "
			  "transport, facility, tls_ca_file, tls_server_name, tls_cert_file, "
			  "tls_key_file)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "transport: tls, tls_cert_file: /c.pem}\n",
			  "t.yaml:3:76: events.sinks[0].tls_cert_file: a client certificate needs "
			  "its key (got /c.pem, expected both tls_cert_file and tls_key_file, "
			  "or neither)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "facility: local8}\n",
			  "t.yaml:3:55: events.sinks[0].facility: unknown value (got local8, "
			  "expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, "
			  "authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, "
			  "local3, local4, local5, local6 or local7)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "event_types: []}\n",
			  "t.yaml:3:58: events.sinks[0].event_types: no event types (expected at "
			  "least one; leave the key out for every type)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "event_types: [dlp, dlp]}\n",
			  "t.yaml:3:64: events.sinks[0].event_types[1]: duplicate event type (got "
			  "dlp, expected each once)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: syslog, address: h:1, "
			  "queue_size: 0}\n",
			  "t.yaml:3:57: events.sinks[0].queue_size: out of range (got 0, expected "
			  "an integer in 1..1048576)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "topic: \"a/b\"}\n",
			  "t.yaml:3:51: events.sinks[0].topic: invalid characters (got \"a/b\", "
			  "expected a Kafka topic: 1..249 characters from A-Z a-z 0-9 . _ -)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "topic: \"..\"}\n",
			  "t.yaml:3:51: events.sinks[0].topic: not a Kafka topic (got \"..\", "
			  "expected 1..249 characters from A-Z a-z 0-9 . _ -, not . or ..)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "properties: {bootstrap.servers: x}}\n",
			  "t.yaml:3:57: events.sinks[0].properties.bootstrap.servers: set by the "
			  "daemon (got bootstrap.servers, expected another property; use "
			  "address)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, address: h:1, "
			  "properties: {Acks: all}}\n",
			  "t.yaml:3:57: events.sinks[0].properties.Acks: not a librdkafka property "
			  "name (got Acks, expected 1..63 characters from a-z 0-9 . _)");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: kafka, "
			  "address: \"h:1, h:2\"}\n",
			  "t.yaml:3:39: events.sinks[0].address: not a broker list (got \"h:1, "
			  "h:2\", expected HOST:PORT[,HOST:PORT...])");
	assert_load_error("events:\n  sinks:\n    - {name: a, type: webhook, address: "
			  "http://h/, tls_ca_file: /ca.pem}\n",
			  "t.yaml:3:65: events.sinks[0].tls_ca_file: a TLS setting without TLS "
			  "(got /ca.pem, expected an https:// address)");
	assert_load_error("events:\n  sinks:\n"
			  "    - {name: a, type: syslog, address: h:1}\n"
			  "    - {name: b, type: syslog, address: h:1}\n"
			  "    - {name: c, type: syslog, address: h:1}\n"
			  "    - {name: d, type: syslog, address: h:1}\n"
			  "    - {name: e, type: syslog, address: h:1}\n"
			  "    - {name: f, type: syslog, address: h:1}\n"
			  "    - {name: g, type: syslog, address: h:1}\n"
			  "    - {name: h, type: syslog, address: h:1}\n"
			  "    - {name: i, type: syslog, address: h:1}\n",
			  "t.yaml:3:5: events.sinks: too many sinks (got 9, expected at most 8)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_sinks_defaults_per_type),
		cmocka_unit_test(test_config_sinks_every_key_lands_and_dumps_back),
		cmocka_unit_test(test_config_sinks_shipped_examples_load),
		cmocka_unit_test(test_config_sinks_split_hostport),
		cmocka_unit_test(test_config_sinks_mistakes_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
