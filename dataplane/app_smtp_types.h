/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the streaming SMTP parser (dataplane/app_smtp.c; RFC 5321, RFC 2920 pipelining,
 * RFC 3030 CHUNKING, RFC 3207 STARTTLS): its limits, the envelope it reports, the callbacks
 * it calls and the per-connection state a caller allocates (no allocation inside).
 */
#ifndef TOLLGATE_APP_SMTP_TYPES_H
#define TOLLGATE_APP_SMTP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_SMTP_HELO_MAX	255	/* HELO/EHLO argument kept (RFC 5321 4.5.3.1.2: 255) */
#define APP_SMTP_ADDR_MAX	256	/* a path, brackets excluded (RFC 5321 4.5.3.1.3) */
#define APP_SMTP_RCPT_CAP	16	/* recipients an envelope can record */
#define APP_SMTP_PENDING_CAP	64	/* commands that can wait for their reply */
#define APP_SMTP_KEEP		512	/* bytes of a command line kept for parsing */

/* Defaults of struct app_smtp_conf (app_smtp_conf_default()). */
#define APP_SMTP_LINE_MAX_DEFAULT	4096	/* RFC 5321 says 512; AUTH tokens run longer */
#define APP_SMTP_RCPT_MAX_DEFAULT	APP_SMTP_RCPT_CAP
#define APP_SMTP_PENDING_MAX_DEFAULT	APP_SMTP_PENDING_CAP

/* The two directions of a connection; also the index of the per-direction counters. */
enum app_smtp_dir {
	APP_SMTP_CLIENT = 0,	/* client -> server: commands and message content */
	APP_SMTP_SERVER = 1,	/* server -> client: replies */
};

/* What a direction's bytes are being treated as. */
enum app_smtp_mode {
	APP_SMTP_MODE_PARSE = 0,	/* SMTP, parsed */
	APP_SMTP_MODE_TLS,		/* after STARTTLS: opaque, only counted */
	APP_SMTP_MODE_RAW,		/* after an error: not parsed, only counted */
};

/* Why a direction fell back to raw (the first error only; later bytes are not parsed). */
enum app_smtp_err {
	APP_SMTP_ERR_NONE = 0,
	APP_SMTP_ERR_LINE_TOO_LONG,	/* a command or reply line longer than line_max */
	APP_SMTP_ERR_BAD_BYTE,		/* a command line with a control byte or a bare CR */
	APP_SMTP_ERR_BAD_BDAT,		/* BDAT without a decimal chunk size below 2^63 */
	APP_SMTP_ERR_BAD_REPLY,		/* a reply line not opening with a code 200..599 */
	APP_SMTP_ERR_DATA_REJECTED,	/* content assumed after DATA, then DATA was refused */
};

/* How a mail's content ended (envelope.end in on_mail_end). */
enum app_smtp_end {
	APP_SMTP_END_NONE = 0,	/* still open (on_mail_begin) */
	APP_SMTP_END_DOT,	/* DATA content ended by the lone "." line */
	APP_SMTP_END_LAST,	/* the BDAT ... LAST chunk is complete */
	APP_SMTP_END_RESET,	/* RSET, HELO, EHLO, MAIL, DATA or STARTTLS before the end */
	APP_SMTP_END_ERROR,	/* the client direction fell back to raw before the end */
	APP_SMTP_END_CLOSED,	/* app_smtp_finish() (connection gone) before the end */
};

/* envelope.flags */
#define APP_SMTP_ENV_HELO_TRUNCATED	0x01u	/* HELO argument longer than APP_SMTP_HELO_MAX */
#define APP_SMTP_ENV_FROM_TRUNCATED	0x02u	/* MAIL FROM path cut (too long or no '>') */
#define APP_SMTP_ENV_RCPT_TRUNCATED	0x04u	/* a recorded RCPT TO path was cut */

/*
 * What the client said about the mail: the connection's HELO/EHLO name and STARTTLS, and
 * the transaction's MAIL FROM and RCPT TO paths as the client sent them (brackets removed,
 * bytes as sent, NUL terminated; a refused recipient is still listed).
 */
struct app_smtp_envelope {
	char helo[APP_SMTP_HELO_MAX + 1];
	char mail_from[APP_SMTP_ADDR_MAX + 1];	/* "" for the null path <> or no MAIL */
	char rcpt[APP_SMTP_RCPT_CAP][APP_SMTP_ADDR_MAX + 1];
	uint32_t rcpt_count;	/* entries of rcpt[] filled, at most conf.rcpt_max */
	uint32_t rcpt_total;	/* RCPT TO commands of the transaction, recorded or not */
	uint32_t mail_index;	/* 1 for the connection's first mail, 2 for the next... */
	uint32_t flags;		/* APP_SMTP_ENV_* */
	enum app_smtp_end end;	/* APP_SMTP_END_NONE until on_mail_end */
	bool bdat;		/* content sent with BDAT (else DATA) */
	bool starttls;		/* the connection switched to TLS */
};

/* Limits, copied at init. */
struct app_smtp_conf {
	uint32_t line_max;	/* longest command or reply line, CRLF excluded; >= 64 */
	uint32_t rcpt_max;	/* recipients recorded, 1..APP_SMTP_RCPT_CAP */
	uint32_t pending_max;	/* commands awaiting a reply, 1..APP_SMTP_PENDING_CAP */
};

/* Per-connection counters; the caller sums them into its worker counters. */
struct app_smtp_stats {
	uint64_t commands;		/* command lines */
	uint64_t replies;		/* complete replies (a multi-line reply counts once) */
	uint64_t mails;			/* on_mail_begin calls */
	uint64_t content_bytes;		/* bytes passed to on_data */
	uint64_t tls_bytes[2];		/* bytes after STARTTLS, per direction */
	uint64_t raw_bytes[2];		/* bytes not parsed after an error, per direction */
	uint32_t errors[2];		/* fallbacks to raw, per direction (0 or 1 each) */
	uint32_t rcpt_dropped;		/* RCPT TO paths over rcpt_max, not recorded */
	uint32_t unmatched_replies;	/* replies with no command waiting (or after desync) */
	uint32_t assumed;		/* client bytes before the DATA/STARTTLS reply */
	uint32_t desync;		/* more than pending_max commands unanswered */
};

typedef void (*app_smtp_mail_fn)(void *cookie, const struct app_smtp_envelope *env);
typedef void (*app_smtp_data_fn)(void *cookie, const uint8_t *p, size_t n);

/* Callbacks; any may be NULL. They must not feed the connection that calls them. */
struct app_smtp_cb {
	app_smtp_mail_fn on_mail_begin;	/* before the first content byte of a mail */
	app_smtp_data_fn on_data;	/* message content, dot-unstuffed, in order */
	app_smtp_mail_fn on_mail_end;	/* after the last one; env->end says why */
	app_smtp_mail_fn on_starttls;	/* the connection turned to TLS */
};

/* Client direction (private to app_smtp.c). */
struct app_smtp_client_state {
	uint8_t state;
	uint8_t cr;		/* command line: a CR was the last byte */
	uint8_t dot;		/* DATA content: position relative to a line start */
	uint8_t bdat_last;	/* the current BDAT chunk is the LAST one */
	uint16_t kept;		/* bytes of line[] filled */
	uint32_t line_len;	/* bytes of the current line, CR/LF excluded */
	uint64_t bdat_left;	/* BDAT chunk bytes still to come */
	enum app_smtp_err err;
	uint8_t line[APP_SMTP_KEEP];
};

/* Server direction (private to app_smtp.c). */
struct app_smtp_server_state {
	uint8_t state;
	uint8_t ncode;		/* bytes of code[] seen on this line (3 digits + separator) */
	uint8_t code[4];
	uint32_t line_len;
	enum app_smtp_err err;
};

/* One connection. Allocated by the caller, set up by app_smtp_init(). */
struct app_smtp_conn {
	struct app_smtp_conf conf;
	const struct app_smtp_cb *cb;
	void *cookie;
	struct app_smtp_client_state cl;
	struct app_smtp_server_state sv;
	uint8_t pending[APP_SMTP_PENDING_CAP];	/* ring of commands awaiting a reply */
	uint32_t phead;
	uint32_t npending;
	bool desync;		/* pending ring overflowed: replies no longer matched */
	bool mail_open;		/* on_mail_begin called, on_mail_end not yet */
	struct app_smtp_envelope env;
	struct app_smtp_stats stats;
};

#endif
