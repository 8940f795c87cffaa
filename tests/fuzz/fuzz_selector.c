/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the label selector parser (config/selector.h) on arbitrary text.
 *
 * Input:  the selector text up to the first NUL byte; after it, labels to match against,
 *         as "key=value" or "key" items separated by NUL bytes (at most 16).
 *
 * Checks, aborting on failure (selector.h):
 *   - a refusal sets errno EINVAL and a one-line message
 *     'selector "TEXT": column N: PROBLEM (expected WHAT)' with 1 <= N <= length + 1;
 *   - an accepted selector has at most SELECTOR_MAX_REQUIREMENTS requirements, and its
 *     canonical form (selector_format, whose snprintf-like return is checked with a
 *     buffer too small by one and with NULL) parses again to a selector with the same
 *     count that formats identically and gives the same answer on the input's labels,
 *     on no labels, and on each label alone;
 *   - the text is not kept: it is overwritten before the selector is used.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "selector.h"

#define MAX_LABELS 16

static FUZZ_NOCOV void
check_refusal(const char *err, size_t textlen)
{
	const char *c = err + 10;
	unsigned long col;
	char *e;

	FUZZ_CHECK(strncmp(err, "selector \"", 10) == 0);
	FUZZ_CHECK(strchr(err, '\n') == NULL);
	/* The quoted text: '"' and '\\' escaped with '\\', other bytes printable. */
	while (*c != '\0' && *c != '"') {
		FUZZ_CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
		c += c[0] == '\\' && c[1] != '\0' ? 2 : 1;
	}
	FUZZ_CHECK(strncmp(c, "\": column ", 10) == 0);
	col = strtoul(c + 10, &e, 10);
	FUZZ_CHECK(e != c + 10 && *e == ':');
	FUZZ_CHECK(col >= 1 && col <= textlen + 1);
	FUZZ_CHECK(strstr(e, "(expected ") != NULL);
}

static FUZZ_NOCOV char *
format(const struct selector *s, size_t *len)
{
	size_t n = selector_format(s, NULL, 0);
	char *buf = malloc(n + 1), small[1];

	if (buf == NULL)
		abort();
	FUZZ_CHECK(selector_format(s, buf, n + 1) == n);
	FUZZ_CHECK(strlen(buf) == n);
	if (n > 0) {
		char *cut = malloc(n);

		if (cut == NULL)
			abort();
		FUZZ_CHECK(selector_format(s, cut, n) == n);
		FUZZ_CHECK(strlen(cut) == n - 1 && memcmp(cut, buf, n - 1) == 0);
		free(cut);
	}
	small[0] = 'x';
	FUZZ_CHECK(selector_format(s, small, 1) == n && small[0] == '\0');
	*len = n;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct selector_label labels[MAX_LABELS];
	char err[2048], *text, *rest, *form, *form2;
	struct selector *s, *s2;
	size_t tlen, n = 0, flen, flen2, i;
	const char *p, *end;

	if (size > SELECTOR_MAX_LEN + 1024)
		size = SELECTOR_MAX_LEN + 1024;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	tlen = strlen(text);
	/* The labels: NUL-separated items after the text, "key=value" or "key". */
	rest = malloc(size + 1);
	if (rest == NULL)
		abort();
	memcpy(rest, text, size + 1);
	p = rest + tlen + 1;
	end = rest + size;
	while (p < end && n < MAX_LABELS) {
		char *item = (char *)p, *eq = strchr(item, '=');

		p += strlen(item) + 1;
		if (eq != NULL) {
			*eq = '\0';
			labels[n].value = eq + 1;
		} else {
			labels[n].value = NULL;
		}
		labels[n].key = item;
		n++;
	}

	errno = 0;
	memset(err, 'x', sizeof(err));
	s = selector_parse(text, err, sizeof(err));
	if (s == NULL) {
		FUZZ_CHECK(errno == EINVAL);
		FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
		check_refusal(err, tlen);
		FUZZ_CHECK(selector_parse(text, NULL, 0) == NULL);
		goto out;
	}
	FUZZ_CHECK(tlen <= SELECTOR_MAX_LEN);
	FUZZ_CHECK(selector_count(s) <= SELECTOR_MAX_REQUIREMENTS);
	memset(text, '!', tlen);	/* the selector must not refer to it */

	form = format(s, &flen);
	s2 = selector_parse(form, err, sizeof(err));
	if (s2 == NULL) {
		/* Only a form longer than the text may be refused (selector.h). */
		FUZZ_CHECK(flen > SELECTOR_MAX_LEN);
		free(form);
		selector_free(s);
		goto out;
	}
	FUZZ_CHECK(selector_count(s2) == selector_count(s));
	form2 = format(s2, &flen2);
	FUZZ_CHECK(flen2 == flen && strcmp(form, form2) == 0);
	FUZZ_CHECK(selector_matches(s, labels, n) == selector_matches(s2, labels, n));
	FUZZ_CHECK(selector_matches(s, NULL, 0) == selector_matches(s2, NULL, 0));
	for (i = 0; i < n; i++)
		FUZZ_CHECK(selector_matches(s, &labels[i], 1) ==
			   selector_matches(s2, &labels[i], 1));
	if (selector_count(s) == 0)
		FUZZ_CHECK(selector_matches(s, labels, n) && flen == 0);
	FUZZ_CHECK(!selector_matches(NULL, labels, n));
	free(form);
	free(form2);
	selector_free(s);
	selector_free(s2);
out:
	free(rest);
	free(text);
	return 0;
}
