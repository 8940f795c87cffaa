/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter names and aggregation. Workers own their blocks; only the control thread calls
 * these functions.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "counters.h"
#include "pkt_parse.h"

#define CTR_NAME(n, d) #n,
static const char *const ctr_names[CTR__COUNT] = { CTR_LIST(CTR_NAME) };
#undef CTR_NAME
#define CTR_DESC(n, d) d,
static const char *const ctr_descs[CTR__COUNT] = { CTR_LIST(CTR_DESC) };
#undef CTR_DESC

const char *
counters_name(enum ctr_id id)
{
	return id < CTR__COUNT ? ctr_names[id] : "unknown";
}

const char *
counters_desc(enum ctr_id id)
{
	return id < CTR__COUNT ? ctr_descs[id] : "";
}

void
counters_sum(const struct counters *blocks, unsigned int n, size_t stride, struct counters *out)
{
	const uint8_t *p = (const uint8_t *)blocks;
	unsigned int i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++, p += stride) {
		const volatile struct counters *b = (const volatile struct counters *)p;

		for (k = 0; k < CTR__COUNT; k++)
			out->c[k] += b->c[k];
		for (k = 0; k < PKT_ERR__COUNT; k++)
			out->parse_err[k] += b->parse_err[k];
	}
}

int
counters_write_json(const struct counters *sum, FILE *f)
{
	unsigned int k;

	fputs("{", f);
	for (k = 0; k < CTR__COUNT; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", ctr_names[k], sum->c[k]);
	for (k = 1; k < PKT_ERR__COUNT; k++)
		fprintf(f, ", \"parse_err_%s\": %" PRIu64, pkt_err_name(k), sum->parse_err[k]);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
