"""Reading values out of portal records: fields of a list of JSON objects, amounts, dates, codes.

Every portal parser (GSTR-2B JSON and Excel, IMS, GSTR-2A) reads its documents' fields through these,
column by column and once per distinct value where values repeat: what keeps a million-document
return to seconds. Problems are collected, never raised one by one (see :mod:`portal_common`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter

import numpy as np
import pandas as pd

from ims_core.gst import gstin as gst
from ims_core.gst.dates import DateError, parse_date, parse_period
from ims_core.gst.money import AmountError, to_paise
from ims_core.ingest.document import Problem

NAT = np.datetime64("NaT", "ns")
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
Keys = str | tuple[str, ...]
Locate = Callable[[int], str]


def pick(doc: dict, keys: Keys) -> object:
    if isinstance(keys, str):
        return doc.get(keys)
    for key in keys:
        if key in doc:
            return doc[key]
    return None


def first_key(keys: Keys) -> str:
    return keys if isinstance(keys, str) else keys[0]


def mapped(values: list, convert: Callable[[object], object]) -> list:
    """``convert`` applied once per distinct value when values repeat (portal columns do, a lot)."""
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value (a list where a scalar belongs): convert each one
        return [convert(v) for v in values]
    if len(distinct) * 4 > len(values) + 64:  # mostly distinct: a table would not pay for itself
        return [convert(v) for v in values]
    table = {v: convert(v) for v in distinct}
    return list(map(table.__getitem__, values))


def column(docs: list[dict], keys: Keys) -> list:
    if isinstance(keys, str):
        return [d.get(keys) for d in docs]
    return [pick(d, keys) for d in docs]


class Fields:
    """Columns of a list of JSON objects, read knowing which keys occur at all.

    A portal format names some forty fields, most of them absent from most returns: a key no document
    has gives ``[None] * n`` without a pass over the documents, and a key every document has is read by
    ``map(itemgetter)`` (several times faster than ``dict.get`` per document).
    """

    def __init__(self, docs: list[dict]):
        self.docs = docs
        self.present: set[str] = set()
        for doc in docs:
            self.present.update(doc)

    def __contains__(self, key: str) -> bool:
        return key in self.present

    def __call__(self, keys: Keys) -> list:
        if not isinstance(keys, str):
            found = [k for k in keys if k in self.present]
            if len(found) > 1:
                return column(self.docs, tuple(found))
            if not found:
                return [None] * len(self.docs)
            keys = found[0]
        if keys not in self.present:
            return [None] * len(self.docs)
        try:
            return list(map(itemgetter(keys), self.docs))
        except KeyError:  # absent from some documents
            return [d.get(keys) for d in self.docs]


class AmountReader:
    """Exact JSON-number → paise conversion: the paise of the digits the file wrote.

    One value: integers multiply by 100; floats are read from their shortest repr (``0.1`` is 10 paise,
    never 10.000000000000002); anything else goes through :func:`ims_core.money.to_paise` (strings,
    3+ decimals rounded half up). A column: see :meth:`values`. Amounts are never summed as floats.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    @staticmethod
    def exact(value: object) -> int | None:
        """Paise, or None when ``value`` is not an amount (booleans, words, lists…)."""
        kind = type(value)
        if kind is int:
            return value * 100
        if kind is float:
            digits = repr(value)
            whole, _, fraction = digits.partition(".")
            if len(fraction) <= 2 and "e" not in digits and "n" not in digits:
                return int(whole + fraction.ljust(2, "0"))
        if value is None:
            return 0
        try:
            return to_paise(value)
        except AmountError:
            return None

    def __call__(self, value: object, locate: Locate, index: int, key: str) -> int:
        paise = self.exact(value)
        if paise is None:
            self._problem(value, locate, index, key)
            return 0
        return paise

    def values(self, values: list, locate: Locate, key: str) -> np.ndarray:
        """A whole column in int64 paise.

        Numbers (the usual case) are read vectorised: ``rint(x * 100)`` proposes the paise and
        ``paise / 100 == x`` proves, in IEEE arithmetic, that ``x`` is the double nearest to that
        two-decimal amount, i.e. what the file wrote; below ₹10^12 no other two-decimal amount maps to
        the same double. Values that do not pass (three or more decimals, huge numbers, strings,
        booleans) go one by one through :meth:`exact`, i.e. ``to_paise`` and its half-up rounding.
        """
        n = len(values)
        kinds = set(map(type, values))
        if kinds <= {int, float, type(None)}:
            numbers = np.array(values, dtype=np.float64) if n else np.zeros(0)
            absent = np.isnan(numbers)
            numbers[absent] = 0.0
            candidate = np.rint(numbers * 100)
            proven = (candidate / 100 == numbers) & (np.abs(numbers) < 1e12)
            paise = candidate.astype(np.int64)
            redo = np.flatnonzero(~proven)
        else:
            paise, redo = np.zeros(n, dtype=np.int64), range(n)
        for i in redo:
            value = values[i]
            exact = self.exact(value)
            if exact is None:
                self._problem(value, locate, i, key)
                exact = 0
            paise[i] = exact
        return paise

    def _problem(self, value: object, locate: Locate, index: int, key: str) -> None:
        self.problems.append(Problem("not an amount", row=locate(index), field=key, value=value,
                                     expected="a number such as 1234.50"))


def text(value: object) -> str:
    """A JSON scalar as trimmed text; numbers without a trailing ``.0``."""
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def yes(value: object) -> bool:
    return text(value).upper() in ("Y", "YES", "TRUE")


def flag(value: object) -> bool | None:
    """``Y``/``N`` → True/False; absent → None (the portal did not say)."""
    t = text(value).upper()
    return True if t in ("Y", "YES") else False if t in ("N", "NO") else None


def parse_dates(values: list, key: str, locate: Locate, problems: list[Problem],
                fmt: str = "%d-%m-%Y", required: bool = False) -> np.ndarray:
    """A datetime64[ns] array from raw date texts, each distinct text read once.

    ``fmt`` is read vectorised; other forms :func:`ims_core.dates.parse_date` accepts are tried per
    distinct text. Unreadable dates become Problems naming the row and key; ``required`` makes an
    absent date one too.
    """
    n = len(values)
    if values.count(None) == n and not required:
        return np.full(n, NAT, dtype="datetime64[ns]")
    expected = "a date " + fmt.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY")
    try:
        distinct = list(set(values))
    except TypeError:  # a list or object where a date belongs: show it as text
        values = [v if isinstance(v, str | int | float | None) else repr(v) for v in values]
        distinct = list(set(values))
    parsed = pd.to_datetime(pd.Series(distinct, dtype=object), format=fmt, errors="coerce") \
        .to_numpy(dtype="datetime64[ns]")
    bad, absent = set(), set()
    for k in np.flatnonzero(np.isnat(parsed)):
        try:
            day = parse_date(distinct[k])
        except (DateError, TypeError):
            bad.add(distinct[k])
            continue
        if day is None:
            absent.add(distinct[k])
        else:
            parsed[k] = np.datetime64(day, "ns")
    table = dict(zip(distinct, parsed.view(np.int64).tolist(), strict=True))
    out = np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=n).view("datetime64[ns]")
    if bad:
        for i in (i for i, v in enumerate(values) if v in bad):
            problems.append(Problem("not a date", row=locate(i), field=key, value=values[i],
                                    expected=expected))
    if required and absent:
        for i in (i for i, v in enumerate(values) if v in absent):
            problems.append(Problem("the date is missing", row=locate(i), field=key, expected=expected))
    return out


def month_period(value: object) -> str:
    """A return period from ``"052025"``, ``"May'25"``, ``"Nov-19"`` or ``"May 2025"`` → ``MMYYYY``."""
    raw = text(value)
    if not raw:
        return ""
    if re.fullmatch(r"\d{6}", raw):
        return parse_period(raw)
    m = re.fullmatch(r"([A-Za-z]{3})[A-Za-z]*\s*['\-/ ]?\s*(\d{2}|\d{4})", raw)
    if not m or m.group(1).lower() not in MONTHS:
        raise DateError(f"'{raw}' is not a return period (expected MMYYYY, May'25 or Nov-19)")
    year = int(m.group(2))
    return f"{MONTHS[m.group(1).lower()]:02d}{year + 2000 if year < 100 else year}"


class Places:
    """Place-of-supply codes (a return repeats a handful of states a million times)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    @staticmethod
    def code(value: object) -> str | None:
        try:
            return gst.state_code(text(value))
        except ValueError:
            return None

    def values(self, values: list, locate: Locate, key: str) -> list[str]:
        codes = mapped(values, self.code)
        for i in [i for i, c in enumerate(codes) if c is None]:
            self.problems.append(Problem("not a place of supply", row=locate(i), field=key, value=values[i],
                                         expected="a 2-digit state code such as 24"))
            codes[i] = ""
        return codes


# --- GSTINs ----------------------------------------------------------------------------------------

class SupplierGstins:
    """Supplier GSTINs, upper-cased; a malformed one is kept and flagged, never dropped."""

    def __init__(self) -> None:
        self.flagged: dict[str, str] = {}
        self._seen: dict[object, tuple[str, str | None]] = {}

    def __call__(self, value: object) -> tuple[str, str | None]:
        hit = self._seen.get(value) if isinstance(value, str) else None
        if hit is not None:
            return hit
        g = gst.normalise(text(value))
        why = gst.problem(g) if g else None
        if why:
            self.flagged[g] = why
        if isinstance(value, str):
            self._seen[value] = (g, why)
        return g, why

    def warnings(self) -> list[str]:
        if not self.flagged:
            return []
        shown = "; ".join(f"{g} ({why})" for g, why in list(self.flagged.items())[:5])
        more = f" and {len(self.flagged) - 5} more" if len(self.flagged) > 5 else ""
        return [f"{len(self.flagged)} supplier GSTIN(s) are not valid GSTINs; their documents are kept "
                f"and flagged: {shown}{more}"]
