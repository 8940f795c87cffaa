#!/usr/bin/python3
"""Personal-data values planted in the DLP test captures, and the hard negatives around
them.

Every valid value is generated from a fixed seed and checked with python-stdnum (the oracle
named in /work/shared/IDENTIFIERS.md) or, where stdnum has no module (gb_nino, the card
issuer table), with the published rule written out below. Generation also makes each value
unambiguous: a planted value passes no other digit-only validator, so the expected sensor
is the only one that may report it. Each hard negative either is checked to fail the
validators it imitates, or (as its label says) is valid on purpose and must be refused for
how it is written (mixed separators, inside a longer digit run) or for a missing context
keyword. The e-mail and phone negatives (no stdnum module) follow docs/sensors.md.

Also here: the redaction and the keyed hash (SipHash-2-4) the daemon must write, so tests
can compute the exact `redacted` and `hash` of a match.

Run `/usr/bin/python3 tests/pcap/dlp_values.py` to print the catalogue (self-checks run at
import).
"""

import datetime
import random
import re
import uuid
from dataclasses import dataclass

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.at import vnr as std_at_vnr
from stdnum.be import nn as std_be_nn
from stdnum.de import idnr as std_de_idnr
from stdnum.dk import cpr as std_dk_cpr
from stdnum.es import dni as std_es_dni
from stdnum.fi import hetu as std_fi_hetu
from stdnum.fr import nir as std_fr_nir
from stdnum.gb import nhs as std_gb_nhs
from stdnum.nl import bsn as std_nl_bsn
from stdnum.pl import pesel as std_pl_pesel
from stdnum.pt import nif as std_pt_nif
from stdnum.se import personnummer as std_se_pnr
from stdnum.us import ssn as std_us_ssn

# Categories as docs/sensors.md lists them.
CATEGORY = {
    "credit_card": "financial", "iban": "financial", "gb_nhs": "health",
    "email": "contact", "phone": "contact",
    "aws_access_key_id": "credentials", "private_key": "credentials", "jwt": "credentials",
}
for _s in ("us_ssn", "gb_nino", "es_dni", "es_nie", "it_codice_fiscale", "nl_bsn",
           "be_nn", "pl_pesel", "se_personnummer", "fi_hetu", "dk_cpr", "de_idnr", "fr_nir",
           "at_svnr", "ie_pps", "pt_nif"):
    CATEGORY[_s] = "identity"


# --------------------------------------------------------------------------------------
# What the daemon writes instead of a value
# --------------------------------------------------------------------------------------

def redact(norm):
    """Every character but the last 4 as '*'; at most 28 stars (values longer than 32)."""
    if len(norm) <= 4:
        return "*" * len(norm)
    return "*" * min(len(norm) - 4, 28) + norm[-4:]


_M64 = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash24(key, data):
    """SipHash-2-4 (Aumasson & Bernstein) of data (bytes) under a 16-byte key; an int."""
    assert len(key) == 16
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & _M64
        v[1] = _rotl(v[1], 13) ^ v[0]
        v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & _M64
        v[3] = _rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & _M64
        v[3] = _rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & _M64
        v[1] = _rotl(v[1], 17) ^ v[2]
        v[2] = _rotl(v[2], 32)

    full = len(data) & ~7
    for i in range(0, full, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        rnd()
        rnd()
        v[0] ^= m
    b = (len(data) & 0xFF) << 56
    for i, c in enumerate(data[full:]):
        b |= c << (8 * i)
    v[3] ^= b
    rnd()
    rnd()
    v[0] ^= b
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


# Reference vector from the SipHash paper (appendix A): key 00..0f, message 00..0e.
assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5


def value_hash(key, norm):
    """The `hash` field for a normalised value: 16 lower-case hex digits."""
    return "%016x" % siphash24(key, norm.encode())


def read_hash_key(state_dir):
    """The installation key from STATE_DIR/hash.key (32 hex digits) as 16 bytes."""
    from pathlib import Path
    text = (Path(state_dir) / "hash.key").read_text().strip()
    return bytes.fromhex(text)


# --------------------------------------------------------------------------------------
# Validators that stdnum lacks, and the cross-check oracle
# --------------------------------------------------------------------------------------

def card_issuer(digits):
    """Issuer whose prefix and length (IDENTIFIERS.md table) fit, Luhn included, or None."""
    if not digits.isdigit() or not luhn.is_valid(digits):
        return None
    n = len(digits)

    def pre(lo, hi, width):
        return lo <= int(digits[:width]) <= hi

    if digits[0] == "4" and n in (13, 16, 19):
        return "visa"
    if n == 16 and (pre(51, 55, 2) or pre(2221, 2720, 4)):
        return "mastercard"
    if n == 15 and digits[:2] in ("34", "37"):
        return "amex"
    if 16 <= n <= 19 and (digits[:4] == "6011" or pre(644, 649, 3) or digits[:2] == "65"):
        return "discover"
    if 16 <= n <= 19 and pre(3528, 3589, 4):
        return "jcb"
    if 14 <= n <= 19 and (pre(300, 305, 3) or digits[:2] in ("36", "38", "39")):
        return "diners"
    if 16 <= n <= 19 and digits[:2] == "62":
        return "unionpay"
    if 12 <= n <= 19 and (digits[:2] == "50" or pre(56, 69, 2)):
        return "maestro"
    return None


_NINO_BAD_FIRST = set("DFIQUV")
_NINO_BAD_SECOND = set("DFIOQUV")
_NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "NT", "TN", "ZZ"}


def nino_is_valid(s):
    """UK National Insurance number, compact (AB123456C), per IDENTIFIERS.md."""
    m = re.fullmatch(r"([A-Z])([A-Z])[0-9]{6}[A-D]", s)
    return bool(m) and m.group(1) not in _NINO_BAD_FIRST and \
        m.group(2) not in _NINO_BAD_SECOND and s[:2] not in _NINO_BAD_PREFIX


def _real_date_any_century(yymmdd):
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    for century in (1800, 1900, 2000):
        try:
            datetime.date(century + yy, mm, dd)
            return True
        except ValueError:
            pass
    return False


# stdnum's dk.cpr, se.personnummer and be.nn depend on today's date (births in the future,
# the century of a 2-digit year). For choosing values, these stand-ins accept a number if
# stdnum would on SOME date, so generation never changes with the calendar and a value
# kept clear of them stays clear of stdnum's verdict on any day.
def _dk_cpr_any_day(s):
    return _real_date_any_century(s[4:6] + s[2:4] + s[0:2])


def _se_pnr_any_day(s):
    return _real_date_any_century(s[:6]) and luhn.is_valid(s)


def _be_nn_any_day(s):
    return int(s) > 0 and any(97 - int(n[:-2]) % 97 == int(n[-2:]) for n in (s, "2" + s))


assert all(f(x) for f, x in ((_dk_cpr_any_day, "2110625629"),
                             (_se_pnr_any_day, "8803200016"),
                             (_be_nn_any_day, "85073003328")))
assert std_dk_cpr.is_valid("2110625629") and std_se_pnr.is_valid("880320-0016") and \
    std_be_nn.is_valid("85073003328")

# Bare digit strings: every validator a run of that many digits could satisfy.
_BARE = (
    ("us_ssn", 9, std_us_ssn.is_valid),
    ("nl_bsn", 9, std_nl_bsn.is_valid),
    ("pt_nif", 9, std_pt_nif.is_valid),
    ("gb_nhs", 10, std_gb_nhs.is_valid),
    ("dk_cpr", 10, _dk_cpr_any_day),
    ("at_svnr", 10, std_at_vnr.is_valid),
    ("se_personnummer", 10, _se_pnr_any_day),
    ("pl_pesel", 11, std_pl_pesel.is_valid),
    ("de_idnr", 11, std_de_idnr.is_valid),
    ("be_nn", 11, _be_nn_any_day),
    ("fr_nir", 15, std_fr_nir.is_valid),
)


def bare_digit_sensors(digits):
    """Sensors whose oracle accepts this digit string (credit_card via card_issuer)."""
    out = [name for name, n, ok in _BARE if len(digits) == n and ok(digits)]
    if card_issuer(digits):
        out.append("credit_card")
    return out


# --------------------------------------------------------------------------------------
# Planted values
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Planted:
    sensor: str
    raw: str          # as written in the traffic
    norm: str         # normalised form (what is redacted and hashed)

    @property
    def category(self):
        return CATEGORY[self.sensor]

    @property
    def redacted(self):
        return redact(self.norm)

    def hash(self, key):
        return value_hash(key, self.norm)

    @property
    def forms(self):
        """Strings that must never appear in any output: the value as written, its
        normalised form, its digits alone (when it has 6 or more) and both cases."""
        out = {self.raw, self.norm, self.raw.lower(), self.raw.upper(), self.norm.lower(),
               self.norm.upper()}
        digits = re.sub(r"[^0-9]", "", self.raw)
        if len(digits) >= 6 and len(digits) >= len(self.norm) - 4:
            out.add(digits)
        return sorted(out)


def _digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def _luhn_complete(body):
    return body + luhn.calc_check_digit(body)


def _luhn_break(number):
    """Same number with a wrong check digit."""
    bad = str((int(number[-1]) + 3) % 10)
    out = number[:-1] + bad
    assert not luhn.is_valid(out)
    return out


def make_card(rng, prefix, length, avoid=()):
    """A Luhn-valid card number with an issuer prefix/length, no other sensor's oracle."""
    while True:
        n = _luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))
        if n not in avoid and card_issuer(n) and bare_digit_sensors(n) == ["credit_card"]:
            return n


def group(s, sizes, sep):
    out, i = [], 0
    for k in sizes:
        out.append(s[i:i + k])
        i += k
    assert i == len(s)
    return sep.join(out)


def group4(s, sep=" "):
    return sep.join(s[i:i + 4] for i in range(0, len(s), 4))


def card(rng, prefix, length, sizes=None, sep="", avoid=()):
    n = make_card(rng, prefix, length, avoid)
    raw = group(n, sizes, sep) if sizes else n
    return Planted("credit_card", raw, n)


def card_series(count, seed, prefix="4", length=16):
    """count distinct Luhn-valid cards (plain) from seed."""
    rng = random.Random(seed)
    seen = []
    while len(seen) < count:
        seen.append(make_card(rng, prefix, length, avoid=seen))
    return [Planted("credit_card", n, n) for n in seen]


def _digit_runs_accepted(text):
    """Whether any run of digits in text, or any join of space-separated all-digit groups
    (as a card written in groups would be read), satisfies a digit-only oracle."""
    for run in re.findall(r"[0-9]+(?: [0-9]+)*", text):
        groups = run.split(" ")
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                if bare_digit_sensors("".join(groups[i:j])):
                    return True
    return False


def make_iban(rng, country, bban_fn, grouped=False):
    """An IBAN valid under stdnum (country checks included) with a generated BBAN; no
    digit run inside it satisfies a digit-only oracle on its own."""
    while True:
        bban = bban_fn(rng)
        check = std_iban.calc_check_digits(country + "00" + bban)
        compact = country + check + bban
        if not std_iban.is_valid(compact):
            continue
        if _digit_runs_accepted(compact) or _digit_runs_accepted(group4(compact)):
            continue
        return Planted("iban", group4(compact) if grouped else compact, compact)


def iban_bad_check(p):
    """The same IBAN with check digits off by one (mod 97 fails)."""
    c = p.norm
    bad = "%02d" % ((int(c[2:4]) + 1) % 100)
    out = c[:2] + bad + c[4:]
    assert not std_iban.is_valid(out, check_country=False)
    return out


def make_ssn(rng, dashed, extra=None):
    while True:
        s = "%03d%02d%04d" % (rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999))
        if not std_us_ssn.is_valid(s) or (extra and not extra(s)):
            continue
        # the digits alone must not satisfy any other 9-digit oracle
        if bare_digit_sensors(s) != ["us_ssn"]:
            continue
        raw = "%s-%s-%s" % (s[:3], s[3:5], s[5:]) if dashed else s
        return Planted("us_ssn", raw, s)


def make_bsn(rng):
    """Valid BSN that is not a valid SSN (area 9xx) nor a Portuguese NIF."""
    while True:
        s = "9" + _digits(rng, 8)
        if bare_digit_sensors(s) == ["nl_bsn"]:
            return Planted("nl_bsn", s, s)


def make_pesel(rng):
    while True:
        y, m, d = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
        body = "%02d%02d%02d%04d" % (y, m, d, rng.randint(0, 9999))
        s = body + std_pl_pesel.calc_check_digit(body)
        if bare_digit_sensors(s) == ["pl_pesel"]:
            return Planted("pl_pesel", s, s)


def make_nhs(rng):
    while True:
        s = "4" + _digits(rng, 9)
        if bare_digit_sensors(s) == ["gb_nhs"]:
            return Planted("gb_nhs", s, s)


def make_dni(rng):
    body = "%08d" % rng.randint(10000000, 99999999)
    s = body + std_es_dni.calc_check_digit(body)
    assert std_es_dni.is_valid(s)
    return Planted("es_dni", s, s)


def make_hetu(rng):
    """Born 2000-2019 (century sign 'A', which is never a separator)."""
    d, m, y, n = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 19), \
        rng.randint(2, 899)
    num = "%02d%02d%02d%03d" % (d, m, y, n)
    s = "%02d%02d%02dA%03d%s" % (d, m, y, n, "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(num) % 31])
    assert std_fi_hetu.is_valid(s)
    return Planted("fi_hetu", s, s)


def make_nino(rng):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    while True:
        s = rng.choice(letters) + rng.choice(letters) + _digits(rng, 6) + rng.choice("ABCD")
        if nino_is_valid(s):
            return Planted("gb_nino", s, s)


def _de_bban(rng):
    return _digits(rng, 18)


def _gb_bban(rng):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + \
        _digits(rng, 14)


def _fr_bban(rng):
    # 5n bank, 5n branch, 11c account (digits here), 2n national key
    while True:
        bank, branch, acct = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
        key = 97 - int(bank + branch + acct + "00") % 97
        return bank + branch + acct + "%02d" % key


_RNG = random.Random(0x7011_6A7E)

VISA16 = card(_RNG, "4", 16)                                     # plain
MC16_SPACED = card(_RNG, "53", 16, (4, 4, 4, 4), " ")           # 4-4-4-4, spaces
AMEX15_DASHED = card(_RNG, "37", 15, (4, 6, 5), "-")            # 4-6-5, dashes
MC16_DASHED = card(_RNG, "2221", 16, (4, 4, 4, 4), "-")         # 2-series, dashes
VISA16_RESPONSE = card(_RNG, "4", 16)                            # for the to_client case
SSN_DASHED = make_ssn(_RNG, dashed=True)
SSN_BARE = make_ssn(_RNG, dashed=False)                          # needs "SSN" context
BSN = make_bsn(_RNG)                                             # needs "BSN" context
IBAN_DE = make_iban(_RNG, "DE", _de_bban)                        # compact
IBAN_GB_GROUPED = make_iban(_RNG, "GB", _gb_bban, grouped=True)  # groups of 4, spaces
IBAN_FR = make_iban(_RNG, "FR", _fr_bban)
IBAN_NL_GROUPED = make_iban(
    _RNG, "NL", lambda r: "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
    + _digits(r, 10), grouped=True)
EMAIL = Planted("email", "Lena.Fischer@Example-Mail.COM", "lena.fischer@example-mail.com")
EMAIL_LONG = Planted("email", "maximilian.mustermann-schmidt@buchhaltung.example.org",
                     "maximilian.mustermann-schmidt@buchhaltung.example.org")
PHONE = Planted("phone", "+44 20 7946 0958", "+442079460958")
GB_NINO = make_nino(_RNG)
ES_DNI = make_dni(_RNG)
FI_HETU = make_hetu(_RNG)

# Weak forms that are valid but written with no context keyword near them.
BSN_NO_CONTEXT = make_bsn(_RNG)
PESEL_NO_CONTEXT = make_pesel(_RNG)
NHS_NO_CONTEXT = make_nhs(_RNG)
SSN_BARE_NO_CONTEXT = make_ssn(_RNG, dashed=False)


def _random_id(rng, n):
    """A random n-digit id that no oracle accepts."""
    while True:
        s = rng.choice("123456789") + _digits(rng, n - 1)
        if not bare_digit_sensors(s):
            return s


def _bad_ssn(rng, area):
    s = "%s-%02d-%04d" % (area, rng.randint(1, 99), rng.randint(1, 9999))
    assert not std_us_ssn.is_valid(s)
    return s


def _timestamp_ms(rng):
    """A 13-digit millisecond timestamp (2025) that passes Luhn, as real ones often do."""
    while True:
        s = str(rng.randint(1735689600000, 1767225599999))
        if luhn.is_valid(s) and not card_issuer(s):
            return s


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


_NEG = random.Random(0xBAD_5EED)
_in_run_card = make_card(_NEG, "4", 16, avoid=(VISA16.norm, VISA16_RESPONSE.norm))
_mixed_card = make_card(_NEG, "4", 16)

# (label, text). None of these may be reported.
HARD_NEGATIVES = [
    ("ms timestamp, Luhn-valid", "1748503543012"),
    ("ms timestamp, Luhn-valid (generated)", _timestamp_ms(_NEG)),
    ("uuid with a 12-digit group", "550e8400-e29b-41d4-a716-446655440000"),
    ("uuid", _uuid(_NEG)),
    ("2^52, Visa-shaped, fails Luhn", "4503599627370496"),
    ("Visa-shaped, fails Luhn", _luhn_break(make_card(_NEG, "4", 16))),
    ("Mastercard 4-4-4-4, fails Luhn", group(_luhn_break(make_card(_NEG, "51", 16)),
                                              (4, 4, 4, 4), " ")),
    ("Amex 4-6-5, fails Luhn", group(_luhn_break(make_card(_NEG, "34", 15)),
                                     (4, 6, 5), "-")),
    ("Luhn-valid Visa with mixed separators",
     _mixed_card[:4] + " " + _mixed_card[4:8] + "-" + _mixed_card[8:12] + " " +
     _mixed_card[12:]),
    ("valid Visa inside a 20-digit run", "80" + _in_run_card + "12"),
    ("SSN area 000", _bad_ssn(_NEG, "000")),
    ("SSN area 666", _bad_ssn(_NEG, "666")),
    ("SSN area 9xx", _bad_ssn(_NEG, "9%02d" % _NEG.randint(0, 99))),
    ("IBAN DE, wrong check digits", iban_bad_check(IBAN_DE)),
    ("IBAN GB grouped, wrong check digits", group4(iban_bad_check(IBAN_GB_GROUPED))),
    ("version string", "1.2.3.4567"),
    ("order id", "ORD-1234567890123"),
    ("UK phone, national format, no '+'", "020 7946 0321"),
    ("US phone, national format, no '+'", "(555) 010-4477"),
    ("valid BSN, no context", BSN_NO_CONTEXT.raw),
    ("valid PESEL, no context", PESEL_NO_CONTEXT.raw),
    ("valid NHS number, no context", NHS_NO_CONTEXT.raw),
    ("valid undashed SSN, no context", SSN_BARE_NO_CONTEXT.raw),
    ("random 9-digit id", _random_id(_NEG, 9)),
    ("random 10-digit id", _random_id(_NEG, 10)),
    ("random 11-digit id", _random_id(_NEG, 11)),
    ("file name with @", "icon@2x.png"),
    ("address without a TLD", "user@localhost"),
]

assert nino_is_valid(GB_NINO.raw)
assert std_iban.is_valid(IBAN_DE.norm) and std_iban.is_valid(IBAN_GB_GROUPED.norm)
assert std_iban.is_valid(IBAN_FR.norm) and std_iban.is_valid(IBAN_NL_GROUPED.norm)
assert card_issuer(VISA16.norm) == "visa" and card_issuer(MC16_SPACED.norm) == "mastercard"
assert card_issuer(AMEX15_DASHED.norm) == "amex" and card_issuer(MC16_DASHED.norm) == \
    "mastercard"
assert std_us_ssn.is_valid(SSN_DASHED.raw) and std_us_ssn.is_valid(SSN_BARE.raw)
assert std_nl_bsn.is_valid(BSN.raw) and std_es_dni.is_valid(ES_DNI.raw)
assert std_fi_hetu.is_valid(FI_HETU.raw) and std_pl_pesel.is_valid(PESEL_NO_CONTEXT.raw)
assert std_gb_nhs.is_valid(NHS_NO_CONTEXT.raw)


def _self_check_negatives():
    for label, text in HARD_NEGATIVES:
        compact = re.sub(r"[ -]", "", text)
        if label.startswith("valid ") and "no context" in label:
            continue            # valid on purpose: only the missing keyword rejects them
        if "mixed separators" in label or "inside a 20-digit run" in label:
            continue            # valid Luhn on purpose: the writing rejects them
        if label.startswith("ms timestamp"):
            assert luhn.is_valid(text) and not card_issuer(text), label
            continue
        if compact.isdigit():
            assert not bare_digit_sensors(compact), (label, text)
        if label.startswith("IBAN"):
            assert not std_iban.is_valid(compact, check_country=False), label


_self_check_negatives()

# Every value planted by the tests, for the "no raw value in any output" check.
ALL_PLANTED = [VISA16, MC16_SPACED, AMEX15_DASHED, MC16_DASHED, VISA16_RESPONSE, SSN_DASHED,
               SSN_BARE, BSN, IBAN_DE, IBAN_GB_GROUPED, IBAN_FR, IBAN_NL_GROUPED, EMAIL,
               EMAIL_LONG, PHONE, GB_NINO, ES_DNI, FI_HETU]


if __name__ == "__main__":
    for p in ALL_PLANTED:
        print("%-12s %-16s %-55s %s" % (p.sensor, p.category, p.raw, p.redacted))
    print()
    for label, text in HARD_NEGATIVES:
        print("%-40s %s" % (label, text))
