/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the streaming MIME parser (dataplane/app_mime.c; RFC 2045, RFC 2046, RFC 2047,
 * RFC 2183, RFC 2231): limits, the part and message descriptions it reports, callbacks,
 * and the per-message state a caller allocates (no allocation inside).
 */
#ifndef TOLLGATE_APP_MIME_TYPES_H
#define TOLLGATE_APP_MIME_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_MIME_DEPTH_CAP	16	/* nested multiparts the state can hold */
#define APP_MIME_BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */
#define APP_MIME_VALUE_MAX	2048	/* unfolded header value kept for parsing */
#define APP_MIME_TYPE_MAX	128	/* "type/subtype" with its NUL */
#define APP_MIME_CHARSET_MAX	48	/* charset parameter with its NUL */
#define APP_MIME_NAME_MAX	255	/* decoded file or field name, bytes */
#define APP_MIME_SUBJECT_MAX	511	/* decoded Subject, bytes */
#define APP_MIME_PATH_MAX	(APP_MIME_DEPTH_CAP * 11 + 2)	/* "1.2.3": 10 digits a level */

/* Defaults of struct app_mime_conf (app_mime_conf_default()). */
#define APP_MIME_DEPTH_DEFAULT		8
#define APP_MIME_HEADER_MAX_DEFAULT	65536
#define APP_MIME_PARTS_MAX_DEFAULT	1000

/* Content-Transfer-Encoding (RFC 2045 6.1): how the caller decodes a part's bytes. */
enum app_mime_cte {
	APP_MIME_CTE_7BIT = 0,	/* also when the header is absent (the default) */
	APP_MIME_CTE_8BIT,
	APP_MIME_CTE_BINARY,
	APP_MIME_CTE_BASE64,
	APP_MIME_CTE_QP,	/* quoted-printable */
	APP_MIME_CTE_OTHER,	/* any other value (x-uuencode...): APP_MIME_PART_CTE_UNKNOWN */
};

/* Content-Disposition type (RFC 2183, RFC 7578 for form-data). */
enum app_mime_disp {
	APP_MIME_DISP_NONE = 0,
	APP_MIME_DISP_INLINE,
	APP_MIME_DISP_ATTACHMENT,
	APP_MIME_DISP_FORM_DATA,
	APP_MIME_DISP_OTHER,
};

/* app_mime_part.flags */
#define APP_MIME_PART_TOO_DEEP		0x001u	/* a multipart past max_depth, whole, opaque */
#define APP_MIME_PART_NO_BOUNDARY	0x002u	/* a multipart without a usable boundary */
#define APP_MIME_PART_CTE_UNKNOWN	0x004u	/* transfer encoding not one of the five */
#define APP_MIME_PART_NAME_CUT		0x008u	/* file or field name cut to APP_MIME_NAME_MAX */
#define APP_MIME_PART_HDR_CUT		0x010u	/* a Content-* header over APP_MIME_VALUE_MAX */
#define APP_MIME_PART_HDR_LIMIT		0x020u	/* header section over header_max */
#define APP_MIME_PART_TRUNCATED		0x040u	/* input ended before the part's boundary */

/* app_mime_flags(): what happened to the message as a whole */
#define APP_MIME_F_TRUNCATED		0x001u	/* ended inside headers or an open multipart */
#define APP_MIME_F_UNTERMINATED		0x002u	/* a multipart lacked its close delimiter */
#define APP_MIME_F_TOO_DEEP		0x004u	/* a multipart nested past max_depth */
#define APP_MIME_F_PARTS_LIMIT		0x008u	/* over max_parts parts: the rest not parsed */
#define APP_MIME_F_HDR_LIMIT		0x010u	/* a header section over header_max */
#define APP_MIME_F_HDR_CUT		0x020u	/* a header value over APP_MIME_VALUE_MAX */
#define APP_MIME_F_BOUNDARY_JUNK	0x040u	/* text after a boundary on its line */
#define APP_MIME_F_NO_BOUNDARY		0x080u	/* a multipart without a usable boundary */
#define APP_MIME_F_BAD_HEADER		0x100u	/* a header line without a colon */

/*
 * A leaf part: one that is not a multipart (or one treated as opaque). Strings are NUL
 * terminated; file and field names are decoded (RFC 2231, RFC 2047) but not converted
 * from their charset, and may hold any byte: use the _len fields.
 */
struct app_mime_part {
	char path[APP_MIME_PATH_MAX];	/* "1", "2.1": child numbers from the root */
	uint32_t number;		/* 1 for the message's first leaf part, 2... */
	uint32_t depth;			/* multiparts around it */
	char content_type[APP_MIME_TYPE_MAX];	/* lower case; default text/plain */
	char charset[APP_MIME_CHARSET_MAX];	/* lower case; "" when not given */
	enum app_mime_cte cte;
	enum app_mime_disp disposition;
	char filename[APP_MIME_NAME_MAX + 1];	/* disposition filename, else type name */
	uint32_t filename_len;
	char field_name[APP_MIME_NAME_MAX + 1];	/* disposition name (form-data) */
	uint32_t field_name_len;
	uint32_t flags;			/* APP_MIME_PART_* */
	uint64_t size;			/* body bytes delivered so far; all of them at the end */
};

/* The message's own headers (app_mime_init() only). */
struct app_mime_msg {
	char subject[APP_MIME_SUBJECT_MAX + 1];	/* RFC 2047 decoded */
	uint32_t subject_len;
	bool subject_cut;			/* longer than what was kept */
	char content_type[APP_MIME_TYPE_MAX];
};

/* Limits, copied at init. */
struct app_mime_conf {
	uint32_t max_depth;	/* nested multiparts parsed, 1..APP_MIME_DEPTH_CAP */
	uint32_t header_max;	/* bytes of one header section, >= 256 */
	uint32_t max_parts;	/* leaf parts reported, >= 1 */
};

/* Per-message counters; the caller sums them. */
struct app_mime_stats {
	uint64_t part_bytes;		/* bytes passed to on_part_data */
	uint64_t skipped_bytes;		/* preamble, epilogue, delimiter lines, headers */
	uint64_t unparsed_bytes;	/* after the parts limit or after finish */
	uint32_t parts;			/* on_part_begin calls */
	uint32_t multiparts;		/* multiparts entered */
};

typedef void (*app_mime_msg_fn)(void *cookie, const struct app_mime_msg *msg);
typedef void (*app_mime_part_fn)(void *cookie, const struct app_mime_part *part);
typedef void (*app_mime_data_fn)(void *cookie, const struct app_mime_part *part,
				 const uint8_t *p, size_t n);

/* Callbacks; any may be NULL. They must not feed the parser that calls them. */
struct app_mime_cb {
	app_mime_msg_fn on_message;	/* the message's headers are complete */
	app_mime_part_fn on_part_begin;
	app_mime_data_fn on_part_data;	/* raw body bytes, still transfer-encoded */
	app_mime_part_fn on_part_end;
};

/* One enclosing multipart (private to app_mime.c). */
struct app_mime_level {
	uint8_t boundary[APP_MIME_BOUNDARY_MAX];
	uint8_t blen;
	bool digest;		/* multipart/digest: children default to message/rfc822 */
	uint32_t child;		/* 0 in the preamble, then the current child's number */
};

/* One message or multipart body. Allocated by the caller, set up by app_mime_init*(). */
struct app_mime {
	struct app_mime_conf conf;
	const struct app_mime_cb *cb;
	void *cookie;
	uint32_t flags;		/* APP_MIME_F_* */
	uint8_t mode;		/* what bytes are now: headers, leaf body, skipped... */
	uint8_t ls;		/* line-start matcher state */
	uint8_t nheld;		/* held[]: a line end and the "--boundary" matched so far */
	uint8_t nterm;		/* bytes of held[] that are the line end */
	uint8_t held[2 + 2 + APP_MIME_BOUNDARY_MAX];
	uint32_t mask;		/* levels whose boundary still matches held[] */
	uint32_t delim;		/* level of the delimiter just matched */
	uint32_t nlev;
	struct app_mime_level lev[APP_MIME_DEPTH_CAP];
	/* header section of the current entity */
	bool root_headers;	/* the message's own headers (on_message after them) */
	uint8_t hs;		/* header line state */
	uint8_t hkind;		/* the header being read: one of the few kept */
	uint8_t nname;
	char name[32];
	uint32_t hbytes;	/* bytes of this header section so far */
	uint32_t hseen;		/* header kinds met (the first of each wins) */
	uint32_t nvalue;
	bool value_cut;
	uint8_t value[APP_MIME_VALUE_MAX];
	uint8_t boundary[APP_MIME_BOUNDARY_MAX];	/* of the entity whose headers these are */
	uint8_t blen;
	bool is_multipart;
	bool name_from_type;	/* filename came from Content-Type name= (a weaker source) */
	struct app_mime_part part;
	struct app_mime_msg msg;
	struct app_mime_stats stats;
};

#endif
