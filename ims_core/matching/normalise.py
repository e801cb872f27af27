"""Document-number normalisation: the key two keyings of the same number share.

Books and the portal write the same number differently: ``inv/0042/25-26``, ``INV-42``, ``42``,
``FY2025-26/42``. The normalised form drops what only formats a number: case, separators and spaces,
the leading zeros of each run of digits, a financial-year token (``2025-26``, ``25-26``, ``2025/26``,
``FY26``, ``FY2025-26``, a bare ``2025`` between separators) and the common prefixes (INV, INVOICE,
BILL, TI, CN, DN…). Two numbers that normalise equally differ in format only, which DESIGN.md counts
as ``matched``. What is *not* dropped: any other letter or digit, so ``12`` and ``112`` stay apart.

The Series functions normalise every document of a scope in one pass over the numbers, each number
going through precompiled regexes with cheap guards first (a bare serial never meets the year
patterns); pandas' string methods would loop in Python too, once per rule. The year removed is the
document's own financial year when known. :func:`normalise_number` is the same rules for one string.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

# Consecutive-year pairs only ("25-26", "2025-26", "2025/2026"): "12-34" is a number, not a year.
_TWO = "|".join(f"{y:02d}[-/]{(y + 1) % 100:02d}" for y in range(100))
_FOUR = "|".join(f"20{y:02d}[-/](?:20)?{(y + 1) % 100:02d}" for y in range(100))
_SEP = r"(?:^|(?<=[^A-Z0-9]))"
_END = r"(?=$|[^A-Z0-9])"
_FY = re.compile(
    rf"{_SEP}(?:FY[-/ ]?)?(?:{_FOUR}){_END}"          # 2025-26, FY2025-26, 2025/2026
    rf"|{_SEP}FY[-/ ]?(?:20)?\d{{2}}{_END}"            # FY26, FY 2026
    rf"|{_SEP}(?:FY[-/ ]?)?(?:{_TWO}){_END}"           # 25-26, FY25-26
    rf"|(?<=[^A-Z0-9])(?<![0-9][-/])20\d{{2}}(?=[^A-Z0-9])"  # a bare year: INV/2025/7
)
# Only the rightmost year token goes: in "SIINV/24/25-26" the year is "25-26", and "24" is the serial.
_FY_RIGHTMOST = re.compile(rf"^(.*)(?:{_FY.pattern})")
_PREFIX = re.compile(
    r"^(?:(?:TAX[-/ ]?INVOICE|INVOICE|INV|BILL|TAXINV|TI|CRN|CN|DBN|DN|NO)(?:[^A-Z0-9]+|(?=\d)))+"
)
_TIGHT_PREFIX = re.compile(r"^(?:TAXINVOICE|INVOICE|INV|BILL|TAXINV|TI|CRN|CN|DBN|DN|NO)(?=[0-9])")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


# A year token keyed without separators ("MS2025260002", "LTINV32526"): only recognisable as a
# consecutive-year run, anywhere for the 4-digit form, at either end for the 2-digit form.
_FUSED_FOUR = "|".join(f"20{y:02d}(?:20)?{(y + 1) % 100:02d}" for y in range(100))
_FUSED_TWO = "|".join(f"{y:02d}{(y + 1) % 100:02d}" for y in range(100))
_FUSED = re.compile(rf"(?:{_FUSED_FOUR})(?=[0-9])|^(?:{_FUSED_TWO})(?=[0-9])|(?<=[0-9A-Z])(?:{_FUSED_TWO})$")


_HAS_DIGIT = re.compile(r"[0-9]")
_LEADING_JUNK = re.compile(r"^[^A-Z0-9]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
_ZERO_LED = re.compile(r"(?<![0-9])0[0-9]")
_DROP_LETTERS = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# cheap test for "could hold a year token at all" before the expensive rightmost-token search
_MAYBE_YEAR = re.compile(r"FY|[0-9][-/ ]+[0-9]|(?<![0-9A-Z])20[0-9]{2}(?![0-9A-Z])")


# Letters, then separators, then one run of digits: "INV-0042", "AB0042", "-0042". No year token fits in
# such a number (a token needs digits on both sides of a separator, "FY" at the start, or a separator
# after a bare year), so the rules reduce to: drop the letters when they are one prefix, drop zeros.
_SIMPLE = re.compile(r"([A-Z]*)[^A-Z0-9]*([0-9]+)")
_PREFIX_WORDS = frozenset({"TAXINVOICE", "INVOICE", "INV", "BILL", "TAXINV", "TI", "CRN", "CN", "DBN", "DN",
                           "NO"})


def _normalise_one(text: str, own: tuple[re.Pattern, str, str] | None, plain: str) -> str:
    """All rules on one upper-case, stripped number; ``own`` is its financial year's token pattern
    with two strings one of which any of its tokens contains (a cheap test before the regex)."""
    if text.isascii():
        if text.isdigit():  # the commonest shape, a bare serial: zeros only
            return text.lstrip("0") or "0"
        simple = _SIMPLE.fullmatch(text)
        if simple is not None and not text.startswith("FY"):
            letters, digits = simple.groups()
            digits = digits.lstrip("0") or "0"
            return digits if letters in _PREFIX_WORDS else letters + digits
    return _normalise_rules(text, own, plain)


def _normalise_rules(text: str, own: tuple[re.Pattern, str, str] | None, plain: str) -> str:
    """The rules one by one: what :func:`_normalise_one` does for any shape of number."""
    if not (text.isascii() and text.isalnum()) or text.startswith("FY"):  # a year token needs these
        found = None
        if own is not None and (own[1] in text or own[2] in text):
            found = own[0].match(text)
        if found is None and _MAYBE_YEAR.search(text):
            found = _FY_RIGHTMOST.match(text)
        if found is not None:
            stripped = text[:found.end(1)] + " " + text[found.end():]
            if _HAS_DIGIT.search(stripped):
                text = stripped
    text = _LEADING_JUNK.sub("", text)  # separators before anything only format the number
    if text[:1].isalpha():
        stripped = _PREFIX.sub("", text)
        if _HAS_DIGIT.search(stripped):
            text = stripped
    # zeros per run before the separators go ("01-001" is 1-1), and once more after ("0:0" is 0)
    if "0" in text:
        text = _LEADING_ZEROS.sub("", _NON_ALNUM.sub("", _LEADING_ZEROS.sub("", text)))
    else:
        text = _NON_ALNUM.sub("", text)
    if text[:1].isalpha() and _TIGHT_PREFIX.match(text):  # a prefix the separators had split: "N.O.12"
        text = _TIGHT_PREFIX.sub("", text)
    return text or plain


# What any fused year token needs around it: 7 digits in a row, 5 at the start, or 4 at the end after
# a letter or digit. Most numbers have none, and skip the long alternation of ``_FUSED``.
_FUSED_POSSIBLE = re.compile(r"[0-9]{7}|^[0-9]{5}|[0-9A-Z][0-9]{4}$")


def _fused_one(plain: str) -> str:
    text = _FUSED.sub("", plain, count=1) if _FUSED_POSSIBLE.search(plain) else plain
    if text[:1].isalpha():  # every prefix starts with a letter
        text = _PREFIX.sub("", text)
    if "0" in text:
        text = _LEADING_ZEROS.sub("", text)
    return text if _HAS_DIGIT.search(text) else plain


def _texts(numbers: pd.Series | np.ndarray | list) -> list[str]:
    values = numbers.tolist() if hasattr(numbers, "tolist") else list(numbers)
    return [str(v).strip().upper() if v is not None and v == v else "" for v in values]


def _patterns(fy: pd.Series | None, length: int) -> list[tuple[re.Pattern, str, str] | None]:
    if fy is None:
        return [None] * length
    years = [int(y) for y in np.asarray(fy).tolist()]
    compiled = {y: (_fy_token(y), f"{(y + 1) % 100:02d}", str(y)) for y in set(years)}
    return [compiled[y] for y in years]


def fused_forms(plain: pd.Series) -> pd.Series:
    """Numbers already stripped to ``[A-Z0-9]`` without a fused year token and leading zeros.

    Only a fallback comparison for the fuzzy pass: removing a fused year is a guess (``12526`` might
    be a plain serial), so it never makes a key of the exact pass.
    """
    return pd.Series(fused_texts(plain), index=plain.index, dtype=str)


def fused_texts(plain: pd.Series | np.ndarray | list) -> list[str]:
    """:func:`fused_forms` as a plain list, for callers that work on arrays."""
    return [_fused_one(p) for p in _texts(plain)]


def number_forms(numbers: pd.Series, fy: pd.Series | None = None) -> pd.DataFrame:
    """``norm`` (:func:`normalise_numbers`) and ``plain`` (case and separators removed only) at once.

    The forms depend only on the number and its financial year, and a scope repeats them a lot (the
    books and the portal key the same documents; suppliers reuse serials), so each distinct
    (number, year) is normalised once and the results are spread back with one array take.
    """
    codes, uniques, years = _distinct(numbers, fy)
    norm, plain = _distinct_forms(uniques, years)
    return pd.DataFrame({"norm": np.asarray(norm, dtype=object)[codes],
                         "plain": np.asarray(plain, dtype=object)[codes]}, index=numbers.index, dtype=str)


def _distinct(numbers: pd.Series, fy: pd.Series | None) -> tuple[np.ndarray, np.ndarray, pd.Series | None]:
    """Per row a code of its (number, year); per code the number and the year (None without ``fy``)."""
    codes, uniques = pd.factorize(numbers.astype(object), use_na_sentinel=False)
    if fy is None:
        return codes, uniques, None
    year_codes, year_uniques = pd.factorize(np.asarray(fy), use_na_sentinel=False)
    codes, first = _first_of_pairs(codes.astype("int64") * max(len(year_uniques), 1) + year_codes)
    return codes, numbers.astype(object).to_numpy()[first], pd.Series(np.asarray(fy)[first])


def _distinct_forms(uniques: np.ndarray, years: pd.Series | None) -> tuple[list[str], list[str]]:
    """``norm`` and ``plain`` of each distinct number (of its year)."""
    texts = _texts(pd.Series(uniques, dtype=object))
    plain = [_NON_ALNUM.sub("", t) for t in texts]
    owns = _patterns(years, len(texts))
    norm = [_normalise_one(t, own, p) for t, own, p in zip(texts, owns, plain, strict=True)]
    return norm, plain


def _first_of_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes of ``keys`` and the position of each code's first occurrence."""
    codes, _ = pd.factorize(keys)
    _, first = np.unique(codes, return_index=True)  # codes count up in order of first appearance
    return codes, first.astype("int64")


def digits_of(numbers: pd.Series) -> pd.Series:
    """The digits of each (normalised) number: ``SIINV24`` → ``24``."""
    return pd.Series(digit_texts(numbers), index=numbers.index, dtype=str)


def digit_texts(numbers: pd.Series | np.ndarray | list) -> list[str]:
    """:func:`digits_of` as a plain list."""
    values = numbers.tolist() if hasattr(numbers, "tolist") else list(numbers)
    out = [n.translate(_DROP_LETTERS) for n in values]  # normalised numbers hold only A-Z and 0-9
    return [d if d.isascii() and (d.isdigit() or not d) else _NON_DIGIT.sub("", n)
            for n, d in zip(values, out, strict=True)]


def normalise_number(number: object, fy: int | None = None) -> str:
    """The normalised form of one document number (see the module docstring)."""
    text = str(number).strip().upper() if number is not None else ""
    own = _patterns(pd.Series([fy]), 1)[0] if fy is not None else None
    return _normalise_one(text, own, _NON_ALNUM.sub("", text))


@lru_cache(maxsize=64)
def _fy_token(fy: int) -> re.Pattern:
    """The year tokens of one financial year (2025 → 2025-26, 25-26, 2025/2026, FY26, bare 2025/2026)."""
    short, nxt = f"{fy % 100:02d}", f"{(fy + 1) % 100:02d}"
    token = (rf"(?:FY[-/ ]?)?(?:{fy}[-/](?:{fy + 1}|{nxt})|{short}[-/]{nxt})|FY[-/ ]?(?:20)?{nxt}"
             rf"|FY[-/ ]?{fy}")
    bare = rf"(?<=[^A-Z0-9])(?<![0-9][-/])(?:{fy}|{fy + 1})(?=[^A-Z0-9])"
    return re.compile(rf"^(.*)(?:{_SEP}(?:{token}){_END}|{bare})")


def normalise_numbers(numbers: pd.Series, fy: pd.Series | None = None) -> pd.Series:
    """Normalise a Series of document numbers; the result is a Series of ``str`` on the same index.

    With ``fy`` (the financial year of each document, from its date) the year token removed is the
    document's own year, which settles ``GST/25-26/27`` (serial 27, not the year "26/27"); without
    it, or where the document's year is not in the number, the rightmost year-like token goes.
    Each rule is applied only where it leaves some digit behind, so a number that *is* a year
    (``2025``) or a bare prefix (``INV``) keeps its own characters instead of becoming empty.
    """
    return number_forms(numbers, fy)["norm"]


def describe_format_difference(book_number: str, portal_number: str) -> str:
    """Words for how two numbers with the same normalised form differ, for a ``matched`` reason."""
    a, b = str(book_number), str(portal_number)
    ua, ub = a.upper(), b.upper()
    kinds = []
    if a != ua or b != ub:
        kinds.append("case")
    if _NON_ALNUM.findall(ua) != _NON_ALNUM.findall(ub):
        kinds.append("separators")
    if _FY.findall(ua) != _FY.findall(ub):  # also where only one of them has a year token at all
        kinds.append("financial-year token")
    if bool(_PREFIX.match(ua)) != bool(_PREFIX.match(ub)):
        kinds.append("prefix")
    if _ZERO_LED.search(ua) or _ZERO_LED.search(ub):
        kinds.append("leading zeros")
    return f"doc_number format only ({', '.join(kinds) or 'case'}): books '{a}' vs portal '{b}'"
