/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-sensors' traffic mixes (see bench_mix.h and docs/performance.md). A small
 * xorshift generator per fill, so the same seed always gives the same bytes.
 */
#include <string.h>

#include "bench_mix.h"

struct mix {
	uint8_t *p;
	size_t len, cap;
	uint64_t rng;
};

static uint32_t
rnd(struct mix *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (uint32_t)(m->rng >> 11);
}

static void
put(struct mix *m, const char *s, size_t n)
{
	if (m->len + n > m->cap)
		n = m->cap - m->len;
	memcpy(m->p + m->len, s, n);
	m->len += n;
}

static void
puts_(struct mix *m, const char *s)
{
	put(m, s, strlen(s));
}

static const char *const words[] = {
	"the", "customer", "order", "shipping", "price", "account", "session", "widget",
	"container", "navigation", "button", "settings", "profile", "update", "delivery",
	"invoice", "product", "review", "search", "results", "checkout", "summary",
};

static void
put_words(struct mix *m, unsigned int n)
{
	while (n--) {
		puts_(m, words[rnd(m) % (sizeof(words) / sizeof(words[0]))]);
		put(m, " ", 1);
	}
}

static void
put_digits(struct mix *m, unsigned int n)
{
	char d;

	while (n--) {
		d = (char)('0' + rnd(m) % 10);
		put(m, &d, 1);
	}
}

const struct bench_mix_value bench_mix_values[BENCH_MIX_VALUES] = {
	{ "4111 1111 1111 1111", "credit_card" },
	{ "5500-0000-0000-0004", "credit_card" },
	{ "DE89370400440532013000", "iban" },
	{ "GB82 WEST 1234 5698 7654 32", "iban" },
	{ "jane.doe@example.org", "email" },
	{ "SSN 123-45-6789", "us_ssn" },
	{ "+44 20 7946 0958", "phone" },
	{ "4111111111111112", NULL },		/* Luhn fails */
	{ "1748503543012", NULL },		/* a millisecond timestamp */
	{ "DE00370400440532013000", NULL },	/* bad check digits */
};

/* Personal data at low density: valid values and near-misses. */
static void
put_pd(struct mix *m)
{
	puts_(m, bench_mix_values[rnd(m) % BENCH_MIX_VALUES].text);
}

static void
gen_html(struct mix *m)
{
	puts_(m, "<div class=\"card\"><h2>");
	put_words(m, 3);
	puts_(m, "</h2><p>");
	put_words(m, 40);
	puts_(m, "</p><a href=\"/products/");
	put_digits(m, 6);
	puts_(m, "\">more</a></div>\n");
}

static void
gen_json(struct mix *m)
{
	puts_(m, "{\"id\":");
	put_digits(m, 9);
	puts_(m, ",\"uuid\":\"3f2b8c1e-9d4a-4e6f-b2a1-");
	put_digits(m, 12);
	puts_(m, "\",\"ts\":");
	put_digits(m, 13);
	puts_(m, ",\"status\":\"shipped\",\"items\":[{\"sku\":\"SKU-");
	put_digits(m, 8);
	puts_(m, "\",\"qty\":");
	put_digits(m, 1);
	puts_(m, ",\"price\":");
	put_digits(m, 3);
	puts_(m, ".99}],\"note\":\"");
	put_words(m, 12);
	puts_(m, "\"}\n");
}

static void
gen_js(struct mix *m)
{
	puts_(m, "function render(el,state){var n=state.items.length;for(var i=0;i<n;i++){"
		 "el.appendChild(document.createElement('li')).textContent=state.items[i]."
		 "name+' '+state.items[i].price.toFixed(2);}return n;}\n");
}

static void
gen_base64(struct mix *m)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int i;
	char c;

	for (i = 0; i < 76 * 8; i++) {
		c = al[rnd(m) % 64];
		put(m, &c, 1);
		if (i % 76 == 75)
			put(m, "\r\n", 2);
	}
}

static void
gen_standard(struct mix *m, enum bench_mix_kind only)
{
	size_t next_pd = 16384;

	while (m->len < m->cap) {
		unsigned int r = rnd(m) % 100;

		if (only == BENCH_MIX_HTML)
			gen_html(m);
		else if (only == BENCH_MIX_JSON)
			gen_json(m);
		else if (only == BENCH_MIX_JS)
			gen_js(m);
		else if (only == BENCH_MIX_BASE64)
			gen_base64(m);
		else if (r < 35)
			gen_html(m);
		else if (r < 65)
			gen_json(m);
		else if (r < 85)
			gen_js(m);
		else
			gen_base64(m);
		if (m->len >= next_pd) {
			put(m, " ", 1);
			put_pd(m);
			put(m, " ", 1);
			next_pd += 16384;
		}
	}
}

/* A 16-digit number starting like a card, its Luhn digit usually wrong. */
static void
put_card_like(struct mix *m, int grouped)
{
	static const char sep[] = " -";
	char d[16];
	unsigned int i, sum = 0;

	d[0] = (char)('2' + rnd(m) % 5);
	for (i = 1; i < 15; i++)
		d[i] = (char)('0' + rnd(m) % 10);
	for (i = 0; i < 15; i++) {
		unsigned int v = (unsigned int)(d[14 - i] - '0');

		if (i % 2 == 0)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	d[15] = (char)('0' + (10 - sum % 10) % 10);
	if (rnd(m) % 8 != 0)	/* a near miss: one check digit off */
		d[15] = (char)('0' + (d[15] - '0' + 1 + rnd(m) % 9) % 10);
	for (i = 0; i < 16; i++) {
		put(m, &d[i], 1);
		if (grouped && i % 4 == 3 && i < 15)
			put(m, &sep[grouped - 1], 1);
	}
}

static void
gen_csv_row(struct mix *m)
{
	put_digits(m, 1 + rnd(m) % 9);
	put(m, ",", 1);
	puts_(m, "2024");
	put_digits(m, 4);
	put(m, ",", 1);
	put_card_like(m, 0);
	put(m, ",", 1);
	put_digits(m, 3);
	put(m, "-", 1);
	put_digits(m, 2);
	put(m, "-", 1);
	put_digits(m, 4);
	put(m, ",0.", 2);
	put_digits(m, 6);
	put(m, ",", 1);
	put_digits(m, 9 + rnd(m) % 4);
	put(m, ",", 1);
	put_digits(m, 2);
	put(m, ".", 1);
	put_digits(m, 2);
	put(m, ".", 1);
	put_digits(m, 2);
	put(m, "-", 1);
	put_digits(m, 3);
	put(m, ".", 1);
	put_digits(m, 2);
	put(m, "\n", 1);
}

static void
gen_adversarial(struct mix *m)
{
	static const char *const toks[] = {
		"+44 20 7946 095", "(020) 7946 095", "0049 30 1234567", "+1-202-555-01",
		"GB00 WEST 1234 5698 7654 3", "DE0037040044053201300", "NL91ABNA041716430",
		"RSSMRA85T10A562", "AB 12 34 56 ", "PT 501 964 84", "X1234567", "12345678",
	};
	unsigned int r;

	while (m->len < m->cap) {
		r = rnd(m) % 100;
		if (r < 45) {
			gen_csv_row(m);
		} else if (r < 60) {
			put_digits(m, 20 + rnd(m) % 480);	/* a long run */
			put(m, "\n", 1);
		} else if (r < 80) {
			put_card_like(m, (int)(rnd(m) % 3));
			put(m, rnd(m) % 2 ? " " : "\n", 1);
		} else if (r < 90) {
			puts_(m, toks[rnd(m) % (sizeof(toks) / sizeof(toks[0]))]);
			put_digits(m, 1);
			put(m, " ", 1);
		} else {
			unsigned int i, n = 4 + rnd(m) % 12;

			/* Numbers in groups of four: 16-60 digits. */
			for (i = 0; i < n; i++) {
				put_digits(m, 4);
				put(m, i + 1 < n ? " " : "\n", 1);
			}
		}
	}
}

size_t
bench_mix_fill(uint8_t *buf, size_t cap, enum bench_mix_kind kind, uint64_t seed)
{
	struct mix m;

	m.p = buf;
	m.len = 0;
	m.cap = cap;
	m.rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	if (kind == BENCH_MIX_ADVERSARIAL)
		gen_adversarial(&m);
	else
		gen_standard(&m, kind);
	return m.len;
}
