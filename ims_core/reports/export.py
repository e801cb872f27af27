"""Reports for people and other tools: the reconciliation export as CSV or XLSX.

One row per purchase-register document and one per portal document left unpaired, i.e. one per
``match_result`` row of a run, with the columns DESIGN.md fixes first (and a few helpful ones after).
Document numbers are exactly as the source wrote them, dates ISO, amounts in rupees with two
decimals converted from paise by integer arithmetic (never through a float).

One producer: ``COLUMNS`` names each export column once, with the table fields it is made of
(``match_result``'s, and the purchase or portal document's that a result row names) and the kind
of value it holds (:class:`Kind`: text, money, date, score). A source hands over those fields a
chunk of rows at a time, from a stored run (:func:`stored_chunks`) or from results still in memory
(:mod:`ims_core.reports.export_memory`), and :func:`columns_of` makes them the export's columns.
The CSV (each kind's text) and the XLSX (each kind's cell) are written from those chunks, so a new
column is one line of ``COLUMNS``. A chunk at a time: a million-row run needs no million-row list
for its CSV.

The XLSX is for an accountant: an "All" sheet then one sheet per status, frozen header row, filters,
and a rupee format with Indian digit grouping. Excel's ``#,##,##0`` pattern groups by thousands in most
locales, so the format uses value conditions to put the lakh and crore commas in the right places.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Engine

from ims_core import audit
from ims_core.db.reads import json_column_chunks
from ims_core.errors import UserFacingError
from ims_core.ingest.document import TAX
from ims_core.matching.current import latest_run_id
from ims_core.matching.engine import STATUSES
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument
from ims_core.reports.csv_text import csv_rows

RUPEE_FORMAT = ('[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"#,##0.00')
XLSX_MAX_ROWS = 1_048_575
CHUNK = 50_000  # result rows read, turned into text and written at a time


def _rupees(paise: Sequence) -> list[str | None]:
    """Paise as rupee text with two decimals by integer arithmetic (``-5.07``); None where missing."""
    return [None if value is None else f"{value // 100}.{value % 100:02d}" if value >= 0
            else f"-{-value // 100}.{-value % 100:02d}" for value in paise]


def _day(value: object) -> dt.date | None:
    """A date as the database hands it back: ISO text on SQLite, a date on PostgreSQL."""
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Kind:
    """What a column holds, and so how its values (as the database hands them back, None where a
    row has no document) become CSV text and XLSX cells."""

    text: Callable[[Sequence], Sequence]  # a chunk's values -> CSV fields (None written empty)
    cell: Callable[[object], object] = lambda value: "" if value is None else str(value)
    number_format: str | None = None  # the XLSX cell's, where it has one


TEXT = Kind(text=lambda values: values)
MONEY = Kind(text=_rupees, cell=lambda paise: None if paise is None else Decimal(int(paise)) / 100,
             number_format=RUPEE_FORMAT)
DATE = Kind(text=lambda days: [None if day is None else str(day)[:10] for day in days], cell=_day,
            number_format="yyyy-mm-dd")
SCORE = Kind(text=lambda scores: [f"{score:.4f}" for score in scores], cell=float)


RESULT, BOOK, PORTAL = "result", "book", "portal"  # a match_result row and the two documents it names
TABLES = {RESULT: MatchResult.__table__, BOOK: PurchaseDocument.__table__, PORTAL: PortalDocument.__table__}
Field = tuple[str, str]  # (side, column of that side's table)


def _of(side: str, *names: str) -> tuple[Field, ...]:
    return tuple((side, name) for name in names)


def _total(*heads: Sequence) -> list[int | None]:
    """The tax heads' sum per row; None where the row has no document of that side."""
    return [None if first is None else first + sum(rest) for first, *rest in zip(*heads, strict=True)]


def _named(portal: Sequence, book: Sequence) -> list[str]:
    """The portal's name for the supplier where it gives one, else the books'."""
    return [p or b or "" for p, b in zip(portal, book, strict=True)]


@dataclass(frozen=True)
class Column:
    """One column of the export: its name, the table fields it is made of (``combine`` makes the
    column of several; by default it is its one field), what it holds, and its XLSX width."""

    name: str
    fields: tuple[Field, ...]
    kind: Kind = TEXT
    combine: Callable[..., Sequence] | None = None
    width: int = 16


# DESIGN.md's "Reconciliation export" contract: scripts read these names, in this order, as this text
COLUMNS: tuple[Column, ...] = (
    Column("status", _of(RESULT, "status"), width=18),
    Column("reasons", _of(RESULT, "reasons"), width=60),
    Column("recommended_action", _of(RESULT, "recommended_action")),
    Column("score", _of(RESULT, "score"), SCORE),
    Column("book_supplier_gstin", _of(BOOK, "supplier_gstin")),
    Column("book_doc_type", _of(BOOK, "doc_type")),
    Column("book_doc_number", _of(BOOK, "doc_number")),
    Column("book_doc_date", _of(BOOK, "doc_date"), DATE),
    Column("book_taxable_value", _of(BOOK, "taxable_paise"), MONEY),
    Column("book_tax", _of(BOOK, *TAX), MONEY, _total),
    Column("portal_supplier_gstin", _of(PORTAL, "supplier_gstin")),
    Column("portal_doc_type", _of(PORTAL, "doc_type")),
    Column("portal_doc_number", _of(PORTAL, "doc_number")),
    Column("portal_doc_date", _of(PORTAL, "doc_date"), DATE),
    Column("portal_taxable_value", _of(PORTAL, "taxable_paise"), MONEY),
    Column("portal_tax", _of(PORTAL, *TAX), MONEY, _total),
    Column("portal_source", _of(PORTAL, "source")),
    Column("portal_return_period", _of(PORTAL, "return_period")),
    Column("recipient_gstin", _of(RESULT, "recipient_gstin")),
    Column("supplier_name", _of(PORTAL, "supplier_name") + _of(BOOK, "supplier_name"), combine=_named,
           width=28),
    Column("nearest_note", _of(RESULT, "nearest_note"), width=50),
    Column("book_document_id", _of(RESULT, "purchase_document_id")),
    Column("portal_document_id", _of(RESULT, "portal_document_id")),
)
EXPORT_COLUMNS = [column.name for column in COLUMNS]  # for readers; the code reads COLUMNS


def fields() -> list[Field]:
    """Every table field ``COLUMNS`` reads, once each, in order: what a source hands over."""
    return list(dict.fromkeys(field for column in COLUMNS for field in column.fields))


def columns_of(chunk: dict[Field, Sequence]) -> dict[str, Sequence]:
    """A chunk of fields (from either source) as the export's columns, by name."""
    return {column.name: (column.combine or (lambda values: values))(*(chunk[f] for f in column.fields))
            for column in COLUMNS}


@dataclass
class ExportSummary:
    run_id: int
    path: Path
    rows: int
    counts: dict[str, int]


def _run_bounds(conn: Connection, run_id: int) -> tuple[int, int]:
    """The first and last result id of a run (a run's results have consecutive ids)."""
    mr = TABLES[RESULT]
    bounds = select(func.min(mr.c.id), func.max(mr.c.id)).where(mr.c.run_id == run_id)
    first, last = conn.execute(bounds).one()
    return first or 0, last or 0


def _rows_query(run_id: int, first: int, last: int) -> Select:
    """The :func:`fields` of the run's results with ids ``first``..``last``, joined to both
    documents, in result order.

    The results are read as a primary-key range in key order; the ``run_id`` index would hand them
    over in another order and leave a sort of the whole run to do.
    """
    mr, book, portal = TABLES[RESULT], TABLES[BOOK], TABLES[PORTAL]
    return (
        select(*(TABLES[side].c[name].label(f"{side}_{name}") for side, name in fields()))
        .select_from(mr.outerjoin(book, book.c.id == mr.c.purchase_document_id)
                     .outerjoin(portal, portal.c.id == mr.c.portal_document_id))
        .where(mr.c.id.between(first, last), (mr.c.run_id + 0) == run_id)  # + 0: not the index
        .order_by(mr.c.id)
    )


def stored_chunks(conn: Connection, run_id: int) -> Iterator[dict[str, Sequence]]:
    """The export's rows of a stored run, in result order, ``CHUNK`` at a time: per column name of
    ``COLUMNS``, its values (None where a row has no document of that side).

    On SQLite the fields come as JSON arrays (:func:`ims_core.db.reads.json_column_chunks`), which
    is quicker there than stepping through the driver's rows, which PostgreSQL gets.
    """
    first, last = _run_bounds(conn, run_id)
    query = _rows_query(run_id, first, last)
    names = fields()
    if conn.dialect.name == "sqlite":
        for values in json_column_chunks(conn, query, TABLES[RESULT].c.id, first, last, CHUNK):
            yield columns_of(dict(zip(names, values, strict=True)))
        return
    cursor = conn.execute(query).cursor
    while rows := cursor.fetchmany(CHUNK):
        yield columns_of(dict(zip(names, zip(*rows, strict=True), strict=True)))


def write_csv(bind: Engine | Connection, run_id: int, path: Path) -> Counter:
    """Stream a stored run to CSV a chunk at a time; return the count per status."""
    with _connection(bind) as conn:
        return write_csv_chunks(stored_chunks(conn, run_id), path)


def write_csv_chunks(chunks: Iterable[dict[str, Sequence]], path: Path) -> Counter:
    """Write the export's rows (from either source) to ``path`` as CSV; the count per status. The
    file is written as ``path.part`` and takes its name only once complete.

    The csv module's text (``excel`` dialect), made column by column (:mod:`ims_core.reports.csv_text`):
    CRLF line ends, as RFC 4180 has them, and a field holding a comma, a double quote or a line
    break quoted (a bare CR too, which readers take for the end of a row).
    """
    partial = partial_of(path)
    counts: Counter = Counter()
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(csv_rows([[column.name] for column in COLUMNS]))
            for chunk in chunks:
                counts.update(chunk["status"])
                handle.writelines(csv_rows([column.kind.text(chunk[column.name]) for column in COLUMNS]))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def partial_of(path: Path) -> Path:
    """Where a file is written until complete."""
    return path.with_name(path.name + ".part")


def write_xlsx(bind: Engine | Connection, run_id: int, path: Path) -> Counter:
    """An "All" sheet and one per status present, formatted for reading and filtering; the count
    per status. Every row is held until written: a sheet holds a million rows at most anyway."""
    with _connection(bind) as conn:
        first, last = _run_bounds(conn, run_id)
        if last - first + 1 > XLSX_MAX_ROWS:
            raise UserFacingError(f"{last - first + 1} rows do not fit an Excel sheet ({XLSX_MAX_ROWS} at "
                                  "most): export to .csv instead")
        rows = [row for chunk in stored_chunks(conn, run_id)
                for row in zip(*(chunk[column.name] for column in COLUMNS), strict=True)]
    from openpyxl import Workbook  # imported here: every `ims` command would pay for it at start-up

    book = Workbook(write_only=True)
    status = [column.name for column in COLUMNS].index("status")
    counts = Counter(row[status] for row in rows)
    _sheet(book, "All", rows)
    for name in STATUSES:
        if counts[name]:
            _sheet(book, name, [row for row in rows if row[status] == name])
    book.save(path)
    return counts


def _sheet(book, title: str, rows: list[tuple]) -> None:  # a write-only Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    header = []
    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
        header.append(WriteOnlyCell(sheet, value=column.name))
        header[-1].font = Font(bold=True)
    sheet.append(header)
    kinds = [column.kind for column in COLUMNS]
    for row in rows:
        line: list[object] = []
        for kind, value in zip(kinds, row, strict=True):
            value = kind.cell(value)
            if kind.number_format and value is not None:
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = kind.number_format
            line.append(value)
        sheet.append(line)


def check_export_path(path: Path) -> None:
    """Refuse a path :func:`export_reconciliation` cannot write, before any work is done for it."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise UserFacingError(f"{path}: the export must end in .csv or .xlsx")
    if not path.parent.exists():
        raise UserFacingError(f"{path.parent}: no such folder")


def export_reconciliation(bind: Engine | Connection, path: Path | str, run_id: int | None = None,
                          recipient_gstin: str | None = None, actor: str | audit.Actor = "cli",
                          written: Counter | None = None) -> ExportSummary:
    """Write the newest run (or ``run_id``) to ``path``; the suffix chooses CSV or XLSX. ``written``:
    the file is written already (by :mod:`ims_core.reports.export_memory`), with these counts per
    status.

    The export is an audit event (what was exported, by whom, how many rows), written after the file
    is complete so the trail never records an export that failed."""
    path = Path(path)
    check_export_path(path)
    if run_id is None:
        with _connection(bind) as conn:
            run_id = latest_run_id(conn, recipient_gstin)
    write = write_csv if path.suffix.lower() == ".csv" else write_xlsx
    counts = written if written is not None else write(bind, run_id, path)
    summary = ExportSummary(run_id, path, sum(counts.values()), {s: int(counts.get(s, 0)) for s in STATUSES})
    event = {"export": "reconciliation", "run_id": run_id, "file": path.name, "rows": summary.rows}
    with _connection(bind, begin=True) as conn:
        audit.record(conn, kind="export", actor=audit.actor_named(actor), document_id=None, before=None,
                     after=event, recipient_gstin=recipient_gstin or "")
    return summary


class _connection:
    """Use a given connection as is, or open (and close) one from an engine, in a transaction that
    commits at the end when ``begin``."""

    def __init__(self, bind: Engine | Connection, begin: bool = False):
        self.bind, self.begin = bind, begin
        self.opened = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        self.opened = self.bind.begin() if self.begin else self.bind.connect()
        return self.opened.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.opened is not None:
            self.opened.__exit__(*exc)
