/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes label selectors, string form: a parser, a matcher and the canonical printer.
 * Follows k8s.io/apimachinery/pkg/labels (selector.go: Parse, Requirement.Matches,
 * Requirement.String) and pkg/util/validation (IsQualifiedName, IsDNS1123Subdomain,
 * IsValidLabelValue); selector.h lists where it is deliberately stricter, and the one
 * addition: keys may start with Tollgate's reserved "k8s:" prefix.
 *
 * The lexer is Kubernetes': blanks separate tokens; ',', '(' and ')' are tokens of their
 * own; a run of operator characters (= ! < > ~) is one operator token, so "=~" is reported
 * as the unknown operator it looks like; anything else up to the next of those is a word
 * (key, value, "in", "notin"). Whether "in" is an operator or a key or value depends only
 * on its place, so "in in (in)" is valid, as in Kubernetes.
 *
 * Parsing runs twice over the text with the same code: the first pass validates and counts
 * requirements, values and string bytes; the second fills one allocation sized from those
 * counts, so a selector is a single block and selector_free a single free():
 *
 *   +-----------------+----------------------+---------------------+--------------------+
 *   | struct selector | struct selector_req  | const char *        | keys and values,   |
 *   |                 | [nreq]               | [all values]        | NUL-terminated     |
 *   +-----------------+----------------------+---------------------+--------------------+
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

#define SEL_QUOTE_MAX	SELECTOR_QUOTE_MAX
#define SEL_EXPECT_REQ	"key, !key, key=value, key in (...)"
#define SEL_EXPECT_OP	"=, ==, !=, in or notin"

enum selector_op {
	SEL_EXISTS,		/* k */
	SEL_NOT_EXISTS,		/* !k */
	SEL_EQUALS,		/* k=v */
	SEL_DOUBLE_EQUALS,	/* k==v, kept apart only to print it back the same */
	SEL_NOT_EQUALS,		/* k!=v */
	SEL_IN,			/* k in (v,...) */
	SEL_NOT_IN,		/* k notin (v,...) */
};

struct selector_req {
	const char *key;
	const char **values;	/* sorted, unique; one for the (not-)equals operators */
	unsigned int nvalues;
	enum selector_op op;
};

struct selector {
	unsigned int nreq;
	struct selector_req *req;
};

enum sel_tok {
	TOK_END,
	TOK_COMMA,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_OP,		/* a run of = ! < > ~ */
	TOK_WORD,
};

struct sel_token {
	enum sel_tok type;
	size_t off;
	size_t len;
};

struct sel_parser {
	const char *text;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;

	/* Counted on the first pass; on the second they index into the allocation. */
	unsigned int nreq;
	unsigned int nvalues;
	size_t nbytes;

	struct selector *out;	/* NULL on the first pass */
	const char **values;	/* second pass: the value pointer array */
	char *strings;		/* second pass: the string area */
};

static bool
sel_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
sel_is_op_char(char c)
{
	return c == '=' || c == '!' || c == '<' || c == '>' || c == '~';
}

static bool
sel_is_punct(char c)
{
	return c == ',' || c == '(' || c == ')';
}

/* ASCII only: the locale must not change what a key is. */
static bool
sel_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
sel_is_name_char(char c)
{
	return sel_is_alnum(c) || c == '-' || c == '_' || c == '.';
}

static bool
sel_is_prefix_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

void
selector_quote(char *dst, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < SELECTOR_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)sprintf(dst + o, "\\x%02X", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	if (n > SELECTOR_QUOTE_MAX) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* One character for a message, between single quotes. dst holds at least 8 bytes. */
static void
sel_char(char *dst, char c)
{
	unsigned char u = (unsigned char)c;

	if (u == '\'' || u == '\\')
		sprintf(dst, "'\\%c'", c);
	else if (u < 0x20 || u >= 0x7f)
		sprintf(dst, "'\\x%02X'", u);
	else
		sprintf(dst, "'%c'", c);
}

/* Report a refusal at byte offset off: 'selector "TEXT": column N: ' then the message. */
static bool __attribute__((format(printf, 3, 4)))
sel_fail(struct sel_parser *p, size_t off, const char *fmt, ...)
{
	char text[SEL_QUOTE_MAX * 4 + 4];
	va_list ap;
	int n;

	errno = EINVAL;
	if (p->err == NULL || p->errlen == 0)
		return false;
	selector_quote(text, p->text, p->len);
	n = snprintf(p->err, p->errlen, "selector \"%s\": column %zu: ", text, off + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* The next token from p->pos, without consuming it. */
static struct sel_token
sel_peek(const struct sel_parser *p)
{
	struct sel_token t;
	size_t i = p->pos;

	while (i < p->len && sel_is_blank(p->text[i]))
		i++;
	t.off = i;
	t.len = 1;
	if (i == p->len) {
		t.type = TOK_END;
		t.len = 0;
	} else if (p->text[i] == ',') {
		t.type = TOK_COMMA;
	} else if (p->text[i] == '(') {
		t.type = TOK_LPAREN;
	} else if (p->text[i] == ')') {
		t.type = TOK_RPAREN;
	} else if (sel_is_op_char(p->text[i])) {
		t.type = TOK_OP;
		while (i + t.len < p->len && sel_is_op_char(p->text[i + t.len]))
			t.len++;
	} else {
		t.type = TOK_WORD;
		while (i + t.len < p->len) {
			char c = p->text[i + t.len];

			if (sel_is_blank(c) || sel_is_punct(c) || sel_is_op_char(c))
				break;
			t.len++;
		}
	}
	return t;
}

static struct sel_token
sel_next(struct sel_parser *p)
{
	struct sel_token t = sel_peek(p);

	p->pos = t.off + t.len;
	return t;
}

static bool
sel_tok_is(const struct sel_parser *p, const struct sel_token *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(p->text + t->off, s, n) == 0;
}

/* "found \"x\"" or "end of selector", for messages. dst holds SEL_QUOTE_MAX * 4 + 12. */
static void
sel_found(const struct sel_parser *p, const struct sel_token *t, char *dst)
{
	char q[SEL_QUOTE_MAX * 4 + 4];

	if (t->type == TOK_END) {
		strcpy(dst, "end of selector");
		return;
	}
	selector_quote(q, p->text + t->off, t->len);
	sprintf(dst, "found \"%s\"", q);
}

/*
 * A key name or a value (what names it in messages): characters, then first and last
 * character. The caller has checked the length.
 */
static bool
sel_check_name(struct sel_parser *p, size_t off, size_t len, const char *what)
{
	const char *s = p->text + off;
	char q[SEL_QUOTE_MAX * 4 + 4];
	char c[8];
	size_t i;

	selector_quote(q, s, len);
	for (i = 0; i < len; i++) {
		if (!sel_is_name_char(s[i])) {
			sel_char(c, s[i]);
			return sel_fail(p, off + i, "invalid character %s in %s \"%s\" "
					"(expected letters, digits, '-', '_' or '.')", c, what, q);
		}
	}
	if (len > 0 && !sel_is_alnum(s[0])) {
		sel_char(c, s[0]);
		return sel_fail(p, off, "%s \"%s\" starts with %s (expected a letter or digit)",
				what, q, c);
	}
	if (len > 0 && !sel_is_alnum(s[len - 1])) {
		sel_char(c, s[len - 1]);
		return sel_fail(p, off + len - 1,
				"%s \"%s\" ends with %s (expected a letter or digit)", what, q, c);
	}
	return true;
}

/* A DNS-1123 subdomain, as IsDNS1123Subdomain: labels need not be <= 63 on their own. */
static bool
sel_check_prefix(struct sel_parser *p, size_t off, size_t len)
{
	const char *s = p->text + off;
	char q[SEL_QUOTE_MAX * 4 + 4];
	char c[8];
	size_t i;

	selector_quote(q, s, len);
	if (len > SELECTOR_MAX_PREFIX)
		return sel_fail(p, off, "key prefix \"%s\" is %zu characters long "
				"(expected at most %d)", q, len, SELECTOR_MAX_PREFIX);
	for (i = 0; i < len; i++) {
		if (!sel_is_prefix_char(s[i])) {
			sel_char(c, s[i]);
			return sel_fail(p, off + i, "invalid character %s in key prefix \"%s\" "
					"(expected a-z, 0-9, '-' or '.')", c, q);
		}
	}
	/* Every label starts and ends with a letter or digit: no '-' or '.' next to a '.'. */
	for (i = 0; i < len; i++) {
		bool edge = i == 0 || i == len - 1 || s[i - 1] == '.' || s[i + 1] == '.';

		if (s[i] != '.' && edge && !sel_is_alnum(s[i]))
			break;
		if (s[i] == '.' && (i == 0 || i == len - 1 || s[i + 1] == '.'))
			break;
	}
	if (i < len)
		return sel_fail(p, off + i, "key prefix \"%s\" is not a DNS subdomain (expected "
				"labels of a-z, 0-9 and '-' separated by single dots, each "
				"starting and ending with a letter or digit)", q);
	return true;
}

/*
 * A key: ["k8s:"] [prefix "/"] name, IsQualifiedName after Tollgate's reserved prefix.
 * Messages quote the whole key; offsets below are from its start.
 */
static bool
sel_check_key(struct sel_parser *p, size_t off, size_t len)
{
	const size_t rlen = sizeof(SELECTOR_K8S_PREFIX) - 1;
	const char *s = p->text + off;
	char q[SEL_QUOTE_MAX * 4 + 4];
	const char *slash;
	size_t start = 0, name;

	selector_quote(q, s, len);
	if (len >= rlen && memcmp(s, SELECTOR_K8S_PREFIX, rlen) == 0) {
		start = rlen;
		if (start == len)
			return sel_fail(p, off + start, "key \"%s\" has an empty name after \""
					SELECTOR_K8S_PREFIX "\" (expected a name such as "
					"namespace)", q);
	}
	name = start;
	slash = memchr(s + start, '/', len - start);
	if (slash != NULL) {
		size_t plen = (size_t)(slash - s) - start;
		const char *second = memchr(slash + 1, '/', len - start - plen - 1);

		if (second != NULL)
			return sel_fail(p, off + (size_t)(second - s), "key \"%s\" has a second "
					"'/' (expected prefix/name with one '/')", q);
		if (plen == 0)
			return sel_fail(p, off + start, "key \"%s\" has an empty prefix before "
					"'/' (expected a DNS subdomain such as example.com)", q);
		if (!sel_check_prefix(p, off + start, plen))
			return false;
		name = start + plen + 1;
		if (name == len)
			return sel_fail(p, off + name, "key \"%s\" has an empty name after '/' "
					"(expected a name such as app)", q);
	}
	if (len - name > SELECTOR_MAX_NAME) {
		selector_quote(q, s + name, len - name);
		return sel_fail(p, off + name, "key name \"%s\" is %zu characters long "
				"(expected at most %d)", q, len - name, SELECTOR_MAX_NAME);
	}
	return sel_check_name(p, off + name, len - name, name > 0 ? "key name" : "key");
}

static bool
sel_check_value(struct sel_parser *p, size_t off, size_t len)
{
	char q[SEL_QUOTE_MAX * 4 + 4];

	if (len > SELECTOR_MAX_NAME) {
		selector_quote(q, p->text + off, len);
		return sel_fail(p, off, "value \"%s\" is %zu characters long (expected at most %d)",
				q, len, SELECTOR_MAX_NAME);
	}
	return sel_check_name(p, off, len, "value");
}

/* Copy len bytes at off into the string area; the NUL-terminated copy. Second pass only. */
static const char *
sel_store(struct sel_parser *p, size_t off, size_t len)
{
	char *dst = p->strings + p->nbytes;

	memcpy(dst, p->text + off, len);
	dst[len] = '\0';
	p->nbytes += len + 1;
	return dst;
}

static void
sel_emit_req(struct sel_parser *p, enum selector_op op, const struct sel_token *key)
{
	if (p->out != NULL) {
		struct selector_req *r = &p->out->req[p->nreq];

		r->op = op;
		r->key = sel_store(p, key->off, key->len);
		r->values = p->values + p->nvalues;
		r->nvalues = 0;
	} else {
		p->nbytes += key->len + 1;
	}
	p->nreq++;
}

/* A value of the requirement emitted last. */
static void
sel_emit_value(struct sel_parser *p, size_t off, size_t len)
{
	if (p->out != NULL) {
		struct selector_req *r = &p->out->req[p->nreq - 1];

		r->values[r->nvalues++] = sel_store(p, off, len);
	} else {
		p->nbytes += len + 1;
	}
	p->nvalues++;
}

static int
sel_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sets are kept sorted and unique, as Kubernetes' sets.String.List() hands them over. */
static void
sel_sort_values(struct selector_req *r)
{
	unsigned int i, n = 0;

	qsort(r->values, r->nvalues, sizeof(r->values[0]), sel_strcmp);
	for (i = 0; i < r->nvalues; i++)
		if (n == 0 || strcmp(r->values[n - 1], r->values[i]) != 0)
			r->values[n++] = r->values[i];
	r->nvalues = n;
}

/* After "in" or "notin": "(" value { "," value } ")". */
static bool
sel_parse_set(struct sel_parser *p, const struct sel_token *op)
{
	struct sel_token open, t;
	char found[SEL_QUOTE_MAX * 4 + 12];
	char opname[8];
	unsigned int n = 0;

	snprintf(opname, sizeof(opname), "%.*s", (int)op->len, p->text + op->off);
	open = sel_next(p);
	if (open.type != TOK_LPAREN) {
		sel_found(p, &open, found);
		return sel_fail(p, open.off, "%s after '%s' (expected '(')", found, opname);
	}
	if (sel_peek(p).type == TOK_RPAREN)
		return sel_fail(p, open.off, "empty value set \"()\" after '%s' "
				"(expected at least one value)", opname);
	for (;;) {
		t = sel_next(p);
		if (t.type == TOK_COMMA || t.type == TOK_RPAREN)
			return sel_fail(p, t.off, "empty value in set (expected a value before "
					"'%c')", p->text[t.off]);
		if (t.type == TOK_END)
			return sel_fail(p, t.off, "end of selector inside the set opened at column "
					"%zu (expected a value and ')')", open.off + 1);
		if (t.type != TOK_WORD) {
			sel_found(p, &t, found);
			return sel_fail(p, t.off, "%s in value set (expected a value)", found);
		}
		if (n == SELECTOR_MAX_VALUES)
			return sel_fail(p, t.off, "too many values in set (expected at most %d)",
					SELECTOR_MAX_VALUES);
		if (!sel_check_value(p, t.off, t.len))
			return false;
		sel_emit_value(p, t.off, t.len);
		n++;

		t = sel_next(p);
		if (t.type == TOK_RPAREN)
			break;
		if (t.type == TOK_COMMA)
			continue;
		if (t.type == TOK_END)
			return sel_fail(p, t.off, "end of selector inside the set opened at column "
					"%zu (expected ',' or ')')", open.off + 1);
		sel_found(p, &t, found);
		return sel_fail(p, t.off, "%s in value set (expected ',' or ')')", found);
	}
	if (p->out != NULL)
		sel_sort_values(&p->out->req[p->nreq - 1]);
	return true;
}

/* One requirement; the caller has seen that the next token starts one (a word or an op). */
static bool
sel_parse_requirement(struct sel_parser *p)
{
	char found[SEL_QUOTE_MAX * 4 + 12];
	char q[SEL_QUOTE_MAX * 4 + 4];
	struct sel_token t, key, op;

	t = sel_next(p);
	if (t.type == TOK_OP && sel_tok_is(p, &t, "!")) {
		key = sel_next(p);
		if (key.type != TOK_WORD) {
			sel_found(p, &key, found);
			return sel_fail(p, key.off, "%s after '!' (expected a key)", found);
		}
		if (!sel_check_key(p, key.off, key.len))
			return false;
		t = sel_peek(p);
		if (t.type != TOK_END && t.type != TOK_COMMA) {
			sel_found(p, &t, found);
			selector_quote(q, p->text + key.off, key.len);
			return sel_fail(p, t.off, "%s after \"!%s\" (expected ',' or end of "
					"selector: !key takes no operator or value)", found, q);
		}
		sel_emit_req(p, SEL_NOT_EXISTS, &key);
		return true;
	}
	if (t.type != TOK_WORD) {
		sel_found(p, &t, found);
		return sel_fail(p, t.off, "%s where a requirement starts (expected "
				SEL_EXPECT_REQ ")", found);
	}
	key = t;
	if (!sel_check_key(p, key.off, key.len))
		return false;

	op = sel_peek(p);
	if (op.type == TOK_END || op.type == TOK_COMMA) {
		sel_emit_req(p, SEL_EXISTS, &key);
		return true;
	}
	if (op.type == TOK_WORD && (sel_tok_is(p, &op, "in") || sel_tok_is(p, &op, "notin"))) {
		sel_next(p);
		sel_emit_req(p, sel_tok_is(p, &op, "in") ? SEL_IN : SEL_NOT_IN, &key);
		return sel_parse_set(p, &op);
	}
	if (op.type == TOK_OP) {
		enum selector_op o;

		selector_quote(q, p->text + op.off, op.len);
		if (sel_tok_is(p, &op, "="))
			o = SEL_EQUALS;
		else if (sel_tok_is(p, &op, "=="))
			o = SEL_DOUBLE_EQUALS;
		else if (sel_tok_is(p, &op, "!="))
			o = SEL_NOT_EQUALS;
		else
			return sel_fail(p, op.off, "unknown operator \"%s\" (expected "
					SEL_EXPECT_OP ")", q);
		sel_next(p);
		t = sel_peek(p);
		if (t.type == TOK_END || t.type == TOK_COMMA) {
			/* "k=" selects the empty value, as in Kubernetes. */
			sel_emit_req(p, o, &key);
			sel_emit_value(p, t.off, 0);
			return true;
		}
		if (t.type != TOK_WORD) {
			sel_found(p, &t, found);
			return sel_fail(p, t.off, "%s after '%s' (expected a value, ',' or end of "
					"selector)", found, q);
		}
		sel_next(p);
		if (!sel_check_value(p, t.off, t.len))
			return false;
		sel_emit_req(p, o, &key);
		sel_emit_value(p, t.off, t.len);
		return true;
	}
	sel_found(p, &op, found);
	selector_quote(q, p->text + key.off, key.len);
	return sel_fail(p, op.off, "%s after key \"%s\" (expected =, ==, !=, in, notin, ',' "
			"or end of selector)", found, q);
}

/* The whole selector; on the second pass p->out receives it. */
static bool
sel_parse(struct sel_parser *p)
{
	struct sel_token t, comma;
	char found[SEL_QUOTE_MAX * 4 + 12];

	p->pos = 0;
	p->nreq = 0;
	p->nvalues = 0;
	p->nbytes = 0;
	if (sel_peek(p).type == TOK_END)
		return true;
	for (;;) {
		/* TOK_END cannot come here: handled above and after each ','. */
		t = sel_peek(p);
		if (t.type == TOK_COMMA || t.type == TOK_END)
			return sel_fail(p, t.off, "empty requirement (expected " SEL_EXPECT_REQ
					")");
		if (p->nreq == SELECTOR_MAX_REQUIREMENTS)
			return sel_fail(p, t.off, "too many requirements (expected at most %d)",
					SELECTOR_MAX_REQUIREMENTS);
		if (!sel_parse_requirement(p))
			return false;

		comma = sel_next(p);
		if (comma.type == TOK_END)
			return true;
		if (comma.type != TOK_COMMA) {
			sel_found(p, &comma, found);
			return sel_fail(p, comma.off, "%s after a requirement (expected ',' or end "
					"of selector)", found);
		}
		if (sel_peek(p).type == TOK_END)
			return sel_fail(p, comma.off, "trailing ',' (expected a requirement after "
					"it)");
	}
}

struct selector *
selector_parse(const char *text, char *err, size_t errlen)
{
	struct sel_parser p;
	struct selector *s;
	size_t size, len;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "selector: text is NULL (expected a string)");
		errno = EINVAL;
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.err = err;
	p.errlen = errlen;
	len = strlen(text);
	p.len = len;
	if (len > SELECTOR_MAX_LEN) {
		sel_fail(&p, SELECTOR_MAX_LEN, "selector is %zu bytes long (expected at most %d)",
				len, SELECTOR_MAX_LEN);
		return NULL;
	}
	if (!sel_parse(&p))
		return NULL;

	size = sizeof(*s) + p.nreq * sizeof(s->req[0]) + p.nvalues * sizeof(char *) + p.nbytes;
	s = malloc(size);
	if (s == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "selector: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->req = (struct selector_req *)(s + 1);
	p.out = s;
	p.values = (const char **)(s->req + p.nreq);
	p.strings = (char *)(p.values + p.nvalues);
	/* The same text parses the same way: the second pass cannot fail. */
	sel_parse(&p);
	s->nreq = p.nreq;
	return s;
}

void
selector_free(struct selector *s)
{
	free(s);
}

/* The value of key in labels (first occurrence), or NULL when absent. */
static const char *
sel_label(const char *key, const struct selector_label *labels, size_t n)
{
	size_t i;

	if (labels == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (labels[i].key != NULL && strcmp(labels[i].key, key) == 0)
			return labels[i].value != NULL ? labels[i].value : "";
	return NULL;
}

static bool
sel_has_value(const struct selector_req *r, const char *v)
{
	return bsearch(&v, r->values, r->nvalues, sizeof(r->values[0]), sel_strcmp) != NULL;
}

bool
selector_matches(const struct selector *s, const struct selector_label *labels, size_t n)
{
	unsigned int i;

	if (s == NULL)
		return false;
	for (i = 0; i < s->nreq; i++) {
		const struct selector_req *r = &s->req[i];
		const char *v = sel_label(r->key, labels, n);
		bool ok = false;

		switch (r->op) {
		case SEL_EXISTS:
			ok = v != NULL;
			break;
		case SEL_NOT_EXISTS:
			ok = v == NULL;
			break;
		case SEL_EQUALS:
		case SEL_DOUBLE_EQUALS:
		case SEL_IN:
			ok = v != NULL && sel_has_value(r, v);
			break;
		case SEL_NOT_EQUALS:
		case SEL_NOT_IN:
			ok = v == NULL || !sel_has_value(r, v);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

struct sel_out {
	char *buf;
	size_t len;
	size_t pos;	/* length of the whole form so far, written or not */
};

static void
sel_put(struct sel_out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->pos + 1 < o->len) {
		size_t room = o->len - 1 - o->pos;

		memcpy(o->buf + o->pos, s, n < room ? n : room);
	}
	o->pos += n;
}

size_t
selector_format(const struct selector *s, char *buf, size_t len)
{
	static const char *const opstr[] = {
		[SEL_EXISTS] = "",
		[SEL_NOT_EXISTS] = "",
		[SEL_EQUALS] = "=",
		[SEL_DOUBLE_EQUALS] = "==",
		[SEL_NOT_EQUALS] = "!=",
		[SEL_IN] = " in (",
		[SEL_NOT_IN] = " notin (",
	};
	struct sel_out o = { .buf = buf, .len = buf != NULL ? len : 0, .pos = 0 };
	unsigned int i, j;

	for (i = 0; s != NULL && i < s->nreq; i++) {
		const struct selector_req *r = &s->req[i];

		if (i > 0)
			sel_put(&o, ",");
		if (r->op == SEL_NOT_EXISTS)
			sel_put(&o, "!");
		sel_put(&o, r->key);
		sel_put(&o, opstr[r->op]);
		for (j = 0; j < r->nvalues; j++) {
			if (j > 0)
				sel_put(&o, ",");
			sel_put(&o, r->values[j]);
		}
		if (r->op == SEL_IN || r->op == SEL_NOT_IN)
			sel_put(&o, ")");
	}
	if (o.len > 0)
		o.buf[o.pos < o.len ? o.pos : o.len - 1] = '\0';
	return o.pos;
}

unsigned int
selector_count(const struct selector *s)
{
	return s != NULL ? s->nreq : 0;
}
