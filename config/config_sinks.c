/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events.sinks: list of the configuration (config.h; docs/configuration.md "events",
 * docs/outputs.md): where events go besides the events file. Each item is a syslog, a
 * webhook or a kafka sink; its type picks the table its keys are read with, so a key of
 * another type is refused by name ("topic: only kafka sinks have this key") rather than
 * ignored:
 *
 *   parse_sinks ─┬─ type (read first) ─┬─ syslog_fields ─┐
 *                │                     ├─ webhook_fields ├─ the common keys (COMMON_FIELDS)
 *                │                     └─ kafka_fields ──┘  + event_types, properties
 *                └─ check_sink: unique names, backoff order, address form, the TLS keys
 *                   that go together, properties the daemon sets itself
 *
 * The walker is config_walk.c's, scalars and messages config_parse.c's (config_priv.h);
 * config.c refers to this file's list functions, never the other way round. Whether a
 * receiver is reachable or a CA file readable is the daemon's business when it starts
 * the sink (control/sink.c), not the loader's. Control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_priv.h"
#include "yaml_tree.h"

#define SINK(m) AT(struct config_sink, m)

#define SINK_QUEUE_MAX		1048576
#define SINK_RETRIES_MAX	100
#define SINK_MS_MAX		3600000		/* one hour */
#define KAFKA_TOPIC_MAX		249		/* Kafka's own limit */

const char *const config_event_type_names[] = {
	[CONFIG_EV_FLOW] = "flow",
	[CONFIG_EV_ALERT] = "alert",
	[CONFIG_EV_DLP] = "dlp",
	[CONFIG_EV_ANOMALY] = "anomaly",
	[CONFIG_EV_HTTP] = "http",
	[CONFIG_EV_SMTP] = "smtp",
	[CONFIG_EV_TLS] = "tls",
	[CONFIG_EV_DNS] = "dns",
	[CONFIG_EV__COUNT] = NULL,
};

const char *const config_sink_type_names[] = {
	[CONFIG_SINK_SYSLOG] = "syslog",
	[CONFIG_SINK_WEBHOOK] = "webhook",
	[CONFIG_SINK_KAFKA] = "kafka",
	NULL,
};

static const char *const transport_names[] = {
	[CONFIG_SYSLOG_UDP] = "udp",
	[CONFIG_SYSLOG_TCP] = "tcp",
	[CONFIG_SYSLOG_TLS] = "tls",
	NULL,
};

/* RFC 5424 section 6.2.1: the facility codes 0..23, by the names syslog.conf uses. */
static const char *const facility_names[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7", NULL,
};

static const char *const key_names[] = {
	[CONFIG_KAFKA_KEY_FLOW_ID] = "flow_id",
	[CONFIG_KAFKA_KEY_NONE] = "none",
	NULL,
};

/* librdkafka properties the daemon sets from other keys, and the key to use instead. */
static const char *const kafka_owned[][2] = {
	{ "bootstrap.servers", "address" },
	{ "metadata.broker.list", "address" },
	{ "enable.idempotence", "nothing: the producer is always idempotent" },
	{ "queue.buffering.max.messages", "queue_size" },
};

#define PROP_KEY_CHARS "abcdefghijklmnopqrstuvwxyz0123456789._"
#define TOPIC_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static int parse_event_types(struct cfg_ctx *x, const struct yaml_node *n, void *base);
static void dump_event_types(const void *base, FILE *f, int indent);
static int parse_props(struct cfg_ctx *x, const struct yaml_node *n, void *base);
static void dump_props(const void *base, FILE *f, int indent);

#define PATH_ROW(k, m) { .key = k, .kind = CFG_STRING, SINK(m), .min = 0, \
			 .what = "a path, or \"\"" }

#define COMMON_FIELDS \
	{ .key = "name", .kind = CFG_STRING, SINK(name), .min = 1, \
	  .flags = CFG_REQUIRED | CFG_NAME, .what = "1..31 characters from A-Z a-z 0-9 _ -" }, \
	{ .key = "type", .kind = CFG_ENUM, SINK(type), .flags = CFG_REQUIRED, \
	  .names = config_sink_type_names, .what = "syslog, webhook or kafka" }, \
	{ .key = "address", .kind = CFG_STRING, SINK(address), .min = 1, \
	  .flags = CFG_REQUIRED, .what = "where the sink sends (see docs/outputs.md)" }, \
	{ .key = "event_types", .kind = CFG_LIST, .parse = parse_event_types, \
	  .dump = dump_event_types, .what = "a sequence of event types" }, \
	{ .key = "min_severity", .kind = CFG_UINT, SINK(min_severity), .min = 1, .max = 4 }, \
	{ .key = "queue_size", .kind = CFG_UINT, SINK(queue_size), .min = 1, \
	  .max = SINK_QUEUE_MAX }, \
	{ .key = "retries", .kind = CFG_UINT, SINK(retries), .min = 0, \
	  .max = SINK_RETRIES_MAX }, \
	{ .key = "retry_backoff_ms", .kind = CFG_UINT, SINK(backoff_ms), .min = 1, \
	  .max = SINK_MS_MAX }, \
	{ .key = "retry_backoff_max_ms", .kind = CFG_UINT, SINK(backoff_max_ms), .min = 1, \
	  .max = SINK_MS_MAX }, \
	{ .key = "timeout_ms", .kind = CFG_UINT, SINK(timeout_ms), .min = 1, .max = 600000 }, \
	{ .key = "flush_timeout_ms", .kind = CFG_UINT, SINK(flush_timeout_ms), .min = 0, \
	  .max = 600000 }

static const struct cfg_field syslog_fields[] = {
	COMMON_FIELDS,
	{ .key = "transport", .kind = CFG_ENUM, SINK(transport), .names = transport_names },
	{ .key = "facility", .kind = CFG_ENUM, SINK(facility), .names = facility_names },
	PATH_ROW("tls_ca_file", tls_ca_file),
	{ .key = "tls_server_name", .kind = CFG_STRING, SINK(tls_server_name), .min = 0,
	  .charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-",
	  .what = "a DNS name, or \"\" for the host of address" },
	PATH_ROW("tls_cert_file", tls_cert_file),
	PATH_ROW("tls_key_file", tls_key_file),
	{ .key = NULL },
};

static const struct cfg_field webhook_fields[] = {
	COMMON_FIELDS,
	PATH_ROW("hmac_key_file", hmac_key_file),
	PATH_ROW("tls_ca_file", tls_ca_file),
	PATH_ROW("tls_cert_file", tls_cert_file),
	PATH_ROW("tls_key_file", tls_key_file),
	{ .key = NULL },
};

static const struct cfg_field kafka_fields[] = {
	COMMON_FIELDS,
	{ .key = "topic", .kind = CFG_STRING, SINK(topic), .min = 1, .charset = TOPIC_CHARS,
	  .what = "a Kafka topic: 1..249 characters from A-Z a-z 0-9 . _ -" },
	{ .key = "key", .kind = CFG_ENUM, SINK(key), .names = key_names },
	{ .key = "properties", .kind = CFG_LIST, .parse = parse_props, .dump = dump_props,
	  .what = "a mapping of librdkafka properties to string values" },
	{ .key = NULL },
};

static const struct cfg_field *const type_tables[] = {
	[CONFIG_SINK_SYSLOG] = syslog_fields,
	[CONFIG_SINK_WEBHOOK] = webhook_fields,
	[CONFIG_SINK_KAFKA] = kafka_fields,
};

/* ---- event_types ---- */

static int
parse_event_types(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_sink *s = base;
	char got[GOT_BUF], names[160];
	size_t n, i, old;
	unsigned int t;

	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of event types");
	if (yaml_tree_len(seq) == 0)
		return cfg_err(x, seq, "no event types (expected at least one; leave the key out "
			       "for every type)");
	s->event_types = 0;
	n = yaml_tree_len(seq);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i);
		const char *v = yaml_tree_kind(item) == YAML_TREE_SCALAR ? yaml_tree_str(item) : "";

		old = cfg_path_push_index(x, i);
		for (t = 0; t < CONFIG_EV__COUNT; t++)
			if (strcmp(v, config_event_type_names[t]) == 0)
				break;
		if (t == CONFIG_EV__COUNT)
			return cfg_err(x, item, "unknown event type (got %s, expected %s)",
				       cfg_fmt_got(item, got, sizeof(got)),
				       cfg_fmt_names(config_event_type_names, names,
						     sizeof(names)));
		if (s->event_types & (1u << t))
			return cfg_err(x, item, "duplicate event type (got %s, expected each once)",
				       cfg_fmt_got(item, got, sizeof(got)));
		s->event_types |= 1u << t;
		cfg_path_pop(x, old);
	}
	return 0;
}

static void
dump_event_types(const void *base, FILE *f, int indent)
{
	const struct config_sink *s = base;
	unsigned int t;

	(void)indent;
	fputs(" [", f);
	for (t = 0; t < CONFIG_EV__COUNT; t++)
		if (s->event_types & (1u << t))
			fprintf(f, "%s%s", (s->event_types & ((1u << t) - 1)) ? ", " : "",
				config_event_type_names[t]);
	fputs("]\n", f);
}

/* ---- properties (kafka) ---- */

static int
parse_props(struct cfg_ctx *x, const struct yaml_node *map, void *base)
{
	struct config_sink *s = base;
	char got[GOT_BUF];
	size_t n, i, j, old;

	memset(s->props, 0, sizeof(s->props));
	s->n_props = 0;
	if (yaml_tree_is_null(map))
		return 0;
	if (yaml_tree_kind(map) != YAML_TREE_MAPPING)
		return cfg_err_wrong_type(x, map, "a mapping of librdkafka properties to strings");
	n = yaml_tree_len(map);
	if (n > CONFIG_SINK_PROPS)
		return cfg_err(x, map, "too many properties (got %zu, expected at most %u)", n,
			       CONFIG_SINK_PROPS);
	for (i = 0; i < n; i++) {
		const struct yaml_node *k = yaml_tree_key(map, i), *v = yaml_tree_value(map, i);
		const char *key = yaml_tree_str(k), *val;
		struct config_sink_prop *p = &s->props[i];

		old = cfg_path_push_key(x, key);
		if (strlen(key) == 0 || strlen(key) >= sizeof(p->key) ||
		    strspn(key, PROP_KEY_CHARS) != strlen(key))
			return cfg_err(x, k, "not a librdkafka property name (got %s, "
				       "expected 1..63 characters from a-z 0-9 . _)",
				       cfg_fmt_got(k, got, sizeof(got)));
		for (j = 0; j < sizeof(kafka_owned) / sizeof(kafka_owned[0]); j++)
			if (strcmp(key, kafka_owned[j][0]) == 0)
				return cfg_err(x, k, "set by the daemon (got %s, expected "
					       "another property; use %s)",
					       cfg_fmt_got(k, got, sizeof(got)), kafka_owned[j][1]);
		if (yaml_tree_kind(v) != YAML_TREE_SCALAR || yaml_tree_is_null(v))
			return cfg_err_wrong_type(x, v, "a string value");
		val = yaml_tree_str(v);
		if (strlen(val) >= sizeof(p->value))
			return cfg_err(x, v, "too long (got %zu bytes, expected at most %zu)",
				       strlen(val), sizeof(p->value) - 1);
		memcpy(p->key, key, strlen(key) + 1);
		memcpy(p->value, val, strlen(val) + 1);
		s->n_props = (uint32_t)i + 1;
		cfg_path_pop(x, old);
	}
	return 0;
}

static void
dump_props(const void *base, FILE *f, int indent)
{
	const struct config_sink *s = base;
	uint32_t i;

	if (s->n_props == 0) {
		fputs(" {}\n", f);
		return;
	}
	fputc('\n', f);
	for (i = 0; i < s->n_props; i++) {
		fprintf(f, "%*s", indent + 2, "");
		cfg_dump_string(f, s->props[i].key);
		fputs(": ", f);
		cfg_dump_string(f, s->props[i].value);
		fputc('\n', f);
	}
}

/* ---- addresses ---- */

int
config_split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hl;
	uint64_t v;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen || config_parse_uint(colon + 1, &v) != 0 || v == 0 ||
	    v > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (strpbrk(host, " \t/") != NULL)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* ---- items ---- */

static void
sink_defaults(struct config_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->event_types = (1u << CONFIG_EV__COUNT) - 1;
	s->min_severity = 4;
	s->queue_size = 4096;
	s->retries = 3;
	s->backoff_ms = 200;
	s->backoff_max_ms = 30000;
	s->timeout_ms = 5000;
	s->flush_timeout_ms = 5000;
	s->transport = CONFIG_SYSLOG_UDP;
	s->facility = 21;	/* local5, as Suricata's syslog outputs */
	snprintf(s->topic, sizeof(s->topic), "tollgate");
	s->key = CONFIG_KAFKA_KEY_FLOW_ID;
}

static int
in_table(const struct cfg_field *t, const char *key)
{
	for (; t->key != NULL; t++)
		if (strcmp(t->key, key) == 0)
			return 1;
	return 0;
}

/*
 * A key that this type's table does not have but another's does: name the types that
 * have it, rather than the walker's list of every key this type takes.
 */
static int
check_foreign_keys(struct cfg_ctx *x, const struct yaml_node *item, uint8_t type)
{
	size_t i;
	unsigned int t;

	for (i = 0; i < yaml_tree_len(item); i++) {
		const struct yaml_node *k = yaml_tree_key(item, i);
		const char *key = yaml_tree_str(k);
		char types[64] = "";
		size_t o = 0;

		if (in_table(type_tables[type], key))
			continue;
		for (t = 0; t < sizeof(type_tables) / sizeof(type_tables[0]); t++)
			if (in_table(type_tables[t], key))
				o += (size_t)snprintf(types + o, sizeof(types) - o, "%s%s",
						      o == 0 ? "" : " and ",
						      config_sink_type_names[t]);
		if (o == 0)
			continue;	/* unknown everywhere: the walker says so */
		cfg_path_push_key(x, key);
		return cfg_err(x, k, "only %s sinks have this key (this sink's type is %s)", types,
			       config_sink_type_names[type]);
	}
	return 0;
}

/*
 * "events.sinks[i].key: problem (got VALUE, expected WHAT)" at the key's value, or at the
 * item when the key is not written (its default is at fault).
 */
static int
err_key(struct cfg_ctx *x, const struct yaml_node *item, const char *key, const char *problem,
	const char *expected)
{
	const struct yaml_node *n = yaml_tree_get(item, key);
	char got[GOT_BUF];

	cfg_path_push_key(x, key);
	if (n == NULL)
		return cfg_err(x, item, "%s (expected %s)", problem, expected);
	return cfg_err(x, n, "%s (got %s, expected %s)", problem, cfg_fmt_got(n, got, sizeof(got)),
		       expected);
}

/* Rules over several keys of item i (path at events.sinks[i]; old: the path without it). */
static int
check_sink(struct cfg_ctx *x, const struct config_events *ev, uint32_t i,
	   const struct yaml_node *item, size_t old)
{
	const struct config_sink *s = &ev->sinks[i];
	char host[CONFIG_SINK_ADDR_LEN], msg[PATH_MAX_LEN + 64];
	uint16_t port;
	uint32_t j;
	int tls;

	for (j = 0; j < i; j++) {
		if (strcmp(ev->sinks[j].name, s->name) != 0)
			continue;
		snprintf(msg, sizeof(msg), "a name not used by %.*s[%u]", (int)old, x->path, j);
		return err_key(x, item, "name", "duplicate sink name", msg);
	}
	if (s->backoff_ms > s->backoff_max_ms)
		return err_key(x, item, yaml_tree_get(item, "retry_backoff_ms") != NULL ?
			       "retry_backoff_ms" : "retry_backoff_max_ms",
			       "retry backoff out of order",
			       "retry_backoff_ms at most retry_backoff_max_ms");
	if ((s->tls_cert_file[0] != '\0') != (s->tls_key_file[0] != '\0'))
		return err_key(x, item, s->tls_cert_file[0] ? "tls_cert_file" : "tls_key_file",
			       "a client certificate needs its key",
			       "both tls_cert_file and tls_key_file, or neither");
	switch (s->type) {
	case CONFIG_SINK_SYSLOG:
		if (config_split_hostport(s->address, host, sizeof(host), &port) != 0)
			return err_key(x, item, "address", "not a syslog receiver",
				       "HOST:PORT or [IPV6]:PORT, e.g. siem.example:6514");
		tls = s->transport == CONFIG_SYSLOG_TLS;
		if (!tls && (s->tls_ca_file[0] || s->tls_server_name[0] || s->tls_cert_file[0]))
			return err_key(x, item, s->tls_ca_file[0] ? "tls_ca_file" :
				       s->tls_server_name[0] ? "tls_server_name" : "tls_cert_file",
				       "a TLS setting without TLS", "transport: tls");
		break;
	case CONFIG_SINK_WEBHOOK:
		tls = strncmp(s->address, "https://", 8) == 0;
		if (!tls && strncmp(s->address, "http://", 7) != 0)
			return err_key(x, item, "address", "not a webhook URL",
				       "http://... or https://...");
		if (!tls && (s->tls_ca_file[0] || s->tls_cert_file[0]))
			return err_key(x, item, s->tls_ca_file[0] ? "tls_ca_file" :
				       "tls_cert_file", "a TLS setting without TLS",
				       "an https:// address");
		break;
	default:
		if (strlen(s->topic) > KAFKA_TOPIC_MAX || strcmp(s->topic, ".") == 0 ||
		    strcmp(s->topic, "..") == 0)
			return err_key(x, item, "topic", "not a Kafka topic",
				       "1..249 characters from A-Z a-z 0-9 . _ -, not . or ..");
		if (strpbrk(s->address, " \t") != NULL)
			return err_key(x, item, "address", "not a broker list",
				       "HOST:PORT[,HOST:PORT...]");
		break;
	}
	return 0;
}

int
cfg_sinks_parse(struct cfg_ctx *x, const struct yaml_node *seq, void *base)
{
	struct config_events *ev = &((struct tg_config *)base)->events;
	char got[GOT_BUF], names[64];
	size_t n, i, old;
	unsigned int t;
	int rc;

	memset(ev->sinks, 0, sizeof(ev->sinks));
	ev->n_sinks = 0;
	if (yaml_tree_is_null(seq))
		return 0;
	if (yaml_tree_kind(seq) != YAML_TREE_SEQUENCE)
		return cfg_err_wrong_type(x, seq, "a sequence of sinks");
	n = yaml_tree_len(seq);
	if (n > CONFIG_MAX_SINKS)
		return cfg_err(x, seq, "too many sinks (got %zu, expected at most %u)", n,
			       CONFIG_MAX_SINKS);
	for (i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_tree_item(seq, i), *tn;
		struct config_sink *s = &ev->sinks[i];

		sink_defaults(s);
		old = cfg_path_push_index(x, i);
		if (yaml_tree_kind(item) != YAML_TREE_MAPPING)
			return cfg_err_wrong_type(x, item, "a mapping with name, type and address");
		tn = yaml_tree_get(item, "type");
		if (tn == NULL)
			return cfg_err(x, item, "missing key \"type\" (expected %s)",
				       cfg_fmt_names(config_sink_type_names, names, sizeof(names)));
		for (t = 0; config_sink_type_names[t] != NULL; t++)
			if (yaml_tree_kind(tn) == YAML_TREE_SCALAR &&
			    strcmp(yaml_tree_str(tn), config_sink_type_names[t]) == 0)
				break;
		if (config_sink_type_names[t] == NULL) {
			cfg_path_push_key(x, "type");
			return cfg_err(x, tn, "unknown value (got %s, expected %s)",
				       cfg_fmt_got(tn, got, sizeof(got)),
				       cfg_fmt_names(config_sink_type_names, names,
						     sizeof(names)));
		}
		rc = check_foreign_keys(x, item, (uint8_t)t);
		if (rc == 0)
			rc = cfg_apply_mapping(x, item, type_tables[t], s);
		if (rc == 0)
			rc = check_sink(x, ev, (uint32_t)i, item, old);
		if (rc != 0)
			return rc;
		cfg_path_pop(x, old);
		ev->n_sinks = (uint32_t)i + 1;
	}
	return 0;
}

void
cfg_sinks_dump(const void *base, FILE *f, int indent)
{
	const struct config_events *ev = &((const struct tg_config *)base)->events;
	uint32_t i;

	if (ev->n_sinks == 0) {
		fputs(" []\n", f);
		return;
	}
	fputc('\n', f);
	for (i = 0; i < ev->n_sinks; i++) {
		fprintf(f, "%*s- ", indent + 2, "");
		cfg_dump_table(&ev->sinks[i], f, type_tables[ev->sinks[i].type], indent + 4,
			       indent + 4);
	}
}
