/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the YAML configuration loader (config/config.h over
 * config/yaml_tree.h) on the raw input as a configuration file.
 *
 * Checks, aborting on failure:
 *   - the tree (yaml_tree_load_buffer): every node has a line and column inside the text
 *     (1-based; the line at most one past the last, which is where libyaml puts the end of
 *     the input), scalars are NUL-terminated text with
 *     no NUL inside, mapping keys are scalars and never repeat, yaml_tree_get finds each
 *     key's own value, accessors answer NULL/0 for the wrong kind, depth at most
 *     YAML_TREE_MAX_DEPTH; a refused document gets "fuzz.yaml:LINE:COL: ..." (or the
 *     size message) and errno EINVAL;
 *   - config_load_buffer returns 0 or -EINVAL; a refusal leaves the config untouched and
 *     names a location: "fuzz.yaml:LINE:COL: " with LINE and COL inside the text (or its
 *     end);
 *   - round trip: an accepted config written by config_dump loads again (0) to the very
 *     same struct tg_config, and dumps again to the same text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_common.h"
#include "yaml_tree.h"

#define NAME "fuzz.yaml"

static FUZZ_NOCOV void
walk(const struct yaml_node *n, uint32_t lines, unsigned int depth)
{
	enum yaml_tree_kind k = yaml_tree_kind(n);
	size_t i, j, len;

	FUZZ_CHECK(depth <= YAML_TREE_MAX_DEPTH + 1);
	FUZZ_CHECK(yaml_tree_line(n) >= 1 && yaml_tree_line(n) <= lines + 1);
	FUZZ_CHECK(yaml_tree_col(n) >= 1);
	FUZZ_CHECK(strcmp(yaml_tree_kind_name(k), "scalar") == 0 || k != YAML_TREE_SCALAR);
	if (k == YAML_TREE_SCALAR) {
		const char *s = yaml_tree_str(n);

		FUZZ_CHECK(s != NULL);
		fuzz_touch((const uint8_t *)s, strlen(s) + 1);
		FUZZ_CHECK(yaml_tree_len(n) == 0);
		FUZZ_CHECK(yaml_tree_item(n, 0) == NULL && yaml_tree_key(n, 0) == NULL);
		if (yaml_tree_is_null(n))
			FUZZ_CHECK(yaml_tree_is_plain(n));
		return;
	}
	FUZZ_CHECK(yaml_tree_str(n) == NULL && !yaml_tree_is_plain(n));
	len = yaml_tree_len(n);
	if (k == YAML_TREE_SEQUENCE) {
		FUZZ_CHECK(yaml_tree_key(n, 0) == NULL);
		FUZZ_CHECK(yaml_tree_item(n, len) == NULL);
		for (i = 0; i < len; i++) {
			FUZZ_CHECK(yaml_tree_item(n, i) != NULL);
			walk(yaml_tree_item(n, i), lines, depth + 1);
		}
		return;
	}
	FUZZ_CHECK(k == YAML_TREE_MAPPING);
	FUZZ_CHECK(yaml_tree_item(n, 0) == NULL);
	FUZZ_CHECK(yaml_tree_key(n, len) == NULL && yaml_tree_value(n, len) == NULL);
	for (i = 0; i < len; i++) {
		const struct yaml_node *key = yaml_tree_key(n, i);

		FUZZ_CHECK(key != NULL && yaml_tree_value(n, i) != NULL);
		FUZZ_CHECK(yaml_tree_kind(key) == YAML_TREE_SCALAR);
		walk(key, lines, depth + 1);
		walk(yaml_tree_value(n, i), lines, depth + 1);
		/* No duplicate keys, so a lookup finds this pair. */
		for (j = 0; j < i && j < 64; j++)
			FUZZ_CHECK(strcmp(yaml_tree_str(yaml_tree_key(n, j)),
					  yaml_tree_str(key)) != 0);
		if (i < 64)
			FUZZ_CHECK(yaml_tree_get(n, yaml_tree_str(key)) == yaml_tree_value(n, i));
	}
}

/* "fuzz.yaml:LINE:COL: " with LINE in 1..lines + 1 (the end of the input), COL >= 1. */
static FUZZ_NOCOV void
check_location(const char *err, uint32_t lines)
{
	unsigned long line, col;
	char *e;

	FUZZ_CHECK(strncmp(err, NAME ":", strlen(NAME) + 1) == 0);
	line = strtoul(err + strlen(NAME) + 1, &e, 10);
	FUZZ_CHECK(*e == ':');
	col = strtoul(e + 1, &e, 10);
	FUZZ_CHECK(*e == ':' && e[1] == ' ' && e[2] != '\0');
	FUZZ_CHECK(line >= 1 && line <= lines + 1);
	FUZZ_CHECK(col >= 1);
}

static FUZZ_NOCOV char *
dump(const struct tg_config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		abort();
	config_dump(c, f);
	FUZZ_CHECK(!ferror(f));
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_config c, before, c2;
	char err[1024];
	const char *buf = (const char *)data;
	struct yaml_node *root;
	uint32_t lines = 1;
	char *text, *text2;
	size_t i, tlen, tlen2;
	int rc;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size ||
							    data[i + 1] != '\n'));
	/* libyaml also breaks lines at NEL, LS and PS: count them too (a bound only). */
	for (i = 0; i + 1 < size; i++)
		lines += (data[i] == 0xc2 && data[i + 1] == 0x85) ||
			 (i + 2 < size && data[i] == 0xe2 && data[i + 1] == 0x80 &&
			  (data[i + 2] == 0xa8 || data[i + 2] == 0xa9));

	errno = 0;
	root = yaml_tree_load_buffer(NAME, buf, size, err, sizeof(err));
	if (root != NULL) {
		walk(root, lines, 0);
		yaml_tree_free(root);
	} else {
		FUZZ_CHECK(errno == EINVAL);
		check_location(err, lines);
	}

	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	rc = config_load_buffer(&c, NAME, buf, size, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0);
		check_location(err, lines);
		return 0;
	}
	FUZZ_CHECK(err[0] == '\0');
	FUZZ_CHECK(strcmp(c.source, NAME) == 0);

	text = dump(&c, &tlen);
	memset(&c2, 0xA5, sizeof(c2));
	rc = config_load_buffer(&c2, NAME, text, tlen, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "config_dump output refused: %s\n%s\n", err, text);
	FUZZ_CHECK(rc == 0);
	if (memcmp(&c, &c2, sizeof(c)) != 0)
		fprintf(stderr, "config_dump output loads to another config:\n%s\n", text);
	FUZZ_CHECK(memcmp(&c, &c2, sizeof(c)) == 0);
	text2 = dump(&c2, &tlen2);
	FUZZ_CHECK(tlen == tlen2 && memcmp(text, text2, tlen) == 0);
	free(text);
	free(text2);
	return 0;
}
