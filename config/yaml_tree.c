/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML tree loader (see yaml_tree.h). libyaml's event parser drives a small builder:
 *
 *   events ──► frames[depth]  one per open collection: its node, where its children start
 *              pend[]         children of every open collection, innermost last
 *   *_END  ──► the collection's children move from pend[] into one array in the arena,
 *              mapping keys are checked for duplicates, the node becomes a child of its
 *              parent (or the root)
 *
 * No recursion anywhere (depth is bounded anyway), and every node and string lives in one
 * arena that yaml_tree_free releases in a single walk of its blocks.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "yaml_tree.h"

#define ARENA_BLOCK	(64u * 1024)
#define ARENA_ALIGN	16u

struct yaml_node {
	uint8_t kind;			/* enum yaml_tree_kind */
	uint8_t plain;			/* scalar written plain */
	uint8_t is_root;		/* embedded in struct yaml_tree_doc */
	uint32_t line;
	uint32_t col;
	size_t n;			/* scalar: bytes; sequence: items; mapping: pairs */
	union {
		char *str;		/* scalar, NUL-terminated */
		struct yaml_node **child;	/* sequence: items; mapping: key, value, ... */
	} u;
};

struct arena_block {
	struct arena_block *next;
	size_t used;
	size_t cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

/* What a root points into: the root node first, so a root pointer is the document. */
struct yaml_tree_doc {
	struct yaml_node root;
	struct arena_block *arena;
};

struct frame {
	struct yaml_node *node;
	size_t start;			/* index in pend of the first child */
};

struct builder {
	const char *name;
	char *err;
	size_t errlen;
	struct arena_block *arena;
	struct yaml_node **pend;
	size_t npend;
	size_t pend_cap;
	struct frame frames[YAML_TREE_MAX_DEPTH];
	unsigned int depth;
	size_t nnodes;
	struct yaml_node *root;
	int error;			/* errno of the first failure */
};

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "NAME:LINE:COL: message" for the node or mark at (line, col), both 1-based. */
static int __attribute__((format(printf, 4, 5)))
fail_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(b->err, b->errlen, "%s:%u:%u: %s", b->name, line, col, msg);
	b->error = EINVAL;
	return -EINVAL;
}

static int
fail_nomem(struct builder *b)
{
	set_err(b->err, b->errlen, "%s: out of memory", b->name);
	b->error = ENOMEM;
	return -ENOMEM;
}

static void
arena_free(struct arena_block *a)
{
	while (a != NULL) {
		struct arena_block *next = a->next;

		free(a);
		a = next;
	}
}

static void *
arena_alloc(struct builder *b, size_t size)
{
	struct arena_block *a = b->arena;
	void *p;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a == NULL || a->cap - a->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;

		a = malloc(sizeof(*a) + cap);
		if (a == NULL)
			return NULL;
		a->used = 0;
		a->cap = cap;
		a->next = b->arena;
		b->arena = a;
	}
	p = a->data + a->used;
	a->used += size;
	return p;
}

static struct yaml_node *
node_new(struct builder *b, uint8_t kind, const yaml_mark_t *mark)
{
	struct yaml_node *n;

	if (b->nnodes >= YAML_TREE_MAX_NODES) {
		fail_at(b, mark->line + 1, mark->column + 1,
			"too many nodes (expected at most %u)", YAML_TREE_MAX_NODES);
		return NULL;
	}
	n = arena_alloc(b, sizeof(*n));
	if (n == NULL) {
		fail_nomem(b);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = mark->line + 1;
	n->col = mark->column + 1;
	b->nnodes++;
	return n;
}

/* Inside a mapping, an even number of pending children means the next node is a key. */
static int
expecting_key(const struct builder *b)
{
	const struct frame *f;

	if (b->depth == 0)
		return 0;
	f = &b->frames[b->depth - 1];
	return f->node->kind == YAML_TREE_MAPPING && (b->npend - f->start) % 2 == 0;
}

/* Attach a finished node to the open collection, or make it the root. */
static int
attach(struct builder *b, struct yaml_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	if (b->npend == b->pend_cap) {
		size_t cap = b->pend_cap != 0 ? b->pend_cap * 2 : 64;
		struct yaml_node **p = realloc(b->pend, cap * sizeof(*p));

		if (p == NULL)
			return fail_nomem(b);
		b->pend = p;
		b->pend_cap = cap;
	}
	b->pend[b->npend++] = n;
	return 0;
}

/* Anchors would let one subtree appear twice (alias bombs); tags would retype scalars. */
static int
check_props(struct builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
	    const yaml_char_t *tag)
{
	uint32_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;

	if (anchor != NULL)
		return fail_at(b, line, col,
			       "anchor \"&%s\": anchors and aliases are not supported",
			       (const char *)anchor);
	if (tag != NULL)
		return fail_at(b, line, col, "tag \"%s\": tags are not supported",
			       (const char *)tag);
	return 0;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct yaml_node *n;
	int rc;

	rc = check_props(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	if (rc != 0)
		return rc;
	if (memchr(v, '\0', len) != NULL)
		return fail_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
			       "scalar contains a NUL character");
	n = node_new(b, YAML_TREE_SCALAR, &ev->start_mark);
	if (n == NULL)
		return -b->error;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->n = len;
	n->u.str = arena_alloc(b, len + 1);
	if (n->u.str == NULL)
		return fail_nomem(b);
	memcpy(n->u.str, v, len);
	n->u.str[len] = '\0';
	return attach(b, n);
}

static int
on_start(struct builder *b, const yaml_event_t *ev, uint8_t kind)
{
	uint32_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
	const yaml_char_t *anchor, *tag;
	struct yaml_node *n;
	int rc;

	if (kind == YAML_TREE_MAPPING) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	rc = check_props(b, ev, anchor, tag);
	if (rc != 0)
		return rc;
	if (expecting_key(b))
		return fail_at(b, line, col, "mapping keys must be scalars (got a %s)",
			       yaml_tree_kind_name(kind));
	if (b->depth == YAML_TREE_MAX_DEPTH)
		return fail_at(b, line, col, "nesting too deep (expected at most %u levels)",
			       YAML_TREE_MAX_DEPTH);
	n = node_new(b, kind, &ev->start_mark);
	if (n == NULL)
		return -b->error;
	b->frames[b->depth].node = n;
	b->frames[b->depth].start = b->npend;
	b->depth++;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct yaml_node *x = *(struct yaml_node *const *)a;
	const struct yaml_node *y = *(struct yaml_node *const *)b;
	int c = strcmp(x->u.str, y->u.str);

	if (c != 0)
		return c;
	/* Same key: document order, so the first of a run is the first occurrence. */
	return (x->line > y->line || (x->line == y->line && x->col > y->col)) -
	       (x->line < y->line || (x->line == y->line && x->col < y->col));
}

/*
 * Sorting keeps this O(n log n) for big mappings. Of all repeated keys, report the
 * repeat that comes first in the document, next to where the key was first seen.
 */
static int
check_duplicates(struct builder *b, struct yaml_node *map)
{
	const struct yaml_node *dup = NULL, *first = NULL;
	struct yaml_node **keys;
	size_t i;

	if (map->n < 2)
		return 0;
	keys = malloc(map->n * sizeof(*keys));
	if (keys == NULL)
		return fail_nomem(b);
	for (i = 0; i < map->n; i++)
		keys[i] = map->u.child[2 * i];
	qsort(keys, map->n, sizeof(*keys), key_cmp);
	for (i = 1; i < map->n; i++) {
		const struct yaml_node *k = keys[i];
		size_t j = i;

		if (strcmp(keys[i - 1]->u.str, k->u.str) != 0)
			continue;
		while (j > 0 && strcmp(keys[j - 1]->u.str, k->u.str) == 0)
			j--;
		if (dup == NULL || k->line < dup->line ||
		    (k->line == dup->line && k->col < dup->col)) {
			dup = k;
			first = keys[j];
		}
	}
	free(keys);
	if (dup == NULL)
		return 0;
	return fail_at(b, dup->line, dup->col, "duplicate key \"%s\" (first at line %u, column %u)",
		       dup->u.str, first->line, first->col);
}

static int
on_end(struct builder *b, const yaml_event_t *ev)
{
	struct frame *f;
	struct yaml_node *n;
	size_t count;

	/* libyaml balances its events; a stray end would be its bug, not the input's */
	if (b->depth == 0)
		return fail_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
			       "unbalanced end of collection");
	f = &b->frames[--b->depth];
	n = f->node;
	count = b->npend - f->start;

	if (count != 0) {
		n->u.child = arena_alloc(b, count * sizeof(*n->u.child));
		if (n->u.child == NULL)
			return fail_nomem(b);
		memcpy(n->u.child, b->pend + f->start, count * sizeof(*n->u.child));
	}
	b->npend = f->start;
	n->n = n->kind == YAML_TREE_MAPPING ? count / 2 : count;
	if (n->kind == YAML_TREE_MAPPING) {
		int rc = check_duplicates(b, n);

		if (rc != 0)
			return rc;
	}
	return attach(b, n);
}

/*
 * libyaml reports reader errors (bad UTF-8, control characters) as a byte offset; turn
 * it into a line and a character column like every other message.
 */
static void
offset_to_mark(const char *buf, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int
parser_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *problem = p->problem != NULL ? p->problem : "syntax error";
	uint32_t line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_nomem(b);
	case YAML_READER_ERROR:
		offset_to_mark(buf, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return fail_at(b, line, col, "%s (#%02X)", problem, p->problem_value);
		return fail_at(b, line, col, "%s", problem);
	default:
		line = p->problem_mark.line + 1;
		col = p->problem_mark.column + 1;
		if (p->context != NULL)
			return fail_at(b, line, col, "%s (%s at line %zu, column %zu)", problem,
				       p->context, p->context_mark.line + 1,
				       p->context_mark.column + 1);
		return fail_at(b, line, col, "%s", problem);
	}
}

static int
handle_event(struct builder *b, const yaml_event_t *ev, unsigned int *ndocs)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if ((*ndocs)++ != 0)
			return fail_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
				       "multiple documents are not supported "
				       "(expected exactly one)");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
			       "alias \"*%s\": aliases are not supported",
			       (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, YAML_TREE_SEQUENCE);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, YAML_TREE_MAPPING);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b, ev);
	default:
		return 0;
	}
}

static struct yaml_node *
finish(struct builder *b)
{
	struct yaml_tree_doc *doc;

	doc = malloc(sizeof(*doc));
	if (doc == NULL) {
		fail_nomem(b);
		return NULL;
	}
	doc->root = *b->root;
	doc->root.is_root = 1;
	doc->arena = b->arena;
	b->arena = NULL;
	return &doc->root;
}

struct yaml_node *
yaml_tree_load_buffer(const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
	static const yaml_mark_t origin;
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	struct yaml_node *root = NULL;
	unsigned int ndocs = 0;
	int done = 0;

	memset(&b, 0, sizeof(b));
	b.name = name != NULL ? name : "<buffer>";
	b.err = err;
	b.errlen = errlen;
	set_err(err, errlen, "%s", "");
	if (len > YAML_TREE_MAX_BYTES) {
		set_err(err, errlen, "%s: too large (%zu bytes, expected at most %u)", b.name,
			len, YAML_TREE_MAX_BYTES);
		errno = EFBIG;
		return NULL;
	}
	if (buf == NULL)
		buf = "";
	if (!yaml_parser_initialize(&parser)) {
		fail_nomem(&b);
		errno = b.error;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		int rc;

		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(&b, &parser, buf, len);
			goto fail;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = handle_event(&b, &ev, &ndocs);
		yaml_event_delete(&ev);
		if (rc != 0)
			goto fail;
	}
	if (b.root == NULL) {
		/* Empty stream: a null scalar stands for the missing document. */
		b.root = node_new(&b, YAML_TREE_SCALAR, &origin);
		if (b.root == NULL)
			goto fail;
		b.root->plain = 1;
		b.root->u.str = arena_alloc(&b, 1);
		if (b.root->u.str == NULL) {
			fail_nomem(&b);
			goto fail;
		}
		b.root->u.str[0] = '\0';
	}
	root = finish(&b);
	if (root == NULL)
		goto fail;
	yaml_parser_delete(&parser);
	free(b.pend);
	return root;
fail:
	yaml_parser_delete(&parser);
	free(b.pend);
	arena_free(b.arena);
	errno = b.error != 0 ? b.error : EINVAL;
	return NULL;
}

/* Read the whole file, refusing more than YAML_TREE_MAX_BYTES even from a pipe. */
static char *
read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	char ebuf[128];
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail_errno;
	if (fstat(fd, &st) != 0)
		goto fail_errno;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > YAML_TREE_MAX_BYTES) {
		set_err(err, errlen, "%s: too large (%llu bytes, expected at most %u)", path,
			(unsigned long long)st.st_size, YAML_TREE_MAX_BYTES);
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap);
	if (buf == NULL)
		goto fail_errno;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *p;

			if (cap > YAML_TREE_MAX_BYTES) {
				set_err(err, errlen,
					"%s: too large (more than %u bytes, expected at most %u)",
					path, YAML_TREE_MAX_BYTES, YAML_TREE_MAX_BYTES);
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap = cap * 2 > YAML_TREE_MAX_BYTES + 1 ? YAML_TREE_MAX_BYTES + 1 : cap * 2;
			p = realloc(buf, cap);
			if (p == NULL)
				goto fail_errno;
			buf = p;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail_errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*lenp = len;
	return buf;
fail_errno:
	e = errno;
	set_err(err, errlen, "%s: %s", path, strerror_r(e, ebuf, sizeof(ebuf)));
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = e;
	return NULL;
}

struct yaml_node *
yaml_tree_load_file(const char *path, char *err, size_t errlen)
{
	struct yaml_node *root;
	size_t len = 0;
	char *buf;
	int e;

	buf = read_file(path, &len, err, errlen);
	if (buf == NULL)
		return NULL;
	root = yaml_tree_load_buffer(path, buf, len, err, errlen);
	e = errno;
	free(buf);
	errno = e;
	return root;
}

void
yaml_tree_free(struct yaml_node *root)
{
	struct yaml_tree_doc *doc;

	if (root == NULL)
		return;
	assert(root->is_root);
	doc = (struct yaml_tree_doc *)root;
	arena_free(doc->arena);
	free(doc);
}

enum yaml_tree_kind
yaml_tree_kind(const struct yaml_node *n)
{
	return (enum yaml_tree_kind)n->kind;
}

uint32_t
yaml_tree_line(const struct yaml_node *n)
{
	return n->line;
}

uint32_t
yaml_tree_col(const struct yaml_node *n)
{
	return n->col;
}

const char *
yaml_tree_kind_name(enum yaml_tree_kind k)
{
	switch (k) {
	case YAML_TREE_SCALAR:
		return "scalar";
	case YAML_TREE_SEQUENCE:
		return "sequence";
	case YAML_TREE_MAPPING:
		return "mapping";
	}
	return "node";
}

const char *
yaml_tree_str(const struct yaml_node *n)
{
	return n->kind == YAML_TREE_SCALAR ? n->u.str : NULL;
}

bool
yaml_tree_is_plain(const struct yaml_node *n)
{
	return n->kind == YAML_TREE_SCALAR && n->plain;
}

bool
yaml_tree_is_null(const struct yaml_node *n)
{
	const char *s;

	if (!yaml_tree_is_plain(n))
		return false;
	s = n->u.str;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

size_t
yaml_tree_len(const struct yaml_node *n)
{
	return n->kind == YAML_TREE_SCALAR ? 0 : n->n;
}

const struct yaml_node *
yaml_tree_item(const struct yaml_node *seq, size_t i)
{
	if (seq->kind != YAML_TREE_SEQUENCE || i >= seq->n)
		return NULL;
	return seq->u.child[i];
}

const struct yaml_node *
yaml_tree_key(const struct yaml_node *map, size_t i)
{
	if (map->kind != YAML_TREE_MAPPING || i >= map->n)
		return NULL;
	return map->u.child[2 * i];
}

const struct yaml_node *
yaml_tree_value(const struct yaml_node *map, size_t i)
{
	if (map->kind != YAML_TREE_MAPPING || i >= map->n)
		return NULL;
	return map->u.child[2 * i + 1];
}

const struct yaml_node *
yaml_tree_get(const struct yaml_node *map, const char *key)
{
	size_t i;

	if (map->kind != YAML_TREE_MAPPING)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->u.child[2 * i]->u.str, key) == 0)
			return map->u.child[2 * i + 1];
	return NULL;
}
