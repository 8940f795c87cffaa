/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming SMTP parser for both directions of a connection: commands and replies of
 * RFC 5321, pipelining (RFC 2920), BDAT chunks (RFC 3030), STARTTLS (RFC 3207). It hands
 * the message content to a callback, dot-unstuffed (RFC 5321 4.5.2), and reports the
 * envelope around it. Bytes may be cut anywhere: every state is resumable byte by byte.
 *
 * Each command line gets exactly one reply (an unknown verb, an AUTH continuation line
 * and an empty line included), so replies are matched to commands through a ring of the
 * commands still waiting, in order:
 *
 *   client:  EHLO  MAIL  RCPT  RCPT  DATA  .......content.......  "."        QUIT
 *   ring:   [GREET EHLO  MAIL  RCPT  RCPT  DATA]                 [DATA_END] [QUIT]
 *   server:  220   250   250   250   250   354 -> content starts  250        221
 *
 * The client direction only needs the server for two answers: 354 to DATA (content
 * follows) and 220 to STARTTLS (TLS follows). A compliant client waits for both, so when
 * client bytes come first the answer is assumed (counted). BDAT needs no answer: the
 * chunk follows its command at once. Content ends only at CRLF "." CRLF, never at a bare
 * LF: stopping early would let the rest of a message pass as commands.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_smtp.h"

enum client_state {
	CL_CMD = 0,	/* command lines */
	CL_WAIT_DATA,	/* DATA sent, 354 not seen yet */
	CL_CONTENT,	/* DATA content up to CRLF.CRLF */
	CL_BDAT,	/* bdat_left bytes of a chunk */
	CL_WAIT_TLS,	/* STARTTLS sent, 220 not seen yet */
	CL_TLS,
	CL_RAW,
};

enum server_state {
	SV_LINE = 0,
	SV_TLS,
	SV_RAW,
};

/* Content position relative to line starts, for dot-unstuffing and the end line. */
enum dot_state {
	DOT_BOL = 0,	/* at a line start (after CRLF, or the first content byte) */
	DOT_MID,	/* inside a line */
	DOT_CR,		/* inside a line, after CR */
	DOT_BOL_DOT,	/* a line start's "." held back */
	DOT_BOL_DOT_CR,	/* a line start's ".\r" held back: LF ends the content */
};

/* Commands waiting for a reply. */
enum pending_kind {
	P_GREETING = 0,
	P_HELO,
	P_MAIL,
	P_RCPT,
	P_DATA,
	P_DATA_END,	/* the reply to the content of a DATA mail */
	P_BDAT,
	P_RSET,
	P_QUIT,
	P_STARTTLS,
	P_OTHER,
};
#define P_ASSUMED	0x80u	/* client bytes came before this command's reply */
#define P_KIND(x)	((x) & 0x7fu)

#define BDAT_SIZE_MAX	(UINT64_C(1) << 63)

void
app_smtp_conf_default(struct app_smtp_conf *conf)
{
	conf->line_max = APP_SMTP_LINE_MAX_DEFAULT;
	conf->rcpt_max = APP_SMTP_RCPT_MAX_DEFAULT;
	conf->pending_max = APP_SMTP_PENDING_MAX_DEFAULT;
}

int
app_smtp_init(struct app_smtp_conn *c, const struct app_smtp_conf *conf,
	      const struct app_smtp_cb *cb, void *cookie)
{
	struct app_smtp_conf d;

	if (c == NULL)
		return -EINVAL;
	if (conf == NULL) {
		app_smtp_conf_default(&d);
		conf = &d;
	}
	if (conf->line_max < 64 || conf->rcpt_max < 1 || conf->rcpt_max > APP_SMTP_RCPT_CAP ||
	    conf->pending_max < 1 || conf->pending_max > APP_SMTP_PENDING_CAP)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->cb = cb;
	c->cookie = cookie;
	c->pending[0] = P_GREETING;
	c->npending = 1;
	return 0;
}

/* ---- envelope and mails ---- */

static void
txn_clear(struct app_smtp_conn *c)
{
	c->env.mail_from[0] = '\0';
	c->env.rcpt_count = 0;
	c->env.rcpt_total = 0;
	c->env.flags &= APP_SMTP_ENV_HELO_TRUNCATED;
	c->env.bdat = false;
	c->env.end = APP_SMTP_END_NONE;
}

static void
mail_end(struct app_smtp_conn *c, enum app_smtp_end why)
{
	if (!c->mail_open)
		return;
	c->mail_open = false;
	c->env.end = why;
	if (c->cb != NULL && c->cb->on_mail_end != NULL)
		c->cb->on_mail_end(c->cookie, &c->env);
	txn_clear(c);
}

static void
mail_begin(struct app_smtp_conn *c, bool bdat)
{
	mail_end(c, APP_SMTP_END_RESET);
	c->mail_open = true;
	c->env.mail_index++;
	c->env.bdat = bdat;
	c->env.end = APP_SMTP_END_NONE;
	c->stats.mails++;
	if (c->cb != NULL && c->cb->on_mail_begin != NULL)
		c->cb->on_mail_begin(c->cookie, &c->env);
}

/* A transaction is dropped (RSET, HELO/EHLO, a new MAIL): end its open mail, forget it. */
static void
txn_reset(struct app_smtp_conn *c)
{
	mail_end(c, APP_SMTP_END_RESET);
	txn_clear(c);
}

static void
emit(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	c->stats.content_bytes += n;
	if (c->cb != NULL && c->cb->on_data != NULL)
		c->cb->on_data(c->cookie, p, n);
}

static void
tls_start(struct app_smtp_conn *c)
{
	mail_end(c, APP_SMTP_END_RESET);
	txn_clear(c);
	c->cl.state = CL_TLS;
	c->sv.state = SV_TLS;
	c->env.starttls = true;
	if (c->cb != NULL && c->cb->on_starttls != NULL)
		c->cb->on_starttls(c->cookie, &c->env);
}

static void
client_error(struct app_smtp_conn *c, enum app_smtp_err err)
{
	c->cl.state = CL_RAW;
	c->cl.err = err;
	c->stats.errors[APP_SMTP_CLIENT]++;
	mail_end(c, APP_SMTP_END_ERROR);
}

static void
server_error(struct app_smtp_conn *c, enum app_smtp_err err)
{
	c->sv.state = SV_RAW;
	c->sv.err = err;
	c->stats.errors[APP_SMTP_SERVER]++;
}

/* ---- pending commands ---- */

static void
pending_push(struct app_smtp_conn *c, uint8_t kind)
{
	if (c->desync || c->sv.state != SV_LINE)
		return;
	if (c->npending >= c->conf.pending_max) {
		/* The server is not answering (or is not fed): stop matching, keep parsing. */
		c->desync = true;
		c->stats.desync++;
		return;
	}
	c->pending[(c->phead + c->npending) % APP_SMTP_PENDING_CAP] = kind;
	c->npending++;
}

/* Mark the newest pending command (the DATA or STARTTLS the client is waiting on). */
static void
pending_assume_last(struct app_smtp_conn *c)
{
	c->stats.assumed++;
	if (c->npending > 0)
		c->pending[(c->phead + c->npending - 1) % APP_SMTP_PENDING_CAP] |= P_ASSUMED;
}

/* ---- client: commands ---- */

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* Case-insensitive: does l[0..len) start with the lower-case ASCII word w? */
static bool
starts_ci(const uint8_t *l, size_t len, const char *w)
{
	size_t i, wl = strlen(w);

	if (len < wl)
		return false;
	for (i = 0; i < wl; i++)
		if (lower(l[i]) != w[i])
			return false;
	return true;
}

static bool
verb_is(const uint8_t *l, size_t vlen, const char *w)
{
	return vlen == strlen(w) && starts_ci(l, vlen, w);
}

/*
 * A path after "MAIL FROM:" or "RCPT TO:": <...> (brackets removed), or for a client
 * that omits them the word up to the next space. Copies at most APP_SMTP_ADDR_MAX bytes
 * into out (NUL terminated); false when cut (too long, or '>' missing in the kept bytes).
 */
static bool
path_copy(const uint8_t *l, size_t len, char *out)
{
	size_t i = 0, n = 0;
	bool whole = true;
	uint8_t stop = ' ';

	while (i < len && l[i] == ' ')
		i++;
	if (i < len && l[i] == '<') {
		stop = '>';
		i++;
	}
	while (i < len && l[i] != stop) {
		if (n < APP_SMTP_ADDR_MAX)
			out[n++] = (char)l[i];
		else
			whole = false;
		i++;
	}
	if (stop == '>' && i == len)
		whole = false;
	out[n] = '\0';
	return whole;
}

static void
cmd_helo(struct app_smtp_conn *c, const uint8_t *arg, size_t len)
{
	size_t n = 0;

	while (len > 0 && (arg[0] == ' ' || arg[0] == '\t')) {
		arg++;
		len--;
	}
	while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
		len--;
	c->env.flags &= ~APP_SMTP_ENV_HELO_TRUNCATED;
	if (len > APP_SMTP_HELO_MAX) {
		len = APP_SMTP_HELO_MAX;
		c->env.flags |= APP_SMTP_ENV_HELO_TRUNCATED;
	}
	for (n = 0; n < len; n++)
		c->env.helo[n] = (char)arg[n];
	c->env.helo[n] = '\0';
}

static void
cmd_rcpt(struct app_smtp_conn *c, const uint8_t *arg, size_t len)
{
	c->env.rcpt_total++;
	if (c->env.rcpt_count >= c->conf.rcpt_max) {
		c->stats.rcpt_dropped++;
		return;
	}
	if (!path_copy(arg, len, c->env.rcpt[c->env.rcpt_count]))
		c->env.flags |= APP_SMTP_ENV_RCPT_TRUNCATED;
	c->env.rcpt_count++;
}

/* "BDAT" SP chunk-size [SP "LAST"] (RFC 3030 2); false for a size that is not a number. */
static bool
cmd_bdat(struct app_smtp_conn *c, const uint8_t *arg, size_t len)
{
	uint64_t v = 0;
	size_t i = 0, d = 0;

	while (i < len && arg[i] == ' ')
		i++;
	while (i < len && arg[i] >= '0' && arg[i] <= '9') {
		v = v * 10 + (uint64_t)(arg[i] - '0');
		if (v >= BDAT_SIZE_MAX)
			return false;
		i++;
		d++;
	}
	if (d == 0 || (i < len && arg[i] != ' '))
		return false;
	while (i < len && arg[i] == ' ')
		i++;
	c->cl.bdat_last = starts_ci(arg + i, len - i, "last");
	c->cl.bdat_left = v;
	return true;
}

/* The line in cl.line (its first APP_SMTP_KEEP bytes) is complete. */
static void
cmd_line(struct app_smtp_conn *c)
{
	const uint8_t *l = c->cl.line;
	size_t len = c->cl.kept, v = 0;
	const uint8_t *arg;
	size_t alen;

	c->stats.commands++;
	while (v < len && l[v] != ' ')
		v++;
	arg = l + v;
	alen = len - v;
	if (verb_is(l, v, "helo") || verb_is(l, v, "ehlo")) {
		txn_reset(c);
		cmd_helo(c, arg, alen);
		pending_push(c, P_HELO);
	} else if (verb_is(l, v, "mail") && starts_ci(arg, alen, " from:")) {
		txn_reset(c);
		if (!path_copy(arg + 6, alen - 6, c->env.mail_from))
			c->env.flags |= APP_SMTP_ENV_FROM_TRUNCATED;
		pending_push(c, P_MAIL);
	} else if (verb_is(l, v, "rcpt") && starts_ci(arg, alen, " to:")) {
		cmd_rcpt(c, arg + 4, alen - 4);
		pending_push(c, P_RCPT);
	} else if (verb_is(l, v, "data")) {
		mail_end(c, APP_SMTP_END_RESET);	/* DATA inside a BDAT mail: refused */
		pending_push(c, P_DATA);
		c->cl.state = CL_WAIT_DATA;
	} else if (verb_is(l, v, "bdat")) {
		if (!cmd_bdat(c, arg, alen)) {
			client_error(c, APP_SMTP_ERR_BAD_BDAT);
			return;
		}
		pending_push(c, P_BDAT);
		if (!c->mail_open)
			mail_begin(c, true);
		c->cl.state = CL_BDAT;
	} else if (verb_is(l, v, "rset")) {
		txn_reset(c);
		pending_push(c, P_RSET);
	} else if (verb_is(l, v, "quit")) {
		pending_push(c, P_QUIT);
	} else if (verb_is(l, v, "starttls")) {
		pending_push(c, P_STARTTLS);
		c->cl.state = CL_WAIT_TLS;
	} else {
		pending_push(c, P_OTHER);	/* NOOP, VRFY, AUTH and its lines, "" ... */
	}
}

/* Command bytes up to and including one LF; returns how many were consumed. */
static size_t
cmd_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	struct app_smtp_client_state *cl = &c->cl;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b == '\n') {
			cmd_line(c);
			cl->kept = 0;
			cl->line_len = 0;
			cl->cr = 0;
			return i + 1;
		}
		if (cl->cr || (b < 0x20 && b != '\t' && b != '\r') || b == 0x7f) {
			client_error(c, APP_SMTP_ERR_BAD_BYTE);
			return i;
		}
		if (b == '\r') {
			cl->cr = 1;
			continue;
		}
		if (++cl->line_len > c->conf.line_max) {
			client_error(c, APP_SMTP_ERR_LINE_TOO_LONG);
			return i;
		}
		if (cl->kept < APP_SMTP_KEEP)
			cl->line[cl->kept++] = b;
	}
	return n;
}

/* ---- client: content ---- */

/*
 * DATA content: pass lines on, dropping the first '.' of a line that starts with one, and
 * stop after CRLF "." CRLF. A held '.' or ".\r" is resolved by the next byte, whichever
 * piece it comes in. Returns how many bytes were consumed (all, or up to the end line).
 */
static size_t
content_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	static const uint8_t cr = '\r';
	size_t i = 0, run = 0;	/* p[run..i) is content not yet emitted */

	while (i < n) {
		const uint8_t *q;

		switch (c->cl.dot) {
		case DOT_BOL:
			if (p[i] == '.') {
				emit(c, p + run, i - run);
				c->cl.dot = DOT_BOL_DOT;
				run = ++i;
				break;
			}
			c->cl.dot = p[i] == '\r' ? DOT_CR : DOT_MID;
			i++;
			break;
		case DOT_MID:
			q = memchr(p + i, '\r', n - i);
			if (q == NULL) {
				i = n;
				break;
			}
			i = (size_t)(q - p) + 1;
			c->cl.dot = DOT_CR;
			break;
		case DOT_CR:
			c->cl.dot = p[i] == '\n' ? DOT_BOL : p[i] == '\r' ? DOT_CR : DOT_MID;
			i++;
			break;
		case DOT_BOL_DOT:
			if (p[i] == '\r') {
				c->cl.dot = DOT_BOL_DOT_CR;
				run = ++i;
				break;
			}
			c->cl.dot = DOT_MID;	/* the held dot is dropped; p[i] starts the run */
			break;
		case DOT_BOL_DOT_CR:
			if (p[i] == '\n') {
				c->cl.dot = DOT_BOL;
				c->cl.state = CL_CMD;
				pending_push(c, P_DATA_END);
				mail_end(c, APP_SMTP_END_DOT);
				return i + 1;
			}
			emit(c, &cr, 1);	/* ".\rx": the dot goes, the CR stays */
			c->cl.dot = DOT_CR;
			break;
		}
	}
	emit(c, p + run, n - run);
	return n;
}

static size_t
bdat_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	size_t k = n;

	if ((uint64_t)k > c->cl.bdat_left)
		k = (size_t)c->cl.bdat_left;
	emit(c, p, k);
	c->cl.bdat_left -= k;
	if (c->cl.bdat_left == 0) {
		c->cl.state = CL_CMD;
		if (c->cl.bdat_last)
			mail_end(c, APP_SMTP_END_LAST);
	}
	return k;
}

static void
client_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		switch (c->cl.state) {
		case CL_CMD:
			i += cmd_feed(c, p + i, n - i);
			/* A zero-size chunk is complete as soon as its command line is. */
			if (c->cl.state == CL_BDAT && c->cl.bdat_left == 0)
				bdat_feed(c, p, 0);
			break;
		case CL_WAIT_DATA:
			pending_assume_last(c);
			mail_begin(c, false);
			c->cl.dot = DOT_BOL;
			c->cl.state = CL_CONTENT;
			break;
		case CL_CONTENT:
			i += content_feed(c, p + i, n - i);
			break;
		case CL_BDAT:
			i += bdat_feed(c, p + i, n - i);
			break;
		case CL_WAIT_TLS:
			pending_assume_last(c);
			tls_start(c);
			break;
		case CL_TLS:
			c->stats.tls_bytes[APP_SMTP_CLIENT] += n - i;
			i = n;
			break;
		default:
			c->stats.raw_bytes[APP_SMTP_CLIENT] += n - i;
			i = n;
			break;
		}
	}
}

/* ---- server: replies ---- */

/* A complete reply (the last line of a multi-line one) answers the oldest command. */
static void
reply_done(struct app_smtp_conn *c, unsigned int code)
{
	uint8_t kind, assumed;

	c->stats.replies++;
	if (c->desync || c->npending == 0) {
		c->stats.unmatched_replies++;
		return;
	}
	kind = P_KIND(c->pending[c->phead]);
	assumed = c->pending[c->phead] & P_ASSUMED;
	c->phead = (c->phead + 1) % APP_SMTP_PENDING_CAP;
	c->npending--;
	if (kind == P_DATA) {
		if (code == 354 && c->cl.state == CL_WAIT_DATA) {
			mail_begin(c, false);
			c->cl.dot = DOT_BOL;
			c->cl.state = CL_CONTENT;
		} else if (code != 354 && assumed && c->cl.state != CL_RAW) {
			client_error(c, APP_SMTP_ERR_DATA_REJECTED);
		} else if (code != 354 && c->cl.state == CL_WAIT_DATA) {
			c->cl.state = CL_CMD;
		}
	} else if (kind == P_STARTTLS) {
		if (code == 220 && c->cl.state == CL_WAIT_TLS)
			tls_start(c);
		else if (code != 220 && c->cl.state == CL_WAIT_TLS)
			c->cl.state = CL_CMD;
	}
}

static void
reply_line(struct app_smtp_conn *c)
{
	struct app_smtp_server_state *sv = &c->sv;
	unsigned int code;

	if (sv->ncode < 3) {
		server_error(c, APP_SMTP_ERR_BAD_REPLY);
		return;
	}
	if (sv->ncode == 4 && sv->code[3] == '-')
		return;	/* more lines of this reply follow */
	code = (unsigned int)(sv->code[0] - '0') * 100 + (unsigned int)(sv->code[1] - '0') * 10 +
	       (unsigned int)(sv->code[2] - '0');
	reply_done(c, code);
}

/* Reply bytes up to and including one LF; returns how many were consumed. */
static size_t
reply_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	struct app_smtp_server_state *sv = &c->sv;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b == '\n') {
			reply_line(c);
			sv->ncode = 0;
			sv->line_len = 0;
			return i + 1;
		}
		if (sv->ncode < 3) {
			/* reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 4.2) */
			bool ok = sv->ncode == 0 ? b >= '2' && b <= '5' :
				  sv->ncode == 1 ? b >= '0' && b <= '5' : b >= '0' && b <= '9';

			if (!ok) {
				server_error(c, APP_SMTP_ERR_BAD_REPLY);
				return i;
			}
			sv->code[sv->ncode++] = b;
		} else if (sv->ncode == 3) {
			if (b != ' ' && b != '-' && b != '\r') {
				server_error(c, APP_SMTP_ERR_BAD_REPLY);
				return i;
			}
			sv->code[sv->ncode++] = b;
		}
		if (b != '\r' && ++sv->line_len > c->conf.line_max) {
			server_error(c, APP_SMTP_ERR_LINE_TOO_LONG);
			return i;
		}
	}
	return n;
}

static void
server_feed(struct app_smtp_conn *c, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		switch (c->sv.state) {
		case SV_LINE:
			i += reply_feed(c, p + i, n - i);
			break;
		case SV_TLS:
			c->stats.tls_bytes[APP_SMTP_SERVER] += n - i;
			i = n;
			break;
		default:
			c->stats.raw_bytes[APP_SMTP_SERVER] += n - i;
			i = n;
			break;
		}
	}
}

/* ---- public ---- */

int
app_smtp_feed(struct app_smtp_conn *c, enum app_smtp_dir dir, const uint8_t *p, size_t n)
{
	if (c == NULL || (p == NULL && n > 0))
		return -EINVAL;
	if (dir == APP_SMTP_CLIENT)
		client_feed(c, p, n);
	else if (dir == APP_SMTP_SERVER)
		server_feed(c, p, n);
	else
		return -EINVAL;
	return app_smtp_mode(c, dir) == APP_SMTP_MODE_RAW ? -EPROTO : 0;
}

void
app_smtp_finish(struct app_smtp_conn *c)
{
	if (c != NULL)
		mail_end(c, APP_SMTP_END_CLOSED);
}

enum app_smtp_mode
app_smtp_mode(const struct app_smtp_conn *c, enum app_smtp_dir dir)
{
	uint8_t s = dir == APP_SMTP_CLIENT ? c->cl.state : c->sv.state;

	if (dir == APP_SMTP_CLIENT)
		return s == CL_TLS ? APP_SMTP_MODE_TLS :
		       s == CL_RAW ? APP_SMTP_MODE_RAW : APP_SMTP_MODE_PARSE;
	return s == SV_TLS ? APP_SMTP_MODE_TLS :
	       s == SV_RAW ? APP_SMTP_MODE_RAW : APP_SMTP_MODE_PARSE;
}

enum app_smtp_err
app_smtp_error(const struct app_smtp_conn *c, enum app_smtp_dir dir)
{
	return dir == APP_SMTP_CLIENT ? c->cl.err : c->sv.err;
}

const struct app_smtp_envelope *
app_smtp_envelope(const struct app_smtp_conn *c)
{
	return &c->env;
}
