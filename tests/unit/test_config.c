/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration schema (config/config.c, config/config_dlp.c, and the
 * walker and scalar parsers under them, config/config_walk.c, config/config_parse.c): the
 * shipped file equals the built-in defaults, every key lands in its field, the scalar
 * parsers' edges, and the exact message of each kind of mistake.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "flow_types.h"	/* the flow states that index flow.timeout_us */
#include "yaml_tree.h"

#define US 1000000ull

/* The built-in sensor ids as messages list them. */
#define BUILTIN_IDS_TEXT \
	"credit_card, us_ssn, iban, email, phone, gb_nhs, gb_nino, es_dni, es_nie, " \
	"it_codice_fiscale, nl_bsn, be_nn, pl_pesel, se_personnummer, fi_hetu, dk_cpr, " \
	"de_idnr, fr_nir, at_svnr, ie_pps, pt_nif, aws_access_key_id, private_key or jwt"

static int
load(struct tg_config *c, const char *text, char *err, size_t errlen)
{
	return config_load_buffer(c, "t.yaml", text, strlen(text), err, errlen);
}

/* Loading text must fail with -EINVAL and exactly msg, leaving the config untouched. */
static void
assert_load_error(const char *text, const char *msg)
{
	struct tg_config before, c;
	char err[1024];

	config_defaults(&c);
	c.dp.workers = 7;	/* not a default: shows the target was left alone */
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(load(&c, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void
assert_same_config(const struct tg_config *a, const struct tg_config *b)
{
	uint32_t i;

	assert_string_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->cache_dir, b->cache_dir);
	assert_int_equal(a->dp.workers, b->dp.workers);
	assert_int_equal(a->dp.burst, b->dp.burst);
	assert_int_equal(a->dp.mbufs, b->dp.mbufs);
	assert_int_equal(a->dp.ring_size, b->dp.ring_size);
	assert_int_equal(a->dp.idle.busy_poll, b->dp.idle.busy_poll);
	assert_int_equal(a->dp.idle.empty_polls, b->dp.idle.empty_polls);
	assert_int_equal(a->dp.idle.pause_polls, b->dp.idle.pause_polls);
	assert_int_equal(a->dp.idle.max_sleep_us, b->dp.idle.max_sleep_us);
	assert_int_equal(a->dp.nports, b->dp.nports);
	for (i = 0; i < a->dp.nports; i++) {
		assert_string_equal(a->dp.ports[i].name, b->dp.ports[i].name);
		assert_string_equal(a->dp.ports[i].device, b->dp.ports[i].device);
		assert_int_equal(a->dp.ports[i].mode, b->dp.ports[i].mode);
		assert_string_equal(a->dp.ports[i].peer, b->dp.ports[i].peer);
		assert_int_equal(a->dp.ports[i].rx_desc, b->dp.ports[i].rx_desc);
		assert_int_equal(a->dp.ports[i].tx_desc, b->dp.ports[i].tx_desc);
	}
	assert_int_equal(a->dp.n_eal_args, b->dp.n_eal_args);
	for (i = 0; i < a->dp.n_eal_args; i++)
		assert_string_equal(a->dp.eal_args[i], b->dp.eal_args[i]);
	assert_int_equal(a->flow.max_flows, b->flow.max_flows);
	assert_int_equal(a->flow.nbuckets, b->flow.nbuckets);
	assert_int_equal(a->flow.evict, b->flow.evict);
	for (i = 0; i < FLOW_STATE__COUNT; i++)
		assert_int_equal(a->flow.timeout_us[i], b->flow.timeout_us[i]);
	assert_int_equal(a->defrag.max_flows, b->defrag.max_flows);
	assert_int_equal(a->defrag.max_frags, b->defrag.max_frags);
	assert_int_equal(a->defrag.memcap, b->defrag.memcap);
	assert_int_equal(a->defrag.timeout_ms, b->defrag.timeout_ms);
	assert_int_equal(a->reasm.memcap, b->reasm.memcap);
	assert_int_equal(a->reasm.block_size, b->reasm.block_size);
	assert_int_equal(a->reasm.max_ooo_per_dir, b->reasm.max_ooo_per_dir);
	assert_int_equal(a->reasm.depth, b->reasm.depth);
	assert_int_equal(a->reasm.midstream, b->reasm.midstream);
	assert_int_equal(a->reasm.urgent, b->reasm.urgent);
	assert_int_equal(a->events.ring_size, b->events.ring_size);
	assert_int_equal(a->events.file.max_size, b->events.file.max_size);
	assert_int_equal(a->events.file.keep, b->events.file.keep);
	assert_int_equal(a->events.file.fsync, b->events.file.fsync);
	assert_int_equal(a->events.file.fsync_interval_ms, b->events.file.fsync_interval_ms);
	assert_int_equal(a->events.tls, b->events.tls);
	assert_int_equal(a->events.dns, b->events.dns);
	assert_int_equal(a->incidents.window_us, b->incidents.window_us);
	assert_int_equal(a->incidents.max, b->incidents.max);
	assert_int_equal(a->incidents.max_values, b->incidents.max_values);
	assert_int_equal(a->dlp.enabled, b->dlp.enabled);
	assert_int_equal(a->dlp.action, b->dlp.action);
	assert_string_equal(a->dlp.rule, b->dlp.rule);
	assert_int_equal(a->dlp.threshold, b->dlp.threshold);
	assert_int_equal(a->dlp.max_matches, b->dlp.max_matches);
	assert_int_equal(a->dlp.max_streams, b->dlp.max_streams);
	assert_int_equal(a->dlp.max_parked, b->dlp.max_parked);
	assert_int_equal(a->dlp.context_window, b->dlp.context_window);
	assert_int_equal(a->dlp.engine, b->dlp.engine);
	assert_int_equal(a->dlp.n_disabled, b->dlp.n_disabled);
	for (i = 0; i < a->dlp.n_disabled; i++)
		assert_string_equal(a->dlp.disabled[i], b->dlp.disabled[i]);
	assert_int_equal(a->dlp.n_overrides, b->dlp.n_overrides);
	for (i = 0; i < a->dlp.n_overrides; i++) {
		const struct config_sensor_override *x = &a->dlp.overrides[i];
		const struct config_sensor_override *y = &b->dlp.overrides[i];
		uint32_t j;

		assert_string_equal(x->id, y->id);
		assert_int_equal(x->has_keywords, y->has_keywords);
		assert_int_equal(x->n_keywords, y->n_keywords);
		for (j = 0; j < x->n_keywords; j++)
			assert_string_equal(x->keywords[j], y->keywords[j]);
		assert_int_equal(x->n_add_keywords, y->n_add_keywords);
		for (j = 0; j < x->n_add_keywords; j++)
			assert_string_equal(x->add_keywords[j], y->add_keywords[j]);
		assert_int_equal(x->window, y->window);
		assert_int_equal(x->threshold, y->threshold);
	}
	assert_int_equal(a->dlp.n_custom, b->dlp.n_custom);
	for (i = 0; i < a->dlp.n_custom; i++) {
		const struct config_custom_sensor *x = &a->dlp.custom[i], *y = &b->dlp.custom[i];
		uint32_t j;

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->category, y->category);
		assert_string_equal(x->validator, y->validator);
		assert_int_equal(x->n_patterns, y->n_patterns);
		for (j = 0; j < x->n_patterns; j++)
			assert_string_equal(x->patterns[j], y->patterns[j]);
		assert_int_equal(x->n_keywords, y->n_keywords);
		for (j = 0; j < x->n_keywords; j++)
			assert_string_equal(x->keywords[j], y->keywords[j]);
		assert_int_equal(x->window, y->window);
		assert_int_equal(x->threshold, y->threshold);
		assert_int_equal(x->severity, y->severity);
		assert_int_equal(x->context_required, y->context_required);
	}
}

/* ---- defaults and the shipped file ---- */

static void
test_config_defaults_have_documented_values(void **state)
{
	struct tg_config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.source, "<built-in>");
	assert_string_equal(c.state_dir, "/var/lib/tollgate");
	assert_string_equal(c.cache_dir, "/var/cache/tollgate");
	assert_int_equal(c.dp.workers, 1);
	assert_int_equal(c.dp.burst, 32);
	assert_int_equal(c.dp.mbufs, 16383);
	assert_int_equal(c.dp.ring_size, 4096);
	assert_int_equal(c.dp.idle.busy_poll, 0);
	assert_int_equal(c.dp.idle.empty_polls, 64);
	assert_int_equal(c.dp.idle.pause_polls, 256);
	assert_int_equal(c.dp.idle.max_sleep_us, 200);
	assert_int_equal(c.dp.nports, 0);
	assert_int_equal(c.dp.n_eal_args, 0);
	assert_int_equal(c.flow.max_flows, 65536);
	assert_int_equal(c.flow.nbuckets, 65536);
	assert_int_equal(c.flow.evict, FLOW_EVICT_OLDEST);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_NEW], 30 * US);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_ESTABLISHED], 600 * US);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_CLOSING], 60 * US);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_CLOSED], 10 * US);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_UDP], 120 * US);
	assert_int_equal(c.defrag.max_flows, 4096);
	assert_int_equal(c.defrag.max_frags, 64);
	assert_int_equal(c.defrag.memcap, 8 << 20);
	assert_int_equal(c.defrag.timeout_ms, 2000);
	assert_int_equal(c.reasm.memcap, 64ull << 20);
	assert_int_equal(c.reasm.block_size, 2048);
	assert_int_equal(c.reasm.max_ooo_per_dir, 1 << 20);
	assert_int_equal(c.reasm.depth, 0);
	assert_int_equal(c.reasm.midstream, 1);
	assert_int_equal(c.reasm.urgent, CONFIG_URGENT_REMOVE);
	assert_int_equal(c.events.ring_size, 65536);
	assert_int_equal(c.dlp.enabled, 1);
	assert_int_equal(c.dlp.action, CONFIG_DLP_ALERT);
	assert_string_equal(c.dlp.rule, "default");
	assert_int_equal(c.dlp.threshold, 1);
	assert_int_equal(c.dlp.max_matches, 16);
	assert_int_equal(c.dlp.max_streams, 16384);
	assert_int_equal(c.dlp.max_parked, 16384);
	assert_int_equal(c.dlp.context_window, 64);
	assert_int_equal(c.dlp.engine, CONFIG_DLP_ENGINE_PREFILTER);
	assert_int_equal(c.dlp.n_disabled, 0);
	assert_int_equal(c.dlp.n_overrides, 0);
	assert_int_equal(c.dlp.n_custom, 0);
}

static void
test_config_builtin_yaml_is_the_shipped_file(void **state)
{
	const char *path = TOLLGATE_SRCDIR "/config/tollgate.yaml";
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(config_builtin_yaml_len, (unsigned int)len);
	assert_memory_equal(config_builtin_yaml, buf, (size_t)len);
	assert_int_equal(config_builtin_yaml[len], '\0');
	free(buf);
}

static void
test_config_builtin_yaml_loads_to_defaults(void **state)
{
	struct tg_config d, c;
	char err[512];

	(void)state;
	config_defaults(&d);
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(config_load_buffer(&c, "<built-in>", config_builtin_yaml,
					    config_builtin_yaml_len, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_same_config(&c, &d);
	/* Nothing else differs either: unused ports, arguments and padding included. */
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_config_empty_file_is_the_defaults(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX", err[512];
	struct tg_config d, c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "# nothing\n", 10), 10);
	close(fd);
	config_defaults(&d);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.source, path);
	strcpy(d.source, path);
	assert_memory_equal(&c, &d, sizeof(c));
	unlink(path);

	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_same_config(&c, &d);
	assert_string_equal(c.source, "t.yaml");
}

static void
test_config_null_sections_keep_defaults(void **state)
{
	struct tg_config d, c;
	char err[512];

	(void)state;
	config_defaults(&d);
	assert_int_equal(load(&c, "dataplane:\n  idle:\n  ports:\n  eal_args: ~\nflow:\n"
			      "reassembly: null\n", err, sizeof(err)), 0);
	assert_same_config(&c, &d);
	assert_int_equal(load(&c, "dlp:\n", err, sizeof(err)), 0);
	assert_same_config(&c, &d);
	assert_int_equal(load(&c, "dlp:\n  disabled:\n  sensors: null\n  custom: ~\n", err,
			      sizeof(err)), 0);
	assert_same_config(&c, &d);
	assert_memory_equal(&c.dlp, &d.dlp, sizeof(d.dlp));
}

/* ---- every key ---- */

static const char full_doc[] =
	"state_dir: /srv/tollgate\n"
	"cache_dir: /srv/tollgate-cache\n"
	"dataplane:\n"
	"  workers: 4\n"
	"  burst: 64\n"
	"  mbufs: 65535\n"
	"  ring_size: 1024\n"
	"  idle:\n"
	"    busy_poll: yes\n"
	"    empty_polls: 0\n"
	"    pause_polls: 1000000\n"
	"    max_sleep_us: 50\n"
	"  ports:\n"
	"    - name: inside\n"
	"      device: \"0000:01:00.0\"\n"
	"      mode: inline\n"
	"      peer: outside\n"
	"    - name: mirror_1\n"
	"      device: net_pcap0,iface=eth1\n"
	"      rx_desc: 4096\n"
	"      tx_desc: 16\n"
	"    - {name: outside, device: \"0000:01:00.1\", mode: inline, peer: inside}\n"
	"  eal_args: [\"--huge-dir=/mnt/huge\", -l, \"0-3\"]\n"
	"flow:\n"
	"  max_flows: 1000\n"
	"  buckets: 256\n"
	"  evict: none\n"
	"  timeouts:\n"
	"    new: 0.5\n"
	"    established: 3600\n"
	"    closing: 1.25\n"
	"    closed: 0.001\n"
	"    udp: 604800\n"
	"defrag:\n"
	"  max_flows: 1\n"
	"  max_frags: 8192\n"
	"  memcap: 1GiB\n"
	"  timeout_ms: 60000\n"
	"reassembly:\n"
	"  memcap: 1G\n"
	"  block_size: 128\n"
	"  max_ooo_per_dir: 256KiB\n"
	"  depth: 10MiB\n"
	"  midstream: off\n"
	"  urgent: inline\n"
	"events:\n"
	"  ring_size: 4194304\n"
	"  tls: true\n"
	"  dns: yes\n"
	"incidents:\n"
	"  window: 90.5\n"
	"  max: 7\n"
	"  max_values: 16\n"
	"dlp:\n"
	"  enabled: false\n"
	"  action: block\n"
	"  rule: gdpr-strict_2\n"
	"  threshold: 3\n"
	"  max_matches_per_event: 4\n"
	"  max_streams: 4194304\n"
	"  max_parked: 0\n"
	"  context_window: 1024\n"
	"  disabled: [phone, email, jwt]\n"
	"  sensors:\n"
	"    - id: us_ssn\n"
	"      keywords: [ssn, social security number]\n"
	"      add_keywords: [tax id]\n"
	"      window: 96\n"
	"      threshold: 2\n"
	"    - {id: iban, keywords: []}\n"
	"    - id: credit_card\n"
	"      add_keywords:\n"
	"        - PAN\n"
	"        - kaartnummer\n"
	"  custom:\n"
	"    - name: patient_id\n"
	"      category: health\n"
	"      patterns: ['PAT-[0-9]{8}', \"MRN\\\\d{6}\"]\n"
	"      validator: luhn\n"
	"      keywords: [patient, mrn]\n"
	"      window: 128\n"
	"      threshold: 2\n"
	"      severity: critical\n"
	"      context_required: true\n"
	"    - name: emp_no\n"
	"      patterns:\n"
	"        - 'EMP[0-9]{5}'\n";

static void
test_config_every_key_is_read_into_its_field(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, full_doc, err, sizeof(err)), 0);
	assert_string_equal(c.source, "t.yaml");
	assert_string_equal(c.state_dir, "/srv/tollgate");
	assert_string_equal(c.cache_dir, "/srv/tollgate-cache");
	assert_int_equal(c.dp.workers, 4);
	assert_int_equal(c.dp.burst, 64);
	assert_int_equal(c.dp.mbufs, 65535);
	assert_int_equal(c.dp.ring_size, 1024);
	assert_int_equal(c.dp.idle.busy_poll, 1);
	assert_int_equal(c.dp.idle.empty_polls, 0);
	assert_int_equal(c.dp.idle.pause_polls, 1000000);
	assert_int_equal(c.dp.idle.max_sleep_us, 50);
	assert_int_equal(c.dp.nports, 3);
	assert_string_equal(c.dp.ports[0].name, "inside");
	assert_string_equal(c.dp.ports[0].device, "0000:01:00.0");
	assert_int_equal(c.dp.ports[0].mode, CONFIG_PORT_INLINE);
	assert_string_equal(c.dp.ports[0].peer, "outside");
	assert_string_equal(c.dp.ports[1].name, "mirror_1");
	assert_string_equal(c.dp.ports[1].device, "net_pcap0,iface=eth1");
	assert_int_equal(c.dp.ports[1].mode, CONFIG_PORT_TAP);
	assert_string_equal(c.dp.ports[1].peer, "");
	assert_int_equal(c.dp.ports[1].rx_desc, 4096);
	assert_int_equal(c.dp.ports[1].tx_desc, 16);
	assert_int_equal(c.dp.ports[0].rx_desc, 0);	/* not set: the default, 1024 */
	assert_string_equal(c.dp.ports[2].name, "outside");
	assert_string_equal(c.dp.ports[2].device, "0000:01:00.1");
	assert_int_equal(c.dp.ports[2].mode, CONFIG_PORT_INLINE);
	assert_string_equal(c.dp.ports[2].peer, "inside");
	assert_int_equal(c.dp.n_eal_args, 3);
	assert_string_equal(c.dp.eal_args[0], "--huge-dir=/mnt/huge");
	assert_string_equal(c.dp.eal_args[1], "-l");
	assert_string_equal(c.dp.eal_args[2], "0-3");
	assert_int_equal(c.flow.max_flows, 1000);
	assert_int_equal(c.flow.nbuckets, 256);
	assert_int_equal(c.flow.evict, FLOW_EVICT_NONE);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_NEW], 500000);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_ESTABLISHED], 3600 * US);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_CLOSING], 1250000);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_CLOSED], 1000);
	assert_int_equal(c.flow.timeout_us[FLOW_STATE_UDP], 604800 * US);
	assert_int_equal(c.defrag.max_flows, 1);
	assert_int_equal(c.defrag.max_frags, 8192);
	assert_int_equal(c.defrag.memcap, 1ull << 30);
	assert_int_equal(c.defrag.timeout_ms, 60000);
	assert_int_equal(c.reasm.memcap, 1ull << 30);
	assert_int_equal(c.reasm.block_size, 128);
	assert_int_equal(c.reasm.max_ooo_per_dir, 256 << 10);
	assert_int_equal(c.reasm.depth, 10 << 20);
	assert_int_equal(c.reasm.midstream, 0);
	assert_int_equal(c.reasm.urgent, CONFIG_URGENT_INLINE);
	assert_int_equal(c.events.ring_size, 4194304);
	assert_int_equal(c.events.tls, 1);
	assert_int_equal(c.events.dns, 1);
	assert_int_equal(c.events.http, 0);
	assert_int_equal(c.incidents.window_us, 90500000);
	assert_int_equal(c.incidents.max, 7);
	assert_int_equal(c.incidents.max_values, 16);
	assert_int_equal(c.dlp.enabled, 0);
	assert_int_equal(c.dlp.action, CONFIG_DLP_BLOCK);
	assert_string_equal(c.dlp.rule, "gdpr-strict_2");
	assert_int_equal(c.dlp.threshold, 3);
	assert_int_equal(c.dlp.max_matches, 4);
	assert_int_equal(c.dlp.max_streams, 4194304);
	assert_int_equal(c.dlp.max_parked, 0);
	assert_int_equal(c.dlp.context_window, 1024);
	assert_int_equal(c.dlp.n_disabled, 3);
	assert_string_equal(c.dlp.disabled[0], "phone");
	assert_string_equal(c.dlp.disabled[1], "email");
	assert_string_equal(c.dlp.disabled[2], "jwt");
	assert_int_equal(c.dlp.n_overrides, 3);
	assert_string_equal(c.dlp.overrides[0].id, "us_ssn");
	assert_int_equal(c.dlp.overrides[0].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[0].n_keywords, 2);
	assert_string_equal(c.dlp.overrides[0].keywords[0], "ssn");
	assert_string_equal(c.dlp.overrides[0].keywords[1], "social security number");
	assert_int_equal(c.dlp.overrides[0].n_add_keywords, 1);
	assert_string_equal(c.dlp.overrides[0].add_keywords[0], "tax id");
	assert_int_equal(c.dlp.overrides[0].window, 96);
	assert_int_equal(c.dlp.overrides[0].threshold, 2);
	assert_string_equal(c.dlp.overrides[1].id, "iban");
	assert_int_equal(c.dlp.overrides[1].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[1].n_keywords, 0);
	assert_int_equal(c.dlp.overrides[1].n_add_keywords, 0);
	assert_int_equal(c.dlp.overrides[1].window, 0);
	assert_int_equal(c.dlp.overrides[1].threshold, 0);
	assert_string_equal(c.dlp.overrides[2].id, "credit_card");
	assert_int_equal(c.dlp.overrides[2].has_keywords, 0);
	assert_int_equal(c.dlp.overrides[2].n_keywords, 0);
	assert_int_equal(c.dlp.overrides[2].n_add_keywords, 2);
	assert_string_equal(c.dlp.overrides[2].add_keywords[0], "PAN");
	assert_string_equal(c.dlp.overrides[2].add_keywords[1], "kaartnummer");
	assert_int_equal(c.dlp.overrides[2].window, 0);
	assert_int_equal(c.dlp.overrides[2].threshold, 0);
	assert_int_equal(c.dlp.n_custom, 2);
	assert_string_equal(c.dlp.custom[0].name, "patient_id");
	assert_string_equal(c.dlp.custom[0].category, "health");
	assert_int_equal(c.dlp.custom[0].n_patterns, 2);
	assert_string_equal(c.dlp.custom[0].patterns[0], "PAT-[0-9]{8}");
	assert_string_equal(c.dlp.custom[0].patterns[1], "MRN\\d{6}");
	assert_string_equal(c.dlp.custom[0].validator, "luhn");
	assert_int_equal(c.dlp.custom[0].n_keywords, 2);
	assert_string_equal(c.dlp.custom[0].keywords[0], "patient");
	assert_string_equal(c.dlp.custom[0].keywords[1], "mrn");
	assert_int_equal(c.dlp.custom[0].window, 128);
	assert_int_equal(c.dlp.custom[0].threshold, 2);
	assert_int_equal(c.dlp.custom[0].severity, CONFIG_SEV_CRITICAL);
	assert_int_equal(c.dlp.custom[0].context_required, 1);
	/* A class that sets only what it must gets the documented defaults. */
	assert_string_equal(c.dlp.custom[1].name, "emp_no");
	assert_string_equal(c.dlp.custom[1].category, "custom");
	assert_int_equal(c.dlp.custom[1].n_patterns, 1);
	assert_string_equal(c.dlp.custom[1].patterns[0], "EMP[0-9]{5}");
	assert_string_equal(c.dlp.custom[1].validator, "none");
	assert_int_equal(c.dlp.custom[1].n_keywords, 0);
	assert_int_equal(c.dlp.custom[1].window, 0);
	assert_int_equal(c.dlp.custom[1].threshold, 0);
	assert_int_equal(c.dlp.custom[1].severity, CONFIG_SEV_MEDIUM);
	assert_int_equal(c.dlp.custom[1].context_required, 0);
}

static void
test_config_dump_reads_back_to_the_same_config(void **state)
{
	struct tg_config c, back, d;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(&c, full_doc, err, sizeof(err)), 0);
	/* Characters that need quoting survive the round trip. */
	strcpy(c.dp.eal_args[0], "--vdev=net_pcap0,rx_pcap=\"a b\\c.pcap\"\t#x");
	strcpy(c.dlp.custom[0].patterns[1], "\"id\":\\s*\"[0-9]{4}\"\t# ['x']");
	strcpy(c.dlp.custom[1].keywords[0], "n\u00ba: ");
	c.dlp.custom[1].n_keywords = 1;
	strcpy(c.dlp.overrides[0].add_keywords[0], "- \"tax\" id: #1");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(&c, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load_buffer(&back, "dump", text, len, err, sizeof(err)), 0);
	assert_string_equal(back.source, "dump");
	strcpy(back.source, c.source);
	assert_same_config(&back, &c);
	assert_memory_equal(&back, &c, sizeof(c));
	free(text);

	config_defaults(&d);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(&d, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load_buffer(&back, "<built-in>", text, len, err, sizeof(err)), 0);
	assert_memory_equal(&back, &d, sizeof(d));
	free(text);
}

/*
 * Found by fuzz_config (tests/fuzz/regressions/config/dump_nel_in_device): a string holding
 * NEL (U+0085, from "\N" or "\x85" in the file) was dumped raw inside double quotes,
 * where libyaml reads it as a line break and folds it into a space, so --check-config's
 * output loaded back to another device; raw LS/PS fold the same way and the other C1
 * controls and U+FEFF are refused. The dump escapes them now.
 */
static void
test_config_dump_escapes_what_yaml_reads_as_line_breaks(void **state)
{
	static const char doc[] =
		"dataplane:\n"
		"  eal_args: [\"a\\Nb\", \"c\\Ld\\Pe\", \"f\\x80\\x9Fg\", \"h\\uFEFFi\"]\n"
		"state_dir: \"/t\\x85mp\"\n";
	struct tg_config c, back;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_string_equal(c.dp.eal_args[0], "a\xc2\x85" "b");
	assert_string_equal(c.dp.eal_args[1], "c\xe2\x80\xa8" "d\xe2\x80\xa9" "e");
	assert_string_equal(c.dp.eal_args[2], "f\xc2\x80\xc2\x9f" "g");
	assert_string_equal(c.dp.eal_args[3], "h\xef\xbb\xbf" "i");
	assert_string_equal(c.state_dir, "/t\xc2\x85" "mp");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(&c, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "  - \"a\\Nb\"\n"));
	assert_non_null(strstr(text, "  - \"c\\Ld\\Pe\"\n"));
	assert_non_null(strstr(text, "state_dir: \"/t\\Nmp\"\n"));
	assert_int_equal(config_load_buffer(&back, c.source, text, len, err, sizeof(err)), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	free(text);
}

static void
test_config_buckets_zero_means_next_power_of_two(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "flow:\n  max_flows: 1000\n", err, sizeof(err)), 0);
	assert_int_equal(c.flow.nbuckets, 1024);
	assert_int_equal(load(&c, "flow:\n  max_flows: 1024\n  buckets: 0\n", err, sizeof(err)),
			 0);
	assert_int_equal(c.flow.nbuckets, 1024);
	assert_int_equal(load(&c, "flow:\n  max_flows: 1\n", err, sizeof(err)), 0);
	assert_int_equal(c.flow.nbuckets, 1);
	assert_int_equal(load(&c, "flow:\n  max_flows: 16777216\n", err, sizeof(err)), 0);
	assert_int_equal(c.flow.nbuckets, 16777216);
	assert_int_equal(load(&c, "flow:\n  max_flows: 5000\n  buckets: 1\n", err, sizeof(err)),
			 0);
	assert_int_equal(c.flow.nbuckets, 1);
}

static void
test_config_booleans_accept_yes_no_on_off_in_any_case(void **state)
{
	static const struct {
		const char *text;
		uint8_t want;
	} cases[] = {
		{ "true", 1 }, { "True", 1 }, { "TRUE", 1 }, { "yes", 1 }, { "Yes", 1 },
		{ "on", 1 }, { "ON", 1 }, { "false", 0 }, { "False", 0 }, { "no", 0 },
		{ "NO", 0 }, { "off", 0 }, { "Off", 0 },
	};
	struct tg_config c;
	char doc[128], err[512];
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc), "reassembly:\n  midstream: %s\n", cases[i].text);
		assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
		assert_int_equal(c.reasm.midstream, cases[i].want);
	}
	assert_int_equal(config_parse_bool("y", &b), -EINVAL);
	assert_int_equal(config_parse_bool("1", &b), -EINVAL);
	assert_int_equal(config_parse_bool("", &b), -EINVAL);
	assert_int_equal(config_parse_bool("tru", &b), -EINVAL);
}

/* ---- scalar parsers ---- */

static void
test_config_parse_uint_takes_plain_decimal_only(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(config_parse_uint("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse_uint("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(config_parse_uint("18446744073709551616", &v), -ERANGE);
	assert_int_equal(config_parse_uint("99999999999999999999999", &v), -ERANGE);
	assert_int_equal(config_parse_uint("-1", &v), -ERANGE);
	assert_int_equal(config_parse_uint("+1", &v), -EINVAL);
	assert_int_equal(config_parse_uint("01", &v), -EINVAL);
	assert_int_equal(config_parse_uint("0x10", &v), -EINVAL);
	assert_int_equal(config_parse_uint("1_000", &v), -EINVAL);
	assert_int_equal(config_parse_uint("1e3", &v), -EINVAL);
	assert_int_equal(config_parse_uint(" 1", &v), -EINVAL);
	assert_int_equal(config_parse_uint("", &v), -EINVAL);
	assert_int_equal(config_parse_uint("-", &v), -EINVAL);
	assert_int_equal(v, UINT64_MAX);	/* failures leave *out alone */
}

static void
test_config_size_suffixes_are_binary(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} ok[] = {
		{ "0", 0 }, { "65536", 65536 }, { "1K", 1024 }, { "1KiB", 1024 },
		{ "64M", 64ull << 20 }, { "64MiB", 64ull << 20 }, { "2G", 2ull << 30 },
		{ "2GiB", 2ull << 30 }, { "17179869183G", 17179869183ull << 30 },
	};
	static const char *const bad[] = {
		"", "K", "1k", "1kb", "1KB", "1MB", "1 MiB", "1.5M", "1Ki", "1T", "+1K", "01K",
		"1KiBs", "0x10",
	};
	struct tg_config c;
	char doc[128], err[512];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_parse_size(ok[i].text, &v), 0);
		assert_int_equal(v, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(config_parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(config_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(config_parse_size("-1K", &v), -ERANGE);

	/* Through the schema, plain or quoted. */
	snprintf(doc, sizeof(doc), "reassembly:\n  memcap: 2G\n  depth: \"512K\"\n");
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.reasm.memcap, 2ull << 30);
	assert_int_equal(c.reasm.depth, 512 << 10);
	assert_int_equal(load(&c, "reassembly:\n  memcap: 65536\n  max_ooo_per_dir: 64KiB\n",
			      err, sizeof(err)), 0);
	assert_int_equal(c.reasm.memcap, 65536);
	assert_int_equal(load(&c, "reassembly:\n  memcap: 64GiB\n", err, sizeof(err)), 0);
	assert_int_equal(c.reasm.memcap, 64ull << 30);
}

static void
test_config_seconds_keep_microseconds(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} ok[] = {
		{ "0", 0 }, { "30", 30 * US }, { "0.5", 500000 }, { "1.000001", 1000001 },
		{ "2.50", 2500000 }, { "0.000001", 1 },
	};
	static const char *const bad[] = {
		"", ".5", "5.", "1.0000001", "1e3", "30s", "1,5", "+1", "01.5", "1.-5", "0.5.1",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_parse_seconds(ok[i].text, &v), 0);
		assert_int_equal(v, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(config_parse_seconds(bad[i], &v), -EINVAL);
	assert_int_equal(config_parse_seconds("-1", &v), -ERANGE);
	assert_int_equal(config_parse_seconds("18446744073709", &v), 0);
	assert_int_equal(v, 18446744073709ull * US);
	assert_int_equal(config_parse_seconds("18446744073710", &v), -ERANGE);
}

/* ---- ports ---- */

static void
test_config_ports_inline_pair_and_tap_load(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c,
			      "dataplane:\n"
			      "  ports:\n"
			      "    - {name: a, device: x, mode: inline, peer: b}\n"
			      "    - {name: span, device: z, mode: tap}\n"
			      "    - {name: b, device: y, mode: inline, peer: a}\n",
			      err, sizeof(err)), 0);
	assert_int_equal(c.dp.nports, 3);
	assert_string_equal(c.dp.ports[2].peer, "a");
	assert_int_equal(c.dp.ports[1].mode, CONFIG_PORT_TAP);
}

static void
test_config_port_limits_are_enforced(void **state)
{
	char doc[4096];
	size_t o;
	int i;

	(void)state;
	o = (size_t)snprintf(doc, sizeof(doc), "dataplane:\n  ports:\n");
	for (i = 0; i < CONFIG_MAX_PORTS + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o,
				      "    - {name: p%d, device: d%d}\n", i, i);
	assert_load_error(doc, "t.yaml:3:5: dataplane.ports: too many ports (got 17, expected at "
			  "most 16)");
	assert_load_error("dataplane:\n  ports:\n    - {name: "
			  "abcdefghijklmnopqrstuvwxyz012345, device: x}\n",
			  "t.yaml:3:14: dataplane.ports[0].name: too long (got 32 bytes, expected "
			  "at most 31)");
	assert_load_error("dataplane:\n  ports:\n    - {name: 'in side', device: x}\n",
			  "t.yaml:3:14: dataplane.ports[0].name: invalid name (got \"in side\", "
			  "expected 1..31 characters from A-Z a-z 0-9 _ -)");
	assert_load_error("dataplane:\n  ports:\n    - {name: a}\n",
			  "t.yaml:3:7: dataplane.ports[0]: missing key \"device\" (expected a PCI "
			  "address or vdev string, e.g. 0000:01:00.0 or net_pcap0,iface=eth1)");
	assert_load_error("dataplane:\n  ports:\n    - {name: a, device: ''}\n",
			  "t.yaml:3:25: dataplane.ports[0].device: empty value (expected a PCI "
			  "address or vdev string, e.g. 0000:01:00.0 or net_pcap0,iface=eth1)");
	assert_load_error("dataplane:\n  ports:\n    - a\n",
			  "t.yaml:3:7: dataplane.ports[0]: wrong type (got a, expected a mapping "
			  "with name, device, mode and peer)");
	assert_load_error("dataplane:\n  ports: {a: 1}\n",
			  "t.yaml:2:10: dataplane.ports: wrong type (got a mapping, expected a "
			  "sequence of ports)");
	assert_load_error("dataplane:\n  ports:\n    - {name: a, device: x, speed: 10}\n",
			  "t.yaml:3:28: dataplane.ports[0].speed: unknown key (expected one of: "
			  "name, device, mode, peer, rx_desc, tx_desc)");
}

static void
test_config_duplicate_port_name_is_refused(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x}\n"
			  "    - {name: b, device: y}\n"
			  "    - {name: a, device: z}\n",
			  "t.yaml:5:14: dataplane.ports[2].name: duplicate port name (got a, "
			  "expected a name not used by dataplane.ports[0])");
}

static void
test_config_inline_peers_must_name_each_other(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: b}\n"
			  "    - {name: b, device: y, mode: inline, peer: c}\n"
			  "    - {name: c, device: z, mode: inline, peer: b}\n",
			  "t.yaml:4:48: dataplane.ports[1].peer: not mutual (got c, expected a, "
			  "whose peer is b)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: wan}\n"
			  "    - {name: b, device: y, mode: inline, peer: a}\n",
			  "t.yaml:3:48: dataplane.ports[0].peer: unknown port (got wan, expected "
			  "one of: b)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: a}\n",
			  "t.yaml:3:48: dataplane.ports[0].peer: a port cannot be its own peer "
			  "(got a, expected another inline port)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: b}\n"
			  "    - {name: b, device: y}\n",
			  "t.yaml:3:48: dataplane.ports[0].peer: peer is not an inline port (got "
			  "b, expected an inline port)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline}\n",
			  "t.yaml:3:7: dataplane.ports[0]: inline port without a peer (expected "
			  "peer: the name of another inline port)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: b}\n"
			  "    - {name: b, device: y, peer: a}\n",
			  "t.yaml:4:34: dataplane.ports[1].peer: only inline ports have a peer "
			  "(got a, expected no peer with mode tap)");
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: inline, peer: b}\n",
			  "t.yaml:3:48: dataplane.ports[0].peer: unknown port (got b, expected "
			  "another port, but there is none)");
}

static void
test_config_bad_port_mode_lists_the_modes(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  ports:\n"
			  "    - {name: a, device: x, mode: tap}\n"
			  "    - {name: b, device: y, mode: bridge}\n",
			  "t.yaml:4:34: dataplane.ports[1].mode: unknown value (got bridge, "
			  "expected tap or inline)");
}

static void
test_config_eal_args_limits_are_enforced(void **state)
{
	char doc[4096], want[256];
	size_t o;
	int i;

	(void)state;
	o = (size_t)snprintf(doc, sizeof(doc), "dataplane:\n  eal_args: [");
	for (i = 0; i < CONFIG_MAX_EAL_ARGS + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%sa%d", i ? ", " : "", i);
	snprintf(doc + o, sizeof(doc) - o, "]\n");
	assert_load_error(doc, "t.yaml:2:13: dataplane.eal_args: too many arguments (got 33, "
			  "expected at most 32)");

	o = (size_t)snprintf(doc, sizeof(doc), "dataplane:\n  eal_args: [ok, ");
	memset(doc + o, 'x', CONFIG_DEV_LEN);
	snprintf(doc + o + CONFIG_DEV_LEN, sizeof(doc) - o - CONFIG_DEV_LEN, "]\n");
	snprintf(want, sizeof(want), "t.yaml:2:18: dataplane.eal_args[1]: too long (got %d bytes, "
		 "expected at most %d)", CONFIG_DEV_LEN, CONFIG_DEV_LEN - 1);
	assert_load_error(doc, want);

	assert_load_error("dataplane:\n  eal_args: [a, {b: 1}]\n",
			  "t.yaml:2:17: dataplane.eal_args[1]: wrong type (got a mapping, expected "
			  "an EAL argument)");
	assert_load_error("dataplane:\n  eal_args: -l 0-3\n",
			  "t.yaml:2:13: dataplane.eal_args: wrong type (got -l 0-3, expected a "
			  "sequence of strings)");
}

/* ---- the kinds of mistake, each with its exact message ---- */

static void
test_config_unknown_key_lists_allowed_keys(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  workers: 2\n  idel: {}\n",
			  "t.yaml:3:3: dataplane.idel: unknown key (expected one of: workers, "
			  "burst, mbufs, ring_size, idle, tx_flush_us, exception_policy, checksums, ports, eal_args)");
	assert_load_error("groups: []\n",
			  "t.yaml:1:1: groups: unknown key (expected one of: state_dir, cache_dir, "
			  "dataplane, flow, defrag, reassembly, events, app, dlp, api, capture, "
			  "incidents, policy)");
	assert_load_error("flow:\n  timeouts:\n    syn: 5\n",
			  "t.yaml:3:5: flow.timeouts.syn: unknown key (expected one of: new, "
			  "established, closing, closed, udp)");
}

static void
test_config_wrong_type_names_the_field(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  workers: [1]\n",
			  "t.yaml:2:12: dataplane.workers: wrong type (got a sequence, expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane: 4\n",
			  "t.yaml:1:12: dataplane: wrong type (got 4, expected a mapping)");
	assert_load_error("- a\n", "t.yaml:1:1: wrong type (got a sequence, expected a mapping)");
	assert_load_error("dataplane:\n  workers: '4'\n",
			  "t.yaml:2:12: dataplane.workers: not an integer (got \"4\", expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane:\n  burst: 3.5\n",
			  "t.yaml:2:10: dataplane.burst: not an integer (got 3.5, expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane:\n  idle:\n    busy_poll: maybe\n",
			  "t.yaml:3:16: dataplane.idle.busy_poll: not a boolean (got maybe, "
			  "expected true/false, yes/no or on/off)");
	assert_load_error("reassembly:\n  midstream: 'true'\n",
			  "t.yaml:2:14: reassembly.midstream: not a boolean (got \"true\", "
			  "expected true/false, yes/no or on/off)");
	assert_load_error("flow:\n  timeouts:\n    new: 1m\n",
			  "t.yaml:3:10: flow.timeouts.new: not a duration (got 1m, expected "
			  "seconds with at most 6 decimals, e.g. 30 or 0.5)");
	assert_load_error("state_dir: {a: 1}\n",
			  "t.yaml:1:12: state_dir: wrong type (got a mapping, expected an absolute "
			  "path)");
	assert_load_error("state_dir: var/lib\n",
			  "t.yaml:1:12: state_dir: not an absolute path (got var/lib, expected a "
			  "path starting with /)");
}

static void
test_config_empty_value_says_what_was_expected(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  workers:\n",
			  "t.yaml:2:11: dataplane.workers: empty value (expected an integer in "
			  "1..64)");
	assert_load_error("flow:\n  evict: ~\n",
			  "t.yaml:2:10: flow.evict: empty value (expected oldest or none)");
	assert_load_error("state_dir:\n", "t.yaml:1:11: state_dir: empty value (expected an "
			  "absolute path)");
}

static void
test_config_out_of_range_gives_the_range(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  workers: 65\n",
			  "t.yaml:2:12: dataplane.workers: out of range (got 65, expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane:\n  workers: 0\n",
			  "t.yaml:2:12: dataplane.workers: out of range (got 0, expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane:\n  workers: -1\n",
			  "t.yaml:2:12: dataplane.workers: out of range (got -1, expected an "
			  "integer in 1..64)");
	assert_load_error("dataplane:\n  mbufs: 99999999999999999999999\n",
			  "t.yaml:2:10: dataplane.mbufs: out of range (got "
			  "99999999999999999999999, expected an integer in 1024..4194304)");
	assert_load_error("dataplane:\n  workers: 007\n",
			  "t.yaml:2:12: dataplane.workers: leading zeros are not allowed (got 007, "
			  "expected an integer in 1..64)");
	assert_load_error("reassembly:\n  memcap: 128GiB\n",
			  "t.yaml:2:11: reassembly.memcap: out of range (got 128GiB, expected "
			  "64KiB..64GiB)");
	assert_load_error("reassembly:\n  memcap: 65535\n",
			  "t.yaml:2:11: reassembly.memcap: out of range (got 65535, expected "
			  "64KiB..64GiB)");
	assert_load_error("flow:\n  timeouts:\n    udp: 0\n",
			  "t.yaml:3:10: flow.timeouts.udp: out of range (got 0, expected "
			  "0.001..604800 seconds)");
	assert_load_error("flow:\n  timeouts:\n    udp: 604800.000001\n",
			  "t.yaml:3:10: flow.timeouts.udp: out of range (got 604800.000001, "
			  "expected 0.001..604800 seconds)");
	assert_load_error("dataplane:\n  ports:\n    - {name: a, device: net_null0, rx_desc: 8}\n",
			  "t.yaml:3:45: dataplane.ports[0].rx_desc: out of range (got 8, expected "
			  "an integer in 16..32768)");
	assert_load_error("dataplane:\n  idle:\n    max_sleep_us: 100001\n",
			  "t.yaml:3:19: dataplane.idle.max_sleep_us: out of range (got 100001, "
			  "expected an integer in 1..100000)");
}

static void
test_config_bad_enum_lists_the_values(void **state)
{
	(void)state;
	assert_load_error("flow:\n  evict: random\n",
			  "t.yaml:2:10: flow.evict: unknown value (got random, expected oldest or "
			  "none)");
	assert_load_error("flow:\n  evict: Oldest\n",
			  "t.yaml:2:10: flow.evict: unknown value (got Oldest, expected oldest or "
			  "none)");
}

static void
test_config_non_power_of_two_is_refused(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  ring_size: 1000\n",
			  "t.yaml:2:14: dataplane.ring_size: not a power of two (got 1000, "
			  "expected a power of two in 64..1048576)");
	assert_load_error("events:\n  ring_size: 65535\n",
			  "t.yaml:2:14: events.ring_size: not a power of two (got 65535, expected "
			  "a power of two in 64..4194304)");
	assert_load_error("flow:\n  buckets: 1000\n",
			  "t.yaml:2:12: flow.buckets: not a power of two (got 1000, expected 0 "
			  "(auto) or a power of two in 1..16777216)");
}

static void
test_config_bad_size_suffix_is_refused(void **state)
{
	(void)state;
	assert_load_error("reassembly:\n  memcap: 64MB\n",
			  "t.yaml:2:11: reassembly.memcap: not a size (got 64MB, expected bytes, "
			  "or a number with suffix KiB, MiB, GiB, K, M or G)");
	assert_load_error("reassembly:\n  depth: 1.5G\n",
			  "t.yaml:2:10: reassembly.depth: not a size (got 1.5G, expected bytes, or "
			  "a number with suffix KiB, MiB, GiB, K, M or G)");
}

static void
test_config_reassembly_sizes_must_nest(void **state)
{
	(void)state;
	assert_load_error("reassembly:\n  block_size: 4096\n  max_ooo_per_dir: 2048\n",
			  "t.yaml:2:15: reassembly.block_size: larger than "
			  "reassembly.max_ooo_per_dir (got 4096, expected at most 2048)");
	assert_load_error("reassembly:\n  max_ooo_per_dir: 1K\n",
			  "t.yaml:2:20: reassembly.max_ooo_per_dir: smaller than "
			  "reassembly.block_size (got 1K, expected at least 2KiB)");
	assert_load_error("reassembly:\n  memcap: 64KiB\n",
			  "t.yaml:2:11: reassembly.memcap: smaller than reassembly.max_ooo_per_dir "
			  "(got 64KiB, expected at least 1MiB)");
	assert_load_error("reassembly:\n  max_ooo_per_dir: 128MiB\n",
			  "t.yaml:2:20: reassembly.max_ooo_per_dir: larger than reassembly.memcap "
			  "(got 128MiB, expected at most 64MiB)");
}

static void
test_config_defrag_max_frags_must_fit_the_memcap(void **state)
{
	(void)state;
	/* 64 fragments of a 2304-byte buffer: 147456 bytes. */
	assert_load_error("defrag:\n  memcap: 128KiB\n",
			  "t.yaml:2:11: defrag.memcap: too small for defrag.max_frags (got 128KiB, "
			  "expected at least 144KiB: 64 fragments of a 2304-byte packet buffer)");
	assert_load_error("defrag:\n  max_frags: 4000\n",
			  "t.yaml:2:14: defrag.max_frags: more fragments than defrag.memcap holds "
			  "(got 4000, expected at most 3640 with memcap 8MiB: each held fragment "
			  "takes a 2304-byte packet buffer)");
	assert_load_error("defrag:\n  max_frags: 100\n  memcap: 200K\n",
			  "t.yaml:2:14: defrag.max_frags: more fragments than defrag.memcap holds "
			  "(got 100, expected at most 88 with memcap 200K: each held fragment "
			  "takes a 2304-byte packet buffer)");
	assert_load_error("defrag:\n  max_frags: 1\n",
			  "t.yaml:2:14: defrag.max_frags: out of range (got 1, expected an integer "
			  "in 2..8192)");
	assert_load_error("defrag:\n  memcap: 2GiB\n",
			  "t.yaml:2:11: defrag.memcap: out of range (got 2GiB, expected "
			  "64KiB..1GiB)");
}

static void
test_config_syntax_error_passes_through(void **state)
{
	(void)state;
	assert_load_error("dataplane:\n  workers: 1\n  burst: [\n",
			  "t.yaml:4:1: did not find expected node content (while parsing a flow "
			  "node at line 4, column 1)");
	assert_load_error("flow:\n  max_flows: 1\n  max_flows: 2\n",
			  "t.yaml:3:3: duplicate key \"max_flows\" (first at line 2, column 3)");
}

static void
test_config_long_value_is_cut_in_message(void **state)
{
	char doc[256], want[512];

	(void)state;
	snprintf(doc, sizeof(doc), "flow:\n  evict: %0100d\n", 7);
	snprintf(want, sizeof(want), "t.yaml:2:10: flow.evict: unknown value (got %064d..., "
		 "expected oldest or none)", 0);
	assert_load_error(doc, want);
	assert_load_error("flow:\n  evict: \"a\\tb\\\"\"\n",
			  "t.yaml:2:10: flow.evict: unknown value (got \"a\\x09b\\\"\", expected "
			  "oldest or none)");
}

static void
test_config_missing_file_returns_errno(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(config_load_file(&c, "/nonexistent/tollgate.yaml", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/tollgate.yaml: No such file or directory");
}

static void
test_config_apply_tree_reads_a_loaded_tree(void **state)
{
	struct yaml_node *root;
	struct tg_config c;
	char err[512];

	(void)state;
	root = yaml_tree_load_buffer("api", "dataplane: {workers: 3}\n", 24, err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(config_apply_tree(&c, "api", root, err, sizeof(err)), 0);
	assert_int_equal(c.dp.workers, 3);
	assert_string_equal(c.source, "api");
	yaml_tree_free(root);
}

/* ---- dlp ---- */

/* Unset settings of a dlp.sensors item are left out: window: 0 would not load back. */
static void
test_config_dlp_dump_writes_every_key_but_unset_sensor_settings(void **state)
{
	static const char want[] =
		"dlp:\n"
		"  enabled: true\n"
		"  action: alert\n"
		"  rule: \"default\"\n"
		"  threshold: 1\n"
		"  max_matches_per_event: 16\n"
		"  max_streams: 16384\n"
		"  max_parked: 16384\n"
		"  context_window: 64\n"
		"  engine: prefilter\n"
		"  disabled:\n"
		"    - \"us_ssn\"\n"
		"  sensors:\n"
		"    - id: \"iban\"\n"
		"      keywords: []\n"
		"      add_keywords: []\n"
		"      window: 96\n"
		"    - id: \"email\"\n"
		"      keywords:\n"
		"        - \"mail\"\n"
		"      add_keywords:\n"
		"        - \"mailto\"\n"
		"        - \"e mail\"\n"
		"      threshold: 3\n"
		"    - id: \"jwt\"\n"
		"      add_keywords: []\n"
		"  custom:\n"
		"    - name: \"patient_id\"\n"
		"      category: \"health\"\n"
		"      patterns:\n"
		"        - \"PAT-[0-9]{8}\"\n"
		"      validator: \"none\"\n"
		"      keywords:\n"
		"        - \"patient\"\n"
		"        - \"mrn\"\n"
		"      window: 0\n"
		"      threshold: 0\n"
		"      severity: high\n"
		"      context_required: false\n"
		"    - name: \"b\"\n"
		"      category: \"custom\"\n"
		"      patterns:\n"
		"        - \"x\"\n"
		"      validator: \"none\"\n"
		"      keywords: []\n"
		"      window: 0\n"
		"      threshold: 0\n"
		"      severity: medium\n"
		"      context_required: false\n";
	struct tg_config c;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(&c, "dlp:\n  disabled: [us_ssn]\n  sensors:\n"
			      "    - {id: iban, keywords: [], window: 96}\n"
			      "    - {id: email, add_keywords: [mailto, e mail], threshold: 3,"
			      " keywords: [mail]}\n"
			      "    - {id: jwt, keywords: ~}\n"
			      "  custom:\n"
			      "    - {name: patient_id, category: health, patterns: "
			      "['PAT-[0-9]{8}'], keywords: [patient, mrn], severity: high}\n"
			      "    - {name: b, patterns: [x]}\n", err, sizeof(err)), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_dump(&c, f);
	assert_int_equal(fclose(f), 0);
	/* dlp comes right before api, the last section: the dlp part is exactly this. */
	{
		char *api = strstr(text, "\napi:\n");
		size_t dlp_end;

		assert_non_null(api);
		dlp_end = (size_t)(api - text) + 1;
		assert_true(dlp_end > strlen(want));
		api[1] = '\0';
		assert_string_equal(text + dlp_end - strlen(want), want);
	}
	(void)len;
	free(text);
}

/*
 * The dlp: document made of the commented-out example that follows from in the shipped
 * file: "  #   custom:" -> "  custom:", "  #     - name: x" -> "    - name: x". Returns
 * where the example ends.
 */
static const char *
shipped_example(const char *from, char *doc, size_t len)
{
	const char *p = strstr(from, "\n  # Example:\n");
	size_t o;

	assert_non_null(p);
	p += strlen("\n  # Example:\n");
	o = (size_t)snprintf(doc, len, "dlp:\n");
	while (strncmp(p, "  #   ", 6) == 0) {
		const char *eol = strchr(p, '\n');

		assert_non_null(eol);
		o += (size_t)snprintf(doc + o, len - o, "  %.*s\n", (int)(eol - p - 6), p + 6);
		assert_true(o < len);
		p = eol + 1;
	}
	return p;
}

/* The commented-out examples in config/tollgate.yaml are ones that load. */
static void
test_config_dlp_shipped_examples_load(void **state)
{
	const char *dlp = strstr(config_builtin_yaml, "\ndlp:\n"), *p;
	char doc[1024], err[512];
	struct tg_config c;

	(void)state;
	assert_non_null(dlp);
	p = shipped_example(dlp, doc, sizeof(doc));
	assert_true(strncmp(p, "  sensors: []\n", strlen("  sensors: []\n")) == 0);
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_overrides, 2);
	assert_string_equal(c.dlp.overrides[0].id, "us_ssn");
	assert_int_equal(c.dlp.overrides[0].has_keywords, 0);
	assert_int_equal(c.dlp.overrides[0].n_add_keywords, 2);
	assert_string_equal(c.dlp.overrides[0].add_keywords[0], "tax id");
	assert_string_equal(c.dlp.overrides[0].add_keywords[1], "taxpayer");
	assert_int_equal(c.dlp.overrides[0].window, 128);
	assert_int_equal(c.dlp.overrides[0].threshold, 0);
	assert_string_equal(c.dlp.overrides[1].id, "email");
	assert_int_equal(c.dlp.overrides[1].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[1].n_keywords, 0);
	assert_int_equal(c.dlp.overrides[1].window, 0);
	assert_int_equal(c.dlp.overrides[1].threshold, 5);

	p = shipped_example(p, doc, sizeof(doc));
	assert_true(strncmp(p, "  custom: []\n", strlen("  custom: []\n")) == 0);
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_custom, 1);
	assert_string_equal(c.dlp.custom[0].name, "patient_id");
	assert_string_equal(c.dlp.custom[0].category, "health");
	assert_int_equal(c.dlp.custom[0].n_patterns, 1);
	assert_string_equal(c.dlp.custom[0].patterns[0], "PAT-[0-9]{8}");
	assert_int_equal(c.dlp.custom[0].n_keywords, 2);
	assert_string_equal(c.dlp.custom[0].keywords[0], "patient");
	assert_string_equal(c.dlp.custom[0].keywords[1], "mrn");
	assert_int_equal(c.dlp.custom[0].severity, CONFIG_SEV_HIGH);
}

static void
test_config_dlp_every_builtin_id_is_accepted(void **state)
{
	struct tg_config c;
	char doc[2048], err[512];
	size_t o, i;

	(void)state;
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  disabled:\n");
	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "    - %s\n",
				      config_dlp_builtin_ids[i]);
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(i, 24);
	assert_int_equal(c.dlp.n_disabled, 24);
	assert_string_equal(c.dlp.disabled[0], "credit_card");
	assert_string_equal(c.dlp.disabled[23], "jwt");

	/* Every id may be tuned, each in its own item: 24 items is the most there can be. */
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n");
	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "    - {id: %s, threshold: %zu}\n",
				      config_dlp_builtin_ids[i], i + 1);
	assert_true(o < sizeof(doc));
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_overrides, CONFIG_MAX_OVERRIDES);
	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++) {
		assert_string_equal(c.dlp.overrides[i].id, config_dlp_builtin_ids[i]);
		assert_int_equal(c.dlp.overrides[i].threshold, i + 1);
	}

	/* Any built-in id, luhn, mod97 or none is a validator. */
	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++) {
		snprintf(doc, sizeof(doc), "dlp:\n  custom:\n    - {name: c, patterns: [x], "
			 "validator: %s}\n", config_dlp_builtin_ids[i]);
		assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
		assert_string_equal(c.dlp.custom[0].validator, config_dlp_builtin_ids[i]);
	}
	assert_int_equal(load(&c, "dlp:\n  custom:\n    - {name: c, patterns: [x], "
			      "validator: mod97, severity: low}\n", err, sizeof(err)), 0);
	assert_string_equal(c.dlp.custom[0].validator, "mod97");
	assert_int_equal(c.dlp.custom[0].severity, CONFIG_SEV_LOW);
}

static void
test_config_dlp_engine_selects_and_refuses_unknown(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "dlp:\n  engine: hyperscan\n", err, sizeof(err)), 0);
	assert_int_equal(c.dlp.engine, CONFIG_DLP_ENGINE_HYPERSCAN);
	assert_int_equal(load(&c, "dlp:\n  engine: prefilter\n", err, sizeof(err)), 0);
	assert_int_equal(c.dlp.engine, CONFIG_DLP_ENGINE_PREFILTER);
	assert_int_not_equal(load(&c, "dlp:\n  engine: fast\n", err, sizeof(err)), 0);
	assert_string_equal(err, "t.yaml:2:11: dlp.engine: unknown value (got fast, expected "
				 "prefilter or hyperscan)");
}

static void
test_config_dlp_limits_are_inclusive(void **state)
{
	struct tg_config c;
	char doc[8192], err[512];
	size_t o;
	int i;

	(void)state;
	assert_int_equal(load(&c, "dlp:\n  threshold: 1000000\n  max_matches_per_event: 1\n"
			      "  max_streams: 1\n  context_window: 1\n  rule: A\n", err,
			      sizeof(err)), 0);
	assert_int_equal(c.dlp.threshold, 1000000);
	assert_int_equal(c.dlp.max_matches, 1);
	assert_int_equal(c.dlp.max_streams, 1);
	assert_int_equal(c.dlp.context_window, 1);
	assert_string_equal(c.dlp.rule, "A");

	/* 32 classes; the last with 8 patterns of 255 bytes, 16 keywords of 63. */
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  custom:\n");
	for (i = 0; i < CONFIG_MAX_CUSTOM - 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o,
				      "    - {name: c%d, patterns: [x]}\n", i);
	o += (size_t)snprintf(doc + o, sizeof(doc) - o,
			      "    - name: %.47s\n      category: %.23s\n"
			      "      window: 1024\n      threshold: 1000000\n      patterns:\n",
			      "abcdefghijklmnopqrstuvwxyz_0123456789_abcdefghijkl",
			      "abcdefghijklmnopqrstuvwxyz");
	for (i = 0; i < CONFIG_CUSTOM_PATTERNS; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "        - '%0255d'\n", i);
	o += (size_t)snprintf(doc + o, sizeof(doc) - o, "      keywords:\n");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "        - '%063d'\n", i);
	assert_true(o < sizeof(doc));
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_custom, CONFIG_MAX_CUSTOM);
	assert_int_equal(strlen(c.dlp.custom[31].name), 47);
	assert_int_equal(strlen(c.dlp.custom[31].category), 23);
	assert_int_equal(c.dlp.custom[31].n_patterns, 8);
	assert_int_equal(strlen(c.dlp.custom[31].patterns[7]), 255);
	assert_int_equal(c.dlp.custom[31].n_keywords, 16);
	assert_int_equal(strlen(c.dlp.custom[31].keywords[15]), 63);
	assert_int_equal(c.dlp.custom[31].window, 1024);
	assert_int_equal(c.dlp.custom[31].threshold, 1000000);

	assert_int_equal(load(&c, "dlp:\n  context_window: 1024\n", err, sizeof(err)), 0);
	assert_int_equal(c.dlp.context_window, 1024);

	/* A built-in's settings: 16 keywords and 16 more, each of 63 bytes; both ends. */
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n    - id: jwt\n"
			     "      window: 1024\n      threshold: 1000000\n      keywords:\n");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "        - '%063d'\n", i);
	o += (size_t)snprintf(doc + o, sizeof(doc) - o, "      add_keywords:\n");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "        - '%063d'\n", i + 100);
	o += (size_t)snprintf(doc + o, sizeof(doc) - o, "    - {id: iban, window: 1, threshold: 1,"
			      " keywords: [k], add_keywords: [a]}\n");
	assert_true(o < sizeof(doc));
	assert_int_equal(load(&c, doc, err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_overrides, 2);
	assert_int_equal(c.dlp.overrides[0].n_keywords, 16);
	assert_int_equal(strlen(c.dlp.overrides[0].keywords[15]), 63);
	assert_int_equal(c.dlp.overrides[0].n_add_keywords, 16);
	assert_int_equal(strlen(c.dlp.overrides[0].add_keywords[15]), 63);
	assert_string_equal(c.dlp.overrides[0].add_keywords[15], "000000000000000000000000000"
			    "000000000000000000000000000000000115");
	assert_int_equal(c.dlp.overrides[0].window, 1024);
	assert_int_equal(c.dlp.overrides[0].threshold, 1000000);
	assert_int_equal(c.dlp.overrides[1].window, 1);
	assert_int_equal(c.dlp.overrides[1].threshold, 1);
}

static void
test_config_dlp_disabled_must_name_builtins_once(void **state)
{
	char doc[1024];
	size_t o;
	int i;

	(void)state;
	assert_load_error("dlp:\n  disabled: [phone, passport]\n",
			  "t.yaml:2:21: dlp.disabled[1]: unknown value (got passport, expected a "
			  "built-in sensor id: " BUILTIN_IDS_TEXT ")");
	assert_load_error("dlp:\n  disabled: [us_ssn, iban, us_ssn]\n",
			  "t.yaml:2:28: dlp.disabled[2]: duplicate sensor id (got us_ssn, expected "
			  "each once; also at dlp.disabled[0])");
	assert_load_error("dlp:\n  disabled: phone\n",
			  "t.yaml:2:13: dlp.disabled: wrong type (got phone, expected a sequence "
			  "of built-in sensor ids)");
	assert_load_error("dlp:\n  disabled: [Phone]\n",
			  "t.yaml:2:14: dlp.disabled[0]: unknown value (got Phone, expected a "
			  "built-in sensor id: " BUILTIN_IDS_TEXT ")");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  disabled: [");
	for (i = 0; i < CONFIG_MAX_DISABLED + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%sjwt", i ? ", " : "");
	snprintf(doc + o, sizeof(doc) - o, "]\n");
	assert_load_error(doc, "t.yaml:2:13: dlp.disabled: too many ids (got 33, expected at "
			  "most 32)");
}

static void
test_config_dlp_custom_patterns_are_required_and_bounded(void **state)
{
	char doc[1024], want[256];
	size_t o;

	(void)state;
	assert_load_error("dlp:\n  custom:\n    - name: x\n",
			  "t.yaml:3:7: dlp.custom[0]: missing key \"patterns\" (expected a "
			  "sequence of 1..8 Hyperscan patterns)");
	assert_load_error("dlp:\n  custom:\n    - {name: x, patterns: ['a', '']}\n",
			  "t.yaml:3:33: dlp.custom[0].patterns[1]: empty value (expected a "
			  "Hyperscan pattern)");
	assert_load_error("dlp:\n  custom:\n"
			  "    - {name: x, patterns: [a, b, c, d, e, f, g, h, i]}\n",
			  "t.yaml:3:27: dlp.custom[0].patterns: too many patterns (got 9, expected "
			  "at most 8)");
	assert_load_error("dlp:\n  custom:\n    - {name: x, patterns: []}\n",
			  "t.yaml:3:27: dlp.custom[0].patterns: too few patterns (got 0, expected "
			  "at least 1)");
	assert_load_error("dlp:\n  custom:\n    - {name: x, patterns: }\n",
			  "t.yaml:3:27: dlp.custom[0].patterns: empty value (expected a sequence "
			  "of 1..8 Hyperscan patterns)");
	assert_load_error("dlp:\n  custom:\n    - {name: x, patterns: 'PAT-[0-9]{8}'}\n",
			  "t.yaml:3:27: dlp.custom[0].patterns: wrong type (got \"PAT-[0-9]{8}\", "
			  "expected a sequence of 1..8 Hyperscan patterns)");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  custom:\n    - {name: x, patterns: [a, ");
	memset(doc + o, 'y', CONFIG_CUSTOM_PATTERN_LEN);
	snprintf(doc + o + CONFIG_CUSTOM_PATTERN_LEN, sizeof(doc) - o - CONFIG_CUSTOM_PATTERN_LEN,
		 "]}\n");
	snprintf(want, sizeof(want), "t.yaml:3:31: dlp.custom[0].patterns[1]: too long (got %d "
		 "bytes, expected at most %d)", CONFIG_CUSTOM_PATTERN_LEN,
		 CONFIG_CUSTOM_PATTERN_LEN - 1);
	assert_load_error(doc, want);
}

static void
test_config_dlp_custom_name_must_be_new_and_lower_case(void **state)
{
	(void)state;
	assert_load_error("dlp:\n  custom:\n    - {name: Patient-ID, patterns: [a]}\n",
			  "t.yaml:3:14: dlp.custom[0].name: invalid name (got Patient-ID, expected "
			  "1..47 characters from a-z 0-9 _)");
	assert_load_error("dlp:\n  custom:\n    - {name: iban, patterns: [a]}\n",
			  "t.yaml:3:14: dlp.custom[0].name: reserved for a built-in sensor (got "
			  "iban, expected a name no built-in sensor uses)");
	assert_load_error("dlp:\n  custom:\n"
			  "    - {name: a, patterns: [x]}\n"
			  "    - {name: b, patterns: [y]}\n"
			  "    - {name: a, patterns: [z]}\n",
			  "t.yaml:5:14: dlp.custom[2].name: duplicate custom class name (got a, "
			  "expected a name not used by dlp.custom[0])");
	assert_load_error("dlp:\n  custom:\n    - {patterns: [a]}\n",
			  "t.yaml:3:7: dlp.custom[0]: missing key \"name\" (expected 1..47 "
			  "characters from a-z 0-9 _)");
	assert_load_error("dlp:\n  custom:\n    - {name: '', patterns: [a]}\n",
			  "t.yaml:3:14: dlp.custom[0].name: empty value (expected 1..47 characters "
			  "from a-z 0-9 _)");
	assert_load_error("dlp:\n  custom:\n    - {name: "
			  "abcdefghijklmnopqrstuvwxyz_0123456789_abcdefghij, patterns: [a]}\n",
			  "t.yaml:3:14: dlp.custom[0].name: too long (got 48 bytes, expected at "
			  "most 47)");
}

static void
test_config_dlp_custom_fields_are_checked(void **state)
{
	char doc[2048], want[256];
	size_t o;
	int i;

	(void)state;
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], validator: crc32}\n",
			  "t.yaml:3:43: dlp.custom[0].validator: unknown value (got crc32, "
			  "expected a validator: none, luhn, mod97, " BUILTIN_IDS_TEXT ")");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], severity: urgent}\n",
			  "t.yaml:3:42: dlp.custom[0].severity: unknown value (got urgent, "
			  "expected low, medium, high or critical)");
	/* Index 0 of the severities has no name: an empty string is not a way to reach it. */
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], severity: ''}\n",
			  "t.yaml:3:42: dlp.custom[0].severity: unknown value (got \"\", expected "
			  "low, medium, high or critical)");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], category: Health}\n",
			  "t.yaml:3:42: dlp.custom[0].category: invalid characters (got Health, "
			  "expected 1..23 characters from a-z _)");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], window: 1025}\n",
			  "t.yaml:3:40: dlp.custom[0].window: out of range (got 1025, expected an "
			  "integer in 0..1024)");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], threshold: 1000001}\n",
			  "t.yaml:3:43: dlp.custom[0].threshold: out of range (got 1000001, "
			  "expected an integer in 0..1000000)");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], regex: y}\n",
			  "t.yaml:3:32: dlp.custom[0].regex: unknown key (expected one of: name, "
			  "category, patterns, validator, keywords, window, threshold, severity, "
			  "context_required)");
	assert_load_error("dlp:\n  custom:\n    - patient_id\n",
			  "t.yaml:3:7: dlp.custom[0]: wrong type (got patient_id, expected a "
			  "mapping with name, patterns and optional category, validator, keywords, "
			  "window, threshold, severity, context_required)");
	assert_load_error("dlp:\n  custom: {name: a}\n",
			  "t.yaml:2:11: dlp.custom: wrong type (got a mapping, expected a sequence "
			  "of custom classes)");
	assert_load_error("dlp:\n  custom:\n    - {name: a, patterns: [x], keywords: [k, '']}\n",
			  "t.yaml:3:46: dlp.custom[0].keywords[1]: empty value (expected a keyword "
			  "of 1..63 bytes)");
	snprintf(doc, sizeof(doc), "dlp:\n  custom:\n    - {name: a, patterns: [x], keywords: "
		 "[%064d]}\n", 0);
	assert_load_error(doc, "t.yaml:3:43: dlp.custom[0].keywords[0]: too long (got 64 bytes, "
			  "expected at most 63)");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  custom:\n    - {name: a, patterns: [x], "
			     "keywords: [");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%sk%d", i ? ", " : "", i);
	snprintf(doc + o, sizeof(doc) - o, "]}\n");
	assert_load_error(doc, "t.yaml:3:42: dlp.custom[0].keywords: too many keywords (got 17, "
			  "expected at most 16)");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  custom: [");
	for (i = 0; i < CONFIG_MAX_CUSTOM + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s{name: c%d, patterns: [x]}",
				      i ? ", " : "", i);
	assert_true(o < sizeof(doc) - 2);
	snprintf(doc + o, sizeof(doc) - o, "]\n");
	snprintf(want, sizeof(want), "t.yaml:2:11: dlp.custom: too many custom classes (got 33, "
		 "expected at most 32)");
	assert_load_error(doc, want);
}

static void
test_config_dlp_context_required_needs_keywords(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_load_error("dlp:\n  custom:\n"
			  "    - {name: a, patterns: [x], context_required: true}\n",
			  "t.yaml:3:7: dlp.custom[0].keywords: no keywords, but context_required "
			  "is true (expected at least one keyword)");
	assert_load_error("dlp:\n  custom:\n"
			  "    - {name: a, patterns: [x], keywords: [], context_required: yes}\n",
			  "t.yaml:3:42: dlp.custom[0].keywords: no keywords, but context_required "
			  "is true (expected at least one keyword)");
	assert_int_equal(load(&c, "dlp:\n  custom:\n    - {name: a, patterns: [x], keywords: [k],"
			      " context_required: on}\n", err, sizeof(err)), 0);
	assert_int_equal(c.dlp.custom[0].context_required, 1);
	assert_int_equal(c.dlp.custom[0].n_keywords, 1);
}

/* The example item of the brief of dlp.sensors, field by field and byte for byte. */
static void
test_config_dlp_sensors_item_is_read_back(void **state)
{
	struct config_sensor_override want;
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "dlp:\n"
			      "  sensors:\n"
			      "    - id: us_ssn\n"
			      "      keywords: [ssn, social security number]\n"
			      "      add_keywords: [tax id]\n"
			      "      window: 96\n"
			      "      threshold: 2\n", err, sizeof(err)), 0);
	memset(&want, 0, sizeof(want));
	strcpy(want.id, "us_ssn");
	want.has_keywords = 1;
	want.n_keywords = 2;
	strcpy(want.keywords[0], "ssn");
	strcpy(want.keywords[1], "social security number");
	want.n_add_keywords = 1;
	strcpy(want.add_keywords[0], "tax id");
	want.window = 96;
	want.threshold = 2;
	assert_int_equal(c.dlp.n_overrides, 1);
	assert_string_equal(c.dlp.overrides[0].id, "us_ssn");
	assert_int_equal(c.dlp.overrides[0].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[0].n_keywords, 2);
	assert_int_equal(c.dlp.overrides[0].n_add_keywords, 1);
	assert_int_equal(c.dlp.overrides[0].window, 96);
	assert_int_equal(c.dlp.overrides[0].threshold, 2);
	assert_memory_equal(&c.dlp.overrides[0], &want, sizeof(want));
	/* The other settings are untouched. */
	assert_int_equal(c.dlp.context_window, 64);
	assert_int_equal(c.dlp.threshold, 1);
	assert_int_equal(c.dlp.n_disabled, 0);
}

/* Absent or null keywords keep the built-in ones; [] replaces them with none. */
static void
test_config_dlp_sensors_keywords_replace_only_when_given(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "dlp:\n  sensors:\n"
			      "    - {id: iban}\n"
			      "    - {id: email, keywords: ~, add_keywords: ~}\n"
			      "    - id: phone\n      keywords:\n"
			      "    - {id: jwt, keywords: []}\n"
			      "    - {id: dk_cpr, keywords: [cpr], add_keywords: []}\n",
			      err, sizeof(err)), 0);
	assert_int_equal(c.dlp.n_overrides, 5);
	assert_int_equal(c.dlp.overrides[0].has_keywords, 0);
	assert_int_equal(c.dlp.overrides[1].has_keywords, 0);
	assert_int_equal(c.dlp.overrides[1].n_add_keywords, 0);
	assert_int_equal(c.dlp.overrides[2].has_keywords, 0);
	assert_int_equal(c.dlp.overrides[3].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[3].n_keywords, 0);
	assert_int_equal(c.dlp.overrides[4].has_keywords, 1);
	assert_int_equal(c.dlp.overrides[4].n_keywords, 1);
	assert_string_equal(c.dlp.overrides[4].keywords[0], "cpr");
	assert_int_equal(c.dlp.overrides[4].n_add_keywords, 0);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(c.dlp.overrides[i].window, 0);
		assert_int_equal(c.dlp.overrides[i].threshold, 0);
	}
}

static void
test_config_dlp_sensors_id_must_be_a_builtin_once(void **state)
{
	char doc[2048];
	size_t o, i;

	(void)state;
	assert_load_error("dlp:\n  sensors:\n    - id: passport\n",
			  "t.yaml:3:11: dlp.sensors[0].id: unknown value (got passport, expected a "
			  "built-in sensor id: " BUILTIN_IDS_TEXT ")");
	/* A custom class is tuned in its own item under custom, not here. */
	assert_load_error("dlp:\n  custom: [{name: mrn, patterns: [x]}]\n"
			  "  sensors: [{id: mrn}]\n",
			  "t.yaml:3:18: dlp.sensors[0].id: unknown value (got mrn, expected a "
			  "built-in sensor id: " BUILTIN_IDS_TEXT ")");
	assert_load_error("dlp:\n  sensors:\n"
			  "    - {id: iban, window: 96}\n"
			  "    - {id: us_ssn}\n"
			  "    - {id: iban}\n",
			  "t.yaml:5:12: dlp.sensors[2].id: duplicate sensor id (got iban, expected "
			  "each once; also at dlp.sensors[0])");
	assert_load_error("dlp:\n  sensors:\n    - {window: 96}\n",
			  "t.yaml:3:7: dlp.sensors[0]: missing key \"id\" (expected a built-in "
			  "sensor id)");
	assert_load_error("dlp:\n  sensors:\n    - {id: ''}\n",
			  "t.yaml:3:12: dlp.sensors[0].id: empty value (expected a built-in sensor "
			  "id)");
	assert_load_error("dlp:\n  sensors:\n    - us_ssn\n",
			  "t.yaml:3:7: dlp.sensors[0]: wrong type (got us_ssn, expected a mapping "
			  "with id and optional keywords, add_keywords, window, threshold)");
	assert_load_error("dlp:\n  sensors: {id: us_ssn}\n",
			  "t.yaml:2:12: dlp.sensors: wrong type (got a mapping, expected a "
			  "sequence of built-in sensor settings)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, keyword: [x]}\n",
			  "t.yaml:3:18: dlp.sensors[0].keyword: unknown key (expected one of: id, "
			  "keywords, add_keywords, window, threshold)");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  sensors: [");
	for (i = 0; i < CONFIG_MAX_OVERRIDES + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s{id: %s}", i ? ", " : "",
				      config_dlp_builtin_ids[i % CONFIG_MAX_OVERRIDES]);
	assert_true(o < sizeof(doc) - 2);
	snprintf(doc + o, sizeof(doc) - o, "]\n");
	assert_load_error(doc, "t.yaml:2:12: dlp.sensors: too many sensor settings (got 25, "
			  "expected at most 24, one per built-in sensor)");
}

/* Either key may come first: the rule is checked once the whole dlp section is read. */
static void
test_config_dlp_sensors_disabled_sensor_cannot_be_tuned(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_load_error("dlp:\n  disabled: [email, phone]\n  sensors:\n"
			  "    - {id: iban}\n"
			  "    - {id: phone, window: 96}\n",
			  "t.yaml:5:12: dlp.sensors[1].id: tunes a disabled sensor (got phone, "
			  "expected an id not in dlp.disabled; also at dlp.disabled[1])");
	assert_load_error("dlp:\n  sensors:\n    - id: phone\n  disabled: [phone]\n",
			  "t.yaml:3:11: dlp.sensors[0].id: tunes a disabled sensor (got phone, "
			  "expected an id not in dlp.disabled; also at dlp.disabled[0])");
	assert_int_equal(load(&c, "dlp:\n  sensors: [{id: phone}]\n  disabled: [email]\n", err,
			      sizeof(err)), 0);
	assert_int_equal(c.dlp.n_overrides, 1);
	assert_int_equal(c.dlp.n_disabled, 1);
}

static void
test_config_dlp_sensors_keywords_are_bounded(void **state)
{
	char doc[2048];
	size_t o;
	int i;

	(void)state;
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n"
			     "    - {id: iban, keywords: [");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%sk%d", i ? ", " : "", i);
	snprintf(doc + o, sizeof(doc) - o, "]}\n");
	assert_load_error(doc, "t.yaml:3:28: dlp.sensors[0].keywords: too many keywords (got 17, "
			  "expected at most 16)");
	o = (size_t)snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n"
			     "    - {id: iban, add_keywords: [");
	for (i = 0; i < CONFIG_CUSTOM_KEYWORDS + 1; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%sk%d", i ? ", " : "", i);
	snprintf(doc + o, sizeof(doc) - o, "]}\n");
	assert_load_error(doc, "t.yaml:3:32: dlp.sensors[0].add_keywords: too many keywords (got "
			  "17, expected at most 16)");
	snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n    - {id: iban, keywords: [%064d]}\n", 0);
	assert_load_error(doc, "t.yaml:3:29: dlp.sensors[0].keywords[0]: too long (got 64 bytes, "
			  "expected at most 63)");
	snprintf(doc, sizeof(doc), "dlp:\n  sensors:\n    - {id: iban, add_keywords: [a, %064d]}\n",
		 0);
	assert_load_error(doc, "t.yaml:3:36: dlp.sensors[0].add_keywords[1]: too long (got 64 "
			  "bytes, expected at most 63)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, keywords: [iban, '']}\n",
			  "t.yaml:3:35: dlp.sensors[0].keywords[1]: empty value (expected a "
			  "keyword of 1..63 bytes)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, keywords: iban}\n",
			  "t.yaml:3:28: dlp.sensors[0].keywords: wrong type (got iban, expected a "
			  "sequence of at most 16 keywords)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, add_keywords: {a: b}}\n",
			  "t.yaml:3:32: dlp.sensors[0].add_keywords: wrong type (got a mapping, "
			  "expected a sequence of at most 16 keywords)");
}

static void
test_config_dlp_sensors_window_and_threshold_are_checked(void **state)
{
	(void)state;
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, window: 0}\n",
			  "t.yaml:3:26: dlp.sensors[0].window: out of range (got 0, expected an "
			  "integer in 1..1024)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, window: 1025}\n",
			  "t.yaml:3:26: dlp.sensors[0].window: out of range (got 1025, expected an "
			  "integer in 1..1024)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, window: ~}\n",
			  "t.yaml:3:26: dlp.sensors[0].window: empty value (expected an integer in "
			  "1..1024)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, threshold: 0}\n",
			  "t.yaml:3:29: dlp.sensors[0].threshold: out of range (got 0, expected an "
			  "integer in 1..1000000)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, threshold: 1000001}\n",
			  "t.yaml:3:29: dlp.sensors[0].threshold: out of range (got 1000001, "
			  "expected an integer in 1..1000000)");
	assert_load_error("dlp:\n  sensors:\n    - {id: iban, threshold: two}\n",
			  "t.yaml:3:29: dlp.sensors[0].threshold: not an integer (got two, "
			  "expected an integer in 1..1000000)");
}

static void
test_config_dlp_scalars_are_checked(void **state)
{
	(void)state;
	assert_load_error("dlp:\n  max_matches_per_event: 17\n",
			  "t.yaml:2:26: dlp.max_matches_per_event: out of range (got 17, expected "
			  "an integer in 1..16)");
	assert_load_error("dlp:\n  max_matches_per_event: 0\n",
			  "t.yaml:2:26: dlp.max_matches_per_event: out of range (got 0, expected "
			  "an integer in 1..16)");
	assert_load_error("dlp:\n  threshold: 0\n",
			  "t.yaml:2:14: dlp.threshold: out of range (got 0, expected an integer in "
			  "1..1000000)");
	assert_load_error("dlp:\n  max_streams: 4194305\n",
			  "t.yaml:2:16: dlp.max_streams: out of range (got 4194305, expected an "
			  "integer in 1..4194304)");
	assert_load_error("dlp:\n  max_parked: 4194305\n",
			  "t.yaml:2:15: dlp.max_parked: out of range (got 4194305, expected an "
			  "integer in 0..4194304)");
	assert_load_error("dlp:\n  max_parked: -1\n",
			  "t.yaml:2:15: dlp.max_parked: out of range (got -1, expected an "
			  "integer in 0..4194304)");
	assert_load_error("dlp:\n  context_window: 0\n",
			  "t.yaml:2:19: dlp.context_window: out of range (got 0, expected an "
			  "integer in 1..1024)");
	assert_load_error("dlp:\n  context_window: 1025\n",
			  "t.yaml:2:19: dlp.context_window: out of range (got 1025, expected an "
			  "integer in 1..1024)");
	assert_load_error("dlp:\n  action: drop\n",
			  "t.yaml:2:11: dlp.action: unknown value (got drop, expected alert or "
			  "block)");
	assert_load_error("dlp:\n  rule: 'gdpr rule'\n",
			  "t.yaml:2:9: dlp.rule: invalid name (got \"gdpr rule\", expected 1..31 "
			  "characters from A-Z a-z 0-9 _ -)");
	assert_load_error("dlp:\n  rule: abcdefghijklmnopqrstuvwxyz012345\n",
			  "t.yaml:2:9: dlp.rule: too long (got 32 bytes, expected at most 31)");
	assert_load_error("dlp:\n  enabled: 1\n",
			  "t.yaml:2:12: dlp.enabled: not a boolean (got 1, expected true/false, "
			  "yes/no or on/off)");
	assert_load_error("dlp:\n  overrides: []\n",
			  "t.yaml:2:3: dlp.overrides: unknown key (expected one of: enabled, "
			  "action, rule, threshold, max_matches_per_event, max_streams, "
			  "max_parked, context_window, engine, disabled, sensors, custom)");
}

/* api: listen address, token file, TLS paths and the body limit read back; limits hold. */
static void
test_config_api_section_reads_back_and_checks_body_limit(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "api:\n  listen: \"[::1]:9000\"\n  token_file: /etc/tg/tokens\n"
			      "  max_body: 64KiB\n", err, sizeof(err)), 0);
	assert_string_equal(c.api.listen, "[::1]:9000");
	assert_string_equal(c.api.token_file, "/etc/tg/tokens");
	assert_string_equal(c.api.tls_cert, "");
	assert_int_equal(c.api.max_body, 64 * 1024);
	assert_int_equal(c.api.events_kept, 16384);
	assert_int_equal(load(&c, "api:\n  events_kept: 0\n", err, sizeof(err)), 0);
	assert_int_equal(c.api.events_kept, 0);
	assert_int_equal(load(&c, "api:\n  max_body: 10\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:2:13: api.max_body: out of range (got 10, expected "
			    "1KiB..64MiB)");
}

static void
test_config_inline_exception_policy_and_tx_flush(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.dp.exception_policy, CONFIG_FAIL_OPEN);
	assert_int_equal(c.dp.tx_flush_us, 100);
	assert_int_equal(load(&c, "dataplane:\n  exception_policy: fail_closed\n"
			      "  tx_flush_us: 50\n", err, sizeof(err)), 0);
	assert_int_equal(c.dp.exception_policy, CONFIG_FAIL_CLOSED);
	assert_int_equal(c.dp.tx_flush_us, 50);
	assert_int_equal(load(&c, "dataplane:\n  exception_policy: open\n", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.yaml:2:21: dataplane.exception_policy: unknown value (got "
			    "open, expected fail_open or fail_closed)");
	assert_int_equal(load(&c, "dataplane:\n  tx_flush_us: 0\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:2:16: dataplane.tx_flush_us: out of range (got 0, "
			    "expected an integer in 1..100000)");
}

static void
test_config_reassembly_urgent_is_remove_or_inline(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "reassembly:\n  urgent: inline\n", err, sizeof(err)), 0);
	assert_int_equal(c.reasm.urgent, CONFIG_URGENT_INLINE);
	assert_int_equal(load(&c, "reassembly:\n  urgent: remove\n", err, sizeof(err)), 0);
	assert_int_equal(c.reasm.urgent, CONFIG_URGENT_REMOVE);
	assert_int_equal(load(&c, "reassembly:\n  urgent: oob\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:2:11: reassembly.urgent: unknown value (got oob, "
			    "expected remove or inline)");
	assert_int_equal(load(&c, "reassembly:\n  urgent: true\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:2:11: reassembly.urgent: unknown value (got true, "
			    "expected remove or inline)");
}

/* events.file: rotation off by default, 0 or 4KiB.., keep and the fsync policies. */
static void
test_config_events_file_section(void **state)
{
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.events.file.max_size, 0);
	assert_int_equal(c.events.file.keep, 5);
	assert_int_equal(c.events.file.fsync, CONFIG_FSYNC_NEVER);
	assert_int_equal(c.events.file.fsync_interval_ms, 1000);
	assert_int_equal(load(&c, "events:\n  file:\n    max_size: 100MiB\n    keep: 1000\n"
			      "    fsync: interval\n    fsync_interval_ms: 250\n", err,
			      sizeof(err)), 0);
	assert_int_equal(c.events.file.max_size, 100 * 1024 * 1024);
	assert_int_equal(c.events.file.keep, 1000);
	assert_int_equal(c.events.file.fsync, CONFIG_FSYNC_INTERVAL);
	assert_int_equal(c.events.file.fsync_interval_ms, 250);
	assert_int_equal(load(&c, "events:\n  file:\n    fsync: rotate\n", err, sizeof(err)), 0);
	assert_int_equal(c.events.file.fsync, CONFIG_FSYNC_ROTATE);
	assert_load_error("events:\n  file:\n    max_size: 1000\n",
			  "t.yaml:3:15: events.file.max_size: out of range (got 1000, expected 0 "
			  "or 4KiB..1024GiB)");
	assert_load_error("events:\n  file:\n    keep: 0\n",
			  "t.yaml:3:11: events.file.keep: out of range (got 0, expected an "
			  "integer in 1..1000)");
	assert_load_error("events:\n  file:\n    fsync: always\n",
			  "t.yaml:3:12: events.file.fsync: unknown value (got always, expected "
			  "never, rotate or interval)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_inline_exception_policy_and_tx_flush),
		cmocka_unit_test(test_config_reassembly_urgent_is_remove_or_inline),
		cmocka_unit_test(test_config_events_file_section),
		cmocka_unit_test(test_config_defaults_have_documented_values),
		cmocka_unit_test(test_config_builtin_yaml_is_the_shipped_file),
		cmocka_unit_test(test_config_builtin_yaml_loads_to_defaults),
		cmocka_unit_test(test_config_empty_file_is_the_defaults),
		cmocka_unit_test(test_config_null_sections_keep_defaults),
		cmocka_unit_test(test_config_every_key_is_read_into_its_field),
		cmocka_unit_test(test_config_dump_reads_back_to_the_same_config),
		cmocka_unit_test(test_config_dump_escapes_what_yaml_reads_as_line_breaks),
		cmocka_unit_test(test_config_buckets_zero_means_next_power_of_two),
		cmocka_unit_test(test_config_booleans_accept_yes_no_on_off_in_any_case),
		cmocka_unit_test(test_config_parse_uint_takes_plain_decimal_only),
		cmocka_unit_test(test_config_size_suffixes_are_binary),
		cmocka_unit_test(test_config_seconds_keep_microseconds),
		cmocka_unit_test(test_config_ports_inline_pair_and_tap_load),
		cmocka_unit_test(test_config_port_limits_are_enforced),
		cmocka_unit_test(test_config_duplicate_port_name_is_refused),
		cmocka_unit_test(test_config_inline_peers_must_name_each_other),
		cmocka_unit_test(test_config_bad_port_mode_lists_the_modes),
		cmocka_unit_test(test_config_eal_args_limits_are_enforced),
		cmocka_unit_test(test_config_unknown_key_lists_allowed_keys),
		cmocka_unit_test(test_config_api_section_reads_back_and_checks_body_limit),
		cmocka_unit_test(test_config_wrong_type_names_the_field),
		cmocka_unit_test(test_config_empty_value_says_what_was_expected),
		cmocka_unit_test(test_config_out_of_range_gives_the_range),
		cmocka_unit_test(test_config_bad_enum_lists_the_values),
		cmocka_unit_test(test_config_non_power_of_two_is_refused),
		cmocka_unit_test(test_config_bad_size_suffix_is_refused),
		cmocka_unit_test(test_config_reassembly_sizes_must_nest),
		cmocka_unit_test(test_config_defrag_max_frags_must_fit_the_memcap),
		cmocka_unit_test(test_config_syntax_error_passes_through),
		cmocka_unit_test(test_config_long_value_is_cut_in_message),
		cmocka_unit_test(test_config_missing_file_returns_errno),
		cmocka_unit_test(test_config_apply_tree_reads_a_loaded_tree),
		cmocka_unit_test(test_config_dlp_dump_writes_every_key_but_unset_sensor_settings),
		cmocka_unit_test(test_config_dlp_shipped_examples_load),
		cmocka_unit_test(test_config_dlp_every_builtin_id_is_accepted),
		cmocka_unit_test(test_config_dlp_engine_selects_and_refuses_unknown),
		cmocka_unit_test(test_config_dlp_limits_are_inclusive),
		cmocka_unit_test(test_config_dlp_disabled_must_name_builtins_once),
		cmocka_unit_test(test_config_dlp_custom_patterns_are_required_and_bounded),
		cmocka_unit_test(test_config_dlp_custom_name_must_be_new_and_lower_case),
		cmocka_unit_test(test_config_dlp_custom_fields_are_checked),
		cmocka_unit_test(test_config_dlp_context_required_needs_keywords),
		cmocka_unit_test(test_config_dlp_sensors_item_is_read_back),
		cmocka_unit_test(test_config_dlp_sensors_keywords_replace_only_when_given),
		cmocka_unit_test(test_config_dlp_sensors_id_must_be_a_builtin_once),
		cmocka_unit_test(test_config_dlp_sensors_disabled_sensor_cannot_be_tuned),
		cmocka_unit_test(test_config_dlp_sensors_keywords_are_bounded),
		cmocka_unit_test(test_config_dlp_sensors_window_and_threshold_are_checked),
		cmocka_unit_test(test_config_dlp_scalars_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
