/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config splicing (config_splice.h): replace the value of one key of the user's YAML file
 * and leave every other byte alone, then replace the file atomically.
 *
 * libyaml (through yaml_tree.h) finds the keys: each node carries the line and column
 * where it starts, but not where it ends. A value of a block mapping ends where the next
 * key in document order starts (its sibling, or a key of an enclosing mapping), so the
 * region to replace runs from the key's colon to that key's line:
 *
 *     dlp:
 *       enabled: true
 *       custom:            <- region starts after the colon
 *         - name: a        |
 *         # - name: b      |  (indented deeper than "custom": part of the old value)
 *                          v  region ends here: what follows is kept
 *       # Settings ...     <- blank and comment lines no deeper than the key
 *     api:                 <- next key in document order
 *
 * Line numbers are counted as libyaml counts them (CR LF, CR, LF, U+0085, U+2028 and
 * U+2029 each end a line) and columns in characters, so positions map back to byte
 * offsets exactly. The result is parsed again before it is returned.
 *
 * The atomic write follows the usual POSIX recipe (write a temporary file in the same
 * directory, fsync, rename(2), fsync the directory), so a reader sees the old file or the
 * new one, and a crash leaves one of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "config_splice.h"
#include "yaml_tree.h"

#define SPLICE_NAME		"<buffer>"
#define SPLICE_KEY_MAX		64
#define SPLICE_DEPTH_MAX	YAML_TREE_MAX_DEPTH
#define KEY_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

/* The text and where its lines start and end (libyaml's line breaks). */
struct lines {
	const char *t;
	size_t len;
	size_t n;		/* lines */
	size_t *start;		/* byte offset of line i + 1 */
	size_t *end;		/* offset of its line break, or len */
};

/* One step of the path: the mapping and the index of the key in it. */
struct level {
	const struct yaml_node *map;
	size_t idx;
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

/* Length of the line break at t[i], 0 when there is none. */
static size_t
break_len(const char *t, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)t;

	if (u[i] == '\r')
		return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == '\n')
		return 1;
	if (u[i] == 0xc2 && i + 1 < len && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
	    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
		return 3;
	return 0;
}

static int
lines_init(struct lines *l, const char *t, size_t len)
{
	size_t i, b, n = 1, s;

	memset(l, 0, sizeof(*l));
	l->t = t;
	l->len = len;
	for (i = 0; i < len; i += b > 0 ? b : 1) {
		b = break_len(t, len, i);
		n += b > 0;
	}
	l->start = malloc(n * sizeof(*l->start));
	l->end = malloc(n * sizeof(*l->end));
	if (l->start == NULL || l->end == NULL)
		return -ENOMEM;
	/* libyaml skips a UTF-8 byte order mark without counting a column. */
	s = len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (i = s; i < len; i += b > 0 ? b : 1) {
		b = break_len(t, len, i);
		if (b == 0)
			continue;
		l->start[l->n] = s;
		l->end[l->n] = i;
		l->n++;
		s = i + b;
	}
	l->start[l->n] = s;
	l->end[l->n] = len;
	l->n++;
	return 0;
}

static void
lines_free(struct lines *l)
{
	free(l->start);
	free(l->end);
}

/* Byte offset of the node's 1-based line and character column. */
static size_t
node_offset(const struct lines *l, const struct yaml_node *n)
{
	uint32_t line = yaml_tree_line(n), col = yaml_tree_col(n), c;
	const unsigned char *u = (const unsigned char *)l->t;
	size_t o, e;

	if (line == 0 || line > l->n)
		return l->len;
	o = l->start[line - 1];
	e = l->end[line - 1];
	for (c = 1; c < col && o < e; c++) {
		if (u[o] < 0xc0)
			o++;
		else if (u[o] < 0xe0)
			o += 2;
		else if (u[o] < 0xf0)
			o += 3;
		else
			o += 4;
	}
	return o < e ? o : e;
}

/* Index of the line holding byte offset o. */
static size_t
line_of(const struct lines *l, size_t o)
{
	size_t lo = 0, hi = l->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->start[mid] <= o)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Spaces before the first other character of the line holding o. */
static size_t
indent_of(const struct lines *l, size_t o)
{
	size_t i = line_of(l, o), s = l->start[i], k = s;

	while (k < l->end[i] && l->t[k] == ' ')
		k++;
	return k - s;
}

/*
 * Whether line i belongs to what follows a value: blank, a comment indented at most
 * maxind, or a document end marker.
 */
static bool
line_kept(const struct lines *l, size_t i, size_t maxind)
{
	size_t s = l->start[i], e = l->end[i], k = s;

	while (k < e && (l->t[k] == ' ' || l->t[k] == '\t'))
		k++;
	if (k == e)
		return true;
	if (l->t[k] == '#')
		return k - s <= maxind;
	return k == s && e - s >= 3 && memcmp(l->t + s, "...", 3) == 0 &&
	       (e - s == 3 || l->t[s + 3] == ' ' || l->t[s + 3] == '\t');
}

/*
 * End of the value of lv[depth - 1]: the start of the line of the next key in document
 * order (or the end of the text), moved up over the lines that belong to that key. Never
 * before floor.
 */
static size_t
value_end(const struct lines *l, const struct level *lv, unsigned int depth, size_t keyind,
	  size_t floor)
{
	const struct yaml_node *next = NULL;
	size_t end, i;
	unsigned int j;

	for (j = depth; j-- > 0 && next == NULL;)
		if (lv[j].idx + 1 < yaml_tree_len(lv[j].map))
			next = yaml_tree_key(lv[j].map, lv[j].idx + 1);
	if (next != NULL) {
		i = line_of(l, node_offset(l, next));
		end = l->start[i];
	} else {
		/* The last line (empty after a final line break), when it is kept. */
		i = l->n - 1;
		if (!line_kept(l, i, keyind))
			return l->len;
		end = l->start[i];
	}
	while (i > 0 && l->start[i - 1] > floor && line_kept(l, i - 1, keyind)) {
		i--;
		end = l->start[i];
	}
	return end > floor ? end : floor;
}

/* Offset of the ':' that ends the key at k, or (size_t)-1 when it is not on its line. */
static size_t
key_colon(const struct lines *l, size_t k)
{
	const char *t = l->t;
	size_t e = l->end[line_of(l, k)];

	if (k < e && t[k] == '"') {
		for (k++; k < e && t[k] != '"'; k++)
			if (t[k] == '\\')
				k++;
		k++;
	} else if (k < e && t[k] == '\'') {
		for (k++; k < e; k++) {
			if (t[k] != '\'')
				continue;
			if (k + 1 < e && t[k + 1] == '\'')
				k++;
			else
				break;
		}
		k++;
	} else {
		while (k < e && !(t[k] == ':' && (k + 1 == e || t[k + 1] == ' ' ||
						  t[k + 1] == '\t')))
			k++;
	}
	while (k < e && (t[k] == ' ' || t[k] == '\t'))
		k++;
	return k < e && t[k] == ':' ? k : (size_t)-1;
}

/* ---- output ---- */

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
ob_putn(struct obuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap != 0 ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ob_puts(struct obuf *b, const char *s)
{
	ob_putn(b, s, strlen(s));
}

static void
ob_spaces(struct obuf *b, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		ob_putn(b, sp, k);
		n -= k;
	}
}

/* Whether block is one line that opens a flow collection: it can follow "key: ". */
static bool
block_inline(const char *block)
{
	const char *nl = strchr(block, '\n');

	while (*block == ' ')
		block++;
	return (*block == '[' || *block == '{') && (nl == NULL || nl[1] == '\0');
}

/* Every non-empty line of block, indent spaces in; a final newline added if missing. */
static void
put_reindented(struct obuf *b, const char *block, size_t indent)
{
	const char *s = block, *nl;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		if (nl > s)
			ob_spaces(b, indent);
		ob_putn(b, s, (size_t)(nl - s));
		ob_puts(b, "\n");
		s = *nl == '\0' ? nl : nl + 1;
	}
}

/*
 * What follows "key:" for the value path[0..depth) -> block at indent: the block itself
 * (depth 0), or the missing keys down to it, one level (2 columns) each.
 */
static void
put_value(struct obuf *b, const char *const *path, unsigned int depth, const char *block,
	  size_t indent, bool inline_ok)
{
	if (depth == 0) {
		if (inline_ok && block_inline(block)) {
			ob_puts(b, " ");
			put_reindented(b, block + strspn(block, " "), 0);
		} else {
			ob_puts(b, "\n");
			put_reindented(b, block, indent);
		}
		return;
	}
	ob_puts(b, "\n");
	ob_spaces(b, indent);
	ob_puts(b, path[0]);
	ob_puts(b, ":");
	put_value(b, path + 1, depth - 1, block, indent + 2, true);
}

/* ---- splice ---- */

struct splice {
	struct lines l;
	const char *const *path;
	unsigned int depth;
	const char *block;
	struct obuf out;
};

/*
 * Replace the value of the key lv[d - 1] with the rest of the path (path[d..]) and block.
 */
static void
replace_value(struct splice *s, const struct level *lv, unsigned int d)
{
	const struct yaml_node *key = yaml_tree_key(lv[d - 1].map, lv[d - 1].idx);
	const struct lines *l = &s->l;
	size_t k = node_offset(l, key), colon = key_colon(l, k);
	size_t keyind = indent_of(l, k), eol = l->end[line_of(l, k)], start, end, i;
	bool inline_ok = true;

	start = colon + 1;
	for (i = start; i < eol && (l->t[i] == ' ' || l->t[i] == '\t'); i++)
		;
	if (i < eol && l->t[i] == '#') {
		/* "key:  # comment" with the value below: the comment stays. */
		start = eol;
		inline_ok = false;
	}
	end = value_end(l, lv, d, keyind, start);
	ob_putn(&s->out, l->t, start);
	put_value(&s->out, s->path + d, s->depth - d, s->block, keyind + 2, inline_ok);
	ob_putn(&s->out, l->t + end, l->len - end);
}

/*
 * Add path[d..] (with block) as a new key of the block mapping map, which is lv[d - 1]'s
 * value (d 0: map is the root, or NULL for an empty document).
 */
static void
add_key(struct splice *s, struct level *lv, unsigned int d, const struct yaml_node *map)
{
	const struct lines *l = &s->l;
	size_t at = l->len, ind = 0;

	if (map != NULL) {
		ind = indent_of(l, node_offset(l, yaml_tree_key(map, 0)));
		if (d > 0) {
			lv[d].map = map;
			lv[d].idx = yaml_tree_len(map) - 1;
			at = value_end(l, lv, d + 1, ind, node_offset(l, yaml_tree_key(map,
										      lv[d].idx)));
		}
	}
	ob_putn(&s->out, l->t, at);
	if (at > 0 && at == l->len && l->t[at - 1] != '\n' && l->t[at - 1] != '\r')
		ob_puts(&s->out, "\n");
	ob_spaces(&s->out, ind);
	ob_puts(&s->out, s->path[d]);
	ob_puts(&s->out, ":");
	put_value(&s->out, s->path + d + 1, s->depth - d - 1, s->block, ind + 2, true);
	ob_putn(&s->out, l->t + at, l->len - at);
}

/* Whether the text at the collection n opens a flow collection. */
static bool
is_flow(const struct lines *l, const struct yaml_node *n)
{
	size_t o = node_offset(l, n);

	return o < l->len && (l->t[o] == '{' || l->t[o] == '[');
}

/* "dlp.custom" for path[0..d) into buf. */
static const char *
path_text(const char *const *path, unsigned int d, char *buf, size_t len)
{
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < d && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : ".", path[i]);
	return buf;
}

static int
not_block_mapping(const struct splice *s, unsigned int d, const struct yaml_node *n,
		  char *err, size_t errlen)
{
	char p[SPLICE_DEPTH_MAX * (SPLICE_KEY_MAX + 1) + 1];
	const char *got = yaml_tree_kind(n) == YAML_TREE_MAPPING ? "flow mapping" :
			  yaml_tree_kind_name(yaml_tree_kind(n));

	if (d == 0)
		set_err(err, errlen, "%s:%u:%u: the document is not a block mapping (got a %s)",
			SPLICE_NAME, yaml_tree_line(n), yaml_tree_col(n), got);
	else
		set_err(err, errlen, "%s:%u:%u: %s: not a block mapping (got a %s)", SPLICE_NAME,
			yaml_tree_line(n), yaml_tree_col(n), path_text(s->path, d, p, sizeof(p)),
			got);
	return -EINVAL;
}

/* Walk the path and write the spliced text into s->out. */
static int
splice_tree(struct splice *s, const struct yaml_node *root, char *err, size_t errlen)
{
	struct level lv[SPLICE_DEPTH_MAX + 1];
	const struct yaml_node *map = root, *v;
	unsigned int d;
	size_t i, n;

	if (yaml_tree_is_null(root)) {
		add_key(s, lv, 0, NULL);
		return 0;
	}
	for (d = 0; d < s->depth; d++) {
		if (yaml_tree_kind(map) != YAML_TREE_MAPPING || is_flow(&s->l, map))
			return not_block_mapping(s, d, map, err, errlen);
		n = yaml_tree_len(map);
		for (i = 0; i < n; i++)
			if (strcmp(yaml_tree_str(yaml_tree_key(map, i)), s->path[d]) == 0)
				break;
		if (i == n) {
			add_key(s, lv, d, map);
			return 0;
		}
		lv[d].map = map;
		lv[d].idx = i;
		if (key_colon(&s->l, node_offset(&s->l, yaml_tree_key(map, i))) == (size_t)-1) {
			set_err(err, errlen, "%s:%u:%u: %s: key syntax not supported (expected "
				"\"key:\" on one line)", SPLICE_NAME,
				yaml_tree_line(yaml_tree_key(map, i)),
				yaml_tree_col(yaml_tree_key(map, i)), s->path[d]);
			return -EINVAL;
		}
		v = yaml_tree_value(map, i);
		if (d + 1 == s->depth || yaml_tree_is_null(v)) {
			replace_value(s, lv, d + 1);
			return 0;
		}
		map = v;
	}
	return 0;
}

static int
check_args(const char *text, size_t len, const char *const *path, unsigned int depth,
	   const char *block, char **out, char *err, size_t errlen)
{
	unsigned int i;
	size_t n;

	if (out == NULL || (text == NULL && len > 0) || path == NULL || block == NULL ||
	    depth == 0 || depth > SPLICE_DEPTH_MAX) {
		set_err(err, errlen, "config splice: bad arguments (expected text, a path of "
			"1..%u keys, a block and out)", SPLICE_DEPTH_MAX);
		return -EINVAL;
	}
	for (i = 0; i < depth; i++) {
		n = path[i] != NULL ? strlen(path[i]) : 0;
		if (n == 0 || n > SPLICE_KEY_MAX || strspn(path[i], KEY_CHARS) != n ||
		    path[i][0] == '-' || path[i][0] == '.') {
			set_err(err, errlen, "config splice: path[%u]: bad key (expected 1..%u "
				"characters of A-Z a-z 0-9 _ . -, not starting with - or .)", i,
				SPLICE_KEY_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

int
config_splice(const char *text, size_t len, const char *const *path, unsigned int depth,
	      const char *block, char **out, size_t *outlen, char *err, size_t errlen)
{
	struct yaml_node *root, *check;
	char msg[512];
	struct splice s;
	int rc;

	set_err(err, errlen, "%s", "");
	rc = check_args(text, len, path, depth, block, out, err, errlen);
	if (rc != 0) {
		if (out != NULL)
			*out = NULL;
		return rc;
	}
	*out = NULL;
	root = yaml_tree_load_buffer(SPLICE_NAME, text, len, err, errlen);
	if (root == NULL)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	memset(&s, 0, sizeof(s));
	s.path = path;
	s.depth = depth;
	s.block = block;
	rc = lines_init(&s.l, text != NULL ? text : "", len);
	if (rc == 0)
		rc = splice_tree(&s, root, err, errlen);
	if (rc == 0 && s.out.oom)
		rc = -ENOMEM;
	if (rc == 0 && s.out.p == NULL)
		ob_putn(&s.out, "", 0);
	if (rc == 0 && s.out.oom)
		rc = -ENOMEM;
	if (rc == 0) {
		check = yaml_tree_load_buffer(SPLICE_NAME, s.out.p, s.out.len, msg, sizeof(msg));
		if (check == NULL) {
			rc = errno == ENOMEM ? -ENOMEM : -EINVAL;
			set_err(err, errlen, "the spliced text does not parse: %s", msg);
		}
		yaml_tree_free(check);
	}
	if (rc == -ENOMEM)
		set_err(err, errlen, "config splice: out of memory");
	lines_free(&s.l);
	yaml_tree_free(root);
	if (rc != 0) {
		free(s.out.p);
		return rc;
	}
	*out = s.out.p;
	if (outlen != NULL)
		*outlen = s.out.len;
	return 0;
}

/* ---- atomic write ---- */

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so that the rename is durable. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, rc = 0;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
config_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX], real[PATH_MAX];
	const char *what = "write";
	mode_t mode = 0600;
	struct stat st;
	int fd, rc;

	if (path == NULL || path[0] == '\0' || (data == NULL && len > 0)) {
		set_err(err, errlen, "config write: bad arguments (expected a path and data)");
		return -EINVAL;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* Replace the file the link names, and keep the link. */
		if (realpath(path, real) == NULL) {
			rc = -errno;
			set_err(err, errlen, "%s: resolve symlink: %s", path, strerror(-rc));
			return rc;
		}
		path = real;
	}
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		rc = -errno;
		set_err(err, errlen, "%s: stat: %s", path, strerror(-rc));
		return rc;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		set_err(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		set_err(err, errlen, "%s: create %s: %s", path, tmp, strerror(-rc));
		return rc;
	}
	/* fchmod, not the open mode: the umask must not narrow the file's mode. */
	rc = 0;
	if (fchmod(fd, mode) != 0) {
		what = "chmod";
		rc = -errno;
	} else if ((rc = write_all(fd, data, len)) != 0) {
		what = "write";
	} else if (fsync(fd) != 0) {
		what = "fsync";
		rc = -errno;
	}
	if (close(fd) != 0 && rc == 0) {
		what = "close";
		rc = -errno;
	}
	if (rc == 0) {
		what = "rename";
		rc = rename(tmp, path) != 0 ? -errno : 0;
	}
	if (rc != 0) {
		unlink(tmp);
		set_err(err, errlen, "%s: %s %s: %s", path, what, tmp, strerror(-rc));
		return rc;
	}
	rc = sync_dir(path);
	if (rc != 0)
		set_err(err, errlen, "%s: fsync of its directory: %s", path, strerror(-rc));
	return rc;
}
