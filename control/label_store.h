/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_LABEL_STORE_H
#define TOLLGATE_LABEL_STORE_H

#include <stddef.h>
#include "label_map.h"

#define LABEL_STORE_FILE "labels.json"

/*
 * Write the whole map to DIR/labels.json (mode 0600): a temporary file
 * (labels.json.tmp.<pid>) written, flushed to disk and renamed over the old one, so a
 * crash leaves the old map or the new one, never a mix. Returns 0 or -errno with err set.
 * Control thread.
 */
int label_store_save(const struct label_map *m, const char *dir, char *err, size_t errlen);

/*
 * Load DIR/labels.json into m (label_map_restore_json). A missing file is not an error
 * (returns 0, *loaded 0); a file that does not parse or check is refused with err set
 * (-EINVAL) and m left unchanged. Control thread, at start.
 */
int label_store_load(struct label_map *m, const char *dir, int *loaded, char *err,
		     size_t errlen);

#endif
