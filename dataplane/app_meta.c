/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redacted copies of what an event shows about a message (app_meta.h). The rule is the
 * sensors' (DESIGN.md "DLP sensors"): everything but the last 4 characters masked with
 * '*'. Host names, domains, methods and paths made of words stay readable; what may hold a
 * person's data is masked whether or not a sensor recognised it, so no event carries it:
 * every query value longer than 4 characters, a path segment holding '@' or 5 or more
 * digits, and the local part of a mail address.
 */
#include <string.h>
#include "app_meta.h"

/* Copy s[0..n) to out at *k, masking all but its last 4 characters when mask is set. */
static void
app_meta_put(char *out, size_t outlen, size_t *k, const char *s, size_t n, int mask)
{
	size_t i;

	for (i = 0; i < n && *k + 1 < outlen; i++)
		out[(*k)++] = mask && n > 4 && i < n - 4 ? '*' : s[i];
}

static int
app_meta_segment_sensitive(const char *s, size_t n)
{
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '@')
			return 1;
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
	}
	return digits >= 5;
}

void
app_meta_url(char *out, size_t outlen, const char *url)
{
	size_t k = 0, i = 0, n = strlen(url), j;
	int query = 0;

	if (outlen == 0)
		return;
	while (i < n && url[i] != '#') {
		if (!query) {
			/* A path segment, up to the next '/' or '?'. */
			for (j = i; j < n && url[j] != '/' && url[j] != '?' && url[j] != '#'; j++)
				;
			app_meta_put(out, outlen, &k, url + i, j - i,
				     app_meta_segment_sensitive(url + i, j - i));
			if (j < n && url[j] == '?')
				query = 1;
		} else {
			/* A query field: the name stays, the value is masked. */
			for (j = i; j < n && url[j] != '&' && url[j] != '=' && url[j] != '#'; j++)
				;
			app_meta_put(out, outlen, &k, url + i, j - i,
				     app_meta_segment_sensitive(url + i, j - i));
			if (j < n && url[j] == '=') {
				app_meta_put(out, outlen, &k, "=", 1, 0);
				i = j + 1;
				for (j = i; j < n && url[j] != '&' && url[j] != '#'; j++)
					;
				app_meta_put(out, outlen, &k, url + i, j - i, 1);
			}
		}
		if (j >= n || url[j] == '#')
			break;
		app_meta_put(out, outlen, &k, url + j, 1, 0);	/* the '/', '?' or '&' */
		i = j + 1;
	}
	out[k] = '\0';
}

void
app_meta_addr(char *out, size_t outlen, const char *addr)
{
	size_t k = 0, n = strlen(addr), start = 0, at;

	if (outlen == 0)
		return;
	/* "<local@domain>" or a bare address; parameters after '>' are left out. */
	while (start < n && (addr[start] == '<' || addr[start] == ' '))
		start++;
	for (at = start; at < n && addr[at] != '@' && addr[at] != '>'; at++)
		;
	app_meta_put(out, outlen, &k, addr + start, at - start, 1);
	if (at < n && addr[at] == '@') {
		size_t end;

		for (end = at; end < n && addr[end] != '>' && addr[end] != ' '; end++)
			;
		app_meta_put(out, outlen, &k, addr + at, end - at, 0);
	}
	out[k] = '\0';
}

void
app_meta_copy(char *out, size_t outlen, const char *s)
{
	size_t k = 0;

	if (outlen == 0)
		return;
	app_meta_put(out, outlen, &k, s, strlen(s), 0);
	out[k] = '\0';
}
