#!/usr/bin/python3
"""Detection corpus: every built-in sensor planted in every HTTP encoding tollgated decodes
(and in plain SMTP mail), among realistic text and hard negatives, with the exact dlp rows
the daemon must give. Generated from a seed: the same seed gives the same bytes.

    /usr/bin/python3 tests/pcap/corpus.py --seed 1 --out /tmp/corpus
    #   /tmp/corpus/corpus.pcap      one capture, one TCP connection per document
    #   /tmp/corpus/expected.json    seed, planted values, items, decoded buffers

expected.json "values": one entry per planted value: its flow (client port), direction,
sensor, redacted, path and offset (as dlp events write them) and what it is; "items":
where every value, negative and probe sits (to say where a false positive fell).
Everything that is not a planted value must not be reported. tests/integration/
test_corpus.py runs the daemon over it and measures value-level precision and recall.

Planted (corpus_values.py): each of the 24 built-in sensors, PER_SENSOR values per
encoding, in a random one of its written forms; weak forms carry a context keyword of
their sensor as a label (a text label, a form field name, a JSON key). Encodings:
identity, gzip, deflate (zlib and raw), br, zstd, chunked, gzip + chunked, gzip + br,
form, form + chunked, JSON, JSON + gzip, query string, responses (HTML, and gzip JSON:
to_client), SMTP DATA and BDAT. Text bodies are prose or HTML; items are separated by a
sentence longer than the 64-byte context window, so one item's label is never another's
context.

Hard negatives (corpus_negatives.py), none of which may be reported: timestamps (ISO 8601,
RFC 2822, epoch seconds and Luhn-valid epoch milliseconds), order and tracking numbers
(UPS, USPS in groups, FedEx, DHL), versions, prices, hashes, UUIDs, dates, IP addresses,
checksum-valid numbers with no context (BSN, PESEL, NHS, SSN, Steuer-ID, BE NN, SVNR,
personnummer, CPR, NIF, IMEI, Luhn-valid numbers with no issuer), near misses (wrong
check digits, SSN areas 000/666/9xx, mixed separators, a card inside a longer digit run,
addresses without a TLD, file names with '@') and unlabelled national phone numbers.

Precision probes (corpus_negatives.py), the cases issue 10 names, expected as the issue
says (one value, one sensor):
  * context keywords inside HTML markup (`<input type="tel" name="phone" value="...">`,
    `<td class="ssn">`, `data-field="bsn"`): not context, the bare number is not reported;
  * a grouped IBAN whose middle four groups are a valid card: the IBAN only;
  * a compact IBAN whose digit run is a valid card: the IBAN only (longer match wins);
  * a 20-digit number in groups of 4 holding a valid card: nothing;
  * a 4-6-5 grouped number (not a card) whose first 10 digits are a valid SVNR: nothing;
  * a dashed birth-date number valid as both fi_hetu and dk_cpr: dk_cpr under a CPR
    label, fi_hetu without one; never both;
  * a grouped NHS number right after a labelled phone number: gb_nhs only, not a phone;
  * an unlabelled `999 999 9999` right after a labelled phone number: not a phone.
"""

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import appcap as A  # noqa: E402
import dlp_values as V  # noqa: E402
from appcap import C2S, S2C, AppFlow  # noqa: E402
from corpus_negatives import NEGATIVES, PROBES, gen_negatives  # noqa: E402
from corpus_values import GENERATORS, SENSORS, sentence  # noqa: E402

PER_SENSOR = 3          # values of each sensor per encoding
MAX_VALUES = 6          # planted values per document (one flow direction)
MAX_ITEMS = 12          # items (values, negatives, probes) per document
PORT0 = 20000


# --------------------------------------------------------------------------------------
# Documents in each encoding
# --------------------------------------------------------------------------------------

def field_name(label, i):
    if not label:
        return "value%d" % i
    return re.sub(r"[^a-z0-9_\-éöü]", "", label.lower().replace(" ", "_")) or "value%d" % i


def text_doc(rng, items, nl="\n"):
    """Lines of prose; each item on its own line ("label: value"), a sentence between."""
    out = [sentence(rng)]
    for it in items:
        lab = it.label + rng.choice([": ", " "]) if it.label else ""
        out += [lab + it.value, sentence(rng)]
    return ("\n".join(out) + "\n").replace("\n", nl)


def html_doc(rng, items):
    out = ["<!DOCTYPE html>", "<html><head><title>Account overview</title></head><body>",
           "<p>%s</p>" % sentence(rng)]
    for it in items:
        lab = it.label + ": " if it.label else ""
        out += ["<div>%s%s</div>" % (lab, it.value), "<p>%s</p>" % sentence(rng)]
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def form_fields(rng, items):
    fields = [("note", sentence(rng))]
    for i, it in enumerate(items):
        fields += [(field_name(it.label, i), it.value), ("note%d" % i, sentence(rng))]
    return fields


def json_doc(rng, items):
    parts = ['"note": %s' % A.json_string(sentence(rng))]
    for i, it in enumerate(items):
        key = json.dumps(field_name(it.label, i))
        if it.number and rng.random() < 0.5:
            parts.append("%s: %s" % (key, it.value))
        else:
            esc = rng.choice(["", "s", "a", "sa/", "u", "sau/"])
            parts.append("%s: %s" % (key, A.json_string(it.value, esc, rng)))
        parts.append('"note%d": %s' % (i, A.json_string(sentence(rng))))
    return "{" + ", ".join(parts) + "}"


class Corpus:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.flows = []
        self.values = []        # dicts for expected.json
        self.items = []         # where every item (value, negative, probe) is
        self.buffers = {}       # "port direction path" -> decoded text (for context)
        self.negatives = 0
        self.probes = 0

    def _flow(self, encoding, server_port=80):
        port = PORT0 + len(self.flows)
        f = AppFlow(port, len(self.flows), server_port=server_port, seed=self.seed,
                    label="%s #%d" % (encoding, len(self.flows)))
        self.flows.append(f)
        return f

    def _expect(self, f, d, items, path, buffer, transform=lambda s: s):
        key = "%d %s %s" % (f.port, A.DIRECTION[d], path)
        assert key not in self.buffers
        self.buffers[key] = buffer.decode("utf-8", "replace")
        seen = set()
        pos = 0
        for it in items:
            w = transform(it.value).encode()
            at = buffer.find(w, pos)
            assert at >= 0, (f.label, it.what, w)
            self.items.append({"port": f.port, "direction": A.DIRECTION[d], "path": path,
                               "start": at, "end": at + len(w), "what": it.what,
                               "kind": it.kind})
            pos = at + len(w)
            for sensor, norm, written in it.expect:
                w = transform(written)
                r = f.expect(d, sensor, norm, path, buffer, w)
                k = (r.sensor, r.redacted)
                assert k not in seen, "%s: two %s values redact the same" % (f.label, k)
                seen.add(k)
                self.values.append({"port": r.port, "direction": r.direction,
                                    "sensor": r.sensor, "redacted": r.redacted,
                                    "path": r.path, "offset": r.offset, "what": it.what,
                                    "encoding": f.label})

    # ---- request bodies
    def body(self, enc, items, codings=(), text=None, chunk=False):
        rng = self.rng
        if text == "form":
            doc = A.form_encode(form_fields(rng, items), rng.choice(["+", "%20"]))
            decoded, ctype, tpath = A.form_decode(doc), "application/x-www-form-urlencoded", \
                " > form"
        elif text == "json":
            doc = json_doc(rng, items).encode()
            decoded, ctype, tpath = A.json_decode(doc), "application/json", " > json"
        elif rng.random() < 0.3:
            doc = html_doc(rng, items).encode()
            decoded, ctype, tpath = doc, "text/html; charset=utf-8", ""
        else:
            doc = text_doc(rng, items).encode()
            decoded, ctype, tpath = doc, "text/plain; charset=utf-8", ""
        body, cenc, suffix = A.content_encode(list(codings), doc) if codings else \
            (doc, None, "")
        headers = [("Content-Type", ctype)] + ([("Content-Encoding", cenc)] if cenc else [])
        cuts = A.random_cuts(rng, len(body), rng.randint(2, 6)) if chunk else None
        f = self._flow(enc)
        f.send(C2S, A.http_request("POST", rng.choice(["/api/v1/records", "/upload",
                                                        "/forms/submit", "/sync"]),
                                   headers, body, host="app.example.test", chunk_cuts=cuts))
        f.send(S2C, A.http_response([("Content-Type", "application/json")],
                                    b'{"status":"stored"}'))
        f.close()
        self._expect(f, C2S, items, "http.body" + suffix + tpath, decoded)

    def response(self, enc, items, gzip_json=False):
        rng = self.rng
        if gzip_json:
            doc = json_doc(rng, items).encode()
            body, decoded = A.compress("gzip", doc), A.json_decode(doc)
            headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
            path = "http.body > gzip > json"
        else:
            doc = html_doc(rng, items).encode()
            body, decoded, path = doc, doc, "http.body"
            headers = [("Content-Type", "text/html; charset=utf-8")]
        f = self._flow(enc)
        f.send(C2S, A.http_request("GET", "/account/overview", host="app.example.test"))
        f.send(S2C, A.http_response(headers, body))
        f.close()
        self._expect(f, S2C, items, path, decoded)

    def query(self, enc, items):
        rng = self.rng
        fields = form_fields(rng, items)
        target = "/api/v2/search?" + A.form_encode(fields).decode()
        req = A.http_request("GET", target, host="app.example.test")
        if len(req) > 1400 and len(items) > 1:
            half = len(items) // 2
            self.query(enc, items[:half])
            self.query(enc, items[half:])
            return
        f = self._flow(enc)
        f.send(C2S, req, first=len(req))
        f.send(S2C, A.http_response([("Content-Type", "application/json")], b'{"hits":0}'))
        f.close()
        self._expect(f, C2S, items, "http.url > form", A.form_decode(target.encode()))

    def smtp(self, enc, items, bdat=False):
        rng = self.rng
        body = text_doc(rng, items, "\r\n").encode()
        content = A.plain_mail(body, subject=rng.choice(["weekly notes", "documents",
                                                         "follow up", "records"]))
        f = self._flow(enc, server_port=25)
        f.turns(A.smtp_greeting())
        if bdat:
            f.turns(A.smtp_bdat_turns(content, A.random_cuts(rng, len(content),
                                                             rng.randint(2, 4))))
        else:
            f.turns(A.smtp_data_turns(content))
        f.turns(A.smtp_quit())
        f.close(S2C)
        self._expect(f, C2S, items, "smtp.body", A.mail_body(content),
                     transform=lambda w: w.replace("\n", "\r\n"))


ENCODINGS = {
    "identity": lambda c, it: c.body("identity", it),
    "gzip": lambda c, it: c.body("gzip", it, ["gzip"]),
    "deflate": lambda c, it: c.body("deflate", it, ["deflate"]),
    "deflate-raw": lambda c, it: c.body("deflate-raw", it, ["deflate-raw"]),
    "br": lambda c, it: c.body("br", it, ["br"]),
    "zstd": lambda c, it: c.body("zstd", it, ["zstd"]),
    "chunked": lambda c, it: c.body("chunked", it, chunk=True),
    "gzip+chunked": lambda c, it: c.body("gzip+chunked", it, ["gzip"], chunk=True),
    "gzip+br": lambda c, it: c.body("gzip+br", it, ["gzip", "br"]),
    "form": lambda c, it: c.body("form", it, text="form"),
    "form+chunked": lambda c, it: c.body("form+chunked", it, text="form", chunk=True),
    "json": lambda c, it: c.body("json", it, text="json"),
    "json+gzip": lambda c, it: c.body("json+gzip", it, ["gzip"], text="json"),
    "query": lambda c, it: c.query("query", it),
    "response": lambda c, it: c.response("response", it),
    "response gzip json": lambda c, it: c.response("response gzip json", it, True),
    "smtp DATA": lambda c, it: c.smtp("smtp DATA", it),
    "smtp BDAT": lambda c, it: c.smtp("smtp BDAT", it, True),
}


def _pack(rng, items):
    """Split items into documents of at most MAX_VALUES planted values and MAX_ITEMS items,
    no two values of one sensor with the same redaction in a document."""
    docs, cur, nval, keys = [], [], 0, set()
    for it in items:
        k = {(s, V.redact(n)) for s, n, _ in it.expect}
        if cur and (nval + len(it.expect) > MAX_VALUES or len(cur) >= MAX_ITEMS or
                    k & keys):
            docs.append(cur)
            cur, nval, keys = [], 0, set()
        cur.append(it)
        nval += len(it.expect)
        keys |= k
    if cur:
        docs.append(cur)
    return docs


def build(seed, per_sensor=PER_SENSOR, negatives=len(NEGATIVES)):
    c = Corpus(seed)
    rng = c.rng
    for enc, make in ENCODINGS.items():
        items = [GENERATORS[s](rng) for s in SENSORS for _ in range(per_sensor)]
        items += [p(rng) for p in PROBES]
        items += gen_negatives(rng, negatives)
        c.negatives += negatives
        c.probes += len(PROBES)
        rng.shuffle(items)
        for doc in _pack(rng, items):
            make(c, doc)
    return c


def write(c, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pcap = A.write_flows(out / "corpus.pcap", c.flows)
    meta = {"seed": c.seed, "flows": len(c.flows), "negatives": c.negatives,
            "probes": c.probes, "values": c.values, "items": c.items,
            "buffers": c.buffers}
    (out / "expected.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    return pcap, out / "expected.json"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="/tmp/tollgate-corpus")
    a = ap.parse_args(argv)
    c = build(a.seed)
    pcap, exp = write(c, a.out)
    print("seed %d: %d flows, %d planted values, %d negatives, %d probes: %s, %s" % (
        a.seed, len(c.flows), len(c.values), c.negatives, c.probes, pcap, exp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
