/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The app layer's MIME glue (app_layer_priv.h): mails and multipart HTTP bodies split
 * into their leaf parts (app_mime.c, RFC 2045/2046), each part transfer-decoded and
 * scanned as a decoded buffer of its own:
 *
 *   body ─► "pre" pipeline (content codings) ─► app_mime ─► part: base64 / qp ─► sensors
 *
 * The pre pipeline is an ordinary one (app_pipe.c) whose sink is the MIME parser instead
 * of the sensors. Paths: "smtp.part[N] NAME > base64" for the parts of a multipart mail,
 * "smtp.body[ > base64|qp]" for a mail that is one part, "http.body[ > codings] > part[N]
 * NAME[ > base64|qp]" for a multipart HTTP body; N counts leaf parts from 1.
 */
#include <stdio.h>
#include <string.h>
#include "app_layer_priv.h"
#include "app_meta.h"
#include "app_mime.h"
#include "decode_text.h"

/* ---- the pre pipeline's sink: its decoded bytes go to the MIME parser ---- */

static int
app_mime_sink_open(void *cookie, uint8_t dir, uint8_t level, const char *path)
{
	(void)cookie;
	(void)dir;
	(void)level;
	(void)path;
	return 0;
}

static void
app_mime_sink_data(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p, size_t n)
{
	struct app_layer *al = cookie;

	(void)level;
	app_mime_feed(&al->cur->mime[dir], p, n);
}

static void
app_mime_sink_close(void *cookie, uint8_t dir, uint8_t level)
{
	(void)cookie;
	(void)dir;
	(void)level;
}

/* The pre pipeline's decode anomaly: the direction's, once, whichever of its pipelines
 * (pre or the parts' and plain bodies' pipe) fails first; pipe[dir] holds the flag. */
static void
app_mime_sink_anomaly(void *cookie, uint8_t dir, enum app_layer_anom kind)
{
	struct app_layer *al = cookie;
	const struct app_layer_sink *s = al->env.sink;
	struct app_pipe *pp = &al->cur->pipe[dir];

	if (kind == APP_LAYER_ANOM_DECODE) {
		if (pp->anom)
			return;
		pp->anom = 1;
	}
	if (s->anomaly != NULL)
		s->anomaly(al->env.cookie, dir, kind);
}

const struct app_layer_sink app_layer_mime_sink = {
	.open = app_mime_sink_open,
	.data = app_mime_sink_data,
	.close = app_mime_sink_close,
	.anomaly = app_mime_sink_anomaly,
};

/* ---- parts ---- */

/* A mail's part named as a file: listed in the smtp metadata from its first byte on, so
 * the events of the values in it name it. */
static void
app_mime_attachment(struct app_flow *af, uint8_t dir, const struct app_mime_part *part)
{
	struct app_meta *m = &af->meta[dir];

	if (m->kind != APP_META_SMTP || part->filename_len == 0 ||
	    part->disposition == APP_MIME_DISP_INLINE)
		return;
	if (m->smtp.nattach < APP_META_ATTACH)
		app_meta_copy(m->smtp.attachments[m->smtp.nattach++], APP_META_NAME_LEN,
			      part->filename);
	if (m->smtp.attach_total < UINT16_MAX)
		m->smtp.attach_total++;
	af->meta[dir ^ 1] = *m;
}

static void
app_mime_part_begin(void *cookie, const struct app_mime_part *part)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;
	uint8_t dir = al->mime_dir;
	const char *base = af->pre[dir].path;
	char path[DLP_PATH_LEN];
	int text = APP_PIPE_NO_TEXT, n;

	app_pipe_end(&af->pipe[dir]);
	af->raw_held[dir] = 0;
	/* Cut to fit when a name runs long: the path is a label, not a key. */
	if (strcmp(base, "smtp") == 0)
		n = snprintf(path, sizeof(path), part->depth == 0 ? "smtp.body" : "smtp.part[%u]",
			     part->number);
	else if (part->depth == 0)
		n = snprintf(path, sizeof(path), "%s", base);
	else
		n = snprintf(path, sizeof(path), "%s > part[%u]", base, part->number);
	if (n < 0 || (size_t)n >= sizeof(path))
		path[sizeof(path) - 1] = '\0';
	if (part->depth > 0 && part->filename_len > 0) {
		size_t len = strlen(path), k;

		if (len + 2 < sizeof(path)) {
			path[len++] = ' ';
			k = strnlen(part->filename, sizeof(path) - 1 - len);
			memcpy(path + len, part->filename, k);
			path[len + k] = '\0';
		}
	}
	app_mime_attachment(af, dir, part);
	if (part->cte == APP_MIME_CTE_BASE64)
		text = DECODE_TEXT_B64;
	else if (part->cte == APP_MIME_CTE_QP)
		text = DECODE_TEXT_QP;
	app_pipe_begin(&af->pipe[dir], &al->env, dir, path, NULL, text);
}

static void
app_mime_part_data(void *cookie, const struct app_mime_part *part, const uint8_t *p, size_t n)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;
	uint8_t dir = al->mime_dir;

	(void)part;
	app_pipe_feed(&af->pipe[dir], p, n);
	app_layer_cover_fed(al, af, dir, &af->pipe[dir], p, n);
}

static void
app_mime_part_end(void *cookie, const struct app_mime_part *part)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;
	uint8_t dir = al->mime_dir;

	(void)part;
	app_pipe_end(&af->pipe[dir]);
}

static const struct app_mime_cb app_mime_callbacks = {
	.on_part_begin = app_mime_part_begin,
	.on_part_data = app_mime_part_data,
	.on_part_end = app_mime_part_end,
};

int
app_layer_mime_begin(struct app_layer *al, struct app_flow *af, uint8_t dir, const char *base,
		     const char *cenc, const char *ctype)
{
	int rc;

	app_layer_mime_end(al, af, dir);
	al->mime_dir = dir;
	/* A part's path starts with the pre pipeline's, and the parser may begin its first
	 * part inside app_mime_init_body (a type that names no boundary: the body is one
	 * part), before that pipeline begins: its path is set first. */
	snprintf(af->pre[dir].path, sizeof(af->pre[dir].path), "%s", base);
	if (ctype != NULL)
		rc = app_mime_init_body(&af->mime[dir], &al->mime_conf, &app_mime_callbacks, al,
					ctype, strlen(ctype));
	else
		rc = app_mime_init(&af->mime[dir], &al->mime_conf, &app_mime_callbacks, al);
	if (rc != 0)
		return rc;
	if (app_pipe_begin(&af->pre[dir], &al->mime_env, dir, base, cenc, APP_PIPE_NO_TEXT) != 0) {
		/* Its coding cannot be undone (counted once, by the pipeline): the body is
		 * left to the raw scan, not tried again as a plain body. */
		app_mime_finish(&af->mime[dir]);
		app_pipe_end(&af->pipe[dir]);
		return 1;
	}
	af->mime_on[dir] = 1;
	return 0;
}

void
app_layer_mime_feed(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *p,
		    size_t n)
{
	if (!af->mime_on[dir])
		return;
	al->mime_dir = dir;
	app_pipe_feed(&af->pre[dir], p, n);
}

void
app_layer_mime_end(struct app_layer *al, struct app_flow *af, uint8_t dir)
{
	if (!af->mime_on[dir])
		return;
	al->mime_dir = dir;
	app_pipe_end(&af->pre[dir]);
	app_mime_finish(&af->mime[dir]);
	app_pipe_end(&af->pipe[dir]);
	af->mime_on[dir] = 0;
}
