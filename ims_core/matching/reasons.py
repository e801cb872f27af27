"""The words of a result: each reason names a field and the difference, in rupees or days.

Reasons are built column by column: a field's text is formatted only for the rows where that field
differs, then the pieces are joined with ``"; "``. Rows without any difference get ``""``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ims_core.gst.money import format_inr
from ims_core.gst.money_columns import format_inr_array
from ims_core.matching.normalise import describe_format_difference
from ims_core.matching.scoring import FIELDS

SEPARATOR = "; "
_TEXT = np.dtypes.StringDType()


def money_reason(field: str, books: int, portal: int, tolerance: int) -> str:
    """``taxable_value: books ₹10,000.00 vs portal ₹10,500.00 (+₹500.00)``."""
    diff = portal - books
    sign = "+" if diff > 0 else ""
    within = ", within tolerance" if abs(diff) <= tolerance else ""
    return (f"{field}: books {format_inr(books)} vs portal {format_inr(portal)} "
            f"({sign}{format_inr(diff)}{within})")


def date_reason(books_day: int, portal_day: int, tolerance: int) -> str:
    diff = int(portal_day) - int(books_day)
    within = ", within tolerance" if abs(diff) <= tolerance else ""
    return (f"doc_date: books {_iso(books_day)} vs portal {_iso(portal_day)} "
            f"({'+' if diff > 0 else ''}{diff} day{'s' if abs(diff) != 1 else ''}{within})")


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def concat(*parts: object) -> np.ndarray:
    """Element-wise concatenation of text arrays and plain strings, as an object array of ``str``."""
    out = None
    for part in parts:
        piece = part if isinstance(part, str) else np.asarray(part, dtype=object).astype(_TEXT)
        out = piece if out is None else np.strings.add(out, piece)
    return np.asarray(out, dtype=_TEXT).astype(object)


def money_reasons(field: str, books: np.ndarray, portal: np.ndarray, tolerance: int) -> np.ndarray:
    """:func:`money_reason` for whole arrays of book and portal values (int64 paise)."""
    books, portal = np.asarray(books, dtype="int64"), np.asarray(portal, dtype="int64")
    if len(books) == 0:
        return np.empty(0, dtype=object)
    diff = portal - books
    return concat(f"{field}: books ", format_inr_array(books), " vs portal ", format_inr_array(portal), " (",
                  np.where(diff > 0, "+", ""), format_inr_array(diff),
                  np.where(np.abs(diff) <= tolerance, ", within tolerance", ""), ")")


def date_reasons(books_day: np.ndarray, portal_day: np.ndarray, tolerance: int) -> np.ndarray:
    """:func:`date_reason` for whole arrays of day numbers."""
    books_day, portal_day = np.asarray(books_day, dtype="int64"), np.asarray(portal_day, dtype="int64")
    if len(books_day) == 0:
        return np.empty(0, dtype=object)
    diff = portal_day - books_day
    return concat("doc_date: books ", np.datetime_as_string(books_day.astype("datetime64[D]")),
                  " vs portal ", np.datetime_as_string(portal_day.astype("datetime64[D]")), " (",
                  np.where(diff > 0, "+", ""), diff.astype(_TEXT), " day",
                  np.where(np.abs(diff) != 1, "s", ""),
                  np.where(np.abs(diff) <= tolerance, ", within tolerance", ""), ")")


def join(columns: list[pd.Series], length: int) -> np.ndarray:
    """Join per-field reason columns (``""`` where a field has nothing to say) with ``"; "``."""
    out = np.full(length, "", dtype=object)
    for column in columns:
        values = column.to_numpy(object)
        has = values != ""
        said = out != ""
        both = has & said  # strings are joined only where both sides have words, most rows have none
        out[both] = out[both] + SEPARATOR + values[both]
        first = has & ~said
        out[first] = values[first]
    return out


def _column(mask: np.ndarray, length: int, make) -> pd.Series:  # row -> str
    out = np.full(length, "", dtype=object)
    rows = np.flatnonzero(mask)
    out[rows] = [make(i) for i in rows]
    return pd.Series(out)


def _spread(mask: np.ndarray, length: int, make) -> pd.Series:  # rows -> texts
    """Like :func:`_column`, with ``make`` building the texts of all the masked rows at once."""
    out = np.full(length, "", dtype=object)
    rows = np.flatnonzero(mask)
    if len(rows):
        out[rows] = make(rows)
    return pd.Series(out)


def pair_reasons(pairs: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame, amount_tol: int,
                 date_tol: int, flags: np.ndarray | None = None) -> np.ndarray:
    """Reasons for scored pairs (see :mod:`scoring`), differences first, format notes last.

    ``flags`` are :func:`portal_flags` of ``portal`` when the caller has them already.
    """
    n = len(pairs)
    b = pairs["b"].to_numpy()
    p = pairs["p"].to_numpy()
    bnum = books["doc_number"].to_numpy(object)[b]
    pnum = portal["doc_number"].to_numpy(object)[p]
    bgst = books["supplier_gstin"].to_numpy(object)[b]
    pgst = portal["supplier_gstin"].to_numpy(object)[p]
    columns = [
        _spread(~pairs["same_gstin"].to_numpy(), n,
                lambda i: concat("supplier_gstin: books ", bgst[i], " vs portal ", pgst[i], " (same PAN)")),
        _spread(~pairs["norm_eq"].to_numpy(), n,
                lambda i: concat("doc_number: books '", bnum[i], "' vs portal '", pnum[i],
                                 "' (differs beyond format, confirm it is the same document)")),
    ]
    bday, pday = books["day"].to_numpy()[b], portal["day"].to_numpy()[p]
    columns.append(_spread(pairs["dd"].to_numpy() != 0, n,
                           lambda i: date_reasons(bday[i], pday[i], date_tol)))
    for name, column in FIELDS:
        bv, pv = books[column].to_numpy()[b], portal[column].to_numpy()[p]
        columns.append(_spread(pairs[f"d_{name}"].to_numpy() != 0, n,
                               lambda i, bv=bv, pv=pv, name=name: money_reasons(name, bv[i], pv[i],
                                                                                amount_tol)))
    bpos = books["place_of_supply"].to_numpy(object)[b]
    ppos = portal["place_of_supply"].to_numpy(object)[p]
    columns.append(_spread(pairs["pos_diff"].to_numpy(), n,
                           lambda i: concat("place_of_supply: books ", bpos[i], " vs portal ", ppos[i])))
    fmt = pairs["norm_eq"].to_numpy() & (bnum != pnum)
    columns.append(_column(fmt, n, lambda i: describe_format_difference(bnum[i], pnum[i])))
    flags = portal_flags(portal).to_numpy(object) if flags is None else flags
    columns.append(pd.Series(flags[p]))
    return join(columns, n)


def portal_flags(portal: pd.DataFrame) -> pd.Series:
    """Notes about a portal record itself: rejected in IMS, ITC not available, reverse charge."""
    n = len(portal)
    rejected = portal["rejected_in_ims"].fillna(False).astype(bool).to_numpy() \
        if "rejected_in_ims" in portal else np.zeros(n, bool)
    itc = portal["itc_available"].fillna("").astype(str).to_numpy(object) if "itc_available" in portal \
        else np.full(n, "", object)
    why = portal["itc_unavailable_reason"].fillna("").astype(str).to_numpy(object) \
        if "itc_unavailable_reason" in portal else np.full(n, "", object)
    rcm = portal["reverse_charge"].fillna(False).astype(bool).to_numpy() if "reverse_charge" in portal \
        else np.zeros(n, bool)
    return pd.Series(join([
        _column(rejected, n, lambda i: "portal: rejected in IMS"),
        _column(itc == "N", n,
                lambda i: "portal: ITC not available" + (f" (reason {why[i]})" if why[i] else "")),
        _column(rcm, n, lambda i: "portal: reverse charge (not in IMS)"),
    ], n))
