/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config splicing: when the API writes the policy (or dlp.custom) back into the user's
 * configuration file, only the value of that one key changes; comments, other sections,
 * key order and blank lines stay byte for byte. And the atomic file replacement that
 * makes the write all-or-nothing.
 *
 * Control thread (allocation, file I/O); no shared state.
 */
#ifndef TOLLGATE_CONFIG_SPLICE_H
#define TOLLGATE_CONFIG_SPLICE_H

#include <stddef.h>

/*
 * Replace the value of the key at path (depth keys of nested block mappings from the
 * root, e.g. {"dlp", "custom"}) in the YAML text (len bytes, need not be NUL-terminated)
 * with block, and return the new text in *out (malloc'd, NUL-terminated, owned by the
 * caller) and its length in *outlen (may be NULL).
 *
 * block is the new value rendered at indent 0 (policy_emit_yaml(p, 0, ...)); it is
 * re-indented here to the key's column + 2. A block of one line that starts with '[' or
 * '{' (a flow value such as "[]") is written on the key's line ("custom: []"). A missing
 * final newline is added. Lines written here end with LF, whatever the file uses.
 *
 * What is replaced: everything after "key:" up to the line of the next key in document
 * order (a sibling, or a key of an enclosing mapping; the end of the text when none),
 * minus the blank lines and comment lines indented no deeper than the key that directly
 * precede that line: those belong to what follows and are kept. A comment on the key's
 * own line ("policy:  # edited by the API") is kept when the value starts on a later line;
 * a value on the key's line (flow or scalar, "custom: []  # none") is replaced with the
 * rest of that line. A key whose value is empty (null) is replaced the same way.
 *
 * A missing key is added: a missing top-level key (and the keys below it) at the end of
 * the text (after a newline is added if the text lacks one), a missing key under an
 * existing block mapping at the end of that mapping's block, at the column of its keys.
 * An intermediate key whose value is null becomes the mapping that holds the rest.
 *
 * Refuses with -EINVAL and one line in err (errlen bytes, NUL-terminated when errlen > 0):
 * text that yaml_tree_load_buffer refuses (its message, display name "<buffer>"), a root
 * or intermediate value that is not a block mapping ("<buffer>:LINE:COL: dlp: not a block
 * mapping (got a sequence)"), a path element that is not 1..64 bytes of [A-Za-z0-9_.-],
 * depth 0, NULL arguments, and a result that would not parse. -ENOMEM on allocation
 * failure. *out is NULL on failure.
 */
int config_splice(const char *text, size_t len, const char *const *path, unsigned int depth,
		  const char *block, char **out, size_t *outlen, char *err, size_t errlen);

/*
 * Replace the file at path with len bytes of data, atomically: write "path.tmp.<pid>" in
 * the same directory with the mode of the existing file (0600 when there is none; the
 * umask does not apply), fsync it, rename it over path, fsync the directory. A symlink at
 * path is followed: the file it names is replaced and the link kept.
 *
 * Returns 0 or -errno with "PATH: what failed: strerror" in err (errlen bytes,
 * NUL-terminated when errlen > 0). On any failure before the rename the temporary file is
 * removed and path is untouched; only a failed directory fsync comes after the rename
 * (the new content is in place but may not be durable yet). Control thread; two writers
 * of the same path in one process must be serialised by the caller.
 */
int config_write_atomic(const char *path, const char *data, size_t len, char *err,
			size_t errlen);

#endif
