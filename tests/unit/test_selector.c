/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the Kubernetes label selector (config/selector.c): every operator matching
 * and not matching, absent-key semantics, blanks, prefixed keys, the canonical form and its
 * round trip, the exact wording of each refusal, the bounds, and a table of cases taken from
 * k8s.io/apimachinery/pkg/labels' selector tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "selector.h"

#define MAX_TEST_LABELS 8

/* Labels parsed from "k=v;k2=v2" ("" is none); the strings live in buf. */
struct test_labels {
	struct selector_label l[MAX_TEST_LABELS];
	size_t n;
	char buf[256];
};

static void
labels_from(struct test_labels *t, const char *spec)
{
	char *item, *save = NULL;

	assert_true(strlen(spec) < sizeof(t->buf));
	strcpy(t->buf, spec);
	t->n = 0;
	for (item = strtok_r(t->buf, ";", &save); item != NULL;
	     item = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(item, '=');

		assert_non_null(eq);
		assert_true(t->n < MAX_TEST_LABELS);
		*eq = '\0';
		t->l[t->n].key = item;
		t->l[t->n].value = eq + 1;
		t->n++;
	}
}

/* Whether selector text matches the labels of spec; text must parse. */
static bool
matches(const char *text, const char *spec)
{
	struct test_labels t;
	struct selector *s;
	char err[512];
	bool m;

	s = selector_parse(text, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	labels_from(&t, spec);
	m = selector_matches(s, t.l, t.n);
	selector_free(s);
	return m;
}

/* Parsing text must fail with errno EINVAL and exactly msg. */
static void
assert_refused(const char *text, const char *msg)
{
	struct selector *s;
	char err[1024];

	errno = 0;
	s = selector_parse(text, err, sizeof(err));
	if (s != NULL) {
		selector_free(s);
		fail_msg("accepted: %s", text);
	}
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, msg);
}

/* text parses, has count requirements and formats as canonical, which formats the same. */
static void
assert_canonical(const char *text, unsigned int count, const char *canonical)
{
	struct selector *s, *again;
	char out[8192], out2[8192];
	char err[512];
	size_t n;

	s = selector_parse(text, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(selector_count(s), count);
	n = selector_format(s, out, sizeof(out));
	assert_int_equal(n, strlen(canonical));
	assert_string_equal(out, canonical);

	again = selector_parse(out, err, sizeof(err));
	if (again == NULL)
		fail_msg("%s", err);
	assert_int_equal(selector_count(again), count);
	assert_int_equal(selector_format(again, out2, sizeof(out2)), n);
	assert_string_equal(out2, canonical);
	selector_free(again);
	selector_free(s);
}

/* n copies of unit, then tail, in a malloc'd string. */
static char *
repeat(const char *unit, size_t n, const char *tail)
{
	size_t ulen = strlen(unit), tlen = strlen(tail), i;
	char *s = malloc(ulen * n + tlen + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ulen, unit, ulen);
	memcpy(s + n * ulen, tail, tlen + 1);
	return s;
}

static void
test_selector_empty_selector_matches_everything(void **state)
{
	struct test_labels t;
	struct selector *s;
	char out[8];

	(void)state;
	labels_from(&t, "app=web;tier=db");
	s = selector_parse("", NULL, 0);
	assert_non_null(s);
	assert_int_equal(selector_count(s), 0);
	assert_true(selector_matches(s, t.l, t.n));
	assert_true(selector_matches(s, NULL, 0));
	assert_int_equal(selector_format(s, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	selector_free(s);

	/* Blanks only is the empty selector too. */
	s = selector_parse(" \t\r\n ", NULL, 0);
	assert_non_null(s);
	assert_int_equal(selector_count(s), 0);
	assert_true(selector_matches(s, t.l, t.n));
	selector_free(s);
}

static void
test_selector_null_selector_matches_nothing(void **state)
{
	struct test_labels t;
	char out[8] = "x";

	(void)state;
	labels_from(&t, "app=web");
	assert_false(selector_matches(NULL, t.l, t.n));
	assert_false(selector_matches(NULL, NULL, 0));
	assert_int_equal(selector_count(NULL), 0);
	assert_int_equal(selector_format(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	selector_free(NULL);
}

static void
test_selector_equals_matches_only_that_value(void **state)
{
	(void)state;
	assert_true(matches("app=web", "app=web"));
	assert_true(matches("app==web", "app=web"));
	assert_false(matches("app=web", "app=api"));
	assert_false(matches("app==web", "app=api"));
	assert_false(matches("app=web", "tier=web"));
	assert_false(matches("app=web", ""));
	/* Values compare exactly: case and prefixes matter. */
	assert_false(matches("app=web", "app=Web"));
	assert_false(matches("app=web", "app=web2"));
	/* "app=" selects the empty value, and only a present key has one. */
	assert_true(matches("app=", "app="));
	assert_false(matches("app=", "app=web"));
	assert_false(matches("app=", ""));
}

static void
test_selector_not_equals_matches_other_values_and_absent_key(void **state)
{
	(void)state;
	assert_true(matches("app!=web", "app=api"));
	assert_false(matches("app!=web", "app=web"));
	assert_true(matches("app!=web", ""));
	assert_true(matches("app!=web", "tier=web"));
	assert_true(matches("app!=", "app=web"));
	assert_false(matches("app!=", "app="));
	assert_true(matches("app!=", ""));
}

static void
test_selector_in_matches_listed_values_of_a_present_key(void **state)
{
	(void)state;
	assert_true(matches("env in (prod,staging)", "env=prod"));
	assert_true(matches("env in (prod,staging)", "env=staging"));
	assert_false(matches("env in (prod,staging)", "env=dev"));
	assert_false(matches("env in (prod,staging)", ""));
	assert_false(matches("env in (prod,staging)", "tier=prod"));
	assert_true(matches("env in (prod)", "env=prod"));
}

static void
test_selector_notin_matches_unlisted_values_and_absent_key(void **state)
{
	(void)state;
	assert_true(matches("env notin (prod,staging)", "env=dev"));
	assert_false(matches("env notin (prod,staging)", "env=prod"));
	assert_false(matches("env notin (prod,staging)", "env=staging"));
	assert_true(matches("env notin (prod,staging)", ""));
	assert_true(matches("env notin (prod,staging)", "tier=prod"));
}

static void
test_selector_exists_and_does_not_exist(void **state)
{
	(void)state;
	assert_true(matches("canary", "canary=true"));
	assert_true(matches("canary", "canary="));
	assert_false(matches("canary", "app=canary"));
	assert_false(matches("canary", ""));
	assert_true(matches("!canary", "app=canary"));
	assert_true(matches("!canary", ""));
	assert_false(matches("!canary", "canary="));
	assert_false(matches("!canary", "canary=true"));
}

static void
test_selector_requirements_are_anded(void **state)
{
	(void)state;
	assert_true(matches("app=web,tier in (fe,be),!canary", "app=web;tier=fe"));
	assert_false(matches("app=web,tier in (fe,be),!canary", "app=web;tier=db"));
	assert_false(matches("app=web,tier in (fe,be),!canary", "app=web;tier=fe;canary=1"));
	assert_false(matches("app=web,tier in (fe,be),!canary", "tier=fe"));
	/* Contradictory requirements on one key match nothing. */
	assert_false(matches("app=web,app=api", "app=web"));
	assert_false(matches("app=web,app=api", "app=api"));
}

static void
test_selector_blanks_around_tokens_are_ignored(void **state)
{
	static const char *const variants[] = {
		"app=web,env in (prod,dev),!canary,tier!=db,zone notin (a)",
		"app = web , env in(prod,dev) , ! canary , tier != db , zone notin(a)",
		"  app=web,\tenv\tin\t(\tprod\t,\tdev\t),!canary,tier!=db,zone notin (a)  ",
		"\r\napp\n=\nweb\n,\nenv in ( prod , dev ),\n!canary,\ntier !=db,"
		"zone notin ( a )\n",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		assert_canonical(variants[i], 5,
				 "app=web,env in (dev,prod),!canary,tier!=db,zone notin (a)");
	/* A blank ends a word: "env in" is a key and an operator, "envin" one key. */
	assert_refused("envin (a)", "selector \"envin (a)\": column 7: found \"(\" after key "
		       "\"envin\" (expected =, ==, !=, in, notin, ',' or end of selector)");
}

static void
test_selector_prefixed_keys_are_accepted(void **state)
{
	char *prefix253, *name63, *text;

	(void)state;
	assert_true(matches("example.com/app=web", "example.com/app=web"));
	assert_false(matches("example.com/app=web", "app=web"));
	assert_false(matches("app=web", "example.com/app=web"));
	assert_true(matches("app.kubernetes.io/name in (nginx)", "app.kubernetes.io/name=nginx"));
	assert_true(matches("!k8s-1.example-2.io/Tier_A.b", "k8s-1.example-2.io/tier_a.b=x"));
	assert_canonical("  example.com/app  =  web  ", 1, "example.com/app=web");
	assert_canonical("a-1.b2/X.y_z-9", 1, "a-1.b2/X.y_z-9");

	/* The bounds themselves are accepted: 253-byte prefix, 63-byte name and value. */
	prefix253 = repeat("a", 253, "");
	name63 = repeat("n", 63, "");
	text = malloc(253 + 1 + 63 + 1 + 63 + 1);
	assert_non_null(text);
	sprintf(text, "%s/%s=%s", prefix253, name63, name63);
	assert_canonical(text, 1, text);
	free(text);
	free(name63);
	free(prefix253);
}

static void
test_selector_in_and_notin_are_also_keys_and_values(void **state)
{
	(void)state;
	assert_true(matches("in in (in)", "in=in"));
	assert_true(matches("notin=in", "notin=in"));
	assert_true(matches("notin notin (notin)", "notin=in"));
	assert_true(matches("in", "in=x"));
	assert_canonical("in in(in),notin", 2, "in in (in),notin");
}

static void
test_selector_first_occurrence_of_a_label_counts(void **state)
{
	const struct selector_label dup[] = { { "app", "web" }, { "app", "api" } };
	const struct selector_label odd[] = { { NULL, "web" }, { "app", NULL } };
	struct selector *s;

	(void)state;
	s = selector_parse("app=web", NULL, 0);
	assert_non_null(s);
	assert_true(selector_matches(s, dup, 2));
	assert_false(selector_matches(s, dup + 1, 1));
	/* A NULL key is skipped, a NULL value reads as "". */
	assert_false(selector_matches(s, odd, 2));
	selector_free(s);

	s = selector_parse("app=", NULL, 0);
	assert_non_null(s);
	assert_true(selector_matches(s, odd, 2));
	assert_false(selector_matches(s, odd, 1));
	selector_free(s);
}

static void
test_selector_format_is_kubernetes_canonical_form(void **state)
{
	(void)state;
	assert_canonical("x", 1, "x");
	assert_canonical("!x", 1, "!x");
	assert_canonical("x=a", 1, "x=a");
	assert_canonical("x==a", 1, "x==a");
	assert_canonical("x!=a", 1, "x!=a");
	assert_canonical("x=", 1, "x=");
	assert_canonical("x = , y != ", 2, "x=,y!=");
	/* Sets: sorted bytewise (upper case first), duplicates dropped. */
	assert_canonical("x in (c,a,B,b,a)", 1, "x in (B,a,b,c)");
	assert_canonical("x notin (z9,z10,z1)", 1, "x notin (z1,z10,z9)");
	assert_canonical("x in (a,a)", 1, "x in (a)");
	/* Requirements keep their order, duplicates included. */
	assert_canonical("z,y=1,x in (2),z", 4, "z,y=1,x in (2),z");
}

static void
test_selector_format_truncates_like_snprintf(void **state)
{
	struct selector *s;
	char buf[8];

	(void)state;
	s = selector_parse("app=web,env in (b,a)", NULL, 0);
	assert_non_null(s);
	assert_int_equal(selector_format(s, NULL, 0), 20);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(selector_format(s, buf, 0), 20);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(selector_format(s, buf, 1), 20);
	assert_string_equal(buf, "");
	assert_int_equal(selector_format(s, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "app=web");
	selector_free(s);
}

static void
test_selector_empty_requirement_is_refused(void **state)
{
	(void)state;
	assert_refused("app=web,,tier", "selector \"app=web,,tier\": column 9: empty requirement "
		       "(expected key, !key, key=value, key in (...))");
	assert_refused(",app", "selector \",app\": column 1: empty requirement "
		       "(expected key, !key, key=value, key in (...))");
	assert_refused(" , ", "selector \" , \": column 2: empty requirement "
		       "(expected key, !key, key=value, key in (...))");
}

static void
test_selector_trailing_comma_is_refused(void **state)
{
	(void)state;
	assert_refused("app=web,", "selector \"app=web,\": column 8: trailing ',' "
		       "(expected a requirement after it)");
	assert_refused("app , \t", "selector \"app , \\x09\": column 5: trailing ',' "
		       "(expected a requirement after it)");
}

static void
test_selector_bad_key_characters_are_refused(void **state)
{
	(void)state;
	assert_refused("ap$p=web", "selector \"ap$p=web\": column 3: invalid character '$' in key "
		       "\"ap$p\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("a\"b", "selector \"a\\\"b\": column 2: invalid character '\"' in key "
		       "\"a\\\"b\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("caf\xc3\xa9", "selector \"caf\\xC3\\xA9\": column 4: invalid character "
		       "'\\xC3' in key \"caf\\xC3\\xA9\" (expected letters, digits, '-', '_' "
		       "or '.')");
	assert_refused("-app", "selector \"-app\": column 1: key \"-app\" starts with '-' "
		       "(expected a letter or digit)");
	assert_refused("app.=x", "selector \"app.=x\": column 4: key \"app.\" ends with '.' "
		       "(expected a letter or digit)");
	assert_refused("example.com/_app", "selector \"example.com/_app\": column 13: key name "
		       "\"_app\" starts with '_' (expected a letter or digit)");
	assert_refused("Example.com/app", "selector \"Example.com/app\": column 1: invalid "
		       "character 'E' in key prefix \"Example.com\" (expected a-z, 0-9, '-' "
		       "or '.')");
	assert_refused("ex_ample.com/app", "selector \"ex_ample.com/app\": column 3: invalid "
		       "character '_' in key prefix \"ex_ample.com\" (expected a-z, 0-9, '-' "
		       "or '.')");
	assert_refused("a..b/x", "selector \"a..b/x\": column 2: key prefix \"a..b\" is not a DNS "
		       "subdomain (expected labels of a-z, 0-9 and '-' separated by single dots, "
		       "each starting and ending with a letter or digit)");
	assert_refused("a.-b/x", "selector \"a.-b/x\": column 3: key prefix \"a.-b\" is not a DNS "
		       "subdomain (expected labels of a-z, 0-9 and '-' separated by single dots, "
		       "each starting and ending with a letter or digit)");
	assert_refused(".a/x", "selector \".a/x\": column 1: key prefix \".a\" is not a DNS "
		       "subdomain (expected labels of a-z, 0-9 and '-' separated by single dots, "
		       "each starting and ending with a letter or digit)");
	assert_refused("a-/x", "selector \"a-/x\": column 2: key prefix \"a-\" is not a DNS "
		       "subdomain (expected labels of a-z, 0-9 and '-' separated by single dots, "
		       "each starting and ending with a letter or digit)");
	assert_refused("/app", "selector \"/app\": column 1: key \"/app\" has an empty prefix "
		       "before '/' (expected a DNS subdomain such as example.com)");
	assert_refused("example.com/=x", "selector \"example.com/=x\": column 13: key "
		       "\"example.com/\" has an empty name after '/' (expected a name such as "
		       "app)");
	assert_refused("a/b/c", "selector \"a/b/c\": column 4: key \"a/b/c\" has a second '/' "
		       "(expected prefix/name with one '/')");
	assert_refused("app,ti:er", "selector \"app,ti:er\": column 7: invalid character ':' in "
		       "key \"ti:er\" (expected letters, digits, '-', '_' or '.')");
}

static void
test_selector_key_too_long_is_refused(void **state)
{
	char *text, msg[512], *name64, *prefix254;

	(void)state;
	name64 = repeat("k", 64, "");
	text = repeat("k", 64, "=v");
	sprintf(msg, "selector \"%s...\": column 1: key name \"%s\" is 64 characters long "
		"(expected at most 63)", name64, name64);
	assert_refused(text, msg);
	free(text);

	/* After a prefix the column is the name's. */
	text = repeat("x.io/", 1, name64);
	sprintf(msg, "selector \"x.io/%.59s...\": column 6: key name \"%s\" is 64 characters long "
		"(expected at most 63)", name64, name64);
	assert_refused(text, msg);
	free(text);

	prefix254 = repeat("p", 254, "");
	text = repeat("p", 254, "/app");
	sprintf(msg, "selector \"%.64s...\": column 1: key prefix \"%.64s...\" is 254 characters "
		"long (expected at most 253)", prefix254, prefix254);
	assert_refused(text, msg);
	free(text);
	free(prefix254);
	free(name64);
}

static void
test_selector_bad_values_are_refused(void **state)
{
	char text[128], msg[512], *value64;

	(void)state;
	value64 = repeat("v", 64, "");
	sprintf(text, "app=%s", value64);
	sprintf(msg, "selector \"app=%.60s...\": column 5: value \"%s\" is 64 characters long "
		"(expected at most 63)", value64, value64);
	assert_refused(text, msg);
	sprintf(text, "app in (a,%s)", value64);
	sprintf(msg, "selector \"app in (a,%.54s...\": column 11: value \"%s\" is 64 characters "
		"long (expected at most 63)", value64, value64);
	assert_refused(text, msg);
	free(value64);

	assert_refused("app=w@b", "selector \"app=w@b\": column 6: invalid character '@' in value "
		       "\"w@b\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("app=w\x01" "b", "selector \"app=w\\x01b\": column 6: invalid character "
		       "'\\x01' in value \"w\\x01b\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("app=-web", "selector \"app=-web\": column 5: value \"-web\" starts with "
		       "'-' (expected a letter or digit)");
	assert_refused("app in (web_)", "selector \"app in (web_)\": column 12: value \"web_\" "
		       "ends with '_' (expected a letter or digit)");
	assert_refused("app=a||b", "selector \"app=a||b\": column 6: invalid character '|' in "
		       "value \"a||b\" (expected letters, digits, '-', '_' or '.')");
}

static void
test_selector_unclosed_set_is_refused(void **state)
{
	(void)state;
	assert_refused("env in (a,b", "selector \"env in (a,b\": column 12: end of selector "
		       "inside the set opened at column 8 (expected ',' or ')')");
	assert_refused("env in (a,", "selector \"env in (a,\": column 11: end of selector "
		       "inside the set opened at column 8 (expected a value and ')')");
	assert_refused("env in (", "selector \"env in (\": column 9: end of selector "
		       "inside the set opened at column 8 (expected a value and ')')");
	assert_refused("env in (a b)", "selector \"env in (a b)\": column 11: found \"b\" in "
		       "value set (expected ',' or ')')");
	assert_refused("env in (a,=)", "selector \"env in (a,=)\": column 11: found \"=\" in "
		       "value set (expected a value)");
	assert_refused("env in (a,(b))", "selector \"env in (a,(b))\": column 11: found \"(\" in "
		       "value set (expected a value)");
}

static void
test_selector_empty_set_and_empty_members_are_refused(void **state)
{
	(void)state;
	assert_refused("env in ()", "selector \"env in ()\": column 8: empty value set \"()\" "
		       "after 'in' (expected at least one value)");
	assert_refused("env notin ( )", "selector \"env notin ( )\": column 11: empty value set "
		       "\"()\" after 'notin' (expected at least one value)");
	assert_refused("env in (a,)", "selector \"env in (a,)\": column 11: empty value in set "
		       "(expected a value before ')')");
	assert_refused("env in (,a)", "selector \"env in (,a)\": column 9: empty value in set "
		       "(expected a value before ',')");
	assert_refused("env in (a,,b)", "selector \"env in (a,,b)\": column 11: empty value in "
		       "set (expected a value before ',')");
}

static void
test_selector_unknown_operators_are_refused(void **state)
{
	(void)state;
	assert_refused("app=~web", "selector \"app=~web\": column 4: unknown operator \"=~\" "
		       "(expected =, ==, !=, in or notin)");
	assert_refused("app ~= web", "selector \"app ~= web\": column 5: unknown operator \"~=\" "
		       "(expected =, ==, !=, in or notin)");
	assert_refused("app===web", "selector \"app===web\": column 4: unknown operator \"===\" "
		       "(expected =, ==, !=, in or notin)");
	/* Kubernetes' numeric Gt and Lt are not part of this grammar. */
	assert_refused("replicas>1", "selector \"replicas>1\": column 9: unknown operator \">\" "
		       "(expected =, ==, !=, in or notin)");
	assert_refused("replicas<1", "selector \"replicas<1\": column 9: unknown operator \"<\" "
		       "(expected =, ==, !=, in or notin)");
	assert_refused("app!web", "selector \"app!web\": column 4: unknown operator \"!\" "
		       "(expected =, ==, !=, in or notin)");
	assert_refused("app web", "selector \"app web\": column 5: found \"web\" after key \"app\" "
		       "(expected =, ==, !=, in, notin, ',' or end of selector)");
	assert_refused("app(web)", "selector \"app(web)\": column 4: found \"(\" after key \"app\" "
		       "(expected =, ==, !=, in, notin, ',' or end of selector)");
}

static void
test_selector_in_without_parentheses_is_refused(void **state)
{
	(void)state;
	assert_refused("app in web", "selector \"app in web\": column 8: found \"web\" after 'in' "
		       "(expected '(')");
	assert_refused("app notin web,x", "selector \"app notin web,x\": column 11: found \"web\" "
		       "after 'notin' (expected '(')");
	assert_refused("app in", "selector \"app in\": column 7: end of selector after 'in' "
		       "(expected '(')");
	assert_refused("app in ,x", "selector \"app in ,x\": column 8: found \",\" after 'in' "
		       "(expected '(')");
}

static void
test_selector_misplaced_tokens_are_refused(void **state)
{
	(void)state;
	assert_refused("=web", "selector \"=web\": column 1: found \"=\" where a requirement "
		       "starts (expected key, !key, key=value, key in (...))");
	assert_refused("(a)", "selector \"(a)\": column 1: found \"(\" where a requirement "
		       "starts (expected key, !key, key=value, key in (...))");
	assert_refused("!", "selector \"!\": column 2: end of selector after '!' "
		       "(expected a key)");
	assert_refused("! ,a", "selector \"! ,a\": column 3: found \",\" after '!' "
		       "(expected a key)");
	assert_refused("!!a", "selector \"!!a\": column 1: found \"!!\" where a requirement "
		       "starts (expected key, !key, key=value, key in (...))");
	assert_refused("!app=web", "selector \"!app=web\": column 5: found \"=\" after \"!app\" "
		       "(expected ',' or end of selector: !key takes no operator or value)");
	assert_refused("!app in (a)", "selector \"!app in (a)\": column 6: found \"in\" after "
		       "\"!app\" (expected ',' or end of selector: !key takes no operator or "
		       "value)");
	assert_refused("app=web tier", "selector \"app=web tier\": column 9: found \"tier\" after "
		       "a requirement (expected ',' or end of selector)");
	assert_refused("x==a==b", "selector \"x==a==b\": column 5: found \"==\" after "
		       "a requirement (expected ',' or end of selector)");
	assert_refused("env in (a)(b)", "selector \"env in (a)(b)\": column 11: found \"(\" after "
		       "a requirement (expected ',' or end of selector)");
	assert_refused("app)", "selector \"app)\": column 4: found \")\" after key \"app\" "
		       "(expected =, ==, !=, in, notin, ',' or end of selector)");
	assert_refused("app=(web)", "selector \"app=(web)\": column 5: found \"(\" after '=' "
		       "(expected a value, ',' or end of selector)");
	assert_refused("app!=)", "selector \"app!=)\": column 6: found \")\" after '!=' "
		       "(expected a value, ',' or end of selector)");
}

static void
test_selector_length_is_bounded(void **state)
{
	char *text, *head, msg[512];

	(void)state;
	/* 4096 bytes: a key and blanks. */
	text = repeat(" ", 4095, "a");
	assert_canonical(text, 1, "a");
	free(text);

	text = repeat("a", 4097, "");
	head = repeat("a", 64, "");
	snprintf(msg, sizeof(msg), "selector \"%s...\": column 4097: selector is 4097 bytes long "
		 "(expected at most 4096)", head);
	assert_refused(text, msg);
	free(head);
	free(text);
}

static void
test_selector_requirement_count_is_bounded(void **state)
{
	char *text, *head, msg[512];

	(void)state;
	text = repeat("a,", 63, "a");
	assert_canonical(text, 64, text);
	free(text);

	/* The 65th "a" starts at byte 128. */
	text = repeat("a,", 64, "a");
	head = repeat("a,", 32, "");
	snprintf(msg, sizeof(msg), "selector \"%s...\": column 129: too many requirements "
		 "(expected at most 64)", head);
	assert_refused(text, msg);
	free(head);
	free(text);
}

static void
test_selector_set_size_is_bounded(void **state)
{
	char *text, *head, msg[512];
	struct selector *s;
	char err[512];

	(void)state;
	/* 64 values, even repeated ones, are accepted; duplicates then collapse. */
	text = repeat("v,", 63, "v)");
	head = malloc(strlen(text) + 8);
	assert_non_null(head);
	sprintf(head, "k in (%s", text);
	s = selector_parse(head, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(selector_format(s, err, sizeof(err)), 8);
	assert_string_equal(err, "k in (v)");
	selector_free(s);
	free(head);
	free(text);

	/* The 65th value starts at byte 6 + 128. */
	text = repeat("v,", 64, "v)");
	head = malloc(strlen(text) + 8);
	assert_non_null(head);
	sprintf(head, "k in (%s", text);
	snprintf(msg, sizeof(msg), "selector \"%.64s...\": column 135: too many values in set "
		 "(expected at most 64)", head);
	assert_refused(head, msg);
	free(head);
	free(text);
}

static void
test_selector_null_text_and_short_error_buffers(void **state)
{
	char err[64], tiny[12];

	(void)state;
	errno = 0;
	assert_null(selector_parse(NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "selector: text is NULL (expected a string)");

	/* No buffer at all still refuses, with errno set. */
	errno = 0;
	assert_null(selector_parse("a=,", NULL, 0));
	assert_int_equal(errno, EINVAL);

	assert_null(selector_parse("app=web,", tiny, sizeof(tiny)));
	assert_string_equal(tiny, "selector \"a");
	assert_null(selector_parse("a,", err, 30));
	assert_string_equal(err, "selector \"a,\": column 2: trai");
}

/* Cases from k8s.io/apimachinery/pkg/labels selector_test.go (TestSelectorMatches, set tests). */
static void
test_selector_kubernetes_semantics_table(void **state)
{
	static const struct {
		const char *selector;
		const char *labels;
		bool match;
	} cases[] = {
		{ "", "x=y", true },
		{ "x=y", "x=y", true },
		{ "x=y,z=w", "x=y;z=w", true },
		{ "x!=y,z!=w", "x=z;z=a", true },
		{ "notin=in", "notin=in", true },
		{ "x", "x=z", true },
		{ "!x", "y=z", true },
		{ "x=z", "", false },
		{ "x=y", "x=z", false },
		{ "x=y,z=w", "x=w;z=w", false },
		{ "x!=y,z!=w", "x=z;z=w", false },
		{ "x", "y=z", false },
		{ "!x", "x=z", false },
		{ "foo=bar", "foo=bar;baz=blah", true },
		{ "baz=blah", "foo=bar;baz=blah", true },
		{ "foo=bar,baz=blah", "foo=bar;baz=blah", true },
		{ "foo=blah", "foo=bar;baz=blah", false },
		{ "baz=bar", "foo=bar;baz=blah", false },
		{ "foo=bar,foobar=bar,baz=blah", "foo=bar;baz=blah", false },
		{ "x in (foo,bar)", "x=foo", true },
		{ "x in (foo,bar)", "x=baz", false },
		{ "x in (foo,bar)", "", false },
		{ "x notin (foo,bar)", "x=baz", true },
		{ "x notin (foo,bar)", "x=foo", false },
		{ "x notin (foo,bar)", "", true },
		{ "x=", "x=", true },
		{ "x!=", "", true },
		{ "x==y", "x=y", true },
		{ "environment in (production,qa),tier notin (frontend)",
		  "environment=qa;tier=backend", true },
		{ "environment in (production,qa),tier notin (frontend)",
		  "environment=qa;tier=frontend", false },
		{ "environment in (production,qa),tier notin (frontend)", "environment=qa", true },
		{ "example.com/app in (web,api),!canary", "example.com/app=api", true },
		{ "example.com/app in (web,api),!canary", "example.com/app=api;canary=1", false },
		{ "in in (in)", "in=in", true },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (matches(cases[i].selector, cases[i].labels) != cases[i].match)
			fail_msg("case %u: \"%s\" on {%s}: expected %s", i, cases[i].selector,
				 cases[i].labels, cases[i].match ? "match" : "no match");
	}
}

static void
test_selector_k8s_reserved_prefix_keys_parse_and_match(void **state)
{
	char text[128], msg[512], *name63;

	(void)state;
	assert_true(matches("k8s:namespace=payments", "k8s:namespace=payments;app=api"));
	assert_false(matches("k8s:namespace=payments", "k8s:namespace=shop"));
	/* k8s:namespace and namespace are different keys. */
	assert_false(matches("k8s:namespace=payments", "namespace=payments"));
	assert_false(matches("namespace=payments", "k8s:namespace=payments"));
	assert_true(matches("k8s:namespace==payments", "k8s:namespace=payments"));
	assert_true(matches("k8s:namespace!=payments", "k8s:namespace=shop"));
	assert_true(matches("k8s:namespace!=payments", "app=api"));
	assert_false(matches("k8s:namespace!=payments", "k8s:namespace=payments"));
	assert_true(matches("k8s:namespace in (a,b)", "k8s:namespace=b"));
	assert_false(matches("k8s:namespace in (a,b)", "k8s:namespace=c"));
	assert_false(matches("k8s:namespace in (a,b)", ""));
	assert_true(matches("k8s:namespace notin (a,b)", "k8s:namespace=c"));
	assert_true(matches("k8s:namespace notin (a,b)", ""));
	assert_false(matches("k8s:namespace notin (a,b)", "k8s:namespace=a"));
	assert_true(matches("k8s:namespace", "k8s:namespace=a"));
	assert_false(matches("k8s:namespace", "namespace=a"));
	assert_true(matches("!k8s:namespace", "namespace=a"));
	assert_false(matches("!k8s:namespace", "k8s:namespace=a"));
	assert_true(matches("k8s:example.com/team=pay,app", "k8s:example.com/team=pay;app=x"));
	assert_true(matches("k8s:K8s_ns.1", "k8s:K8s_ns.1="));
	assert_canonical("  k8s:namespace  in ( b , a ) ,! k8s:x ", 2,
			 "k8s:namespace in (a,b),!k8s:x");
	assert_canonical("k8s:example.com/team==web", 1, "k8s:example.com/team==web");

	/* The name after the prefix has the usual bounds: 63 accepted, 64 refused. */
	name63 = repeat("n", 63, "");
	sprintf(text, "k8s:%s=v", name63);
	assert_canonical(text, 1, text);
	sprintf(text, "k8s:%sn", name63);
	sprintf(msg, "selector \"k8s:%.60s...\": column 5: key name \"%sn\" is 64 characters "
		"long (expected at most 63)", name63, name63);
	assert_refused(text, msg);
	free(name63);
}

static void
test_selector_colon_outside_the_k8s_prefix_is_refused(void **state)
{
	(void)state;
	assert_refused("k8s:", "selector \"k8s:\": column 5: key \"k8s:\" has an empty name "
		       "after \"k8s:\" (expected a name such as namespace)");
	assert_refused("k8s:=x", "selector \"k8s:=x\": column 5: key \"k8s:\" has an empty "
		       "name after \"k8s:\" (expected a name such as namespace)");
	assert_refused("!k8s:", "selector \"!k8s:\": column 6: key \"k8s:\" has an empty name "
		       "after \"k8s:\" (expected a name such as namespace)");
	assert_refused("K8S:namespace", "selector \"K8S:namespace\": column 4: invalid character "
		       "':' in key \"K8S:namespace\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("k8s:a:b", "selector \"k8s:a:b\": column 6: invalid character ':' in key "
		       "name \"a:b\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("k8s:k8s:ns", "selector \"k8s:k8s:ns\": column 8: invalid character ':' "
		       "in key name \"k8s:ns\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("k8s::ns", "selector \"k8s::ns\": column 5: invalid character ':' in key "
		       "name \":ns\" (expected letters, digits, '-', '_' or '.')");
	assert_refused(":ns", "selector \":ns\": column 1: invalid character ':' in key \":ns\" "
		       "(expected letters, digits, '-', '_' or '.')");
	assert_refused("ns:x in (a)", "selector \"ns:x in (a)\": column 3: invalid character ':' "
		       "in key \"ns:x\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("x.io/k8s:ns", "selector \"x.io/k8s:ns\": column 9: invalid character "
		       "':' in key name \"k8s:ns\" (expected letters, digits, '-', '_' or '.')");
	assert_refused("k8s.io:ns/x", "selector \"k8s.io:ns/x\": column 7: invalid character "
		       "':' in key prefix \"k8s.io:ns\" (expected a-z, 0-9, '-' or '.')");
	assert_refused("k8s:-ns", "selector \"k8s:-ns\": column 5: key name \"-ns\" starts with "
		       "'-' (expected a letter or digit)");
	assert_refused("k8s:/ns", "selector \"k8s:/ns\": column 5: key \"k8s:/ns\" has an empty "
		       "prefix before '/' (expected a DNS subdomain such as example.com)");
	assert_refused("k8s:a/b/c", "selector \"k8s:a/b/c\": column 8: key \"k8s:a/b/c\" has a "
		       "second '/' (expected prefix/name with one '/')");
	assert_refused("k8s:x.io/", "selector \"k8s:x.io/\": column 10: key \"k8s:x.io/\" has an "
		       "empty name after '/' (expected a name such as app)");
	assert_refused("k8s:X.io/ns", "selector \"k8s:X.io/ns\": column 5: invalid character "
		       "'X' in key prefix \"X.io\" (expected a-z, 0-9, '-' or '.')");
	assert_refused("k8s:namespace=k8s:payments", "selector \"k8s:namespace=k8s:payments\": "
		       "column 18: invalid character ':' in value \"k8s:payments\" (expected "
		       "letters, digits, '-', '_' or '.')");
	assert_refused("k8s:namespace in (a,b:c)", "selector \"k8s:namespace in (a,b:c)\": "
		       "column 22: invalid character ':' in value \"b:c\" (expected letters, "
		       "digits, '-', '_' or '.')");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_empty_selector_matches_everything),
		cmocka_unit_test(test_selector_null_selector_matches_nothing),
		cmocka_unit_test(test_selector_equals_matches_only_that_value),
		cmocka_unit_test(test_selector_not_equals_matches_other_values_and_absent_key),
		cmocka_unit_test(test_selector_in_matches_listed_values_of_a_present_key),
		cmocka_unit_test(test_selector_notin_matches_unlisted_values_and_absent_key),
		cmocka_unit_test(test_selector_exists_and_does_not_exist),
		cmocka_unit_test(test_selector_requirements_are_anded),
		cmocka_unit_test(test_selector_blanks_around_tokens_are_ignored),
		cmocka_unit_test(test_selector_prefixed_keys_are_accepted),
		cmocka_unit_test(test_selector_in_and_notin_are_also_keys_and_values),
		cmocka_unit_test(test_selector_first_occurrence_of_a_label_counts),
		cmocka_unit_test(test_selector_format_is_kubernetes_canonical_form),
		cmocka_unit_test(test_selector_format_truncates_like_snprintf),
		cmocka_unit_test(test_selector_empty_requirement_is_refused),
		cmocka_unit_test(test_selector_trailing_comma_is_refused),
		cmocka_unit_test(test_selector_bad_key_characters_are_refused),
		cmocka_unit_test(test_selector_key_too_long_is_refused),
		cmocka_unit_test(test_selector_bad_values_are_refused),
		cmocka_unit_test(test_selector_unclosed_set_is_refused),
		cmocka_unit_test(test_selector_empty_set_and_empty_members_are_refused),
		cmocka_unit_test(test_selector_unknown_operators_are_refused),
		cmocka_unit_test(test_selector_in_without_parentheses_is_refused),
		cmocka_unit_test(test_selector_misplaced_tokens_are_refused),
		cmocka_unit_test(test_selector_length_is_bounded),
		cmocka_unit_test(test_selector_requirement_count_is_bounded),
		cmocka_unit_test(test_selector_set_size_is_bounded),
		cmocka_unit_test(test_selector_null_text_and_short_error_buffers),
		cmocka_unit_test(test_selector_kubernetes_semantics_table),
		cmocka_unit_test(test_selector_k8s_reserved_prefix_keys_parse_and_match),
		cmocka_unit_test(test_selector_colon_outside_the_k8s_prefix_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
