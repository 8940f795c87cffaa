/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the YAML tree loader (config/yaml_tree.c): structure and positions of a
 * known document, the exact wording of each refusal, and the input bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "yaml_tree.h"

static struct yaml_node *
load(const char *text, char *err, size_t errlen)
{
	return yaml_tree_load_buffer("t.yaml", text, strlen(text), err, errlen);
}

/* Loading text must fail with exactly msg and errno e. */
static void
assert_refused(const char *text, const char *msg, int e)
{
	char err[512];
	struct yaml_node *root;

	errno = 0;
	root = load(text, err, sizeof(err));
	assert_null(root);
	assert_int_equal(errno, e);
	assert_string_equal(err, msg);
}

/* A temporary file holding len bytes of text; the caller unlinks and frees the path. */
static char *
write_temp(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_yaml_tree_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_yaml_tree_nested_structures_are_loaded(void **state)
{
	const char *doc =
		"name: gw\n"
		"ports:\n"
		"  - {name: inside, mode: inline}\n"
		"  - name: outside\n"
		"    tags: [a, 'b c', \"\"]\n"
		"empty_map: {}\n"
		"empty_seq: []\n";
	const struct yaml_node *ports, *p0, *p1, *tags;
	struct yaml_node *root;
	char err[256];

	(void)state;
	root = load(doc, err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(yaml_tree_kind(root), YAML_TREE_MAPPING);
	assert_int_equal(yaml_tree_len(root), 4);
	assert_string_equal(yaml_tree_str(yaml_tree_key(root, 0)), "name");
	assert_string_equal(yaml_tree_str(yaml_tree_value(root, 0)), "gw");
	assert_string_equal(yaml_tree_str(yaml_tree_key(root, 3)), "empty_seq");

	ports = yaml_tree_get(root, "ports");
	assert_non_null(ports);
	assert_int_equal(yaml_tree_kind(ports), YAML_TREE_SEQUENCE);
	assert_int_equal(yaml_tree_len(ports), 2);
	p0 = yaml_tree_item(ports, 0);
	p1 = yaml_tree_item(ports, 1);
	assert_int_equal(yaml_tree_kind(p0), YAML_TREE_MAPPING);
	assert_int_equal(yaml_tree_len(p0), 2);
	assert_string_equal(yaml_tree_str(yaml_tree_get(p0, "name")), "inside");
	assert_string_equal(yaml_tree_str(yaml_tree_get(p0, "mode")), "inline");
	assert_string_equal(yaml_tree_str(yaml_tree_get(p1, "name")), "outside");
	tags = yaml_tree_get(p1, "tags");
	assert_int_equal(yaml_tree_len(tags), 3);
	assert_string_equal(yaml_tree_str(yaml_tree_item(tags, 0)), "a");
	assert_string_equal(yaml_tree_str(yaml_tree_item(tags, 1)), "b c");
	assert_string_equal(yaml_tree_str(yaml_tree_item(tags, 2)), "");
	assert_true(yaml_tree_is_plain(yaml_tree_item(tags, 0)));
	assert_false(yaml_tree_is_plain(yaml_tree_item(tags, 1)));
	/* A quoted empty string is text, not null. */
	assert_false(yaml_tree_is_null(yaml_tree_item(tags, 2)));

	assert_int_equal(yaml_tree_kind(yaml_tree_get(root, "empty_map")), YAML_TREE_MAPPING);
	assert_int_equal(yaml_tree_len(yaml_tree_get(root, "empty_map")), 0);
	assert_int_equal(yaml_tree_kind(yaml_tree_get(root, "empty_seq")), YAML_TREE_SEQUENCE);
	assert_int_equal(yaml_tree_len(yaml_tree_get(root, "empty_seq")), 0);
	yaml_tree_free(root);
}

static void
test_yaml_tree_nodes_keep_line_and_column(void **state)
{
	const char *doc =
		"# comment\n"			/* line 1 */
		"top:\n"			/* line 2 */
		"  key: value\n"		/* line 3 */
		"  list:\n"			/* line 4 */
		"    - one\n"			/* line 5 */
		"    - \"two\"\n"		/* line 6 */
		"  flow: {a: 1, bb: [x, y]}\n"	/* line 7 */
		"\u00e9t\u00e9: caf\u00e9\n";	/* line 8: columns count characters */
	const struct yaml_node *top, *list, *flow, *bb;
	struct yaml_node *root;
	char err[256];

	(void)state;
	root = load(doc, err, sizeof(err));
	assert_non_null(root);
	/* A block mapping starts at its first key. */
	assert_int_equal(yaml_tree_line(root), 2);
	assert_int_equal(yaml_tree_col(root), 1);
	assert_int_equal(yaml_tree_line(yaml_tree_key(root, 0)), 2);
	assert_int_equal(yaml_tree_col(yaml_tree_key(root, 0)), 1);

	top = yaml_tree_value(root, 0);
	assert_int_equal(yaml_tree_line(top), 3);
	assert_int_equal(yaml_tree_col(top), 3);
	assert_int_equal(yaml_tree_line(yaml_tree_key(top, 0)), 3);
	assert_int_equal(yaml_tree_col(yaml_tree_key(top, 0)), 3);
	assert_int_equal(yaml_tree_line(yaml_tree_value(top, 0)), 3);
	assert_int_equal(yaml_tree_col(yaml_tree_value(top, 0)), 8);

	list = yaml_tree_get(top, "list");
	assert_int_equal(yaml_tree_line(list), 5);
	assert_int_equal(yaml_tree_col(list), 5);
	assert_int_equal(yaml_tree_line(yaml_tree_item(list, 0)), 5);
	assert_int_equal(yaml_tree_col(yaml_tree_item(list, 0)), 7);
	/* A quoted scalar starts at its opening quote. */
	assert_int_equal(yaml_tree_line(yaml_tree_item(list, 1)), 6);
	assert_int_equal(yaml_tree_col(yaml_tree_item(list, 1)), 7);

	flow = yaml_tree_get(top, "flow");
	assert_int_equal(yaml_tree_line(flow), 7);
	assert_int_equal(yaml_tree_col(flow), 9);
	assert_int_equal(yaml_tree_col(yaml_tree_key(flow, 0)), 10);
	assert_int_equal(yaml_tree_col(yaml_tree_value(flow, 0)), 13);
	assert_int_equal(yaml_tree_col(yaml_tree_key(flow, 1)), 16);
	bb = yaml_tree_get(flow, "bb");
	assert_int_equal(yaml_tree_col(bb), 20);
	assert_int_equal(yaml_tree_col(yaml_tree_item(bb, 1)), 24);

	assert_int_equal(yaml_tree_line(yaml_tree_key(root, 1)), 8);
	assert_int_equal(yaml_tree_col(yaml_tree_key(root, 1)), 1);
	assert_int_equal(yaml_tree_col(yaml_tree_value(root, 1)), 6);	/* 8 in bytes */
	assert_string_equal(yaml_tree_str(yaml_tree_value(root, 1)), "caf\u00e9");
	yaml_tree_free(root);
}

static void
test_yaml_tree_accessors_reject_the_wrong_kind(void **state)
{
	struct yaml_node *root;
	const struct yaml_node *s, *q;
	char err[256];

	(void)state;
	root = load("s: text\nq: [1]\n", err, sizeof(err));
	assert_non_null(root);
	s = yaml_tree_get(root, "s");
	q = yaml_tree_get(root, "q");
	assert_null(yaml_tree_get(root, "absent"));
	assert_null(yaml_tree_str(root));
	assert_null(yaml_tree_str(q));
	assert_int_equal(yaml_tree_len(s), 0);
	assert_null(yaml_tree_item(s, 0));
	assert_null(yaml_tree_item(root, 0));
	assert_null(yaml_tree_item(q, 1));
	assert_null(yaml_tree_key(q, 0));
	assert_null(yaml_tree_value(root, 2));
	assert_null(yaml_tree_get(q, "s"));
	assert_false(yaml_tree_is_plain(q));
	assert_false(yaml_tree_is_null(q));
	assert_string_equal(yaml_tree_kind_name(YAML_TREE_SCALAR), "scalar");
	assert_string_equal(yaml_tree_kind_name(YAML_TREE_SEQUENCE), "sequence");
	assert_string_equal(yaml_tree_kind_name(YAML_TREE_MAPPING), "mapping");
	yaml_tree_free(root);
	yaml_tree_free(NULL);
}

static void
test_yaml_tree_null_scalars_are_recognised(void **state)
{
	struct yaml_node *root;
	char err[256];
	size_t i;

	(void)state;
	root = load("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nul\ng: 'null'\nh: nULL\n", err,
		    sizeof(err));
	assert_non_null(root);
	for (i = 0; i < 5; i++)
		assert_true(yaml_tree_is_null(yaml_tree_value(root, i)));
	for (i = 5; i < 8; i++)
		assert_false(yaml_tree_is_null(yaml_tree_value(root, i)));
	yaml_tree_free(root);
}

static void
test_yaml_tree_syntax_error_names_file_line_and_column(void **state)
{
	(void)state;
	assert_refused("a: 1\nb: [1, 2\n",
		       "t.yaml:3:1: did not find expected ',' or ']' (while parsing a flow "
		       "sequence at line 2, column 4)", EINVAL);
	assert_refused("a:\n  - b\n c: 1\n",
		       "t.yaml:3:2: did not find expected key (while parsing a block mapping at "
		       "line 1, column 1)", EINVAL);
	assert_refused("a: b\n  c: d\n", "t.yaml:2:4: mapping values are not allowed in this "
		       "context", EINVAL);
}

static void
test_yaml_tree_reader_error_gets_line_and_column(void **state)
{
	(void)state;
	assert_refused("a: 1\nb: \xff\n", "t.yaml:2:4: invalid leading UTF-8 octet (#FF)",
		       EINVAL);
	assert_refused("a: 1\nbb: \x01\n", "t.yaml:2:5: control characters are not allowed (#01)",
		       EINVAL);
}

static void
test_yaml_tree_duplicate_key_is_refused(void **state)
{
	(void)state;
	assert_refused("a: 1\nb:\n  x: 1\n  x: 2\n",
		       "t.yaml:4:3: duplicate key \"x\" (first at line 3, column 3)", EINVAL);
	/* Quoting does not make a key different. */
	assert_refused("{a: 1, 'a': 2}", "t.yaml:1:8: duplicate key \"a\" (first at line 1, "
		       "column 2)", EINVAL);
}

/* Large mappings are checked by sorting: still report the first repeat in the document. */
static void
test_yaml_tree_duplicate_in_large_mapping_reports_first_repeat(void **state)
{
	size_t cap = 1000 * 16 + 64, o = 0;
	char *doc = malloc(cap);
	int i;

	(void)state;
	assert_non_null(doc);
	for (i = 0; i < 1000; i++)
		o += (size_t)snprintf(doc + o, cap - o, "k%d: %d\n", i, i);
	o += (size_t)snprintf(doc + o, cap - o, "k7: x\nk3: x\n");
	assert_refused(doc, "t.yaml:1001:1: duplicate key \"k7\" (first at line 8, column 1)",
		       EINVAL);
	free(doc);
}

static void
test_yaml_tree_anchors_and_aliases_are_refused(void **state)
{
	(void)state;
	assert_refused("a: &x 1\n",
		       "t.yaml:1:4: anchor \"&x\": anchors and aliases are not supported", EINVAL);
	assert_refused("a: &m {b: 1}\n",
		       "t.yaml:1:4: anchor \"&m\": anchors and aliases are not supported", EINVAL);
	/* An alias to an undefined anchor is still an alias. */
	assert_refused("a: [1, *y]\n", "t.yaml:1:8: alias \"*y\": aliases are not supported",
		       EINVAL);
}

static void
test_yaml_tree_tags_are_refused(void **state)
{
	(void)state;
	assert_refused("a: !!str 1\n",
		       "t.yaml:1:4: tag \"tag:yaml.org,2002:str\": tags are not supported", EINVAL);
	assert_refused("a: !custom [1]\n", "t.yaml:1:4: tag \"!custom\": tags are not supported",
		       EINVAL);
}

static void
test_yaml_tree_multiple_documents_are_refused(void **state)
{
	(void)state;
	assert_refused("a: 1\n---\nb: 2\n",
		       "t.yaml:2:1: multiple documents are not supported (expected exactly one)",
		       EINVAL);
}

static void
test_yaml_tree_collection_keys_are_refused(void **state)
{
	(void)state;
	assert_refused("{[a]: 1}\n", "t.yaml:1:2: mapping keys must be scalars (got a sequence)",
		       EINVAL);
	assert_refused("? {a: 1}\n: 2\n",
		       "t.yaml:1:3: mapping keys must be scalars (got a mapping)", EINVAL);
}

static void
test_yaml_tree_nul_in_scalar_is_refused(void **state)
{
	(void)state;
	assert_refused("a: \"x\\0y\"\n", "t.yaml:1:4: scalar contains a NUL character", EINVAL);
}

/* n nested flow sequences: "[[[...]]]" */
static char *
nested(int n)
{
	char *s = malloc((size_t)n * 2 + 1);
	int i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	return s;
}

static void
test_yaml_tree_nesting_is_limited_to_64_levels(void **state)
{
	const struct yaml_node *n;
	struct yaml_node *root;
	char *doc, err[256];
	int depth = 0;

	(void)state;
	doc = nested(64);
	root = load(doc, err, sizeof(err));
	assert_non_null(root);
	for (n = root; n != NULL; n = yaml_tree_item(n, 0))
		depth++;
	assert_int_equal(depth, 64);
	yaml_tree_free(root);
	free(doc);

	doc = nested(65);
	assert_refused(doc, "t.yaml:1:65: nesting too deep (expected at most 64 levels)", EINVAL);
	free(doc);
}

static void
test_yaml_tree_oversize_input_is_refused(void **state)
{
	size_t len = YAML_TREE_MAX_BYTES + 1;
	struct yaml_node *root;
	char *doc, *path, err[512], want[600];

	(void)state;
	/* A comment that fills the whole input: exactly at the limit is fine. */
	doc = malloc(len);
	assert_non_null(doc);
	memset(doc, 'x', len);
	doc[0] = '#';
	root = yaml_tree_load_buffer("big", doc, len - 1, err, sizeof(err));
	assert_non_null(root);
	assert_true(yaml_tree_is_null(root));
	yaml_tree_free(root);

	errno = 0;
	assert_null(yaml_tree_load_buffer("big", doc, len, err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
	assert_string_equal(err, "big: too large (4194305 bytes, expected at most 4194304)");

	path = write_temp(doc, len);
	errno = 0;
	assert_null(yaml_tree_load_file(path, err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
	snprintf(want, sizeof(want), "%s: too large (4194305 bytes, expected at most 4194304)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	free(path);
	free(doc);
}

static void
test_yaml_tree_node_count_is_bounded(void **state)
{
	size_t items = YAML_TREE_MAX_NODES, len = items * 2 + 1, i;
	struct yaml_node *root;
	char *doc, err[256];

	(void)state;
	/* "[a,a,...,a]": the sequence plus 2^20 items is one node too many. */
	doc = malloc(len + 1);
	assert_non_null(doc);
	doc[0] = '[';
	for (i = 0; i < items; i++) {
		doc[1 + 2 * i] = 'a';
		doc[2 + 2 * i] = ',';
	}
	doc[len - 1] = ']';
	doc[len] = '\0';
	assert_refused(doc, "t.yaml:1:2097152: too many nodes (expected at most 1048576)", EINVAL);

	/* One item fewer fits. */
	doc[len - 3] = ']';
	doc[len - 2] = '\0';
	root = load(doc, err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(yaml_tree_len(root), YAML_TREE_MAX_NODES - 1);
	yaml_tree_free(root);
	free(doc);
}

static void
test_yaml_tree_empty_document_is_a_null_root(void **state)
{
	static const char *const docs[] = { "", "# nothing here\n\n", "---\n", "---\n...\n" };
	struct yaml_node *root;
	char err[256], *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		root = load(docs[i], err, sizeof(err));
		assert_non_null(root);
		assert_int_equal(yaml_tree_kind(root), YAML_TREE_SCALAR);
		assert_true(yaml_tree_is_null(root));
		assert_string_equal(yaml_tree_str(root), "");
		assert_string_equal(err, "");
		yaml_tree_free(root);
	}
	root = yaml_tree_load_buffer(NULL, NULL, 0, err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(yaml_tree_line(root), 1);
	assert_int_equal(yaml_tree_col(root), 1);
	yaml_tree_free(root);

	path = write_temp("", 0);
	root = yaml_tree_load_file(path, err, sizeof(err));
	assert_non_null(root);
	assert_true(yaml_tree_is_null(root));
	yaml_tree_free(root);
	unlink(path);
	free(path);
}

static void
test_yaml_tree_file_is_loaded_with_its_path_in_messages(void **state)
{
	struct yaml_node *root;
	char err[512], want[600], *path;

	(void)state;
	path = write_temp("a: [1, 2]\n", 10);
	root = yaml_tree_load_file(path, err, sizeof(err));
	assert_non_null(root);
	assert_string_equal(yaml_tree_str(yaml_tree_item(yaml_tree_get(root, "a"), 1)), "2");
	yaml_tree_free(root);
	unlink(path);
	free(path);

	path = write_temp("a: 1\na: 2\n", 10);
	errno = 0;
	assert_null(yaml_tree_load_file(path, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want), "%s:2:1: duplicate key \"a\" (first at line 1, column 1)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	free(path);
}

static void
test_yaml_tree_unreadable_file_reports_strerror(void **state)
{
	char err[256];

	(void)state;
	errno = 0;
	assert_null(yaml_tree_load_file("/nonexistent/tollgate.yaml", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent/tollgate.yaml: No such file or directory");
	errno = 0;
	assert_null(yaml_tree_load_file("/tmp", err, sizeof(err)));
	assert_int_equal(errno, EISDIR);
	assert_string_equal(err, "/tmp: Is a directory");
}

static void
test_yaml_tree_error_buffer_is_optional_and_truncated(void **state)
{
	char err[12];

	(void)state;
	assert_null(yaml_tree_load_buffer("t.yaml", "a: *x", 5, NULL, 0));
	assert_null(yaml_tree_load_buffer("t.yaml", "a: *x", 5, err, sizeof(err)));
	assert_string_equal(err, "t.yaml:1:4:");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_tree_nested_structures_are_loaded),
		cmocka_unit_test(test_yaml_tree_nodes_keep_line_and_column),
		cmocka_unit_test(test_yaml_tree_accessors_reject_the_wrong_kind),
		cmocka_unit_test(test_yaml_tree_null_scalars_are_recognised),
		cmocka_unit_test(test_yaml_tree_syntax_error_names_file_line_and_column),
		cmocka_unit_test(test_yaml_tree_reader_error_gets_line_and_column),
		cmocka_unit_test(test_yaml_tree_duplicate_key_is_refused),
		cmocka_unit_test(test_yaml_tree_duplicate_in_large_mapping_reports_first_repeat),
		cmocka_unit_test(test_yaml_tree_anchors_and_aliases_are_refused),
		cmocka_unit_test(test_yaml_tree_tags_are_refused),
		cmocka_unit_test(test_yaml_tree_multiple_documents_are_refused),
		cmocka_unit_test(test_yaml_tree_collection_keys_are_refused),
		cmocka_unit_test(test_yaml_tree_nul_in_scalar_is_refused),
		cmocka_unit_test(test_yaml_tree_nesting_is_limited_to_64_levels),
		cmocka_unit_test(test_yaml_tree_oversize_input_is_refused),
		cmocka_unit_test(test_yaml_tree_node_count_is_bounded),
		cmocka_unit_test(test_yaml_tree_empty_document_is_a_null_root),
		cmocka_unit_test(test_yaml_tree_file_is_loaded_with_its_path_in_messages),
		cmocka_unit_test(test_yaml_tree_unreadable_file_reports_strerror),
		cmocka_unit_test(test_yaml_tree_error_buffer_is_optional_and_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
