/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SELECTOR_H
#define TOLLGATE_SELECTOR_H

/*
 * Kubernetes label selectors in their string form (k8s.io/apimachinery/pkg/labels.Parse,
 * what `kubectl get -l` accepts):
 *
 *   selector    ::= "" | requirement { "," requirement }
 *   requirement ::= KEY | "!" KEY | KEY ("=" | "==" | "!=") [VALUE]
 *                 | KEY ("in" | "notin") "(" VALUE { "," VALUE } ")"
 *
 * Requirements are ANDed. Spaces, tabs, CR and LF may surround any token. KEY is
 * ["k8s:"] [PREFIX "/"] NAME: PREFIX a DNS-1123 subdomain of at most 253 characters
 * (lower-case labels of a-z, 0-9 and '-' separated by '.'), NAME 1 to 63 characters of A-Z
 * a-z 0-9 '-' '_' '.' that start and end with a letter or digit. VALUE is empty or follows
 * the NAME rule. Semantics are Kubernetes': "k!=v" and "k notin (...)" also match when k is
 * absent.
 *
 * "k8s:" (SELECTOR_K8S_PREFIX, exactly so, lower case) is Tollgate's reserved key prefix for
 * labels derived from pod metadata rather than written on the pod, as Cilium's
 * "k8s:io.kubernetes.pod.namespace": tools/label-sync adds "k8s:namespace". Kubernetes
 * refuses ':' in label keys, so such a key never clashes with a pod's own label. After the
 * prefix comes an ordinary key ("k8s:namespace", "k8s:example.com/team"); ':' anywhere else,
 * in a value, or a second "k8s:" is refused as before.
 *
 * Where this parser is stricter than Kubernetes (on purpose: these are typos, not intent):
 * an empty set "k in ()" and empty members "(a,)", "(,a)", "(a,,b)" are refused, where
 * Kubernetes reads them as containing the empty value; ">" and "<" (numeric Gt/Lt) are
 * refused as unknown operators. Requirements keep the order given (Kubernetes sorts them by
 * key), which changes nothing in what a selector matches.
 */

#include <stdbool.h>
#include <stddef.h>

#define SELECTOR_MAX_LEN		4096	/* bytes of selector text */
#define SELECTOR_MAX_REQUIREMENTS	64
#define SELECTOR_MAX_VALUES		64	/* values in one in/notin set, as written */
#define SELECTOR_MAX_PREFIX		253
#define SELECTOR_MAX_NAME		63	/* key name and value */
#define SELECTOR_K8S_PREFIX		"k8s:"	/* reserved key prefix, see above */

/* A parsed selector: opaque, immutable after selector_parse. */
struct selector;

/* One label of an object. A NULL key is skipped; a NULL value reads as "". */
struct selector_label {
	const char *key;
	const char *value;
};

/*
 * Parse text (NUL-terminated, at most SELECTOR_MAX_LEN bytes). The empty or all-blank
 * selector is valid and matches everything. The selector does not refer to text afterwards;
 * the caller owns it and frees it with selector_free.
 *
 * On refusal returns NULL with errno set and a message in err (errlen bytes, always
 * NUL-terminated when errlen > 0; err may be NULL when errlen is 0):
 *   selector "TEXT": column N: PROBLEM (expected WHAT)      errno EINVAL
 * N is the 1-based byte column of the offending text (length + 1 for "end of selector");
 * TEXT and quoted offending text are cut after 64 bytes ("...") and have control and
 * non-ASCII bytes escaped as \xHH. For example:
 *   selector "app=web,,tier": column 9: empty requirement (expected key, !key, key=value,
 *   key in (...))
 * NULL text gives "selector: text is NULL (expected a string)" (EINVAL); running out of
 * memory gives "selector: out of memory" (ENOMEM).
 *
 * Any thread; no shared state.
 */
struct selector *selector_parse(const char *text, char *err, size_t errlen);

/* Free a selector. NULL is a no-op. */
void selector_free(struct selector *s);

/*
 * Whether the n labels satisfy every requirement of s. When a key occurs more than once in
 * labels, the first occurrence counts (Kubernetes labels are a map, so it cannot happen
 * there). labels may be NULL when n is 0. A NULL selector matches nothing (Kubernetes'
 * Nothing()); the empty selector matches everything. Pure read: any number of threads may
 * match against one selector at once.
 */
bool selector_matches(const struct selector *s, const struct selector_label *labels, size_t n);

/*
 * Write the canonical form of s into buf, as Kubernetes' Selector.String() does for the
 * same requirements: "k", "!k", "k=v", "k==v", "k!=v", "k in (a,b)", "k notin (a,b)"
 * joined by ",", no other blanks, set values sorted bytewise with duplicates removed,
 * requirements in the order given. parse(format(s)) formats identically, except that the
 * form is one byte longer than the text for each set written without the blank before '('
 * ("k in(a)"), so a selector within a few bytes of SELECTOR_MAX_LEN can print longer than
 * that and be refused back. Like snprintf: returns the length of the whole form (excluding
 * the NUL) and writes at most len bytes including a NUL when len > 0 (buf may be NULL when
 * len is 0). The empty and NULL selectors format as "".
 */
size_t selector_format(const struct selector *s, char *buf, size_t len);

/* Number of requirements; 0 for the empty selector and for NULL. */
unsigned int selector_count(const struct selector *s);

/* Bytes of user text echoed in a message before it is cut with "...". */
#define SELECTOR_QUOTE_MAX 64

/*
 * Copy at most SELECTOR_QUOTE_MAX bytes of s (n bytes long) into dst for an error message,
 * escaping '"' and '\\' and writing control and non-ASCII bytes as \xHH, with "..." when
 * cut. dst must hold SELECTOR_QUOTE_MAX * 4 + 4 bytes. Shared by the label modules.
 */
void selector_quote(char *dst, const char *s, size_t n);

#endif
