"""Reports for people and other tools: the reconciliation export as CSV or XLSX.

One row per purchase-register document and one per portal document left unpaired, i.e. one per
``match_result`` row of a run, with the columns DESIGN.md fixes first (and a few helpful ones after).
Document numbers are exactly as the source wrote them, dates ISO, amounts in rupees with two
decimals converted from paise by integer arithmetic (never through a float).

One producer: ``COLUMNS`` names each export column once, with the SQL that reads it and the kind of
value it holds (:class:`Kind`: text, money, date, score), and :func:`export_chunks` reads a run's
rows a chunk at a time from that list alone. The CSV (each kind's text) and the XLSX (each kind's
cell) are both written from those chunks, so a new column is one line of ``COLUMNS``. A chunk at a
time: a million-row run needs no million-row list for its CSV.

The XLSX is for an accountant: an "All" sheet then one sheet per status, frozen header row, filters,
and a rupee format with Indian digit grouping. Excel's ``#,##,##0`` pattern groups by thousands in most
locales, so the format uses value conditions to put the lakh and crore commas in the right places.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Select, Table, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from ims_core import audit
from ims_core.db.reads import json_column_chunks
from ims_core.errors import UserFacingError
from ims_core.matching.engine import STATUSES
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, ReconciliationRun

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


@dataclass(frozen=True)
class Column:
    """One column of the export: its name, the SQL that reads it, what it holds, its XLSX width."""

    name: str
    value: ColumnElement
    kind: Kind = TEXT
    width: int = 16


def _tax(table: Table) -> ColumnElement:
    return table.c.igst_paise + table.c.cgst_paise + table.c.sgst_paise + table.c.cess_paise


_MR, _BOOK, _PORTAL = MatchResult.__table__, PurchaseDocument.__table__, PortalDocument.__table__
# DESIGN.md's "Reconciliation export" contract: scripts read these names, in this order, as this text
COLUMNS: tuple[Column, ...] = (
    Column("status", _MR.c.status, width=18),
    Column("reasons", _MR.c.reasons, width=60),
    Column("recommended_action", _MR.c.recommended_action),
    Column("score", _MR.c.score, SCORE),
    Column("book_supplier_gstin", _BOOK.c.supplier_gstin),
    Column("book_doc_type", _BOOK.c.doc_type),
    Column("book_doc_number", _BOOK.c.doc_number),
    Column("book_doc_date", _BOOK.c.doc_date, DATE),
    Column("book_taxable_value", _BOOK.c.taxable_paise, MONEY),
    Column("book_tax", _tax(_BOOK), MONEY),
    Column("portal_supplier_gstin", _PORTAL.c.supplier_gstin),
    Column("portal_doc_type", _PORTAL.c.doc_type),
    Column("portal_doc_number", _PORTAL.c.doc_number),
    Column("portal_doc_date", _PORTAL.c.doc_date, DATE),
    Column("portal_taxable_value", _PORTAL.c.taxable_paise, MONEY),
    Column("portal_tax", _tax(_PORTAL), MONEY),
    Column("portal_source", _PORTAL.c.source),
    Column("portal_return_period", _PORTAL.c.return_period),
    Column("recipient_gstin", _MR.c.recipient_gstin),
    # the portal's name for the supplier where it gives one, else the books'
    Column("supplier_name", func.coalesce(func.nullif(_PORTAL.c.supplier_name, ""), _BOOK.c.supplier_name),
           width=28),
    Column("nearest_note", _MR.c.nearest_note, width=50),
    Column("book_document_id", _MR.c.purchase_document_id),
    Column("portal_document_id", _MR.c.portal_document_id),
)
EXPORT_COLUMNS = [column.name for column in COLUMNS]  # for readers; the code reads COLUMNS


@dataclass
class ExportSummary:
    run_id: int
    path: Path
    rows: int
    counts: dict[str, int]


def latest_run_id(bind: Engine | Connection, recipient_gstin: str | None = None) -> int:
    """The newest reconciliation run (of one recipient's scope, when given)."""
    table = ReconciliationRun.__table__
    query = select(table.c.id).order_by(table.c.id.desc()).limit(1)
    if recipient_gstin:
        query = query.where(table.c.recipient_gstin.in_([recipient_gstin.strip().upper(), ""]))
    with _connection(bind) as conn:
        run_id = conn.execute(query).scalar()
    if run_id is None:
        raise UserFacingError("no reconciliation yet: run `ims reconcile` first")
    return int(run_id)


def _run_bounds(conn: Connection, run_id: int) -> tuple[int, int]:
    """The first and last result id of a run (a run's results have consecutive ids)."""
    bounds = select(func.min(_MR.c.id), func.max(_MR.c.id)).where(_MR.c.run_id == run_id)
    first, last = conn.execute(bounds).one()
    return first or 0, last or 0


def _rows_query(run_id: int, first: int, last: int) -> Select:
    """``COLUMNS`` of the run's results with ids ``first``..``last``, joined to both documents, in
    result order.

    The results are read as a primary-key range in key order; the ``run_id`` index would hand them
    over in another order and leave a sort of the whole run to do.
    """
    return (
        select(*(column.value.label(column.name) for column in COLUMNS))
        .select_from(_MR.outerjoin(_BOOK, _BOOK.c.id == _MR.c.purchase_document_id)
                     .outerjoin(_PORTAL, _PORTAL.c.id == _MR.c.portal_document_id))
        .where(_MR.c.id.between(first, last), (_MR.c.run_id + 0) == run_id)  # + 0: not the index
        .order_by(_MR.c.id)
    )


def export_chunks(conn: Connection, run_id: int) -> Iterator[dict[str, Sequence]]:
    """The producer every export reads: the run's rows in result order, ``CHUNK`` at a time, each
    chunk one sequence per column of ``COLUMNS`` (by name), values as the database hands them back.

    On SQLite the columns come as JSON arrays (:func:`ims_core.db.reads.json_column_chunks`), in
    about half the time of stepping through the driver's rows, which PostgreSQL gets.
    """
    first, last = _run_bounds(conn, run_id)
    query = _rows_query(run_id, first, last)
    names = [column.name for column in COLUMNS]
    if conn.dialect.name == "sqlite":
        for columns in json_column_chunks(conn, query, _MR.c.id, first, last, CHUNK):
            yield dict(zip(names, columns, strict=True))
        return
    cursor = conn.execute(query).cursor
    while rows := cursor.fetchmany(CHUNK):
        yield dict(zip(names, zip(*rows, strict=True), strict=True))


def write_csv(bind: Engine | Connection, run_id: int, path: Path) -> Counter:
    """Stream the run to CSV a chunk at a time; return the count per status. The file takes its
    name only once complete.

    The csv module's ``excel`` dialect: CRLF line ends, as RFC 4180 has them, and a field holding a
    comma, a double quote or a line break quoted (a bare CR too, which readers take for the end of a
    row).
    """
    partial = path.with_name(path.name + ".part")
    counts: Counter = Counter()
    try:
        with _connection(bind) as conn, partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.name for column in COLUMNS])
            for chunk in export_chunks(conn, run_id):
                counts.update(chunk["status"])
                fields = [column.kind.text(chunk[column.name]) for column in COLUMNS]
                writer.writerows(zip(*fields, strict=True))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def write_xlsx(bind: Engine | Connection, run_id: int, path: Path) -> Counter:
    """An "All" sheet and one per status present, formatted for reading and filtering; the count
    per status. Every row is held until written: a sheet holds a million rows at most anyway."""
    with _connection(bind) as conn:
        first, last = _run_bounds(conn, run_id)
        if last - first + 1 > XLSX_MAX_ROWS:
            raise UserFacingError(f"{last - first + 1} rows do not fit an Excel sheet ({XLSX_MAX_ROWS} at "
                                  "most): export to .csv instead")
        rows = [row for chunk in export_chunks(conn, run_id)
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


def _sheet(book, title: str, rows: list[tuple]) -> None:  # noqa: ANN001 - a write-only Workbook
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
                          recipient_gstin: str | None = None,
                          actor: str | audit.Actor = "cli") -> ExportSummary:
    """Write the newest run (or ``run_id``) to ``path``; the suffix chooses CSV or XLSX.

    The export is an audit event (what was exported, by whom, how many rows), written after the file
    is complete so the trail never records an export that failed."""
    path = Path(path)
    check_export_path(path)
    run_id = run_id if run_id is not None else latest_run_id(bind, recipient_gstin)
    write = write_csv if path.suffix.lower() == ".csv" else write_xlsx
    counts = write(bind, run_id, path)
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
