"""What the tests know of Tollgate's EVE alerts (docs/events.md), written down independently
of the C code: the generator and signature ids, the exact alert object of a DLP threshold
crossing and of a policy verdict, and a JSON schema of the EVE fields the tests rely on,
shaped like Suricata's published EVE schema (extra fields allowed).

    findings(events)        events with a dlp object: threshold alerts and dlp events
    dlp_alert(...)          the exact "alert" object of a threshold crossing
    policy_alert(...)       the exact "alert" object of a policy verdict
    validate(events)        error lines for events the schema refuses
"""

import json

GID = 8470
SID_DEFAULT_DENY = 8470001
# docs/events.md "Signature ids": the fixed numbers of the built-in sensors, in order.
BUILTIN = ["credit_card", "us_ssn", "iban", "email", "phone", "gb_nhs", "gb_nino", "es_dni",
           "es_nie", "it_codice_fiscale", "nl_bsn", "be_nn", "pl_pesel", "se_personnummer",
           "fi_hetu", "dk_cpr", "de_idnr", "fr_nir", "at_svnr", "ie_pps", "pt_nif",
           "aws_access_key_id", "private_key", "jwt"]
# docs/sensors.md: category and severity of each built-in sensor (every other one is
# identity, high)
SENSOR_CATEGORY = {
    "credit_card": "financial", "iban": "financial", "email": "contact", "phone": "contact",
    "gb_nhs": "health", "aws_access_key_id": "credentials", "private_key": "credentials",
    "jwt": "credentials",
}
SENSOR_SEVERITY = {"iban": "medium", "email": "low", "phone": "low", "private_key": "critical"}
SEVERITY = {"low": 3, "medium": 2, "high": 1, "critical": 1}


def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def sid_sensor(name):
    if name in BUILTIN:
        return 8471000 + BUILTIN.index(name) + 1
    return 100000000 + fnv1a(name) % 100000000


def sid_rule(rule_id):
    return 200000000 + fnv1a(rule_id) % 1947483647


def category_of(sensor):
    return SENSOR_CATEGORY.get(sensor, "identity")


def findings(events):
    """Events that report personal data: threshold alerts and dlp events, in file order."""
    return [e for e in events if "dlp" in e]


def threshold_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and "dlp" in e]


def dlp_alert(sensor, *, rule, threshold, mode, action, from_group="external",
              to_group="external", category=None, severity=None):
    """The exact alert object of the event in which sensor reached its threshold."""
    category = category or category_of(sensor)
    sev = SEVERITY[severity or SENSOR_SEVERITY.get(sensor, "high")]
    return {
        "action": action, "gid": GID, "signature_id": sid_sensor(sensor), "rev": 1,
        "signature": "TOLLGATE DLP %s (%s)" % (sensor, category),
        "category": "Attempted Information Leak" if category == "credentials"
                    else "Potential Corporate Privacy Violation",
        "severity": sev,
        "metadata": {"rule": [rule], "sensor": [sensor], "data_category": [category],
                     "threshold": [str(threshold)], "mode": [mode]},
        "rule": rule, "reason": "dlp_threshold", "from_group": from_group,
        "to_group": to_group, "mode": mode,
    }


def policy_alert(reason, *, rule, mode, action, from_group, to_group):
    """The exact alert object of a policy verdict (rule None: default deny, no rule key)."""
    a = {"action": action, "gid": GID,
         "signature_id": sid_rule(rule) if rule is not None else SID_DEFAULT_DENY,
         "rev": 1,
         "signature": ("TOLLGATE POLICY rule %s" % rule) if rule is not None else
                      "TOLLGATE POLICY no rule allows the flow (default deny)",
         "category": "Policy Violation", "severity": 2,
         "metadata": ({"rule": [rule]} if rule is not None else {}) | {
             "reason": [reason], "mode": [mode]}}
    if rule is not None:
        a["rule"] = rule
    a.update({"reason": reason, "from_group": from_group, "to_group": to_group,
              "mode": mode})
    return a


# ---- schema --------------------------------------------------------------------------

_STR = {"type": "string"}
_INT = {"type": "integer"}
_UINT = {"type": "integer", "minimum": 0}
_PORT = {"type": "integer", "minimum": 0, "maximum": 65535}
_STRS = {"type": "array", "items": _STR}

_MATCH = {
    "type": "object",
    "required": ["sensor", "category", "redacted", "hash", "offset", "confidence", "path"],
    "properties": {
        "sensor": _STR, "category": _STR,
        "redacted": {"type": "string", "pattern": r"^\**[^*]{0,4}$"},
        "hash": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "offset": _UINT, "confidence": {"enum": ["high", "medium"]}, "path": _STR,
    },
}

_DLP = {
    "type": "object",
    "required": ["direction", "action", "rule_action", "rule", "mode", "matches", "total"],
    "properties": {
        "direction": {"enum": ["to_server", "to_client"]},
        "action": {"enum": ["allowed", "blocked"]},
        "rule_action": {"enum": ["alert", "block"]},
        "rule": _STR, "mode": {"enum": ["discover", "monitor", "protect"]},
        "matches": {"type": "array", "items": _MATCH, "maxItems": 16},
        "total": {"type": "integer", "minimum": 1},
    },
}

# Suricata's alert object, with the types its EVE schema gives them; Tollgate's own fields
# after them ("rule" is a string when present, never null).
_ALERT = {
    "type": "object",
    "required": ["action", "gid", "signature_id", "rev", "signature", "category",
                 "severity", "metadata"],
    "properties": {
        "action": {"enum": ["allowed", "blocked"]},
        "gid": {"const": GID},
        "signature_id": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                         "not": {"minimum": 1000000, "maximum": 1999999}},
        "rev": {"type": "integer", "minimum": 1},
        "signature": {"type": "string", "pattern": "^TOLLGATE (DLP|POLICY) "},
        "category": {"enum": ["Potential Corporate Privacy Violation",
                              "Attempted Information Leak", "Policy Violation"]},
        "severity": {"type": "integer", "minimum": 1, "maximum": 3},
        "metadata": {"type": "object", "additionalProperties": _STRS},
        "rule": _STR,
        "reason": {"enum": ["deny", "default_deny", "require_tls", "dlp_block",
                            "dlp_threshold"]},
        "from_group": _STR, "to_group": _STR,
        "mode": {"enum": ["discover", "monitor", "protect"]},
    },
}

_FLOW = {
    "type": "object",
    "required": ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient",
                 "start", "end", "state", "reason"],
    "properties": {
        "pkts_toserver": _UINT, "pkts_toclient": _UINT, "bytes_toserver": _UINT,
        "bytes_toclient": _UINT, "start": _STR, "end": _STR,
        "state": {"enum": ["new", "established", "closing", "closed"]},
        "reason": {"enum": ["timeout", "evicted", "shutdown"]},
        "gaps": _UINT, "overlaps_different": _UINT, "midstream": {"type": "boolean"},
    },
}

_HTTP = {"type": "object",
         "properties": {"hostname": _STR, "url": _STR, "http_method": _STR,
                        "status": _INT, "http_content_type": _STR}}
_SMTP = {"type": "object",
         "properties": {"helo": _STR, "mail_from": _STR, "rcpt_to": _STRS,
                        "attachments": _STRS, "starttls": {"type": "boolean"}}}

_TLS = {"type": "object",
        "properties": {"sni": _STR, "version": _STR,
                       "ja3": {"type": "object", "required": ["hash", "string"],
                               "properties": {"hash": {"type": "string",
                                                       "pattern": "^[0-9a-f]{32}$"},
                                              "string": _STR}}}}
_BOOL = {"type": "boolean"}
_DNS = {"type": "object", "required": ["type", "id"],
        "properties": {"version": _INT, "type": {"enum": ["query", "answer"]}, "id": _INT,
                       "flags": _STR, "qr": _BOOL, "aa": _BOOL, "tc": _BOOL, "rd": _BOOL,
                       "ra": _BOOL, "opcode": _INT, "rrname": _STR, "rrtype": _STR,
                       "rcode": _STR,
                       "answers": {"type": "array", "items": {
                           "type": "object", "properties": {"rrname": _STR, "rrtype": _STR,
                                                            "ttl": _INT, "rdata": _STR}}}}}
_CAPTURE = {"type": "object", "required": ["id", "url"], "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": r"^(dlp|alert)-[0-9]+(-[0-9]+)?$"},
                "url": {"type": "string",
                        "pattern": r"^/v1/captures/(dlp|alert)-[0-9]+(-[0-9]+)?/files/1$"}}}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Tollgate EVE event (the fields the tests rely on)",
    "type": "object",
    "required": ["timestamp", "event_type"],
    "properties": {
        "timestamp": {"type": "string",
                      "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$"},
        "flow_id": {"type": "integer", "minimum": 0, "maximum": 2 ** 53},
        "event_type": {"enum": ["flow", "alert", "dlp", "anomaly", "http", "smtp", "tls",
                                "dns"]},
        "vlan": {"type": "array", "items": _INT},
        "src_ip": _STR, "dest_ip": _STR, "src_port": _PORT, "dest_port": _PORT,
        "proto": _STR, "app_proto": _STR,
        "alert": _ALERT, "dlp": _DLP, "flow": _FLOW, "http": _HTTP, "smtp": _SMTP,
        "tls": _TLS, "dns": _DNS,
        "capture": _CAPTURE,
        "anomaly": {"type": "object", "required": ["type", "event"],
                    "properties": {"type": _STR, "event": _STR}},
    },
    "allOf": [
        {"if": {"properties": {"event_type": {"const": "alert"}}},
         "then": {"required": ["alert", "flow_id", "src_ip", "src_port", "dest_ip",
                               "dest_port", "proto"]}},
        {"if": {"properties": {"event_type": {"const": "dlp"}}},
         "then": {"required": ["dlp", "flow_id"], "not": {"required": ["alert"]}}},
        {"if": {"properties": {"event_type": {"const": "flow"}}},
         "then": {"required": ["flow", "flow_id"]}},
        # only findings link to an automatic capture
        {"if": {"required": ["capture"]},
         "then": {"properties": {"event_type": {"enum": ["alert", "dlp"]}}}},
        # a threshold alert carries its sensor's signature and the dlp object
        {"if": {"required": ["alert", "dlp"]},
         "then": {"properties": {"alert": {"properties": {
             "reason": {"const": "dlp_threshold"},
             "signature": {"pattern": "^TOLLGATE DLP "}}}}}},
    ],
}


def write_schema(path):
    """The schema as a file (what a SIEM pipeline would load)."""
    with open(path, "w") as f:
        json.dump(SCHEMA, f, indent=1)
    return path


def validate(events, schema_path=None):
    """Error lines, one per event the schema refuses (jsonschema from Debian)."""
    import jsonschema
    schema = SCHEMA
    if schema_path is not None:
        with open(schema_path) as f:
            schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    errs = []
    for i, e in enumerate(events):
        for err in v.iter_errors(e):
            errs.append("event %d (%s): %s at %s" % (i, e.get("event_type"), err.message,
                                                    "/".join(map(str, err.path))))
    return errs
