/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML tree: loads one YAML document (libyaml, YAML 1.1) into an immutable tree of
 * scalars, sequences and mappings. Every node, mapping keys included, keeps the 1-based
 * line and column where it starts, so schema code (config.c and the policy sections) can
 * point a person at the exact spot of a bad value.
 *
 * The loader is deliberately stricter than YAML: one document per input, no anchors or
 * aliases, no explicit tags, scalar mapping keys only, no duplicate keys, no NUL in
 * scalars, and bounded input (YAML_TREE_MAX_BYTES, YAML_TREE_MAX_DEPTH,
 * YAML_TREE_MAX_NODES). Scalars are not typed: "32", "true" and "64MiB" are all text, and
 * the schema decides what they mean (yaml_tree_is_plain tells a quoted "32" from 32).
 *
 * Control-plane only (it allocates). A loaded tree is read-only and may be read from any
 * thread; yaml_tree_free must not race with readers.
 */
#ifndef TOLLGATE_YAML_TREE_H
#define TOLLGATE_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YAML_TREE_MAX_BYTES	(4u << 20)	/* input size cap (4 MiB) */
#define YAML_TREE_MAX_DEPTH	64		/* nested collections */
#define YAML_TREE_MAX_NODES	(1u << 20)	/* nodes (keys included) per document */

enum yaml_tree_kind {
	YAML_TREE_SCALAR = 1,
	YAML_TREE_SEQUENCE,
	YAML_TREE_MAPPING,
};

/* Opaque; read through the accessors below. */
struct yaml_node;

/*
 * Load the file at path. Returns the root node, owned by the caller (yaml_tree_free), or
 * NULL with errno set and a message in err (errlen bytes, always NUL-terminated; err may
 * be NULL when errlen is 0):
 *   "PATH: <strerror>"                              open/read failed (errno from the call)
 *   "PATH: too large (N bytes, expected at most 4194304)"               errno EFBIG
 *   "PATH:LINE:COL: <problem>"                      syntax or restriction, errno EINVAL
 *   "PATH: out of memory"                                                errno ENOMEM
 * An empty document (empty file, only comments, or a bare "---") yields a root that is a
 * null plain scalar (text "") at 1:1 or at the document start. Control thread.
 */
struct yaml_node *yaml_tree_load_file(const char *path, char *err, size_t errlen);

/*
 * Same as yaml_tree_load_file over len bytes at buf (need not be NUL-terminated; buf may
 * be NULL when len is 0). name is the display name used in messages ("<built-in>",
 * "api request"); NULL means "<buffer>". The tree does not refer to buf or name after
 * the call returns.
 */
struct yaml_node *yaml_tree_load_buffer(const char *name, const char *buf, size_t len,
					char *err, size_t errlen);

/*
 * Free a tree returned by a load function. NULL is a no-op. Only pass a root; every node
 * and string of the tree becomes invalid. Control thread.
 */
void yaml_tree_free(struct yaml_node *root);

/*
 * Accessors: pure reads of a loaded tree, any thread, no allocation. n must not be NULL.
 * Kind, 1-based line and column (in characters) of a node.
 */
enum yaml_tree_kind yaml_tree_kind(const struct yaml_node *n);
uint32_t yaml_tree_line(const struct yaml_node *n);
uint32_t yaml_tree_col(const struct yaml_node *n);

/* "scalar", "sequence" or "mapping". */
const char *yaml_tree_kind_name(enum yaml_tree_kind k);

/*
 * Text of a scalar, NUL-terminated (it never contains a NUL), valid until the tree is
 * freed; NULL when n is not a scalar.
 */
const char *yaml_tree_str(const struct yaml_node *n);

/* True for a plain (unquoted, non-block) scalar; false for anything else. */
bool yaml_tree_is_plain(const struct yaml_node *n);

/* True for a plain scalar that YAML reads as null: "", "~", "null", "Null", "NULL". */
bool yaml_tree_is_null(const struct yaml_node *n);

/* Items of a sequence, pairs of a mapping, 0 for a scalar. */
size_t yaml_tree_len(const struct yaml_node *n);

/* Item i of a sequence; NULL when n is not a sequence or i is out of range. */
const struct yaml_node *yaml_tree_item(const struct yaml_node *seq, size_t i);

/*
 * Key (always a scalar) and value of pair i of a mapping, in document order; NULL when n
 * is not a mapping or i is out of range.
 */
const struct yaml_node *yaml_tree_key(const struct yaml_node *map, size_t i);
const struct yaml_node *yaml_tree_value(const struct yaml_node *map, size_t i);

/* Value of key in a mapping (linear scan); NULL when absent or map is not a mapping. */
const struct yaml_node *yaml_tree_get(const struct yaml_node *map, const char *key);

#endif
