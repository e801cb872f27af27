"""Text from outside (a supplier's name, a document number) that a spreadsheet would run as a formula,
made inert before any CSV or XLSX of ours carries it.

A portal or books file can hold a name such as ``=HYPERLINK("http://…")`` or ``@SUM(A1)``: Excel and
LibreOffice run a CSV field that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return
before one) as a formula, and openpyxl (pandas' Excel writer too) writes a text starting with ``=`` as
a live formula cell. (The reconciliation workbook puts every text in its shared-string table, which is
never a formula: :mod:`ims_core.reports.xlsx_stream`.) OWASP's "CSV Injection" guidance: prefix such
a field with a single quote in a CSV, so the spreadsheet shows it as text; in an XLSX, write it as a
text cell (its value unchanged).

Only *text* columns go through here: an amount column's ``-500.00`` is a number and stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_SEPARATOR = "\x00"
_FORMULA_AFTER_SEPARATOR = re.compile(_SEPARATOR + "[" + re.escape("".join(FORMULA_STARTS)) + "]")


def csv_text(value: object) -> object:
    """A CSV field: a text that a spreadsheet would read as a formula, with a leading ``'``; anything
    else (None, numbers, harmless text) as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def csv_text_column(values: Sequence) -> Sequence:
    """:func:`csv_text` over a column; the column itself when no field needs it (the usual case).

    Whether one does is asked of the column's texts joined by NULs, in one search (a text holding a
    NUL can only make the search say yes, and then each field is looked at)."""
    try:
        joined = _SEPARATOR + _SEPARATOR.join(filter(None, values))
    except TypeError:  # numbers among the texts (a document id)
        joined = _SEPARATOR + _SEPARATOR.join(value for value in values if isinstance(value, str))
    if _FORMULA_AFTER_SEPARATOR.search(joined) is None:
        return values
    return [csv_text(value) for value in values]


def inert_formulas(cells: Iterable) -> int:
    """openpyxl cells (a sheet's ``iter_rows()``, flattened, or a row) that openpyxl took for formulas
    because their text starts with ``=``, turned back into text cells; how many there were. Our
    workbooks hold no formulas of their own, so every one came from data."""
    turned = 0
    for cell in cells:
        if getattr(cell, "data_type", None) == "f":
            cell.data_type = "s"
            turned += 1
    return turned


def inert_sheet(sheet) -> int:  # an openpyxl Worksheet (not a write-only one)
    """:func:`inert_formulas` over every cell of ``sheet``."""
    return inert_formulas(cell for row in sheet.iter_rows() for cell in row)
