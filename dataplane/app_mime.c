/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming MIME parser: the part tree of a mail message or of a multipart HTTP body
 * (RFC 2045 headers and transfer encodings, RFC 2046 5.1 multipart syntax), with the
 * leaf parts' raw bodies handed to a callback and their file names decoded (RFC 2183,
 * RFC 2231, RFC 2047; app_mime_hdr.c). Input may be cut anywhere; nothing is buffered
 * but one header value and a possible delimiter's first bytes.
 *
 * Boundaries are found by a matcher that runs at every line start. In a body, the line
 * end is held with the "--boundary" bytes that follow it, because the CRLF before a
 * delimiter is part of the delimiter (RFC 2046 5.1.1), not of the part's body:
 *
 *   body:   ...last line of part 1 \r\n --frontier \r\n Content-Type: ... \r\n\r\n body 2
 *                                  <-held: line end + "--" + boundary-> skipped
 *   part 1: ...last line of part 1          (no CRLF: "\r\n--fron" + "x" would be data)
 *
 * In a header section the line end goes straight to the header reader, which must know
 * at once whether the section ended (a blank line): the entity may be a multipart whose
 * boundary can start the very next line. Every open multipart's boundary is tried (a
 * bit mask of those still matching), so an outer delimiter also ends inner multiparts
 * that were never closed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app_mime.h"
#include "app_mime_hdr.h"

enum mode {
	M_HEADERS = 0,	/* a header section */
	M_LEAF,		/* a leaf part's body */
	M_SKIP,		/* preamble, epilogue, after a closed inner multipart */
	M_DELIM,	/* a delimiter matched; "--" after it or not still to come */
	M_STOP,		/* parts limit: nothing more is parsed */
	M_DONE,		/* app_mime_finish() was called */
};

enum line_state {
	LS_TEXT = 0,	/* inside a line */
	LS_CR,		/* a CR held: LF makes it a line end */
	LS_MATCH,	/* at a line start: held[] may become a delimiter */
	LS_TAIL0,	/* delimiter matched; a '-' would start "--" */
	LS_TAIL1,	/* delimiter and one '-' */
	LS_SKIP,	/* rest of a delimiter line */
};

enum header_state {
	HS_BOL = 0,	/* line start: blank line, continuation or a new field */
	HS_NAME,
	HS_VALUE,
};

enum header_kind {
	H_NONE = 0,
	H_CT,
	H_CTE,
	H_CD,
	H_SUBJECT,
};

void
app_mime_conf_default(struct app_mime_conf *conf)
{
	conf->max_depth = APP_MIME_DEPTH_DEFAULT;
	conf->header_max = APP_MIME_HEADER_MAX_DEFAULT;
	conf->max_parts = APP_MIME_PARTS_MAX_DEFAULT;
}

/* ---- leaf parts ---- */

static void
part_path(struct app_mime *m)
{
	size_t off = 0;
	uint32_t k;

	if (m->nlev == 0) {
		snprintf(m->part.path, sizeof(m->part.path), "1");
		return;
	}
	for (k = 0; k < m->nlev && off < sizeof(m->part.path); k++)
		off += (size_t)snprintf(m->part.path + off, sizeof(m->part.path) - off, "%s%u",
					k ? "." : "", m->lev[k].child);
}

static void
leaf_data(struct app_mime *m, const uint8_t *p, size_t n)
{
	m->part.size += n;
	m->stats.part_bytes += n;
	if (m->cb != NULL && m->cb->on_part_data != NULL)
		m->cb->on_part_data(m->cookie, &m->part, p, n);
}

static void
leaf_end(struct app_mime *m)
{
	m->mode = M_SKIP;
	if (m->cb != NULL && m->cb->on_part_end != NULL)
		m->cb->on_part_end(m->cookie, &m->part);
}

/* The header section just ended: a multipart opens a level, anything else is a leaf. */
static void
entity_start(struct app_mime *m)
{
	if (m->is_multipart) {
		if (m->blen == 0) {
			m->part.flags |= APP_MIME_PART_NO_BOUNDARY;
			m->flags |= APP_MIME_F_NO_BOUNDARY;
		} else if (m->nlev < m->conf.max_depth) {
			struct app_mime_level *l = &m->lev[m->nlev++];

			memcpy(l->boundary, m->boundary, m->blen);
			l->blen = m->blen;
			l->digest = strcmp(m->part.content_type, "multipart/digest") == 0;
			l->child = 0;
			m->stats.multiparts++;
			m->mode = M_SKIP;	/* the preamble */
			return;
		} else {
			m->part.flags |= APP_MIME_PART_TOO_DEEP;
			m->flags |= APP_MIME_F_TOO_DEEP;
		}
	}
	if (m->stats.parts >= m->conf.max_parts) {
		m->flags |= APP_MIME_F_PARTS_LIMIT;
		m->mode = M_STOP;
		return;
	}
	m->stats.parts++;
	m->part.number = m->stats.parts;
	m->part.depth = m->nlev;
	part_path(m);
	m->mode = M_LEAF;
	if (m->cb != NULL && m->cb->on_part_begin != NULL)
		m->cb->on_part_begin(m->cookie, &m->part);
}

/* ---- header section ---- */

/* A new entity's headers start: defaults of RFC 2045 5.2 / RFC 2046 5.1.5. */
static void
hdr_reset(struct app_mime *m)
{
	bool digest = m->nlev > 0 && m->lev[m->nlev - 1].digest;

	m->hs = HS_BOL;
	m->hkind = H_NONE;
	m->hbytes = 0;
	m->hseen = 0;
	m->nvalue = 0;
	m->value_cut = false;
	m->blen = 0;
	m->is_multipart = false;
	m->name_from_type = false;
	memset(&m->part, 0, sizeof(m->part));
	snprintf(m->part.content_type, sizeof(m->part.content_type), "%s",
		 digest ? "message/rfc822" : "text/plain");
}

static void
set_name(struct app_mime *m, const char *param, char *out, uint32_t *len)
{
	size_t l;
	int rc = app_mime_hdr_param(m->value, m->nvalue, param, APP_MIME_HDR_WORDS,
				    (uint8_t *)out, APP_MIME_NAME_MAX + 1, &l);

	if (rc == -ENOENT)
		return;
	if (rc == -ENOSPC)
		m->part.flags |= APP_MIME_PART_NAME_CUT;
	*len = (uint32_t)l;
}

static void
commit_ct(struct app_mime *m)
{
	char type[APP_MIME_TYPE_MAX];
	uint8_t v[APP_MIME_BOUNDARY_MAX + 2];
	size_t l, k;
	int rc;

	rc = app_mime_hdr_token(m->value, m->nvalue, type, sizeof(type));
	if (rc <= 0 || strchr(type, '/') == NULL)
		return;	/* invalid: the default stays (RFC 2045 5.2) */
	memcpy(m->part.content_type, type, sizeof(type));
	if (m->root_headers)
		memcpy(m->msg.content_type, type, sizeof(type));
	m->is_multipart = strncmp(type, "multipart/", 10) == 0;
	if (app_mime_hdr_param(m->value, m->nvalue, "charset", 0, (uint8_t *)m->part.charset,
			       sizeof(m->part.charset), &l) == 0) {
		for (k = 0; k < l; k++)
			if (m->part.charset[k] >= 'A' && m->part.charset[k] <= 'Z')
				m->part.charset[k] += 'a' - 'A';
	} else {
		m->part.charset[0] = '\0';
	}
	rc = app_mime_hdr_param(m->value, m->nvalue, "boundary", 0, v, sizeof(v), &l);
	if (rc == 0 && l >= 1 && l <= APP_MIME_BOUNDARY_MAX) {
		memcpy(m->boundary, v, l);
		m->blen = (uint8_t)l;
	}
	if (m->part.filename_len == 0) {
		set_name(m, "name", m->part.filename, &m->part.filename_len);
		m->name_from_type = m->part.filename_len > 0;
	}
}

static void
commit_cte(struct app_mime *m)
{
	static const char *const names[] = {
		[APP_MIME_CTE_7BIT] = "7bit", [APP_MIME_CTE_8BIT] = "8bit",
		[APP_MIME_CTE_BINARY] = "binary", [APP_MIME_CTE_BASE64] = "base64",
		[APP_MIME_CTE_QP] = "quoted-printable",
	};
	char tok[32];
	unsigned int i;

	if (app_mime_hdr_token(m->value, m->nvalue, tok, sizeof(tok)) > 0) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(tok, names[i]) == 0) {
				m->part.cte = (enum app_mime_cte)i;
				return;
			}
		}
	}
	m->part.cte = APP_MIME_CTE_OTHER;
	m->part.flags |= APP_MIME_PART_CTE_UNKNOWN;
}

static void
commit_cd(struct app_mime *m)
{
	char tok[32], name[APP_MIME_NAME_MAX + 1];
	uint32_t len = 0;

	if (app_mime_hdr_token(m->value, m->nvalue, tok, sizeof(tok)) > 0)
		m->part.disposition = strcmp(tok, "inline") == 0 ? APP_MIME_DISP_INLINE :
				      strcmp(tok, "attachment") == 0 ? APP_MIME_DISP_ATTACHMENT :
				      strcmp(tok, "form-data") == 0 ? APP_MIME_DISP_FORM_DATA :
				      APP_MIME_DISP_OTHER;
	else
		m->part.disposition = APP_MIME_DISP_OTHER;
	/* filename= beats a Content-Type name=, whichever header came first */
	set_name(m, "filename", name, &len);
	if (len > 0) {
		memcpy(m->part.filename, name, len + 1);
		m->part.filename_len = len;
		m->name_from_type = false;
	}
	set_name(m, "name", m->part.field_name, &m->part.field_name_len);
}

static void
commit_subject(struct app_mime *m)
{
	size_t l;

	if (app_mime_hdr_words(m->value, m->nvalue, (uint8_t *)m->msg.subject,
			       sizeof(m->msg.subject), &l) == -ENOSPC || m->value_cut)
		m->msg.subject_cut = true;
	m->msg.subject_len = (uint32_t)l;
}

/* The field just read is complete (the next line is not a continuation of it). */
static void
hdr_commit(struct app_mime *m)
{
	uint8_t kind = m->hkind;

	m->hkind = H_NONE;
	if (kind == H_NONE)
		return;
	if (m->value_cut && kind != H_SUBJECT) {
		m->part.flags |= APP_MIME_PART_HDR_CUT;
		m->flags |= APP_MIME_F_HDR_CUT;
		return;
	}
	if (kind == H_CT)
		commit_ct(m);
	else if (kind == H_CTE)
		commit_cte(m);
	else if (kind == H_CD)
		commit_cd(m);
	else
		commit_subject(m);
}

/* The header section is over (blank line, limit, delimiter, end of input). */
static void
headers_done(struct app_mime *m)
{
	if (m->hs == HS_BOL)
		hdr_commit(m);	/* a field cut mid-line is dropped */
	m->hkind = H_NONE;
	if (m->root_headers) {
		m->root_headers = false;
		if (m->cb != NULL && m->cb->on_message != NULL)
			m->cb->on_message(m->cookie, &m->msg);
	}
	entity_start(m);
}

static uint8_t
hdr_kind(struct app_mime *m)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} known[] = {
		{ "content-type", H_CT },
		{ "content-transfer-encoding", H_CTE },
		{ "content-disposition", H_CD },
		{ "subject", H_SUBJECT },
	};
	size_t n = m->nname, i;

	if (n > sizeof(m->name))
		return H_NONE;	/* longer than any we keep */
	while (n > 0 && (m->name[n - 1] == ' ' || m->name[n - 1] == '\t'))
		n--;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strlen(known[i].name) != n || memcmp(known[i].name, m->name, n) != 0)
			continue;
		if ((known[i].kind == H_SUBJECT && !m->root_headers) ||
		    (m->hseen & (1u << known[i].kind)))
			return H_NONE;	/* the first of a kind wins */
		m->hseen |= 1u << known[i].kind;
		return known[i].kind;
	}
	return H_NONE;
}

/* Header bytes; returns how many were taken before the section ended (if it did). */
static size_t
hdr_feed(struct app_mime *m, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (++m->hbytes > m->conf.header_max) {
			m->flags |= APP_MIME_F_HDR_LIMIT;
			m->part.flags |= APP_MIME_PART_HDR_LIMIT;
			headers_done(m);
			return i;	/* the rest is body */
		}
		if (b == '\r')
			continue;	/* CR only ever ends lines in a header section */
		if (m->hs == HS_BOL) {
			if (b == '\n') {
				headers_done(m);
				return i + 1;
			}
			if (b == ' ' || b == '\t') {
				m->hs = HS_VALUE;	/* folded: the CRLF goes, the blank stays */
			} else {
				hdr_commit(m);
				m->nname = 0;
				m->hs = HS_NAME;
			}
		}
		if (m->hs == HS_NAME) {
			if (b == ':') {
				m->hkind = hdr_kind(m);
				m->nvalue = 0;
				m->value_cut = false;
				m->hs = HS_VALUE;
			} else if (b == '\n') {
				m->flags |= APP_MIME_F_BAD_HEADER;
				m->hs = HS_BOL;
			} else if (m->nname < sizeof(m->name)) {
				m->name[m->nname++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			} else {
				m->nname = sizeof(m->name) + 1;
			}
		} else if (b == '\n') {
			m->hs = HS_BOL;
		} else if (m->hkind != H_NONE && !(m->nvalue == 0 && (b == ' ' || b == '\t'))) {
			if (m->nvalue < sizeof(m->value))
				m->value[m->nvalue++] = b;
			else
				m->value_cut = true;
		}
	}
	return n;
}

/* ---- the byte stream ---- */

/* Bytes that are not a delimiter, to whatever the current entity makes of them. */
static void
sink(struct app_mime *m, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k = n;

		if (m->mode == M_HEADERS) {
			k = hdr_feed(m, p, n);
			m->stats.skipped_bytes += k;
		} else if (m->mode == M_LEAF) {
			leaf_data(m, p, n);
		} else if (m->mode == M_SKIP || m->mode == M_DELIM) {
			m->stats.skipped_bytes += n;
		} else {
			m->stats.unparsed_bytes += n;
		}
		p += k;
		n -= k;
	}
}

static void
flush_held(struct app_mime *m)
{
	uint8_t tmp[sizeof(m->held)];
	size_t n = m->nheld;

	memcpy(tmp, m->held, n);	/* sink() may start a new entity */
	m->nheld = 0;
	m->nterm = 0;
	sink(m, tmp, n);
}

/* A line just ended with term: start matching the next line. */
static void
line_end(struct app_mime *m, const uint8_t *term, uint8_t tlen)
{
	m->nheld = 0;
	m->nterm = 0;
	if (m->mode == M_HEADERS) {
		sink(m, term, tlen);
	} else {
		memcpy(m->held, term, tlen);
		m->nheld = tlen;
		m->nterm = tlen;
	}
	m->mask = (1u << m->nlev) - 1;
	m->ls = LS_MATCH;
}

/* "--boundary" of level lv matched at a line start: end what it ends. */
static void
delim_found(struct app_mime *m, uint32_t lv)
{
	m->stats.skipped_bytes += m->nheld;
	m->nheld = 0;
	m->nterm = 0;
	if (m->mode == M_HEADERS)
		headers_done(m);	/* a part with headers only */
	if (m->mode == M_STOP)
		return;
	if (m->mode == M_LEAF)
		leaf_end(m);
	while (m->nlev > lv + 1) {
		m->nlev--;
		m->flags |= APP_MIME_F_UNTERMINATED;
	}
	m->mode = M_DELIM;
	m->delim = lv;
	m->ls = LS_TAIL0;
}

static void
delim_open(struct app_mime *m)
{
	m->lev[m->delim].child++;
	hdr_reset(m);
	m->mode = M_HEADERS;
	m->ls = LS_SKIP;
}

static void
delim_close(struct app_mime *m)
{
	m->nlev = m->delim;
	m->mode = M_SKIP;	/* the epilogue */
	m->ls = LS_SKIP;
}

/* At a line start: does b continue a delimiter? Returns false on a mismatch. */
static bool
match_byte(struct app_mime *m, uint8_t b)
{
	uint32_t pos = (uint32_t)m->nheld - m->nterm, lv, done = UINT32_MAX;

	if (m->mask == 0)
		return false;
	if (pos < 2) {
		if (b != '-')
			return false;
	} else {
		for (lv = 0; lv < m->nlev; lv++) {
			if ((m->mask & (1u << lv)) == 0)
				continue;
			if (pos - 2 >= m->lev[lv].blen || m->lev[lv].boundary[pos - 2] != b)
				m->mask &= ~(1u << lv);
			else if (pos - 1 == m->lev[lv].blen)
				done = lv;	/* the innermost complete one wins */
		}
		if (m->mask == 0)
			return false;
	}
	m->held[m->nheld++] = b;
	if (done != UINT32_MAX)
		delim_found(m, done);
	return true;
}

/* Where the next CR or LF is in p[0..n), n if none. */
static size_t
find_eol(const uint8_t *p, size_t n)
{
	const uint8_t *cr = memchr(p, '\r', n);
	const uint8_t *lf = memchr(p, '\n', cr != NULL ? (size_t)(cr - p) : n);

	if (lf != NULL)
		return (size_t)(lf - p);
	return cr != NULL ? (size_t)(cr - p) : n;
}

int
app_mime_feed(struct app_mime *m, const uint8_t *p, size_t n)
{
	static const uint8_t crlf[2] = { '\r', '\n' };
	size_t i = 0, j;

	if (m == NULL || (p == NULL && n > 0) || m->mode == M_DONE)
		return -EINVAL;
	while (i < n && m->mode != M_STOP) {
		uint8_t b = p[i];

		switch (m->ls) {
		case LS_TEXT:
			if (m->mode != M_HEADERS && m->nlev == 0) {
				sink(m, p + i, n - i);	/* no boundary can end this */
				i = n;
				break;
			}
			j = i + find_eol(p + i, n - i);
			sink(m, p + i, j - i);
			i = j;
			if (i == n)
				break;
			if (p[i] == '\n') {
				line_end(m, crlf + 1, 1);
			} else {
				m->held[0] = '\r';
				m->nheld = 1;
				m->nterm = 1;
				m->ls = LS_CR;
			}
			i++;
			break;
		case LS_CR:
			if (b == '\n') {
				line_end(m, crlf, 2);
				i++;
			} else {
				flush_held(m);
				m->ls = LS_TEXT;
			}
			break;
		case LS_MATCH:
			if (match_byte(m, b)) {
				i++;
			} else {
				flush_held(m);
				m->ls = LS_TEXT;
			}
			break;
		case LS_TAIL0:
		case LS_TAIL1:
			if (b == '-') {
				m->stats.skipped_bytes++;
				i++;
				if (m->ls == LS_TAIL1)
					delim_close(m);
				else
					m->ls = LS_TAIL1;
				break;
			}
			if (m->ls == LS_TAIL1)
				m->flags |= APP_MIME_F_BOUNDARY_JUNK;	/* "--b-x" */
			delim_open(m);
			break;
		default:	/* LS_SKIP */
			m->stats.skipped_bytes++;
			i++;
			if (b == '\n') {
				m->nheld = 0;
				m->nterm = 0;
				m->mask = (1u << m->nlev) - 1;
				m->ls = LS_MATCH;
			} else if (b != ' ' && b != '\t' && b != '\r') {
				m->flags |= APP_MIME_F_BOUNDARY_JUNK;
			}
			break;
		}
	}
	if (m->mode == M_STOP) {
		m->stats.unparsed_bytes += n - i;
		return -ENOSPC;
	}
	return 0;
}

void
app_mime_finish(struct app_mime *m)
{
	if (m == NULL || m->mode == M_DONE)
		return;
	if (m->ls == LS_TAIL0 || m->ls == LS_TAIL1) {
		m->flags |= APP_MIME_F_TRUNCATED;	/* "--b" at the very end */
		m->mode = M_SKIP;
	} else if (m->ls == LS_CR || m->ls == LS_MATCH) {
		flush_held(m);	/* not a delimiter after all */
	}
	m->ls = LS_TEXT;
	if (m->mode == M_HEADERS) {
		if (m->hs != HS_BOL) {
			m->flags |= APP_MIME_F_TRUNCATED;
			m->part.flags |= APP_MIME_PART_TRUNCATED;
		}
		headers_done(m);
	}
	if (m->mode == M_LEAF) {
		if (m->nlev > 0)
			m->part.flags |= APP_MIME_PART_TRUNCATED;
		leaf_end(m);
	}
	if (m->mode != M_STOP && m->nlev > 0)
		m->flags |= APP_MIME_F_TRUNCATED | APP_MIME_F_UNTERMINATED;
	m->nlev = 0;
	m->mode = M_DONE;
}

uint32_t
app_mime_flags(const struct app_mime *m)
{
	return m->flags;
}

static int
init_common(struct app_mime *m, const struct app_mime_conf *conf, const struct app_mime_cb *cb,
	    void *cookie)
{
	struct app_mime_conf d;

	if (m == NULL)
		return -EINVAL;
	if (conf == NULL) {
		app_mime_conf_default(&d);
		conf = &d;
	}
	if (conf->max_depth < 1 || conf->max_depth > APP_MIME_DEPTH_CAP ||
	    conf->header_max < 256 || conf->max_parts < 1)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->conf = *conf;
	m->cb = cb;
	m->cookie = cookie;
	hdr_reset(m);
	m->mode = M_HEADERS;
	m->ls = LS_MATCH;	/* nothing to match until a multipart opens */
	return 0;
}

int
app_mime_init(struct app_mime *m, const struct app_mime_conf *conf,
	      const struct app_mime_cb *cb, void *cookie)
{
	int rc = init_common(m, conf, cb, cookie);

	if (rc == 0) {
		m->root_headers = true;
		snprintf(m->msg.content_type, sizeof(m->msg.content_type), "text/plain");
	}
	return rc;
}

int
app_mime_init_body(struct app_mime *m, const struct app_mime_conf *conf,
		   const struct app_mime_cb *cb, void *cookie, const char *content_type,
		   size_t ctlen)
{
	int rc = init_common(m, conf, cb, cookie);

	if (rc != 0)
		return rc;
	if (content_type != NULL && ctlen > 0) {
		m->hkind = H_CT;
		m->nvalue = (uint32_t)(ctlen < sizeof(m->value) ? ctlen : sizeof(m->value));
		m->value_cut = ctlen > sizeof(m->value);
		memcpy(m->value, content_type, m->nvalue);
	}
	headers_done(m);	/* on_part_begin now if the body is a leaf */
	m->mask = (1u << m->nlev) - 1;
	return 0;
}
