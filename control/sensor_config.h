/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SENSOR_CONFIG_H
#define TOLLGATE_SENSOR_CONFIG_H

#include <stddef.h>
#include "config_types.h"

struct sensor_db;

/*
 * Build the sensor list the configuration asks for (the built-in catalogue minus
 * dlp.disabled, with dlp.context_window, plus dlp.custom classes) and compile it into one
 * Hyperscan database. A custom pattern Hyperscan refuses, or one matching the empty
 * string, fails with err = "CONFIG: dlp.custom[i] (NAME): pattern \"P\": REASON" and NULL;
 * nothing else is touched. cache_dir (or NULL) keeps compiled databases between runs.
 * Control thread.
 */
struct sensor_db *sensor_config_compile(const struct tg_config *cfg, const char *cache_dir,
					 char *err, size_t errlen);

#endif
