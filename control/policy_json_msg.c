/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON (policy_json.h), loader messages: a loader path such as
 * "rules[3].dlp[0].threshold" as an RFC 6901 pointer, and a loader message without its
 * "NAME:LINE:COL: " position, so that an error from policy_load_buffer reads, for an API
 * client, like one from the schema checks. Also the bounded printf append
 * (policy_json_priv.h) that the schema checks build their pointers and messages with.
 *
 * Pure functions; any thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_json.h"
#include "policy_json_priv.h"

/* See policy_json_priv.h. */
void
policy_json_msg_append(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o = *o + (size_t)n < len ? *o + (size_t)n : len - 1;
}

/* ---- loader messages ---- */

int
policy_json_pointer_from_path(const char *path, char *ptr, size_t len)
{
	const char *s = path;
	size_t o = 0, need = 0;
	char buf[8];

	if (ptr != NULL && len > 0)
		ptr[0] = '\0';
	if (path == NULL)
		return -EINVAL;
	while (*s != '\0' && *s != ':') {
		if (*s == '[') {
			/* "[N]" -> "/N" */
			if (s[1] < '0' || s[1] > '9')
				return -EINVAL;
			need++;
			policy_json_msg_append(ptr, len, &o, "/");
			for (s++; *s >= '0' && *s <= '9'; s++, need++)
				policy_json_msg_append(ptr, len, &o, "%c", *s);
			if (*s++ != ']')
				return -EINVAL;
			continue;
		}
		/* "key" at the start or ".key" -> "/key", "~" and "/" escaped */
		if (*s == '.' && s != path)
			s++;
		else if (s != path)
			return -EINVAL;
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr(".[]:", *s) != NULL)
			return -EINVAL;
		need++;
		policy_json_msg_append(ptr, len, &o, "/");
		for (; (unsigned char)*s > 0x20 && *s != 0x7f && strchr(".[]:", *s) == NULL; s++) {
			snprintf(buf, sizeof(buf), "%s", *s == '~' ? "~0" : *s == '/' ? "~1" : "");
			if (buf[0] == '\0') {
				buf[0] = *s;
				buf[1] = '\0';
			}
			need += strlen(buf);
			policy_json_msg_append(ptr, len, &o, "%s", buf);
		}
		if (*s != '\0' && *s != ':' && *s != '.' && *s != '[')
			return -EINVAL;
	}
	if (need >= len) {
		if (ptr != NULL && len > 0)
			ptr[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

const char *
policy_json_strip_location(const char *err)
{
	const char *s, *d;

	if (err == NULL)
		return NULL;
	/* The first ":LINE:COL: " (the name itself may hold colons). */
	for (s = strchr(err, ':'); s != NULL; s = strchr(s + 1, ':')) {
		d = s + 1;
		if (*d < '0' || *d > '9')
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (*d++ != ':' || *d < '0' || *d > '9')
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d[0] == ':' && d[1] == ' ')
			return d + 2;
	}
	return err;
}
