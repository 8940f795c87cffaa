/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-path and DLP configuration: the schema that maps the YAML document (yaml_tree.h)
 * onto struct tg_config (config_types.h), the built-in defaults, and validation.
 * docs/configuration.md is the reference for every key; config/tollgate.yaml is the
 * shipped default and is embedded in the binary as config_builtin_yaml.
 *
 * Errors a person can fix come back as one line:
 *   NAME:LINE:COL: field.path: problem (got VALUE, expected WHAT)
 * e.g. "tollgate.yaml:12:13: dataplane.ports[1].mode: unknown value (got bridge, expected
 * tap or inline)".
 *
 * Everything here runs on the control thread (or before EAL starts); none of it is used
 * on the data path. The parse helpers are pure and may be called from any thread.
 */
#ifndef TOLLGATE_CONFIG_H
#define TOLLGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_types.h"

struct yaml_node;

/*
 * The text of config/tollgate.yaml, built in at compile time (.incbin), NUL-terminated;
 * config_builtin_yaml_len excludes the NUL.
 */
extern const char config_builtin_yaml[];
extern const unsigned int config_builtin_yaml_len;

/*
 * Ids of the built-in DLP sensors, NULL-terminated, in catalogue order: what dlp.disabled
 * may name, what a custom class's name must not be, and (with none, luhn, mod97) what its
 * validator may be. The sensor catalogue (sensors/) must use the same ids.
 */
extern const char *const config_dlp_builtin_ids[];

/*
 * The names of enum config_event_type (what events.sinks[].event_types may list, and the
 * event_type of those events) and of enum config_sink_type, NULL-terminated.
 */
extern const char *const config_event_type_names[];
extern const char *const config_sink_type_names[];

/*
 * Split "HOST:PORT" or "[IPV6]:PORT" (a syslog sink's address) into host (hostlen bytes,
 * NUL-terminated, without brackets) and a port in 1..65535. Rejects an empty host, a bare
 * IPv6 address without brackets, blanks or '/' in the host, and a port out of range:
 * -EINVAL, host and port untouched. Pure; any thread.
 */
int config_split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

/*
 * Fill c with the built-in defaults (the values config/tollgate.yaml spells out), source
 * "<built-in>", flow.nbuckets already resolved from "buckets: 0". Cannot fail. Any thread.
 */
void config_defaults(struct tg_config *c);

/*
 * Load the YAML file at path: defaults, then every key the file sets, then validation.
 * On success returns 0 and replaces *c (source = path). On failure *c is untouched and
 * err (errlen bytes, always NUL-terminated) says why:
 *   -EINVAL  syntax error or a value the schema rejects
 *   -ENOENT, -EACCES, ...  the file could not be read (errno of the failing call)
 *   -EFBIG   the file is larger than YAML_TREE_MAX_BYTES
 *   -ENOMEM
 * An empty file (or one with only comments) is the defaults. Control thread (it
 * allocates and reads files); c may be the running config only if no one else reads it
 * meanwhile.
 */
int config_load_file(struct tg_config *c, const char *path, char *err, size_t errlen);

/*
 * Same over len bytes at buf; name is the display name used as source and in messages
 * (NULL: "<buffer>"). buf is not kept. Control thread.
 */
int config_load_buffer(struct tg_config *c, const char *name, const char *buf, size_t len,
		       char *err, size_t errlen);

/*
 * Same over an already loaded tree (so the daemon can parse the file once and hand the
 * same tree to other sections). root is only read; the caller still owns it. Returns 0 or
 * -EINVAL (-ENOMEM if a scratch allocation fails). Control thread.
 */
int config_apply_tree(struct tg_config *c, const char *name, const struct yaml_node *root,
		      char *err, size_t errlen);

/*
 * Write c as YAML that config_load_* reads back to the same values (every key, flow
 * buckets as resolved), for --check-config. Output errors are the caller's to check
 * with ferror(f). Any thread.
 */
void config_dump(const struct tg_config *c, FILE *f);

/*
 * The most bytes one automatic (event) capture's file can take under c: the pcap header,
 * a whole flow history, capture.event_packets packets of history_snaplen and a few resets.
 * The quota reserves this much for each event capture being written. Any thread.
 */
uint64_t config_capture_event_bytes(const struct config_capture *c);

/*
 * Scalar parsers the schema uses, shared with other sections and the API. Each returns
 * 0, -EINVAL when s does not have the form, or -ERANGE when it has the form but is
 * negative or does not fit.
 *
 * config_parse_uint: decimal digits, no sign, no leading zeros ("0" is fine).
 * config_parse_size: bytes, a config_parse_uint optionally followed by KiB, MiB, GiB or
 *   K, M, G (all binary: 1K = 1KiB = 1024).
 * config_parse_seconds: seconds as "30" or "0.25" (at most 6 decimals), to microseconds.
 * config_parse_bool: true/false, yes/no, on/off, any case.
 */
int config_parse_uint(const char *s, uint64_t *out);
int config_parse_size(const char *s, uint64_t *out);
int config_parse_seconds(const char *s, uint64_t *out_us);
int config_parse_bool(const char *s, bool *out);

#endif
