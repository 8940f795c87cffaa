/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The app layer's SMTP glue (app_layer_priv.h): the SMTP parser (app_smtp.c, RFC 5321,
 * RFC 3030 BDAT, RFC 3207 STARTTLS) of both directions, each mail's content scanned as a
 * decoded buffer ("smtp.body": dot-unstuffed, BDAT chunks joined), the envelope kept for
 * the dlp events with the local parts of addresses redacted. After STARTTLS the flow is
 * TLS (the events say so) and only the raw stream is scanned.
 */
#include <errno.h>
#include <string.h>
#include "app_layer_priv.h"
#include "app_meta.h"
#include "app_smtp.h"

static void
app_smtp_meta(struct app_flow *af, const struct app_smtp_envelope *env)
{
	struct app_meta *m = &af->meta[0];
	uint32_t i, n = env->rcpt_count < APP_META_RCPT ? env->rcpt_count : APP_META_RCPT;

	memset(m, 0, sizeof(*m));
	m->kind = APP_META_SMTP;
	app_meta_copy(m->smtp.helo, APP_META_HOST_LEN, env->helo);
	app_meta_addr(m->smtp.mail_from, APP_META_ADDR_LEN, env->mail_from);
	for (i = 0; i < n; i++)
		app_meta_addr(m->smtp.rcpt_to[i], APP_META_ADDR_LEN, env->rcpt[i]);
	m->smtp.nrcpt = (uint8_t)n;
	m->smtp.rcpt_total = (uint16_t)(env->rcpt_total > UINT16_MAX ? UINT16_MAX :
					env->rcpt_total);
	m->smtp.starttls = env->starttls;
	af->meta[1] = *m;
}

static void
app_smtp_begin(void *cookie, const struct app_smtp_envelope *env)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;

	app_smtp_meta(af, env);
	app_layer_mime_end(al, af, 0);
	app_pipe_end(&af->pipe[0]);
	af->raw_held[0] = 0;
	/* The content is a message: its parts are scanned (app_layer_mime.c); without MIME
	 * state the content is scanned whole. */
	if (app_layer_mime_begin(al, af, 0, "smtp", NULL, NULL) < 0)
		app_pipe_begin(&af->pipe[0], &al->env, 0, "smtp.body", NULL, APP_PIPE_NO_TEXT);
}

static void
app_smtp_data(void *cookie, const uint8_t *p, size_t n)
{
	struct app_layer *al = cookie;
	struct app_pipe *pp = &al->cur->pipe[0];

	if (al->cur->mime_on[0]) {
		app_layer_mime_feed(al, al->cur, 0, p, n);
		return;
	}
	app_pipe_feed(pp, p, n);
	app_layer_cover_fed(al, al->cur, 0, pp, p, n);
}

static void
app_smtp_end(void *cookie, const struct app_smtp_envelope *env)
{
	struct app_layer *al = cookie;

	(void)env;
	app_layer_mime_end(al, al->cur, 0);
	app_pipe_end(&al->cur->pipe[0]);
	al->stats.smtp_mails++;
	app_layer_txn(al, 0, &al->cur->meta[0]);
}

static void
app_smtp_tls(void *cookie, const struct app_smtp_envelope *env)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;

	app_layer_mime_end(al, af, 0);
	app_pipe_end(&af->pipe[0]);
	af->meta[0].kind = APP_META_SMTP;
	af->meta[0].smtp.starttls = 1;
	if (af->meta[0].smtp.helo[0] == '\0')
		app_meta_copy(af->meta[0].smtp.helo, APP_META_HOST_LEN, env->helo);
	af->meta[1] = af->meta[0];
}

static const struct app_smtp_cb app_smtp_callbacks = {
	.on_mail_begin = app_smtp_begin,
	.on_data = app_smtp_data,
	.on_mail_end = app_smtp_end,
	.on_starttls = app_smtp_tls,
};

void
app_layer_smtp_init(struct app_layer *al, struct app_flow *af)
{
	struct app_smtp_conf conf;

	app_smtp_conf_default(&conf);
	if (al->conf.max_header_line >= 64 && al->conf.max_header_line < conf.line_max)
		conf.line_max = al->conf.max_header_line;
	app_smtp_init(&af->u.smtp, &conf, &app_smtp_callbacks, al);
}

/* A direction's parser stopped (an error, or bytes lost): counted once; the raw stream
 * is still scanned. */
static void
app_layer_smtp_stop(struct app_layer *al, struct app_flow *af, uint8_t dir)
{
	if (af->stopped[dir])
		return;
	af->stopped[dir] = 1;
	al->stats.parse_errors++;
	if (app_smtp_error(&af->u.smtp, dir) == APP_SMTP_ERR_LINE_TOO_LONG)
		app_layer_limit(al, dir);
	if (dir == APP_SMTP_CLIENT) {
		app_layer_mime_end(al, af, 0);
		app_pipe_end(&af->pipe[0]);
	}
}

void
app_layer_smtp_data(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *data,
		    uint32_t len)
{
	if (af->stopped[dir])
		return;
	if (app_smtp_feed(&af->u.smtp, dir, data, len) == -EPROTO &&
	    app_smtp_mode(&af->u.smtp, dir) == APP_SMTP_MODE_RAW)
		app_layer_smtp_stop(al, af, dir);
}

void
app_layer_smtp_gap(struct app_layer *al, struct app_flow *af, uint8_t dir)
{
	/* The parser cannot skip bytes: that direction is scanned raw from here. */
	if (af->stopped[dir])
		return;
	af->stopped[dir] = 1;
	al->stats.parse_errors++;
	if (dir == APP_SMTP_CLIENT) {
		app_layer_mime_end(al, af, 0);
		app_pipe_end(&af->pipe[0]);
	}
}

void
app_layer_smtp_finish(struct app_layer *al, struct app_flow *af)
{
	(void)al;
	app_smtp_finish(&af->u.smtp);
}
