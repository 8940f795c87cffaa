#!/usr/bin/python3
"""The corpus's hard negatives and precision probes (tests/pcap/corpus.py).

Hard negatives must never be reported: timestamps, order and tracking numbers, versions,
prices, hashes, UUIDs, dates, addresses; numbers that pass a checksum but have no context
(each valid on purpose, as its label says); near misses that fail the check they imitate.
Random identifiers (order, tracking, hash, UUID) are drawn again when a digit run in them
happens to satisfy a sensor's oracle on its own, as tests/pcap/dlp_values.py does for its
random ids: such a draw is a valid number, not a negative. Grouped tracking numbers are
kept as drawn: a card read from the middle of a longer grouped number is one of the
issue's precision rules.

Probes are the precision cases issue 10 names, with the rows the issue wants: see the
docstring of corpus.py.
"""

import string
import uuid

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.dk import cpr as std_dk_cpr
from stdnum.fi import hetu as std_fi_hetu
from stdnum.fr import nir as std_fr_nir
from stdnum.gb import nhs as std_gb_nhs

import dlp_values as V
from corpus_values import (Item, _card_number, _d, _date, _intl_phone, _national_phone,
                           _neutral_label, _upper, _FIRST, hetu_of, make_be_nn, make_cpr,
                           make_iban, make_idnr, make_nhs, make_nif, make_se_pnr, make_svnr)

# ---- hard negatives -------------------------------------------------------------------------

def _hex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _luhn_ts_ms(rng):
    while True:
        s = str(rng.randint(1735689600000, 1767225599999))
        if luhn.is_valid(s):
            return s


def _valid_no_issuer(rng):
    while True:
        body = rng.choice("1789") + _d(rng, 14)
        s = body + luhn.calc_check_digit(body)
        if not V.card_issuer(s):
            return s


def _imei(rng):
    while True:
        body = "35" + _d(rng, 12)
        s = body + luhn.calc_check_digit(body)
        if not V.bare_digit_sensors(s):
            return s


def _tracking_usps(rng):
    s = rng.choice(["9400", "9205", "9361"]) + _d(rng, 18)
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def _ups(rng):
    return "1Z" + _upper(rng, 6, string.ascii_uppercase + string.digits) + _d(rng, 10)


def _iso(rng):
    d = _date(rng, 2023, 2026)
    return "%sT%02d:%02d:%02d%sZ" % (d.isoformat(), rng.randint(0, 23), rng.randint(0, 59),
                                     rng.randint(0, 59),
                                     rng.choice(["", ".%03d" % rng.randint(0, 999)]))


def _rfc2822(rng):
    d = _date(rng, 2023, 2026)
    return "%s, %d %s %d %02d:%02d:%02d %s" % (
        d.strftime("%a"), d.day, d.strftime("%b"), d.year, rng.randint(0, 23),
        rng.randint(0, 59), rng.randint(0, 59), rng.choice(["+0000", "+0100", "-0500"]))


def _wrong_check(rng, s, valid):
    while True:
        i = len(s) - 1
        t = s[:i] + rng.choice(string.digits) + s[i + 1:]
        if t != s and not valid(t):
            return t


def _mixed_sep_card(rng):
    n = _card_number(rng, "4", 16)
    return "%s %s-%s %s" % (n[:4], n[4:8], n[8:12], n[12:])


def _bad_ssn(rng):
    area = rng.choice(["000", "666", "9%02d" % rng.randint(0, 99)])
    return "%s-%02d-%04d" % (area, rng.randint(1, 99), rng.randint(1, 9999))


def _bad_iban(rng):
    c = make_iban(rng)
    while True:
        t = c[:2] + "%02d" % rng.randint(2, 98) + c[4:]
        if not std_iban.is_valid(t, check_country=False):
            return V.group4(t) if rng.random() < 0.5 else t


def _plain(fn):
    """fn's draws, again until no digit run in it satisfies a sensor's oracle by itself."""
    def draw(rng):
        while True:
            v = fn(rng)
            if not V._digit_runs_accepted(v):
                return v
    return draw


NEGATIVES = [
    ("timestamp ISO 8601", "created", _iso),
    ("timestamp RFC 2822", "sent", _rfc2822),
    ("epoch seconds", "ts", lambda r: str(r.randint(1700000000, 1799999999))),
    ("epoch milliseconds, Luhn-valid", "created_ms", _luhn_ts_ms),
    ("order number", "order", _plain(lambda r: "ORD-%s" % _d(r, 13))),
    ("order number with hash", "order", lambda r: "#%d" % r.randint(10000000, 99999999)),
    ("purchase order", "po", _plain(lambda r: "PO %s" % _d(r, 10))),
    ("invoice number", "invoice", lambda r: "INV-%d-%06d" % (r.randint(2019, 2026),
                                                            r.randint(1, 999999))),
    ("UPS tracking", "tracking", _plain(_ups)),
    ("USPS tracking in groups", "tracking", _tracking_usps),
    ("FedEx tracking", "tracking", _plain(lambda r: "7" + _d(r, 11))),
    ("DHL tracking", "tracking", _plain(lambda r: "JD01" + _d(r, 16))),
    ("version", "version", lambda r: "v%d.%d.%d" % (r.randint(0, 9), r.randint(0, 30),
                                                   r.randint(0, 200))),
    ("four-part version", "build", lambda r: "%d.%d.%d.%d" % (
        r.randint(1, 130), r.randint(0, 9), r.randint(1000, 9999), r.randint(0, 300))),
    ("price", "price", lambda r: "$%d,%03d.%02d" % (r.randint(1, 99), r.randint(0, 999),
                                                    r.randint(0, 99))),
    ("price in euro", "total", lambda r: "EUR %d.%03d,%02d" % (r.randint(1, 99),
                                                             r.randint(0, 999),
                                                             r.randint(0, 99))),
    ("amount", "amount", lambda r: "%d.%02d" % (r.randint(100000, 99999999),
                                                r.randint(0, 99))),
    ("sha256", "sha256", _plain(lambda r: _hex(r, 64))),
    ("sha1", "commit", _plain(lambda r: _hex(r, 40))),
    ("md5", "etag", _plain(lambda r: _hex(r, 32))),
    ("uuid", "request", _plain(lambda r: str(uuid.UUID(int=r.getrandbits(128),
                                                       version=4)))),
    ("date", "due", lambda r: _date(r, 2020, 2026).strftime(r.choice(["%d.%m.%Y", "%Y/%m/%d",
                                                                      "%m/%d/%Y"]))),
    ("IPv4 address", "host", lambda r: "%d.%d.%d.%d" % tuple(r.randint(1, 254)
                                                            for _ in range(4))),
    ("valid BSN, no context", "batch", lambda r: V.make_bsn(r).norm),
    ("valid PESEL, no context", "batch", lambda r: V.make_pesel(r).norm),
    ("valid NHS number bare, no context", "build", make_nhs),
    ("valid SSN bare, no context", "seq", lambda r: V.make_ssn(r, False).norm),
    ("valid Steuer-ID, no context", "seq", make_idnr),
    ("valid BE NN bare, no context", "seq", make_be_nn),
    ("valid SVNR bare, no context", "seq", make_svnr),
    ("valid personnummer bare, no context", "seq", lambda r: make_se_pnr(r)[0]),
    ("valid CPR, no context", "seq", make_cpr),
    ("valid CPR dashed, no context", "seq", lambda r: (lambda s: s[:6] + "-" + s[6:])(
        make_cpr(r))),
    ("valid NIF, no context", "seq", make_nif),
    ("IMEI, Luhn-valid", "imei", _imei),
    ("Luhn-valid 16 digits, no issuer", "serial", _valid_no_issuer),
    ("Visa with mixed separators", "ref", _mixed_sep_card),
    ("card inside a 20-digit run", "ref", lambda r: _d(r, 2) + _card_number(r, "4", 16) +
     _d(r, 2)),
    ("card, wrong check digit", "ref", lambda r: _wrong_check(
        r, _card_number(r, "4", 16), luhn.is_valid)),
    ("SSN, invalid area", "ref", _bad_ssn),
    ("IBAN, wrong check digits", "ref", _bad_iban),
    ("national phone, unlabelled", "ref", lambda r: _national_phone(r)[0]),
    ("address without a TLD", "user", lambda r: "%s@localhost" % r.choice(_FIRST)),
    ("file name with @", "asset", lambda r: "icon@%dx.png" % r.randint(2, 3)),
]


def gen_negatives(rng, n):
    out = []
    for what, label, fn in rng.sample(NEGATIVES, n):
        v = fn(rng)
        out.append(Item(what, v, label if rng.random() < 0.7 else "", (), "negative",
                        number=v.isdigit() and v[0] != "0"))
    return out


# ---- precision probes (the kinds) ----------------------------------------------------

def probe_html_phone(rng):
    w, _ = _national_phone(rng)
    return Item("probe: phone keywords only in markup", '<input type="tel" name="phone" '
                'value="%s">' % w, "", (), "probe")


def probe_html_ssn(rng):
    return Item("probe: SSN keyword only in markup",
                '<td class="ssn">%s</td>' % V.make_ssn(rng, False).norm, "", (), "probe")


def probe_html_bsn(rng):
    return Item("probe: BSN keyword only in markup",
                '<span data-field="bsn" title="bsn">%s</span>' % V.make_bsn(rng).norm, "",
                (), "probe")


def probe_iban_card_middle(rng):
    """DE IBAN grouped: DEkk CCCC CCCC CCCC CCCC BB, CC... a valid card."""
    while True:
        card = _card_number(rng, rng.choice(["4", "51", "6011"]), 16)
        compact = make_iban(rng, "DE", card + _d(rng, 2))
        w = V.group4(compact)
        return Item("probe: grouped IBAN whose middle groups are a valid card", w,
                    _neutral_label(rng), (("iban", compact, w),), "probe")


def probe_iban_compact_card(rng):
    """GB IBAN compact: GBkkWEST + 14 digits that are a valid Diners card."""
    card = _card_number(rng, "36", 14)
    compact = make_iban(rng, "GB", _upper(rng, 4) + card)
    return Item("probe: compact IBAN whose digit run is a valid card", compact,
                _neutral_label(rng), (("iban", compact, compact),), "probe")


def probe_card_in_20(rng):
    card = _card_number(rng, rng.choice(["4", "55"]), 16)
    s = card + _d(rng, 4) if rng.random() < 0.5 else _d(rng, 4) + card
    return Item("probe: 20 digits in groups of 4 holding a valid card", V.group4(s), "ref",
                (), "probe")


def probe_svnr_in_465(rng):
    while True:
        sv = make_svnr(rng, strong_only=True)
        s = sv + _d(rng, 5)
        if V.card_issuer(s) or std_fr_nir.is_valid(s):
            continue
        return Item("probe: 4-6-5 grouped number whose first 10 digits are an SVNR",
                    "%s %s %s" % (s[:4], s[4:10], s[10:]), "ref", (), "probe")


def _hetu_cpr(rng):
    while True:
        d = _date(rng, 1940, 1999)
        nnn = rng.randint(2, 399)
        s = hetu_of(d.day, d.month, d.year % 100, nnn, "-")
        digits = s.replace("-", "")
        if digits.isdigit() and std_fi_hetu.is_valid(s) and std_dk_cpr.is_valid(digits) \
                and not V._se_pnr_any_day(digits):
            return s, digits


def probe_birth_number_cpr(rng):
    s, digits = _hetu_cpr(rng)
    return Item("probe: dashed birth-date number (HETU and CPR) with a CPR label", s,
                rng.choice(["CPR", "CPR-nr"]), (("dk_cpr", digits, s),), "probe")


def probe_birth_number_hetu(rng):
    s, digits = _hetu_cpr(rng)
    return Item("probe: dashed birth-date number (HETU and CPR), no label", s,
                _neutral_label(rng), (("fi_hetu", s, s),), "probe")


def probe_nhs_after_phone(rng):
    w, norm = _intl_phone(rng)
    nhs = make_nhs(rng)
    g = V.group(nhs, (3, 3, 4), " ")
    return Item("probe: grouped NHS number after a labelled phone", "Tel: %s, NHS number: %s"
                % (w, g), "", (("phone", norm, w), ("gb_nhs", nhs, g)), "probe")


def probe_unlabelled_nanp(rng):
    w, norm = _intl_phone(rng)
    while True:
        digits = rng.choice("23456789") + _d(rng, 9)
        if not std_gb_nhs.is_valid(digits) and not V.bare_digit_sensors(digits):
            break
    g = V.group(digits, (3, 3, 4), " ")
    return Item("probe: unlabelled 999 999 9999 after a labelled phone",
                "Mobile: %s, order ref %s" % (w, g), "", (("phone", norm, w),), "probe")


PROBES = [probe_html_phone, probe_html_ssn, probe_html_bsn, probe_iban_card_middle,
          probe_iban_compact_card, probe_card_in_20, probe_svnr_in_465,
          probe_birth_number_cpr, probe_birth_number_hetu, probe_nhs_after_phone,
          probe_unlabelled_nanp]
