"""The reconciliation export's columns: one place that names each column once, with the table fields it
is made of (``match_result``'s, and the purchase or portal document's that a result row names), the
kind of value it holds (:class:`Kind`: text, money, date, score), the header a person reads in the
XLSX, and how the XLSX spells its value (a status's label, an action's word).

The first seventeen are DESIGN.md's contract, in its order, which scripts read from the CSV; every
column added since comes after them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ims_core.ingest.document import TAX
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument
from ims_core.models.base import TAX_HEADS
from ims_core.models.vocabulary import Action, status_label

# Excel's number format for rupees with Indian digit grouping: Excel's own "#,##,##0" groups by
# thousands in most locales, so value conditions put the lakh and crore commas in their places.
RUPEE_FORMAT = ('[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"#,##0.00')
DATE_FORMAT = "dd-mm-yyyy"


_DECIMALS = tuple(f".{paise:02d}" for paise in range(100))  # a rupee's paise as its two decimals


def rupees_text(paise: Sequence, missing: str | None = None) -> list[str | None]:
    """Paise as rupee text with two decimals by integer arithmetic (``-5.07``); ``missing`` where a
    value is None. (The two decimals are looked up, not formatted: this runs for every amount of an
    export, where about half the amounts are nought: a tax head not charged, no difference.)"""
    return [missing if value is None else "0.00" if value == 0
            else str(value // 100) + _DECIMALS[value % 100] if value > 0
            else "-" + str(-value // 100) + _DECIMALS[-value % 100] for value in paise]


def day(value: object) -> dt.date | None:
    """A date as the database hands it back: ISO text on SQLite, a date on PostgreSQL."""
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Kind:
    """What a column holds: ``name`` tells the XLSX writer which cell to make (text, money, date,
    score); ``text`` makes a chunk's values (as the database hands them back, None where a row has
    no document) the CSV's fields (None written empty, or made empty here)."""

    name: str
    text: Callable[[Sequence], Sequence]


TEXT = Kind("text", text=lambda values: values)
MONEY = Kind("money", text=lambda paise: rupees_text(paise, missing=""))
DATE = Kind("date", text=lambda days: ["" if d is None else str(d)[:10] for d in days])
SCORE = Kind("score", text=lambda scores: [f"{score:.4f}" for score in scores])

RESULT, BOOK, PORTAL = "result", "book", "portal"  # a match_result row and the two documents it names
TABLES = {RESULT: MatchResult.__table__, BOOK: PurchaseDocument.__table__, PORTAL: PortalDocument.__table__}
SIDE_WORDS = {BOOK: "books", PORTAL: "portal"}
Field = tuple[str, str]  # (side, column of that side's table)


def _of(side: str, *names: str) -> tuple[Field, ...]:
    return tuple((side, name) for name in names)


def _total(igst: Sequence, cgst: Sequence, sgst: Sequence, cess: Sequence) -> list[int | None]:
    """The tax heads' sum per row; None where the row has no document of that side."""
    return [None if i is None else i + c + s + x for i, c, s, x in zip(igst, cgst, sgst, cess, strict=True)]


def _difference(book: Sequence, portal: Sequence) -> list[int | None]:
    """Portal less books per row, as the reasons state a difference (``books ₹500.00 vs portal ₹400.00
    (-₹100.00)``); None where either side has no document."""
    return [None if b is None or p is None else p - b for b, p in zip(book, portal, strict=True)]


def _named(portal: Sequence, book: Sequence) -> list[str]:
    """The portal's name for the supplier where it gives one, else the books'."""
    return [p or b or "" for p, b in zip(portal, book, strict=True)]


def _action_word(code: object) -> str:
    """A recommended action as a person reads it: ``A`` is "Accepted"; none is empty."""
    return Action(code).word.capitalize() if code else ""


@dataclass(frozen=True)
class Column:
    """One column of the export: its name (the CSV header), the table fields it is made of
    (``combine`` makes the column of several; by default it is its one field), what it holds, its
    XLSX header and width, and ``show``: the XLSX's value for a stored one (a label for a code)."""

    name: str
    fields: tuple[Field, ...]
    kind: Kind = TEXT
    combine: Callable[..., Sequence] | None = None
    title: str = ""
    width: int = 16
    show: Callable[[object], object] | None = None


_HEAD = {"igst": "IGST", "cgst": "CGST", "sgst": "SGST", "cess": "Cess"}


def _per_side(side: str) -> tuple[Column, ...]:
    """The columns added for an accountant, for one side: each tax head, invoice value, place of supply."""
    word = SIDE_WORDS[side]
    heads = tuple(Column(f"{side}_{head}", _of(side, f"{head}_paise"), MONEY, title=f"{_HEAD[head]} — {word}")
                  for head in TAX_HEADS)
    return (*heads,
            Column(f"{side}_invoice_value", _of(side, "invoice_value_paise"), MONEY,
                   title=f"Invoice value — {word}"),
            Column(f"{side}_place_of_supply", _of(side, "place_of_supply"), title=f"Place of supply — {word}",
                   width=10))


def _document(side: str) -> tuple[Column, ...]:
    """The contract's columns of one side's document: supplier, type, number, date, taxable value, tax."""
    word = SIDE_WORDS[side]
    return (
        Column(f"{side}_supplier_gstin", _of(side, "supplier_gstin"), title=f"Supplier GSTIN — {word}",
               width=18),
        Column(f"{side}_doc_type", _of(side, "doc_type"), title=f"Document type — {word}", width=10),
        Column(f"{side}_doc_number", _of(side, "doc_number"), title=f"Document number — {word}", width=20),
        Column(f"{side}_doc_date", _of(side, "doc_date"), DATE, title=f"Document date — {word}", width=12),
        Column(f"{side}_taxable_value", _of(side, "taxable_paise"), MONEY, title=f"Taxable value — {word}"),
        Column(f"{side}_tax", _of(side, *TAX), MONEY, _total, title=f"Tax — {word}"),
    )


_DIFFERENCES = tuple(
    Column(f"difference_{what}", (*_of(BOOK, field), *_of(PORTAL, field)), MONEY, _difference,
           title=f"{label} difference (portal − books)")
    for what, field, label in (("taxable_value", "taxable_paise", "Taxable value"),
                               *((head, f"{head}_paise", _HEAD[head]) for head in TAX_HEADS)))

COLUMNS: tuple[Column, ...] = (
    # DESIGN.md's "Reconciliation export" contract: scripts read these names, in this order, as this text
    Column("status", _of(RESULT, "status"), title="Status", width=18, show=status_label),
    Column("reasons", _of(RESULT, "reasons"), title="Reasons", width=60),
    Column("recommended_action", _of(RESULT, "recommended_action"), title="Recommended action",
           show=_action_word),
    Column("score", _of(RESULT, "score"), SCORE, title="Match score", width=10),
    *_document(BOOK),
    *_document(PORTAL),
    Column("portal_source", _of(PORTAL, "source"), title="Portal source", width=10),
    # added after the contract's columns
    Column("portal_return_period", _of(PORTAL, "return_period"), title="Return period — portal", width=10),
    Column("recipient_gstin", _of(RESULT, "recipient_gstin"), title="Recipient GSTIN", width=18),
    Column("supplier_name", _of(PORTAL, "supplier_name") + _of(BOOK, "supplier_name"), combine=_named,
           title="Supplier name", width=28),
    Column("nearest_note", _of(RESULT, "nearest_note"), title="Nearest document", width=50),
    Column("book_document_id", _of(RESULT, "purchase_document_id"), title="Books document id", width=10),
    Column("portal_document_id", _of(RESULT, "portal_document_id"), title="Portal document id", width=10),
    # issue 20: each tax head, invoice value and place of supply per side, and the difference per head
    *_per_side(BOOK),
    *_per_side(PORTAL),
    *_DIFFERENCES,
)
EXPORT_COLUMNS = [column.name for column in COLUMNS]  # for readers; the code reads COLUMNS


def fields() -> list[Field]:
    """Every table field ``COLUMNS`` reads, once each, in order: what a source hands over. (Readers
    of ``COLUMNS`` look it up here when they run, so a column added to it reaches every writer.)"""
    return list(dict.fromkeys(field for column in COLUMNS for field in column.fields))


def columns_of(chunk: dict[Field, Sequence]) -> dict[str, Sequence]:
    """A chunk of fields (from either source) as the export's columns, by name."""
    return {column.name: (column.combine or (lambda values: values))(*(chunk[f] for f in column.fields))
            for column in COLUMNS}
