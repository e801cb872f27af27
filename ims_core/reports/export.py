"""Reports for people and other tools: the reconciliation export as CSV or XLSX.

One row per purchase-register document and one per portal document left unpaired, i.e. one per
``match_result`` row of a run, with the columns DESIGN.md fixes first (and a few helpful ones after).
Document numbers are exactly as the source wrote them, dates ISO, amounts in rupees with two
decimals converted from paise by integer arithmetic (never through a float). The CSV is streamed
from the database a chunk at a time, so a million-row run needs no million-row frame.

The XLSX is for an accountant: an "All" sheet then one sheet per status, frozen header row, filters,
and a rupee format with Indian digit grouping. Excel's ``#,##,##0`` pattern groups by thousands in most
locales, so the format uses value conditions to put the lakh and crore commas in the right places.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Engine

from ims_core import audit
from ims_core.db.reads import json_column_chunks, nullable_ids
from ims_core.errors import UserFacingError
from ims_core.forking import in_child, own_connections
from ims_core.ingest.document import TAX
from ims_core.matching.engine import STATUSES
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, ReconciliationRun
from ims_core.reports.csv_text import csv_rows

EXPORT_COLUMNS = ["status", "reasons", "recommended_action", "score", "book_supplier_gstin", "book_doc_type",
                  "book_doc_number", "book_doc_date", "book_taxable_value", "book_tax",
                  "portal_supplier_gstin", "portal_doc_type", "portal_doc_number", "portal_doc_date",
                  "portal_taxable_value", "portal_tax", "portal_source", "portal_return_period",
                  "recipient_gstin", "supplier_name", "nearest_note", "book_document_id",
                  "portal_document_id"]
MONEY_COLUMNS = ("book_taxable_value", "book_tax", "portal_taxable_value", "portal_tax")
DATE_COLUMNS = ("book_doc_date", "portal_doc_date")
RUPEE_FORMAT = ('[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"#,##0.00')
XLSX_MAX_ROWS = 1_048_575
WIDTHS = {"status": 18, "reasons": 60, "nearest_note": 50, "supplier_name": 28}
CSV_CHUNK = 50_000  # result rows fetched, turned into text and written at a time
CSV_COPY = 1 << 20  # bytes copied at a time when the parts of a CSV are joined
PARALLEL_FROM = 50_000  # result rows from which a CSV is written by several processes


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
    mr = MatchResult.__table__
    bounds = select(func.min(mr.c.id), func.max(mr.c.id)).where(mr.c.run_id == run_id)
    first, last = conn.execute(bounds).one()
    return first or 0, last or 0


def _rows_query(conn: Connection, run_id: int, first: int | None = None, last: int | None = None) -> Select:
    """The run's results (those with ids ``first``..``last``, by default all) joined to both
    documents, in result order; amounts in paise.

    The results are read as a primary-key range in key order; the ``run_id`` index would hand them
    over in another order and leave a sort of the whole run to do.
    """
    mr, bk, po = MatchResult.__table__, PurchaseDocument.__table__, PortalDocument.__table__
    if first is None or last is None:
        first, last = _run_bounds(conn, run_id)
    return (
        select(mr.c.status, mr.c.reasons, mr.c.recommended_action, mr.c.score,
               bk.c.supplier_gstin.label("book_supplier_gstin"), bk.c.doc_type.label("book_doc_type"),
               bk.c.doc_number.label("book_doc_number"), bk.c.doc_date.label("book_doc_date"),
               bk.c.taxable_paise.label("book_taxable"),
               (bk.c.igst_paise + bk.c.cgst_paise + bk.c.sgst_paise + bk.c.cess_paise).label("book_taxsum"),
               po.c.supplier_gstin.label("portal_supplier_gstin"), po.c.doc_type.label("portal_doc_type"),
               po.c.doc_number.label("portal_doc_number"), po.c.doc_date.label("portal_doc_date"),
               po.c.taxable_paise.label("portal_taxable"),
               (po.c.igst_paise + po.c.cgst_paise + po.c.sgst_paise + po.c.cess_paise).label("portal_taxsum"),
               po.c.source.label("portal_source"), po.c.return_period.label("portal_return_period"),
               mr.c.recipient_gstin, bk.c.supplier_name.label("book_supplier_name"),
               po.c.supplier_name.label("portal_supplier_name"), mr.c.nearest_note,
               mr.c.purchase_document_id.label("book_document_id"),
               mr.c.portal_document_id.label("portal_document_id"))
        .select_from(mr.outerjoin(bk, bk.c.id == mr.c.purchase_document_id)
                     .outerjoin(po, po.c.id == mr.c.portal_document_id))
        .where(mr.c.id.between(first, last), (mr.c.run_id + 0) == run_id)  # + 0: not the index
        .order_by(mr.c.id)
    )


def reconciliation_rows(bind: Engine | Connection, run_id: int) -> pd.DataFrame:
    """The run's results joined to both documents; amounts in paise, dates as dates."""
    with _connection(bind) as conn:
        result = conn.execute(_rows_query(conn, run_id))
        columns = list(result.keys())
        # the driver's plain tuples: no per-row Row objects or date conversion
        frame = pd.DataFrame.from_records(result.cursor.fetchall(), columns=columns)
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return frame


def rupees_text(paise: pd.Series) -> pd.Series:
    """Paise (nullable) as ``"12345.50"`` text with exactly two decimals; ``""`` where missing."""
    missing = paise.isna().to_numpy()
    values = paise.fillna(0).astype("int64").to_numpy()
    whole = (np.abs(values) // 100).astype(str).astype(object)
    cents = pd.Series(np.abs(values) % 100).astype(str).str.zfill(2).to_numpy(object)
    text = np.where(values < 0, "-", "").astype(object) + whole + "." + cents
    return pd.Series(np.where(missing, "", text), index=paise.index, dtype=object)


def export_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The export's columns as text, in order: what the CSV holds."""
    out = pd.DataFrame(index=rows.index)
    for column in EXPORT_COLUMNS:
        if column in ("book_taxable_value", "portal_taxable_value"):
            out[column] = rupees_text(rows[column.split("_")[0] + "_taxable"])
        elif column in ("book_tax", "portal_tax"):
            out[column] = rupees_text(rows[column + "sum"])
        elif column in DATE_COLUMNS:
            out[column] = rows[column].dt.strftime("%Y-%m-%d").fillna("")
        elif column == "score":
            out[column] = rows["score"].map("{:.4f}".format)
        elif column == "supplier_name":
            portal_name = rows["portal_supplier_name"].fillna("").astype(str)
            book_name = rows["book_supplier_name"].fillna("").astype(str)
            out[column] = portal_name.where(portal_name != "", book_name)
        elif column.endswith("_document_id"):
            out[column] = rows[column].astype("Int64").astype("string").fillna("").astype(object)
        else:
            out[column] = rows[column].fillna("").astype(str)
    return out


def csv_columns(fetched: dict[str, tuple]) -> list[list | tuple]:
    """The CSV text of one chunk, column by column, from the columns of :func:`_rows_query`.

    The same text as :func:`export_frame` (which the XLSX sheets use): ``None`` is written as an
    empty field by the csv module, integers as their digits; only money, dates, the score and the
    supplier name need a loop of their own, one cheap expression per value.
    """
    out: list[list | tuple] = []
    for column in EXPORT_COLUMNS:
        if column in ("book_taxable_value", "portal_taxable_value"):
            out.append(_rupees(fetched[column.split("_")[0] + "_taxable"]))
        elif column in ("book_tax", "portal_tax"):
            out.append(_rupees(fetched[column + "sum"]))
        elif column in DATE_COLUMNS:
            # SQLite hands back ISO text, PostgreSQL dates; both print as YYYY-MM-DD
            out.append(["" if day is None else str(day)[:10] for day in fetched[column]])
        elif column == "score":
            out.append([f"{score:.4f}" for score in fetched["score"]])
        elif column == "supplier_name":
            out.append([portal or book or "" for portal, book in
                        zip(fetched["portal_supplier_name"], fetched["book_supplier_name"], strict=True)])
        else:
            out.append(fetched[column])
    return out


def _rupees(paise: tuple) -> list[str]:
    """Paise as rupee text with two decimals by integer arithmetic; ``""`` where missing."""
    return ["" if value is None else f"{value // 100}.{value % 100:02d}" if value >= 0
            else f"-{-value // 100}.{-value % 100:02d}" for value in paise]


def write_csv(bind: Engine | Connection, run_id: int, path: Path, workers: int = 1) -> Counter:
    """Stream the run to CSV in chunks of rows; return the count per status.

    A run can hold millions of results: each chunk of columns (:func:`_column_chunks`) becomes text
    column by column (:func:`csv_columns`) and goes straight to the file, so memory stays at one
    chunk and no per-cell DataFrame or Decimal work is done. With ``workers`` above one (the command
    line's choice, see :mod:`ims_core.forking`) a large run is cut into consecutive id ranges written
    side by side by forked processes, then joined in order. The file appears only once complete.
    """
    partial = _partial(path)
    with _connection(bind) as conn:
        first, last = _run_bounds(conn, run_id)
    if workers < 2 or not isinstance(bind, Engine) or last - first + 1 < PARALLEL_FROM:
        workers = 1
    step = -(-(last - first + 1) // workers)  # ids per process, rounded up
    ranges = [(start, min(start + step - 1, last)) for start in range(first, last + 1, step)]
    pieces = [partial] + [partial.with_name(f"{partial.name}{k}") for k in range(1, len(ranges))]
    try:
        waiting = [in_child(_write_range_in_child, bind, run_id, *bounds, piece)
                   for bounds, piece in zip(ranges[1:], pieces[1:], strict=True)]
        counts = _write_range(bind, run_id, *ranges[0], partial, header=True)
        for result in waiting:
            counts.update(result())
        with partial.open("ab") as joined:
            for piece in pieces[1:]:
                with piece.open("rb") as part:
                    shutil.copyfileobj(part, joined, CSV_COPY)
        partial.replace(path)
    finally:
        for piece in pieces:
            piece.unlink(missing_ok=True)
    return counts


def _write_range(bind: Engine | Connection, run_id: int, first: int, last: int, path: Path,
                 header: bool = False) -> Counter:
    """Write the run's results with ids ``first``..``last`` to ``path``; the count per status."""
    with _connection(bind) as conn:
        return _write_chunks(_column_chunks(conn, run_id, first, last), path, header)


def _write_chunks(chunks: Iterable[dict[str, Sequence]], path: Path, header: bool) -> Counter:
    """Write chunks of :func:`_rows_query`'s columns to ``path`` as CSV; the count per status."""
    counts: Counter = Counter()
    # CRLF line ends, as RFC 4180 has them, and a field holding a bare CR quoted (readers take a bare
    # CR for the end of the row): the csv module's text, column by column (:mod:`ims_core.csv_text`)
    with path.open("w", encoding="utf-8", newline="") as handle:
        if header:
            handle.writelines(csv_rows([[name] for name in EXPORT_COLUMNS]))
        for columns in chunks:
            counts.update(columns["status"])
            handle.writelines(csv_rows(csv_columns(columns)))
    return counts


def write_results_csv(results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame,
                      path: Path) -> Counter:
    """Write a reconciliation's results to ``path`` as the CSV export of its stored run would be,
    byte for byte, from memory: the engine's result rows (in the order they are stored) and the
    document frames they were worked out from (:mod:`ims_core.matching.frames`, with
    ``supplier_name``)."""
    return _write_chunks(_result_chunks(results, books, portal), path, header=True)


class CsvWhileStoring:
    """The CSV export of a run written by a forked process from its results in memory
    (:func:`write_results_csv`) while the calling process stores them: ``start`` is
    :func:`ims_core.matching.run.run_reconciliation`'s ``on_results``. As with :func:`write_csv`,
    the file takes its name only once complete, and here only once the run is stored (``finish``)."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = _partial(path)
        self.written: Callable[[], Counter] | None = None

    def start(self, results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame) -> None:
        self.written = in_child(write_results_csv, results, books, portal, self.partial)

    def finish(self) -> Counter:
        """The run is stored: wait for the file and put it in place; the count per status."""
        try:
            counts = self.written() if self.written else Counter()
            self.partial.replace(self.path)
        finally:
            self.partial.unlink(missing_ok=True)
        return counts

    def abandon(self) -> None:
        """The run was not stored: wait for the writer (its own failure, if any, comes second) and
        drop what it wrote."""
        if self.written is not None:
            with contextlib.suppress(Exception):
                self.written()
        self.partial.unlink(missing_ok=True)


def _partial(path: Path) -> Path:
    """Where a file is written until complete."""
    return path.with_name(path.name + ".part")


def _result_chunks(results: pd.DataFrame, books: pd.DataFrame,
                   portal: pd.DataFrame) -> Iterator[dict[str, Sequence]]:
    """:func:`_rows_query`'s columns for results in memory, a chunk at a time, each value as the
    database hands it back: texts, integer paise, ISO dates, ``None`` where a row has no document."""
    own = {"status": results["status"].to_numpy(object), "reasons": results["reasons"].to_numpy(object),
           "recommended_action": results["recommended_action"].to_numpy(object),
           "score": results["score"].astype(float).to_numpy(),
           "recipient_gstin": results["recipient_gstin"].astype(str).to_numpy(object),
           "nearest_note": results["nearest_note"].to_numpy(object),
           "book_document_id": nullable_ids(results["purchase_document_id"]),
           "portal_document_id": nullable_ids(results["portal_document_id"])}
    sides = [_DocumentColumns(books, results["purchase_document_id"], "book"),
             _DocumentColumns(portal, results["portal_document_id"], "portal")]
    for start in range(0, len(results), CSV_CHUNK):
        rows = slice(start, start + CSV_CHUNK)
        chunk = {name: values[rows].tolist() for name, values in own.items()}
        for side in sides:
            chunk.update(side.chunk(rows))
        yield chunk


class _DocumentColumns:
    """One side's columns of :func:`_rows_query` (``book_…`` or ``portal_…``) for the documents the
    result rows name by id (nullable), from the frame the documents were read into."""

    def __init__(self, frame: pd.DataFrame, ids: pd.Series, side: str):
        wanted = ids.fillna(-1).astype("int64").to_numpy()
        self.at = pd.Index(frame["id"].to_numpy("int64")).get_indexer(wanted)
        days = frame["doc_date"].to_numpy("datetime64[D]")
        values = {"supplier_gstin": frame["supplier_gstin"], "doc_type": frame["doc_type"],
                  "doc_number": frame["doc_number"],
                  "doc_date": np.where(np.isnat(days), None, days.astype(str).astype(object)),
                  "taxable": frame["taxable_paise"], "taxsum": frame[list(TAX)].sum(axis=1),
                  "supplier_name": frame["supplier_name"]}
        if side == "portal":
            values |= {"source": frame["source"], "return_period": frame["return_period"]}
        # one slot more, holding None, for the rows without a document of this side
        self.values = {f"{side}_{name}": np.append(np.asarray(column, dtype=object), None)
                       for name, column in values.items()}

    def chunk(self, rows: slice) -> dict[str, list]:
        at = self.at[rows]  # -1 where a row has no document: the None slot at the end
        return {name: column[at].tolist() for name, column in self.values.items()}


def _write_range_in_child(engine: Engine, run_id: int, first: int, last: int, path: Path) -> Counter:
    return _write_range(own_connections(engine), run_id, first, last, path)


def _column_chunks(conn: Connection, run_id: int, first: int, last: int) -> Iterator[dict[str, Sequence]]:
    """The run's rows with ids ``first``..``last`` (:func:`_rows_query`), a chunk at a time, as one
    sequence per column.

    On SQLite the columns come as JSON arrays (:func:`ims_core.db.json_column_chunks`), in about half
    the time of stepping through the rows and turning them back into columns, which the driver's own
    tuples need (and PostgreSQL gets).
    """
    if conn.dialect.name != "sqlite":
        result = conn.execute(_rows_query(conn, run_id, first, last))
        names = list(result.keys())
        while rows := result.cursor.fetchmany(CSV_CHUNK):
            yield dict(zip(names, zip(*rows, strict=True), strict=True))
        return
    query = _rows_query(conn, run_id, first, last)
    names = [column.name for column in query.selected_columns]
    for columns in json_column_chunks(conn, query, MatchResult.__table__.c.id, first, last, CSV_CHUNK):
        yield dict(zip(names, (column.tolist() for column in columns), strict=True))


def write_xlsx(rows: pd.DataFrame, path: Path) -> None:
    """An "All" sheet and one per status present, formatted for reading and filtering."""
    if len(rows) > XLSX_MAX_ROWS:
        raise UserFacingError(f"{len(rows)} rows do not fit an Excel sheet ({XLSX_MAX_ROWS} at most): "
                              "export to .csv instead")
    from openpyxl import Workbook  # imported here: every `ims` command would pay for it at start-up

    text = export_frame(rows)
    book = Workbook(write_only=True)
    sheets = [("All", np.ones(len(rows), bool))]
    sheets += [(status, (rows["status"] == status).to_numpy()) for status in STATUSES
               if (rows["status"] == status).any()]
    for title, mask in sheets:
        _sheet(book, title, rows[mask], text[mask])
    book.save(path)


def _sheet(book, title: str, rows: pd.DataFrame, text: pd.DataFrame) -> None:  # noqa: ANN001 - Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(EXPORT_COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    for i, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(column, 16)
    header = []
    for column in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    money = {c: rows[c.split("_")[0] + ("_taxable" if "taxable" in c else "_taxsum")].to_numpy(object)
             for c in MONEY_COLUMNS}
    dates = {c: rows[c].to_numpy(object) for c in DATE_COLUMNS}
    values = {c: text[c].to_numpy(object) for c in EXPORT_COLUMNS}
    scores = rows["score"].to_numpy(float)
    for r in range(len(rows)):
        line: list[object] = []
        for column in EXPORT_COLUMNS:
            if column in money:
                line.append(_rupee_cell(sheet, money[column][r]))
            elif column in dates:
                day = dates[column][r]
                line.append(_date_cell(sheet, None if pd.isna(day) else day.date()))
            elif column == "score":
                line.append(float(scores[r]))
            else:
                line.append(values[column][r])
        sheet.append(line)


def _rupee_cell(sheet, paise: object) -> object:  # noqa: ANN001 - write-only sheet
    from openpyxl.cell import WriteOnlyCell

    if paise is None or pd.isna(paise):
        return None
    cell = WriteOnlyCell(sheet, value=Decimal(int(paise)) / 100)
    cell.number_format = RUPEE_FORMAT
    return cell


def _date_cell(sheet, day: dt.date | None) -> object:  # noqa: ANN001
    from openpyxl.cell import WriteOnlyCell

    if day is None:
        return None
    cell = WriteOnlyCell(sheet, value=day)
    cell.number_format = "yyyy-mm-dd"
    return cell


def check_export_path(path: Path) -> None:
    """Refuse a path :func:`export_reconciliation` cannot write, before any work is done for it."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise UserFacingError(f"{path}: the export must end in .csv or .xlsx")
    if not path.parent.exists():
        raise UserFacingError(f"{path.parent}: no such folder")


def export_reconciliation(bind: Engine | Connection, path: Path | str, run_id: int | None = None,
                          recipient_gstin: str | None = None,
                          actor: str | audit.Actor = "cli", workers: int = 1) -> ExportSummary:
    """Write the newest run (or ``run_id``) to ``path``; the suffix chooses CSV or XLSX.

    The export is an audit event (what was exported, by whom, how many rows), written after the file
    is complete so the trail never records an export that failed."""
    path = Path(path)
    check_export_path(path)
    suffix = path.suffix.lower()
    run_id = run_id if run_id is not None else latest_run_id(bind, recipient_gstin)
    if suffix == ".csv":
        counts = write_csv(bind, run_id, path, workers)
    else:
        rows = reconciliation_rows(bind, run_id)
        write_xlsx(rows, path)
        counts = Counter(rows["status"].tolist())
    return record_export(bind, run_id, path, counts, recipient_gstin, actor)


def record_export(bind: Engine | Connection, run_id: int, path: Path, counts: Counter,
                  recipient_gstin: str | None = None, actor: str | audit.Actor = "cli") -> ExportSummary:
    """Record a finished export of run ``run_id`` to ``path`` in the audit trail; its summary."""
    summary = ExportSummary(run_id, path, sum(counts.values()), {s: int(counts.get(s, 0)) for s in STATUSES})
    event = {"export": "reconciliation", "run_id": run_id, "file": path.name, "rows": summary.rows}
    if isinstance(bind, Connection):
        audit.record(bind, kind="export", actor=audit.actor_named(actor), document_id=None, before=None,
                     after=event, recipient_gstin=recipient_gstin or "")
    else:
        with bind.begin() as conn:
            audit.record(conn, kind="export", actor=audit.actor_named(actor), document_id=None, before=None,
                         after=event, recipient_gstin=recipient_gstin or "")
    return summary


class _connection:
    """Use a given connection as is, or open (and close) one from an engine."""

    def __init__(self, bind: Engine | Connection):
        self.bind = bind
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        self.conn = self.bind.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
