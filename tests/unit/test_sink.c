/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the event sinks (control/sink*.c) below the daemon: the RFC 5424 message
 * and its fields, the severity the filters use, the queue (bounded, FIFO, every event ends
 * counted once, stop, backoff with jitter inside its bounds), the webhook's HMAC against
 * RFC 4231's vector and its key file checks, and the syslog sender's framing over real
 * loopback sockets: octet counting on TCP, one datagram on UDP, a reconnect when the
 * receiver closed the connection.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <cmocka.h>
#include <jansson.h>

#include "sink.h"
#include "sink_queue.h"
#include "sink_syslog.h"
#include "sink_webhook.h"

static struct sink_item *
item(const char *line, const char *type, const char *ts, uint8_t sev, uint32_t refs)
{
	struct sink_item *it = sink_item_new(line, strlen(line), type, ts, sev, 1, 7, refs);

	assert_non_null(it);
	return it;
}

static void
test_sink_syslog_message_fields(void **state)
{
	struct sink_item *it = item("{\"event_type\":\"alert\"}", "alert",
				    "2026-11-18T11:06:40.003000+0000", 1, 1);
	char buf[256];
	size_t n;

	(void)state;
	n = sink_syslog_format(buf, sizeof(buf), 21, "gw-1", 4242, it);
	/* local5 (21) * 8 + critical (2) */
	assert_string_equal(buf, "<170>1 2026-11-18T11:06:40.003000Z gw-1 tollgated 4242 alert - "
			    "{\"event_type\":\"alert\"}");
	assert_int_equal(n, strlen(buf));
	/* a short buffer: the length it needs, nothing written past it */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sink_syslog_format(buf, 10, 21, "gw-1", 4242, it), n);
	assert_int_equal(buf[9], '\0');
	assert_int_equal(buf[10], 'x');
	sink_item_put(it);

	/* MSGID: printable US-ASCII only; NILVALUE when empty. Facility kern (0). */
	it = item("{}", "a b\x7f", "", 4, 1);
	sink_syslog_format(buf, sizeof(buf), 0, "h", 1, it);
	assert_string_equal(buf, "<6>1 - h tollgated 1 a_b_ - {}");
	sink_item_put(it);
	it = item("{}", "", "2026-11-18T11:06:40+0000", 3, 1);
	sink_syslog_format(buf, sizeof(buf), 23, "h", 1, it);
	assert_string_equal(buf, "<188>1 2026-11-18T11:06:40Z h tollgated 1 - - {}");
	sink_item_put(it);
}

static void
test_sink_syslog_severity_and_timestamp(void **state)
{
	static const struct {
		const char *eve, *rfc;
	} ts[] = {
		{ "2026-11-18T11:06:40.009499+0000", "2026-11-18T11:06:40.009499Z" },
		{ "2026-11-18T11:06:40.5+0000", "2026-11-18T11:06:40.5Z" },
		{ "1970-01-01T00:00:00+0000", "1970-01-01T00:00:00Z" },
		{ "2026-11-18T11:06:40.0094990+0000", "-" },	/* 7 digits: not RFC 5424 */
		{ "2026-11-18T11:06:40.+0000", "-" },
		{ "2026-11-18T11:06:40.009499+0100", "-" },	/* not UTC */
		{ "2026-11-18 11:06:40.009499+0000", "-" },
		{ "2026-11-18T11:06:4x.009499+0000", "-" },
		{ "", "-" },
	};
	char out[40];
	size_t i;

	(void)state;
	assert_int_equal(sink_syslog_severity(1), 2);
	assert_int_equal(sink_syslog_severity(2), 3);
	assert_int_equal(sink_syslog_severity(3), 4);
	assert_int_equal(sink_syslog_severity(4), 6);
	assert_int_equal(sink_syslog_severity(0), 6);
	assert_int_equal(sink_syslog_severity(9), 6);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		sink_syslog_timestamp(ts[i].eve, out, sizeof(out));
		assert_string_equal(out, ts[i].rfc);
	}
	/* too small a buffer: NILVALUE rather than a cut time */
	sink_syslog_timestamp(ts[0].eve, out, 20);
	assert_string_equal(out, "-");
}

static void
test_sink_event_severity_of_each_type(void **state)
{
	static const struct {
		const char *json;
		uint8_t sev;
	} cases[] = {
		{ "{\"event_type\":\"alert\",\"alert\":{\"severity\":1}}", 1 },
		{ "{\"event_type\":\"alert\",\"alert\":{\"severity\":3}}", 3 },
		{ "{\"event_type\":\"alert\",\"alert\":{\"severity\":0}}", 1 },
		{ "{\"event_type\":\"alert\",\"alert\":{\"severity\":255}}", 4 },
		{ "{\"event_type\":\"alert\"}", 1 },
		{ "{\"event_type\":\"dlp\"}", 3 },
		{ "{\"event_type\":\"anomaly\"}", 3 },
		{ "{\"event_type\":\"flow\"}", 4 },
		{ "{\"event_type\":\"tls\"}", 4 },
		{ "{\"event_type\":\"fileinfo\"}", 4 },
		{ "{}", 4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *ev = json_loads(cases[i].json, 0, NULL);

		assert_non_null(ev);
		assert_int_equal(sink_event_severity(ev), cases[i].sev);
		json_decref(ev);
	}
}

static void
assert_stats(struct sink_queue *q, uint64_t sent, uint64_t dropped, uint64_t retried,
	     uint64_t failed, uint64_t queued)
{
	struct sink_stats st;

	sink_queue_stats(q, &st);
	assert_int_equal(st.sent, sent);
	assert_int_equal(st.dropped, dropped);
	assert_int_equal(st.retried, retried);
	assert_int_equal(st.failed, failed);
	assert_int_equal(st.queued, queued);
}

static void
test_sink_queue_bounded_fifo_and_counted(void **state)
{
	struct sink_queue *q = sink_queue_create(2, 100, 1000);
	struct sink_queue *q2 = sink_queue_create(8, 100, 1000);
	struct sink_item *a = item("a", "flow", "", 4, 2), *b = item("b", "flow", "", 4, 1);
	struct sink_item *c = item("c", "flow", "", 4, 1), *x;

	(void)state;
	assert_non_null(q);
	/* a is shared with q2: freed only when both are done with it (ASan checks) */
	assert_int_equal(sink_queue_push(q2, a), 0);
	assert_int_equal(sink_queue_push(q, a), 0);
	assert_int_equal(sink_queue_push(q, b), 0);
	assert_int_equal(sink_queue_push(q, c), -ENOSPC);	/* full: dropped, c freed */
	assert_stats(q, 0, 1, 0, 0, 2);
	assert_ptr_equal(sink_queue_pop(q2, 0), a);
	sink_queue_done(q2, a, SINK_SENT);
	x = sink_queue_pop(q, 0);
	assert_ptr_equal(x, a);
	assert_string_equal(x->line, "a");
	assert_stats(q, 0, 1, 0, 0, 2);			/* one queued, one in flight */
	assert_int_equal(sink_queue_wait_idle(q, sink_queue_now() + 0.02), 0);
	sink_queue_retried(q);
	sink_queue_done(q, x, SINK_FAILED);
	x = sink_queue_pop(q, 10);
	assert_ptr_equal(x, b);
	sink_queue_done(q, x, SINK_SENT);
	assert_null(sink_queue_pop(q, 10));		/* empty: after the wait */
	assert_int_equal(sink_queue_wait_idle(q, sink_queue_now() + 0.02), 1);
	assert_stats(q, 1, 1, 1, 1, 0);
	/* stopped: nothing is handed out, new events are dropped, the rest counted */
	assert_int_equal(sink_queue_push(q, item("d", "flow", "", 4, 1)), 0);
	sink_queue_stop(q);
	assert_int_equal(sink_queue_stopping(q), 1);
	assert_null(sink_queue_pop(q, 0));
	assert_int_equal(sink_queue_sleep(q, 10000), -ECANCELED);
	assert_int_equal(sink_queue_push(q, item("e", "flow", "", 4, 1)), -ENOSPC);
	sink_queue_drop_all(q);
	assert_stats(q, 1, 3, 1, 1, 0);
	sink_queue_count_drop(q);
	assert_stats(q, 1, 4, 1, 1, 0);
	assert_stats(q2, 1, 0, 0, 0, 0);
	sink_queue_free(q);
	sink_queue_free(q2);
}

static void
test_sink_queue_backoff_doubles_capped_with_jitter(void **state)
{
	struct sink_queue *q = sink_queue_create(1, 200, 1000);
	static const uint32_t full[] = { 0, 200, 400, 800, 1000, 1000, 1000 };
	uint32_t attempt, i, v, lo, hi;

	(void)state;
	for (attempt = 1; attempt < sizeof(full) / sizeof(full[0]); attempt++) {
		lo = UINT32_MAX;
		hi = 0;
		for (i = 0; i < 2000; i++) {
			v = sink_queue_backoff_ms(q, attempt);
			assert_in_range(v, full[attempt] / 2, full[attempt]);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		/* spread over the range, not one value */
		assert_true(lo < full[attempt] * 6 / 10);
		assert_true(hi > full[attempt] * 9 / 10);
	}
	assert_in_range(sink_queue_backoff_ms(q, 1000), 500, 1000);
	sink_queue_free(q);
}

/* RFC 4231 section 4.3, test case 2. */
static void
test_sink_webhook_hmac_sha256_vector(void **state)
{
	char sig[SINK_WEBHOOK_SIG_LEN];
	const char *data = "what do ya want for nothing?";

	(void)state;
	assert_int_equal(sink_webhook_sign((const uint8_t *)"Jefe", 4, data, strlen(data), sig),
			 0);
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58"
			    "b964ec3843");
}

static void
test_sink_webhook_display_hides_credentials_path_and_query(void **state)
{
	static const char *const cases[][2] = {
		{ "https://u:p@h.example:8443/t/SECRET?k=v", "https://h.example:8443" },
		{ "http://127.0.0.1:8080/in", "http://127.0.0.1:8080" },
		{ "http://[::1]:80?x=1", "http://[::1]:80" },
		{ "https://h.example", "https://h.example" },
		{ "https://tok@h.example#frag", "https://h.example" },
	};
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_webhook_display(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	sink_webhook_display(cases[0][0], out, 12);
	assert_string_equal(out, "https://h.e");
}

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_sink_webhook_key_file_checks(void **state)
{
	char dir[] = "/tmp/tg-sink-key-XXXXXX", path[64], err[512], msg[512];
	static char big[SINK_WEBHOOK_KEY_MAX + 2];
	uint8_t key[SINK_WEBHOOK_KEY_MAX];
	size_t len = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	write_file(path, "0123456789abcdefXY\r\n", 20, 0600);
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 18);
	assert_memory_equal(key, "0123456789abcdefXY", 18);

	write_file(path, "0123456789abcdefXY\n", 19, 0640);
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), -EINVAL);
	snprintf(msg, sizeof(msg), "hmac_key_file %s: mode 0640 lets group or others read the "
		 "webhook HMAC key: expected no group or other permissions (chmod 600 %s)", path,
		 path);
	assert_string_equal(err, msg);

	write_file(path, "0123456789abcde\n", 16, 0600);	/* 15 bytes */
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), -EINVAL);
	snprintf(msg, sizeof(msg), "hmac_key_file %s: too short: expected a key of 16..4096 "
		 "bytes (e.g. head -c 32 /dev/urandom | base64 > %s)", path, path);
	assert_string_equal(err, msg);

	memset(big, 'k', sizeof(big));
	big[SINK_WEBHOOK_KEY_MAX] = '\n';
	write_file(path, big, SINK_WEBHOOK_KEY_MAX + 1, 0600);	/* the longest, and LF */
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), 0);
	assert_int_equal(len, SINK_WEBHOOK_KEY_MAX);
	write_file(path, big, SINK_WEBHOOK_KEY_MAX + 2, 0600);	/* one byte too many */
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": too long: expected a key of 16..4096 bytes"));

	assert_int_equal(sink_webhook_read_key(dir, key, &len, err, sizeof(err)), -EINVAL);
	snprintf(msg, sizeof(msg), "hmac_key_file %s: not a regular file: expected the webhook "
		 "HMAC key", dir);
	assert_string_equal(err, msg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sink_webhook_read_key(path, key, &len, err, sizeof(err)), -ENOENT);
	snprintf(msg, sizeof(msg), "hmac_key_file %s: No such file or directory", path);
	assert_string_equal(err, msg);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- the syslog sender over loopback ---- */

struct sender {
	struct config_sink conf;
	struct sink_queue *q;
	struct sink_syslog *s;
	pthread_t thread;
};

static int
listener(int type, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct timeval tv = { .tv_sec = 30 };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	/* a sender that never comes fails the test instead of hanging it */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void
sender_start(struct sender *sd, uint8_t transport, uint16_t port)
{
	char err[256];

	memset(&sd->conf, 0, sizeof(sd->conf));
	snprintf(sd->conf.name, sizeof(sd->conf.name), "t");
	snprintf(sd->conf.address, sizeof(sd->conf.address), "127.0.0.1:%u", port);
	sd->conf.transport = transport;
	sd->conf.facility = 16;
	sd->conf.retries = 2;
	sd->conf.backoff_ms = 10;
	sd->conf.backoff_max_ms = 20;
	sd->conf.timeout_ms = 5000;
	sd->q = sink_queue_create(16, 10, 20);
	sd->s = sink_syslog_create(&sd->conf, sd->q, err, sizeof(err));
	assert_non_null(sd->s);
	assert_int_equal(pthread_create(&sd->thread, NULL, sink_syslog_main, sd->s), 0);
}

/* Wait until everything queued is done, stop, and return the counters. */
static void
sender_stop(struct sender *sd, struct sink_stats *st)
{
	assert_int_equal(sink_queue_wait_idle(sd->q, sink_queue_now() + 30), 1);
	sink_queue_stop(sd->q);
	assert_int_equal(pthread_join(sd->thread, NULL), 0);
	sink_queue_stats(sd->q, st);
	sink_syslog_free(sd->s);
	sink_queue_free(sd->q);
}

/* Read exactly len bytes from fd. */
static void
read_exact(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[len] = '\0';
}

static void
expected_message(const char *line, const char *type, char *buf, size_t len)
{
	char host[256];

	assert_int_equal(gethostname(host, sizeof(host)), 0);
	/* local0 (16) * 8 + informational (6) */
	snprintf(buf, len, "<134>1 2026-11-18T11:06:40.000001Z %s tollgated %ld %s - %s", host,
		 (long)getpid(), type, line);
}

static void
test_sink_syslog_tcp_octet_counting_and_reconnect(void **state)
{
	struct sender sd;
	struct sink_stats st;
	uint16_t port;
	int lfd = listener(SOCK_STREAM, &port), c;
	char want[512], frame[600], got[600];
	static const char *const lines[] = { "{\"n\":1}", "{\"n\":2,\"s\":\"a b\"}", "{\"n\":3}" };
	unsigned int i;

	(void)state;
	sender_start(&sd, CONFIG_SYSLOG_TCP, port);
	for (i = 0; i < 2; i++)
		sink_queue_push(sd.q, item(lines[i], "flow", "2026-11-18T11:06:40.000001+0000", 4,
					   1));
	c = accept(lfd, NULL, NULL);
	assert_true(c >= 0);
	for (i = 0; i < 2; i++) {
		expected_message(lines[i], "flow", want, sizeof(want));
		snprintf(frame, sizeof(frame), "%zu %s", strlen(want), want);
		read_exact(c, got, strlen(frame));
		assert_string_equal(got, frame);
	}
	assert_int_equal(sink_queue_wait_idle(sd.q, sink_queue_now() + 30), 1);
	/* the receiver goes away: the next event goes out on a new connection */
	close(c);
	sink_queue_push(sd.q, item(lines[2], "flow", "2026-11-18T11:06:40.000001+0000", 4, 1));
	c = accept(lfd, NULL, NULL);
	assert_true(c >= 0);
	expected_message(lines[2], "flow", want, sizeof(want));
	snprintf(frame, sizeof(frame), "%zu %s", strlen(want), want);
	read_exact(c, got, strlen(frame));
	assert_string_equal(got, frame);
	sender_stop(&sd, &st);
	/* the closed connection was seen before the write: nothing retried, nothing lost */
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.retried + st.failed + st.dropped, 0);
	close(c);
	close(lfd);
}

static void
test_sink_syslog_udp_one_datagram_per_event(void **state)
{
	struct sender sd;
	struct sink_stats st;
	uint16_t port;
	int fd = listener(SOCK_DGRAM, &port);
	char want[512], got[600];
	ssize_t n;

	(void)state;
	sender_start(&sd, CONFIG_SYSLOG_UDP, port);
	sink_queue_push(sd.q, item("{\"a\":[1,2]}", "dns", "2026-11-18T11:06:40.000001+0000", 4,
				   1));
	n = recv(fd, got, sizeof(got) - 1, 0);
	assert_true(n > 0);
	got[n] = '\0';
	expected_message("{\"a\":[1,2]}", "dns", want, sizeof(want));
	assert_string_equal(got, want);
	sender_stop(&sd, &st);
	assert_int_equal(st.sent, 1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_syslog_message_fields),
		cmocka_unit_test(test_sink_syslog_severity_and_timestamp),
		cmocka_unit_test(test_sink_event_severity_of_each_type),
		cmocka_unit_test(test_sink_queue_bounded_fifo_and_counted),
		cmocka_unit_test(test_sink_queue_backoff_doubles_capped_with_jitter),
		cmocka_unit_test(test_sink_webhook_hmac_sha256_vector),
		cmocka_unit_test(test_sink_webhook_key_file_checks),
		cmocka_unit_test(test_sink_webhook_display_hides_credentials_path_and_query),
		cmocka_unit_test(test_sink_syslog_tcp_octet_counting_and_reconnect),
		cmocka_unit_test(test_sink_syslog_udp_one_datagram_per_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
