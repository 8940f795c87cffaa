#!/usr/bin/python3
"""The corpus's planted values (tests/pcap/corpus.py): one generator per built-in sensor,
each drawing a valid value in a random one of the sensor's written forms (docs/sensors.md)
and the label it is written under, plus the context keywords and the neutral prose that
goes between items.

Every value is checked with python-stdnum where it has a module (the oracle of
IDENTIFIERS.md) and made unambiguous: as written, only its own sensor accepts it (no
other sensor's bare-digit oracle, no HETU/CPR/personnummer overlap, no digit run inside an
IBAN that another sensor takes). Weak forms (bare digit runs, national phone numbers,
sensors that always need context) get a context keyword of their own sensor as label;
strong forms get one half the time. The overlaps the issue wants resolved are not here:
they are the probes of corpus_negatives.py.
"""

import base64
import datetime
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.at import vnr as std_at_vnr
from stdnum.be import nn as std_be_nn
from stdnum.de import idnr as std_de_idnr
from stdnum.dk import cpr as std_dk_cpr
from stdnum.es import nie as std_es_nie
from stdnum.fi import hetu as std_fi_hetu
from stdnum.fr import nir as std_fr_nir
from stdnum.gb import nhs as std_gb_nhs
from stdnum.ie import pps as std_ie_pps
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale as std_cf
from stdnum.pt import nif as std_pt_nif
from stdnum.se import personnummer as std_se_pnr

import dlp_values as V

REPO = Path(__file__).resolve().parents[2]

SENSORS = ["credit_card", "iban", "us_ssn", "email", "phone", "gb_nhs", "gb_nino", "es_dni",
           "es_nie", "it_codice_fiscale", "nl_bsn", "be_nn", "pl_pesel", "se_personnummer",
           "fi_hetu", "dk_cpr", "de_idnr", "fr_nir", "at_svnr", "ie_pps", "pt_nif",
           "aws_access_key_id", "private_key", "jwt"]

# --------------------------------------------------------------------------------------
# Context keywords (docs/sensors.md) and neutral text
# --------------------------------------------------------------------------------------

def load_keywords(doc=REPO / "docs" / "sensors.md"):
    """{sensor: [keyword]} as docs/sensors.md lists them."""
    out, cur = {}, None
    for ln in Path(doc).read_text().splitlines():
        m = re.match(r"- \*\*`([a-z0-9_]+)`\*\*", ln.strip())
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"- keywords: (.*)", ln.strip())
        if m and cur:
            out[cur] = re.findall(r"`([^`]+)`", m.group(1))
    return out


KEYWORDS = load_keywords()
assert set(SENSORS) <= set(KEYWORDS), sorted(set(SENSORS) - set(KEYWORDS))


def _kw_re(kw):
    parts = [re.escape(p) for p in re.split(r"[ _\-]", kw)]
    return re.compile(r"[ _\-]".join(parts), re.I)


_KW_RES = [(s, kw, _kw_re(kw)) for s, kws in KEYWORDS.items() for kw in kws]


def keyword_hits(text):
    """[(sensor, keyword)] found in text as words (docs/sensors.md: no letter right before,
    no lower-case letter right after)."""
    out = []
    for s, kw, rx in _KW_RES:
        for m in rx.finditer(text):
            before = text[m.start() - 1] if m.start() > 0 else ""
            after = text[m.end()] if m.end() < len(text) else ""
            if not before.isalpha() and not ("a" <= after <= "z"):
                out.append((s, kw))
    return out


_WORDS = """the team reviewed quarterly roadmap agreed plan for spring release weather garden
coffee office meeting notes project design draft summary schedule travel window river
mountain morning evening library museum friendly reminder update status shipping
warehouse delivery parcel customer support ticket resolved pending approved budget review
feedback kitchen printer network database backup weekly monthly sales marketing campaign
launch product feature request thanks regards kindly attached below above details latest
changes minor major fixes improvements documentation handbook onboarding colleague
manager director assistant department building floor room parking lunch dinner birthday
holiday vacation conference workshop training session agenda minutes action items owner
deadline friday monday tuesday wednesday thursday and with from after before during
about into over under while when where which their our your this that these those has
have had will would could should shared folder printed quickly carefully together again
later soon today tomorrow yesterday new old small large green blue bright quiet busy
""".split()
for _w in _WORDS:
    assert not keyword_hits(_w) and not any(c.isdigit() for c in _w), _w


def sentence(rng, min_len=72):
    """Neutral prose: no digits, no '@' or '+', no context keyword; at least min_len chars
    (longer than the 64-byte context window)."""
    while True:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(12, 18))]
        s = " ".join(words).capitalize() + "."
        if len(s) >= min_len and not keyword_hits(s):
            return s


# --------------------------------------------------------------------------------------
# Items: planted values, hard negatives and probes
# --------------------------------------------------------------------------------------

@dataclass
class Item:
    what: str                   # what it is, for the confusion report
    value: str                  # the text as written (value, negative or probe snippet)
    label: str = ""             # text label / field name before it ("" for none)
    expect: tuple = ()          # ((sensor, norm, written substring of value), ...)
    kind: str = "value"         # value | negative | probe
    number: bool = False        # may be a JSON number


def _d(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def _upper(rng, n, alphabet=string.ascii_uppercase):
    return "".join(rng.choice(alphabet) for _ in range(n))


def _neutral_label(rng):
    return rng.choice(["", "", "ref", "value", "entry", "item", "record", "see"])


def _label(rng, sensor, weak, own=None):
    """A context keyword of the sensor (always for a weak form, half the time otherwise),
    else a neutral label."""
    kws = own or KEYWORDS[sensor]
    if weak or rng.random() < 0.5:
        return rng.choice(kws)
    return _neutral_label(rng)


def _bare_only(digits, sensor):
    return V.bare_digit_sensors(digits) == [sensor]


# ---- cards ---------------------------------------------------------------------------------

_CARD_KINDS = [
    # (prefix, length, groupings)
    ("4", 16, [None, (4, 4, 4, 4)]),
    ("4", 13, [None]),
    ("4", 19, [None, (4, 4, 4, 4, 3)]),
    ("51", 16, [None, (4, 4, 4, 4)]),
    ("55", 16, [(4, 4, 4, 4)]),
    ("2221", 16, [(4, 4, 4, 4)]),
    ("2720", 16, [None]),
    ("34", 15, [None, (4, 6, 5)]),
    ("37", 15, [(4, 6, 5)]),
    ("6011", 16, [None, (4, 4, 4, 4)]),
    ("65", 16, [(4, 4, 4, 4)]),
    ("3530", 16, [None, (4, 4, 4, 4)]),
    ("36", 14, [None, (4, 6, 4)]),
    ("62", 16, [None, (4, 4, 4, 4)]),
    ("62", 19, [None]),
    ("6759", 16, [None]),
    ("50", 12, [None]),
]


def _card_number(rng, prefix, length):
    while True:
        n = V.make_card(rng, prefix, length)
        if length == 15 and std_fr_nir.is_valid(n):
            continue
        if length == 12 and 1 <= int(n[4:6]) <= 12:
            continue            # could read as a 12-digit personnummer's date
        return n


def gen_credit_card(rng):
    prefix, length, groupings = rng.choice(_CARD_KINDS)
    n = _card_number(rng, prefix, length)
    g = rng.choice(groupings)
    written = V.group(n, g, rng.choice(" -")) if g else n
    return Item("credit_card %s%s" % ("grouped " if g else "", length), written,
                _label(rng, "credit_card", False, ["card", "card number", "cc", "payment card"]),
                (("credit_card", n, written),))


# ---- IBAN ----------------------------------------------------------------------------------

_IBAN_BBAN = {
    "DE": lambda r: _d(r, 18),
    "GB": lambda r: _upper(r, 4) + _d(r, 14),
    "NL": lambda r: _upper(r, 4) + _d(r, 10),
    "AT": lambda r: _d(r, 16),
    "PL": lambda r: _d(r, 24),
    "BE": lambda r: _d(r, 12),
    "ES": lambda r: _d(r, 20),
    "IT": lambda r: _upper(r, 1) + _d(r, 10) + _upper(r, 12, string.ascii_uppercase +
                                                       string.digits),
    "CH": lambda r: _d(r, 5) + _upper(r, 12, string.ascii_uppercase + string.digits),
    "FR": lambda r: _d(r, 10) + _upper(r, 11, string.digits) + _d(r, 2),
}


def make_iban(rng, country=None, bban=None):
    """A valid IBAN (stdnum, country structure) with no digit run inside it that another
    sensor accepts on its own (unless bban is given: a probe)."""
    while True:
        cc = country or rng.choice(sorted(_IBAN_BBAN))
        b = bban or _IBAN_BBAN[cc](rng)
        check = std_iban.calc_check_digits(cc + "00" + b)
        compact = cc + check + b
        if not std_iban.is_valid(compact, check_country=False):
            continue
        if bban is None and (V._digit_runs_accepted(compact) or
                             V._digit_runs_accepted(V.group4(compact))):
            continue
        return compact


def gen_iban(rng):
    compact = make_iban(rng)
    grouped = rng.random() < 0.5
    written = V.group4(compact) if grouped else compact
    return Item("iban %s%s" % (compact[:2], " grouped" if grouped else ""), written,
                _label(rng, "iban", False, ["IBAN", "bank account", "SEPA"]),
                (("iban", compact, written),))


# ---- national numbers ---------------------------------------------------------------------

def gen_us_ssn(rng):
    dashed = rng.random() < 0.6
    p = V.make_ssn(rng, dashed)
    return Item("us_ssn %s" % ("dashed" if dashed else "bare (weak)"), p.raw,
                _label(rng, "us_ssn", not dashed, ["SSN", "social security number"]),
                (("us_ssn", p.norm, p.raw),))


def gen_nl_bsn(rng):
    p = V.make_bsn(rng)
    dotted = rng.random() < 0.4
    w = "%s.%s.%s" % (p.norm[:4], p.norm[4:6], p.norm[6:]) if dotted else p.norm
    return Item("nl_bsn %s (weak)" % ("dotted" if dotted else "bare"), w,
                rng.choice(["BSN", "burgerservicenummer"]), (("nl_bsn", p.norm, w),))


def gen_pl_pesel(rng):
    p = V.make_pesel(rng)
    return Item("pl_pesel (weak)", p.norm, "PESEL", (("pl_pesel", p.norm, p.norm),))


def make_nhs(rng):
    while True:
        s = rng.choice("3456789") + _d(rng, 9)
        if _bare_only(s, "gb_nhs") and std_gb_nhs.is_valid(s):
            return s


def gen_gb_nhs(rng):
    s = make_nhs(rng)
    form = rng.choice(["bare", "spaced", "dashed"])
    w = s if form == "bare" else V.group(s, (3, 3, 4), " " if form == "spaced" else "-")
    return Item("gb_nhs %s%s" % (form, " (weak)" if form == "bare" else ""), w,
                _label(rng, "gb_nhs", form == "bare", ["NHS number", "NHS", "patient"]),
                (("gb_nhs", s, w),))


def gen_gb_nino(rng):
    p = V.make_nino(rng)
    s = p.norm
    w = rng.choice([s, "%s %s %s %s %s" % (s[:2], s[2:4], s[4:6], s[6:8], s[8]),
                    "%s %s %s" % (s[:2], s[2:8], s[8])])
    return Item("gb_nino", w, _label(rng, "gb_nino", False, ["NINO", "national insurance"]),
                (("gb_nino", s, w),))


def gen_es_dni(rng):
    s = V.make_dni(rng).norm
    w = rng.choice([s, s[:8] + "-" + s[8], s[:8] + " " + s[8]])
    return Item("es_dni", w, _label(rng, "es_dni", False, ["DNI"]), (("es_dni", s, w),))


def gen_es_nie(rng):
    while True:
        s = rng.choice("XYZ") + _d(rng, 7)
        s += std_es_nie.calc_check_digit(s)
        if std_es_nie.is_valid(s):
            break
    w = rng.choice([s, "%s-%s-%s" % (s[0], s[1:8], s[8]), "%s-%s" % (s[:8], s[8])])
    return Item("es_nie", w, _label(rng, "es_nie", False, ["NIE"]), (("es_nie", s, w),))


def gen_it_cf(rng):
    while True:
        yy, day = rng.randint(30, 99), rng.randint(1, 28) + rng.choice([0, 40])
        body = (_upper(rng, 6) + "%02d" % yy + rng.choice("ABCDEHLMPRST") + "%02d" % day +
                rng.choice("ABCDEFGHILM") + _d(rng, 3))
        s = body + std_cf.calc_check_digit(body)
        if std_cf.is_valid(s):
            return Item("it_codice_fiscale", s,
                        _label(rng, "it_codice_fiscale", False, ["codice fiscale"]),
                        (("it_codice_fiscale", s, s),))


def _date(rng, y0=1950, y1=1999):
    while True:
        try:
            return datetime.date(rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 28))
        except ValueError:
            pass


def make_be_nn(rng):
    while True:
        d = _date(rng)
        nine = d.strftime("%y%m%d") + "%03d" % rng.randint(1, 997)
        s = nine + "%02d" % (97 - int(nine) % 97)
        if std_be_nn.is_valid(s) and _bare_only(s, "be_nn"):
            return s


def gen_be_nn(rng):
    s = make_be_nn(rng)
    forms = ["%s.%s.%s-%s.%s" % (s[:2], s[2:4], s[4:6], s[6:9], s[9:]),
             "%s-%s.%s" % (s[:6], s[6:9], s[9:]), "%s %s %s" % (s[:6], s[6:9], s[9:]),
             "%s-%s" % (s[:6], s[6:]), s]
    w = rng.choice(forms)
    weak = w == s
    return Item("be_nn%s" % (" bare (weak)" if weak else ""), w,
                _label(rng, "be_nn", weak, ["rijksregisternummer", "INSZ", "national number"]),
                (("be_nn", s, w),))


def make_se_pnr(rng):
    """YYMMDDNNNC born 1932-1999: the day of YYMMDD read as DDMMYY (CPR, HETU) is > 31."""
    while True:
        d = _date(rng, 1932, 1999)
        nine = d.strftime("%y%m%d") + _d(rng, 3)
        s = nine + luhn.calc_check_digit(nine)
        if std_se_pnr.is_valid(s) and _bare_only(s, "se_personnummer"):
            return s, d


def gen_se_pnr(rng):
    s, d = make_se_pnr(rng)
    norm = d.strftime("%Y") + s[2:]
    form = rng.choice(["short", "long", "bare10", "bare12"])
    w = {"short": s[:6] + "-" + s[6:], "long": norm[:8] + "-" + norm[8:], "bare10": s,
         "bare12": norm}[form]
    weak = form.startswith("bare")
    return Item("se_personnummer %s%s" % (form, " (weak)" if weak else ""), w,
                _label(rng, "se_personnummer", weak, ["personnumret", "personnr"]),
                (("se_personnummer", norm, w),))


_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu_of(dd, mm, yy, nnn, sign):
    num = "%02d%02d%02d%03d" % (dd, mm, yy, nnn)
    return "%02d%02d%02d%s%03d%s" % (dd, mm, yy, sign, nnn, _HETU_CHECK[int(num) % 31])


def gen_fi_hetu(rng):
    while True:
        sign = rng.choice("A-")
        d = _date(rng, 2000, 2019) if sign == "A" else _date(rng, 1940, 1999)
        s = hetu_of(d.day, d.month, d.year % 100, rng.randint(2, 899), sign)
        if not std_fi_hetu.is_valid(s):
            continue
        digits = s.replace("-", "")
        if sign == "-" and digits.isdigit() and (std_dk_cpr.is_valid(digits) or
                                                 V._se_pnr_any_day(digits)):
            continue            # the dashed birth-date overlap is a probe of its own
        return Item("fi_hetu %s" % sign, s, _label(rng, "fi_hetu", False, ["HETU"]),
                    (("fi_hetu", s, s),))


def make_cpr(rng):
    """DDMMYYNNNN born 1950-1999 (7th digit 0-3): not a HETU (check character) nor a
    personnummer as written, nor another sensor's bare 10 digits."""
    while True:
        d = _date(rng)
        s = d.strftime("%d%m%y") + str(rng.randint(0, 3)) + _d(rng, 3)
        if not std_dk_cpr.is_valid(s) or not _bare_only(s, "dk_cpr"):
            continue
        if std_fi_hetu.is_valid(s[:6] + "-" + s[6:]) or V._se_pnr_any_day(s):
            continue
        return s


def gen_dk_cpr(rng):
    s = make_cpr(rng)
    w = rng.choice([s, s[:6] + "-" + s[6:]])
    return Item("dk_cpr (weak)", w, rng.choice(["CPR", "CPR-nr", "cpr nummer"]),
                (("dk_cpr", s, w),))


def make_idnr(rng):
    while True:
        first = _d(rng, 10)
        if first[0] == "0":
            continue
        counts = sorted((first.count(c) for c in set(first)), reverse=True)
        if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
            continue
        s = first + mod_11_10.calc_check_digit(first)
        if std_de_idnr.is_valid(s) and _bare_only(s, "de_idnr"):
            return s


def gen_de_idnr(rng):
    s = make_idnr(rng)
    w = rng.choice([s, "%s %s %s %s" % (s[:2], s[2:5], s[5:8], s[8:])])
    return Item("de_idnr (weak)", w, rng.choice(["Steuer-ID", "IdNr",
                                                 "Steueridentifikationsnummer"]),
                (("de_idnr", s, w),))


def make_nir(rng):
    while True:
        dept = rng.choice(["%02d" % rng.randint(1, 95), "2A", "2B"])
        if dept == "20":
            continue
        body = (rng.choice("12") + "%02d" % rng.randint(40, 99) + "%02d" % rng.randint(1, 12)
                + dept + _d(rng, 6))
        num = body.replace("2A", "19").replace("2B", "18")
        s = body + "%02d" % (97 - int(num) % 97)
        if std_fr_nir.is_valid(s) and (not s.isdigit() or _bare_only(s, "fr_nir")):
            return s


def gen_fr_nir(rng):
    s = make_nir(rng)
    w = rng.choice([s, "%s %s %s %s %s %s %s" % (s[0], s[1:3], s[3:5], s[5:7], s[7:10],
                                                 s[10:13], s[13:])])
    return Item("fr_nir", w, _label(rng, "fr_nir", False, ["NIR", "carte vitale"]),
                (("fr_nir", s, w),))


def make_svnr(rng, strong_only=False):
    while True:
        serial = rng.choice("123456789") + _d(rng, 2)
        d = _date(rng)
        s = serial + "0" + d.strftime("%d%m%y")
        s = s[:3] + std_at_vnr.calc_check_digit(s) + s[4:]
        if std_at_vnr.is_valid(s) and (strong_only or _bare_only(s, "at_svnr")):
            return s


def gen_at_svnr(rng):
    s = make_svnr(rng)
    spaced = rng.random() < 0.6
    w = s[:4] + " " + s[4:] if spaced else s
    return Item("at_svnr %s" % ("spaced" if spaced else "bare (weak)"), w,
                _label(rng, "at_svnr", not spaced, ["SVNR", "Versicherungsnummer"]),
                (("at_svnr", s, w),))


def gen_ie_pps(rng):
    while True:
        s = _d(rng, 7)
        s += "WABCDEFGHIJKLMNOPQRSTUV"[sum(int(c) * (8 - i) for i, c in enumerate(s)) % 23]
        if rng.random() < 0.3:
            s += "W"        # an old-format second letter, not part of the check
        if std_ie_pps.is_valid(s):
            return Item("ie_pps", s, _label(rng, "ie_pps", False, ["PPS", "PPSN"]),
                        (("ie_pps", s, s),))


def make_nif(rng):
    while True:
        body = rng.choice("12356789") + _d(rng, 7)
        s = body + std_pt_nif.calc_check_digit(body)
        if std_pt_nif.is_valid(s) and _bare_only(s, "pt_nif"):
            return s


def gen_pt_nif(rng):
    s = make_nif(rng)
    form = rng.choice(["PT", "PT ", "PT grouped", "bare", "grouped"])
    grouped = "%s %s %s" % (s[:3], s[3:6], s[6:])
    w = {"PT": "PT" + s, "PT ": "PT " + s, "PT grouped": "PT " + grouped, "bare": s,
         "grouped": grouped}[form]
    weak = not w.startswith("PT")
    return Item("pt_nif %s%s" % (form, " (weak)" if weak else ""), w,
                _label(rng, "pt_nif", weak, ["NIF", "contribuinte"]), (("pt_nif", s, w),))


# ---- contact, credentials -----------------------------------------------------------------

_FIRST = ["anna", "lena", "jonas", "marta", "pierre", "sofia", "lars", "ines", "tomasz",
          "giulia", "noah", "emma", "lukas", "clara", "mateo", "freya"]
_LAST = ["fischer", "novak", "dubois", "rossi", "jensen", "garcia", "kowalski", "berg",
         "martin", "schmidt", "silva", "virtanen", "murphy", "janssen"]
_DOMAINS = ["example-mail.com", "post.example.org", "firma.example.de", "corp.example.co.uk",
            "mailbox.example.net", "example.fr", "uni.example.edu", "example.io"]


def gen_email(rng):
    f, l = rng.choice(_FIRST), rng.choice(_LAST)
    local = rng.choice(["%s.%s" % (f, l), "%s_%s" % (f, l), "%s%s" % (f[0], l),
                        "%s.%s+%s" % (f, l, rng.choice(["news", "shop", "x"])),
                        "%s-%s%d" % (f, l, rng.randint(1, 99))])
    addr = local + "@" + rng.choice(_DOMAINS)
    written = "".join(c.upper() if rng.random() < 0.2 else c for c in addr)
    return Item("email", written, _label(rng, "email", False, ["email", "e-mail", "contact"]),
                (("email", addr.lower(), written),))


def _intl_phone(rng):
    kind = rng.choice(["uk", "uk0", "ukm", "de", "fr", "us", "nl", "se", "es"])
    if kind == "uk":
        w = "+44 20 7946 0%s" % _d(rng, 3)
    elif kind == "uk0":
        w = "+44 (0)20 7946 0%s" % _d(rng, 3)
    elif kind == "ukm":
        w = "+44 7700 900%s" % _d(rng, 3)
    elif kind == "de":
        w = "+49 30 %s" % _d(rng, 8)
    elif kind == "fr":
        w = "+33 %d %s %s %s %s" % (rng.randint(1, 5), _d(rng, 2), _d(rng, 2), _d(rng, 2),
                                    _d(rng, 2))
    elif kind == "us":
        w = "+1 (%d%s) 555-01%s" % (rng.randint(2, 9), _d(rng, 2), _d(rng, 2))
    elif kind == "nl":
        w = "+31 20 %s %s" % (_d(rng, 3), _d(rng, 4))
    elif kind == "se":
        w = "+46 8 %s %s %s" % (_d(rng, 3), _d(rng, 3), _d(rng, 2))
    else:
        w = "+34 91 %s %s %s" % (_d(rng, 3), _d(rng, 2), _d(rng, 2))
    norm = "+" + re.sub(r"\D", "", w.replace("(0)", ""))
    return w, norm


def _national_phone(rng):
    while True:
        kind = rng.choice(["uk", "ukp", "de", "fr", "nanp", "nanp-dash"])
        if kind == "uk":
            w = "020 7946 0%s" % _d(rng, 3)
        elif kind == "ukp":
            w = "(020) 7946 0%s" % _d(rng, 3)
        elif kind == "de":
            w = "030 %s" % _d(rng, 8)
        elif kind == "fr":
            w = "0%d %s %s %s %s" % (rng.randint(1, 5), _d(rng, 2), _d(rng, 2), _d(rng, 2),
                                     _d(rng, 2))
        elif kind == "nanp":
            w = "(%d%s) 555-01%s" % (rng.randint(2, 9), _d(rng, 2), _d(rng, 2))
        else:
            w = "%d%s-555-01%s" % (rng.randint(2, 9), _d(rng, 2), _d(rng, 2))
        digits = re.sub(r"\D", "", w)
        # a national number must be nothing else: no NHS (999-999-9999 layout), no bare
        # 10/11-digit identity number
        if V.bare_digit_sensors(digits) or std_gb_nhs.is_valid(digits):
            continue
        return w, digits


def gen_phone(rng):
    if rng.random() < 0.6:
        w, norm = _intl_phone(rng)
        return Item("phone international", w,
                    _label(rng, "phone", False, ["phone", "Tel", "mobile"]),
                    (("phone", norm, w),))
    w, norm = _national_phone(rng)
    return Item("phone national (weak)", w, rng.choice(["phone", "Tel", "mobile", "Telefon"]),
                (("phone", norm, w),))


_B32 = string.ascii_uppercase + "234567"
_B64URL = string.ascii_letters + string.digits + "-_"


def gen_aws(rng):
    s = rng.choice(["AKIA", "ASIA"]) + _upper(rng, 16, _B32)
    return Item("aws_access_key_id", s, _label(rng, "aws_access_key_id", False,
                                               ["aws_access_key_id", "access key id"]),
                (("aws_access_key_id", s, s),))


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def gen_jwt(rng):
    header = _b64url(json.dumps({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"},
                                separators=(",", ":")).encode())
    claims = {"sub": "user-%s" % _upper(rng, 8, string.ascii_lowercase),
              "name": "%s %s" % (rng.choice(_FIRST).title(), rng.choice(_LAST).title()),
              "scope": rng.choice(["read", "read write", "admin"])}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = "".join(rng.choice(_B64URL) for _ in range(43))
    w = "%s.%s.%s" % (header, payload, sig)
    norm = ("%s.%s" % (header, payload))[:128]
    return Item("jwt", w, _label(rng, "jwt", False, ["Bearer", "token"]), (("jwt", norm, w),))


def gen_private_key(rng):
    kind = rng.choice(["", "RSA ", "EC ", "OPENSSH "])
    body = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.choice([120, 150]))))
    body = body.decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    w = "-----BEGIN %sPRIVATE KEY-----\n%s\n-----END %sPRIVATE KEY-----" % (
        kind, "\n".join(lines), kind)
    return Item("private_key %s" % (kind.strip() or "PKCS8"), w, "",
                (("private_key", body[:40], w),))


GENERATORS = {
    "credit_card": gen_credit_card, "iban": gen_iban, "us_ssn": gen_us_ssn, "email": gen_email,
    "phone": gen_phone, "gb_nhs": gen_gb_nhs, "gb_nino": gen_gb_nino, "es_dni": gen_es_dni,
    "es_nie": gen_es_nie, "it_codice_fiscale": gen_it_cf, "nl_bsn": gen_nl_bsn,
    "be_nn": gen_be_nn, "pl_pesel": gen_pl_pesel, "se_personnummer": gen_se_pnr,
    "fi_hetu": gen_fi_hetu, "dk_cpr": gen_dk_cpr, "de_idnr": gen_de_idnr,
    "fr_nir": gen_fr_nir, "at_svnr": gen_at_svnr, "ie_pps": gen_ie_pps, "pt_nif": gen_pt_nif,
    "aws_access_key_id": gen_aws, "private_key": gen_private_key, "jwt": gen_jwt,
}
assert set(GENERATORS) == set(SENSORS)
