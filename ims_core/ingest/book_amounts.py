"""A books file's amounts beyond one column per field: tax read from a tax name and one amount per line
(Zoho Books' own layout), tax never read as zero without a word, and a negative amount on an invoice
pointed out.

**Tax named per line.** Zoho Books (India) gives a bill line's tax in two ways. Its Bills export with
the GST columns has one amount column per head (``CGST``, ``SGST``, ``IGST``, ``CESS``: the ``zoho``
preset reads them). Its import/export format for transactions instead names the tax applied to each
line, ``Item Tax`` (or ``Item Tax Name``), with ``Item Tax %``, ``Item Tax Type`` and the line's
``Item Tax Amount``. Zoho's help pages "Recognised formats for GST related information" and "How do I
specify tax while importing" list the tax names: ``GST0``, ``GST5``, ``GST12``, ``GST18``, ``GST28``
(tax *groups*, used within a state: the rate is CGST and SGST in equal halves, e.g. GST18 = CGST 9% +
SGST 9%) and ``IGST0`` … ``IGST28`` (interstate); the item tax type is "Tax Group" within a state and
"Item Amount" across states. A group's amount is therefore split equally into CGST and SGST, an odd
paisa going to CGST (Section 8 of the IGST Act and Section 9 of the CGST Act levy CGST and SGST at
equal rates on an intrastate supply); a name with a head of its own (``CGST9``, ``SGST9``, ``UTGST9``,
``CESS``) is that head.

**Zero tax.** An export whose tax columns were not found (another package, a renamed column) would
otherwise import every document with no tax, and the reconciliation would call every one a mismatch.
So a file is refused, in one line naming the columns seen and ``--map``, when no tax column is found
(unless every document's value equals its taxable value: then there is no tax to find), or when the
tax columns found hold no tax at all while the invoice value exceeds the taxable value on most rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ims_core.gst.money import format_inr
from ims_core.gst.money_columns import series_to_paise
from ims_core.ingest.book_files import RawTable
from ims_core.ingest.book_presets import TAX_FIELDS, header_key
from ims_core.ingest.document import Problem

TAX_NAME_HEADERS = tuple(header_key(h) for h in ("Item Tax", "Item Tax Name", "Tax Name"))
TAX_AMOUNT_HEADERS = tuple(header_key(h) for h in ("Item Tax Amount", "Tax Amount"))
_NAMED = re.compile(r"^(IGST|CGST|SGST|UTGST|GST|CESS)(\d+(\.\d+)?)?$")
_HEAD_OF = {"IGST": "igst", "CGST": "cgst", "SGST": "sgst", "UTGST": "sgst", "CESS": "cess"}
EXPECT_TAX_NAME = "a GST tax name such as GST18 (CGST + SGST), IGST18, CGST9, SGST9 or CESS"
ROUNDING_PAISE = 100  # invoice value above taxable value by more than ₹1: tax (not rounding) is there
MOST = 0.5


@dataclass(frozen=True)
class TaxNameColumns:
    """Where a file names each line's tax and gives its amount (column positions)."""

    name: int
    amount: int


def tax_name_columns(table: RawTable) -> TaxNameColumns | None:
    """The tax-name layout's columns, when the file has no column per head but names its tax."""
    if any(head in table.mapping for head in TAX_FIELDS):
        return None
    name = next((table.keys.index(k) for k in TAX_NAME_HEADERS if k in table.keys), None)
    amount = next((table.keys.index(k) for k in TAX_AMOUNT_HEADERS if k in table.keys), None)
    return None if name is None or amount is None else TaxNameColumns(name, amount)


def head_of(name: str) -> str | None:
    """``GST18`` -> "group" (CGST and SGST halves), ``IGST 18`` -> "igst", ``CGST9`` -> "cgst"; None
    for a name that is not a GST tax (an exempt or non-GST line's name, which must carry no amount)."""
    found = _NAMED.match(re.sub(r"[^0-9A-Z.]", "", name.upper()))
    if found is None:
        return None
    return "group" if found.group(1) == "GST" else _HEAD_OF[found.group(1)]


def split_named_tax(table: RawTable, columns: TaxNameColumns) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """Each row's tax heads in paise from its tax name and amount, and a problem for each amount that
    cannot be read or that sits under a name that is not a GST tax."""
    names = table.frame[columns.name].to_numpy(dtype=object)
    paise, bad = series_to_paise(table.frame[columns.amount])
    amounts = np.asarray(paise, dtype="int64")
    kinds = {name: head_of(name.strip()) for name in set(names)}
    heads = {head: np.zeros(len(amounts), dtype="int64") for head in TAX_FIELDS}
    problems = []
    for i, (name, amount) in enumerate(zip(names, amounts, strict=True)):
        row = int(table.rows[i])
        if bad.iloc[i]:
            problems.append(Problem("not an amount", row=row, field=table.headers[columns.amount],
                                    value=table.frame[columns.amount].iloc[i],
                                    expected="an amount like 1,234.50"))
            continue
        kind = kinds[name]
        if kind == "group":
            heads["cgst"][i] = amount - amount // 2
            heads["sgst"][i] = amount // 2
        elif kind is not None:
            heads[kind][i] = amount
        elif amount:
            problems.append(Problem("a tax amount under a name that is not a GST tax", row=row,
                                    field=table.headers[columns.name], value=name, expected=EXPECT_TAX_NAME))
    return heads, problems


def zero_tax_problem(table: RawTable, tax: np.ndarray, taxable: np.ndarray, invoice: np.ndarray,
                     named: bool) -> Problem | None:
    """Why a file whose tax reads as zero is refused, or None. ``tax``: each row's tax read, every head
    added; ``named``: the tax came from a tax name (:func:`split_named_tax`)."""
    if len(tax) == 0 or np.any(tax != 0):
        return None
    found = named or any(head in table.mapping for head in TAX_FIELDS)
    above = int(np.count_nonzero(invoice - taxable > ROUNDING_PAISE))
    seen = ", ".join(f"'{h}'" for h in table.headers if h)
    how = ("map the columns that hold the tax with --map 'Column name=igst' (and cgst, sgst, cess; repeat "
           f"--map for each); columns seen: {seen}")
    if not found and np.any(invoice != taxable):
        return Problem(f"no tax column found, so every document would read as having no tax: {how}",
                       field="igst, cgst, sgst, cess")
    if found and above > MOST * len(tax):
        used = ", ".join(f"'{table.headers[c]}'" for head in TAX_FIELDS for c in table.mapping.get(head, []))
        return Problem(f"the tax columns read ({used or 'tax name and amount'}) hold no tax, yet invoice "
                       f"value exceeds taxable value on {above} of {len(tax)} rows: {how}",
                       field="igst, cgst, sgst, cess")
    return None


def negative_invoice_warning(frame, headers: dict[str, str]) -> str | None:  # the books frame (pandas)
    """A warning naming the rows where an invoice or debit note states a negative amount (``(500)`` or
    ``-500``): stored as it is, it lowers every total, and is more often a credit note keyed as an
    invoice or a sign slipped in. ``headers``: the file's header for each paise column."""
    documents = frame["doc_type"].isin(["INV", "DBN"]).to_numpy()
    found = []
    for column, header in headers.items():
        negative = documents & (frame[column].to_numpy() < 0)
        rows, amounts = frame["source_row"].to_numpy()[negative], frame[column].to_numpy()[negative]
        found += [(int(row), header, int(paise)) for row, paise in zip(rows, amounts, strict=True)]
    if not found:
        return None
    found.sort()
    listed = "; ".join(f"row {row} {header} {format_inr(paise)}" for row, header, paise in found[:10])
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    return (f"{len(found)} negative amount(s) on invoices or debit notes, stored as negative: "
            f"{listed}{more}; a credit note should be typed as one (CRN)")
