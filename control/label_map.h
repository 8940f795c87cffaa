/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_LABEL_MAP_H
#define TOLLGATE_LABEL_MAP_H

/*
 * The Kubernetes label map of the control plane: IP address -> set of labels, fed by
 * orchestration scripts through the REST API and read back by label selector (selector.h)
 * when a policy group is resolved to addresses.
 *
 * An entry holds an IP (IPv4 or IPv6), at most LABEL_MAP_MAX_LABELS labels (Kubernetes
 * syntax, IsQualifiedName keys and IsValidLabelValue values; a key may also start with the
 * reserved prefix "k8s:", SELECTOR_K8S_PREFIX, as in the "k8s:namespace" label that
 * tools/label-sync adds to each pod IP), the source that last wrote it ("api",
 * "label-sync", ...) and when (unix seconds given by the caller). The map holds at most the
 * max_entries given to label_map_create.
 *
 * Addresses are normalised: an IPv6 address is one entry however it is written, and an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address a.b.c.d, because packets
 * from that host carry the IPv4 address. Output uses inet_ntop's canonical form.
 *
 * Writes are whole requests: every field is validated before anything changes, so a refused
 * request leaves the map (contents and generation) exactly as it was. Each write carries a
 * generation that must be greater than the map's (an orchestrator that lost a race gets
 * -ESTALE rather than overwriting newer state); the map stores it.
 *
 * Messages name the field with an RFC 6901 JSON pointer into the request body ("~" is
 * written "~0" and "/" "~1"; control and non-ASCII bytes of a key appear as \xHH and a key
 * is cut after 64 bytes with "..."), then the problem and what was expected, e.g.
 *   /entries/3/labels/app~1x: invalid label key "app/x" (expected ...)
 * The whole body is named "body".
 *
 * Not thread-safe: the owner (the control thread) serialises calls. No global state.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "selector.h"

#define LABEL_MAP_MAX_LABELS	64	/* labels of one IP */

struct label_map;

/*
 * An empty map (generation 0) that will hold at most max_entries IPs (1 or more). Memory is
 * allocated as entries arrive. Returns NULL with errno EINVAL (max_entries is 0) or ENOMEM.
 * Free with label_map_free.
 */
struct label_map *label_map_create(uint32_t max_entries);

/* Free the map and every entry. NULL is a no-op. */
void label_map_free(struct label_map *m);

/* The generation of the last accepted write; 0 for a new map. */
uint64_t label_map_generation(const struct label_map *m);

/* Number of IPs in the map. */
uint32_t label_map_count(const struct label_map *m);

/*
 * Replace the whole map with body (borrowed, not modified):
 *   {"generation": N, "entries": [{"ip": "10.1.2.3", "labels": {"app": "payments"}}, ...]}
 * Every field is required and no other field is accepted; labels may be {}; entries may be
 * [] (which empties the map). Each entry gets source (copied; must not be NULL) and updated
 * time now. On success returns 0 and err is "".
 *
 * On refusal the map is unchanged, err (errlen bytes, always NUL-terminated when errlen > 0;
 * NULL allowed when errlen is 0) holds the message, and the return is:
 *   -EINVAL  unknown or missing field, wrong type, generation out of 1..INT64_MAX, bad IP,
 *            bad label key or value, the same IP twice (after normalisation), NULL source
 *   -E2BIG   an entry with more than LABEL_MAP_MAX_LABELS labels
 *   -ENOSPC  more entries than max_entries
 *   -ESTALE  generation not greater than label_map_generation(m) (checked after the
 *            body is found well-formed)
 *   -ENOMEM  out of memory
 */
int label_map_put_json(struct label_map *m, const json_t *body, const char *source,
		       uint64_t now, char *err, size_t errlen);

/*
 * Change some entries (body borrowed):
 *   {"generation": N, "add": [entries as in put], "remove": ["10.1.2.3", ...]}
 * "generation" is required; "add" and "remove" are optional. An added IP gets exactly the
 * labels given (replacing what it had), source and now. Returns and errors as
 * label_map_put_json, plus:
 *   -EINVAL  an IP twice in add, twice in remove, or in both add and remove
 *   -ENOENT  removing an IP that is not in the map
 *   -ENOSPC  the map would hold more than max_entries
 */
int label_map_patch_json(struct label_map *m, const json_t *body, const char *source,
			 uint64_t now, char *err, size_t errlen);

/*
 * Replace the whole map with saved, which is label_map_get_json's output (each entry with
 * its source and updated time, kept as they were): how the map comes back after a
 * restart. The same checks as label_map_put_json, except that the generation is taken as
 * it is; on refusal the map is unchanged and err says why.
 */
int label_map_restore_json(struct label_map *m, const json_t *saved, char *err, size_t errlen);

/*
 * The map as JSON (a new reference the caller decrefs):
 *   {"generation": N, "entries": [{"ip": "10.1.2.3", "labels": {...}, "source": "api",
 *    "updated": 1700000000}, ...]}
 * entries in address order (all IPv4 first, then IPv6, each numerically), labels in
 * bytewise key order, keeping only entries that match label_selector (selector.h syntax;
 * NULL or "" keeps all). Returns NULL with the selector_parse message in err for a bad
 * selector, or "label map: out of memory".
 */
json_t *label_map_get_json(const struct label_map *m, const char *label_selector, char *err,
			   size_t errlen);

/*
 * Called once per matching IP. ip holds the address in network byte order: for AF_INET the
 * first 4 bytes (the other 12 are zero), for AF_INET6 all 16. Valid during the call only.
 */
typedef void (*label_map_select_fn)(void *cookie, const uint8_t ip[16], int family);

/*
 * Call fn for every IP whose labels match s, in the order of label_map_get_json; returns how
 * many matched. fn may be NULL (just count). A NULL s matches nothing (selector_matches).
 * fn must not modify the map.
 */
size_t label_map_select(const struct label_map *m, const struct selector *s,
			label_map_select_fn fn, void *cookie);

#endif
