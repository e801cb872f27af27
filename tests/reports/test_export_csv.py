"""The CSV export: the csv module's text of the one producer's rows, on SQLite and on PostgreSQL
alike; the same values as the XLSX shows; the same bytes from the results in memory as from the
stored run (what ``ims run`` writes while it stores them); and a column added to ``COLUMNS``
reaches every file with no other change."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from support.matching import S1, S1_SISTER, book, insert_documents, portal

from ims_core.forking import in_child
from ims_core.ingest.books import parse_books
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports import export as exports
from ims_core.reports import export_columns, export_memory, export_rows
from ims_core.reports.export import EXPORT_COLUMNS, export_reconciliation
from ims_core.reports.export_memory import CsvWhileStoring, _Claims, memory_chunks
from ims_core.samplegen import generate as generate_month
from ims_core.samplegen import write_books_csv, write_gstr2b_json

AWKWARD = ['A,1', 'say "hi"', "two\nlines", "cr\rhere", "plain", "₹ sign, and \"both\""]


def _documents() -> tuple[list[dict], list[dict]]:
    books = [book(i + 1, number, taxable=1_234_567_89 + i, supplier_name=f"Name {number}")
             for i, number in enumerate(AWKWARD)]
    books += [book(20, "CN-1", doc_type="CRN", taxable=-5_07, cgst=-45, sgst=0, supplier_name=""),
              book(21, "ZERO", taxable=0, cgst=0, sgst=0, date="2025-05-31"),
              book(22, "NINE", taxable=9, cgst=1, sgst=99, supplier=S1_SISTER)]
    portals = [portal(101 + i, number.upper(), taxable=1_234_567_89, supplier_name=f"Portal, {i}")
               for i, number in enumerate(AWKWARD[:3])]
    portals += [portal(120, "CN-1", doc_type="CRN", taxable=-5_00, cgst=-45, sgst=0, supplier_name="",
                       source="gstr2b"),
                portal(130, "ONLY-PORTAL", taxable=1_00_00_000_00, supplier_name='Q "uote"')]
    return books, portals


def test_csv_is_the_csv_modules_text_of_every_field(engine, tmp_path, monkeypatch):
    insert_documents(engine, *_documents())
    run = run_reconciliation(engine, tolerances=Tolerances())
    path = tmp_path / "reco.csv"
    monkeypatch.setattr(export_rows, "CHUNK", 2)  # several chunks, the last one short
    summary = export_reconciliation(engine, path, run_id=run.id)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("reco")] == ["reco.csv"]  # no parts left

    written = path.read_bytes().decode("utf-8")
    # every field comes back whole, line breaks of either kind included
    table = list(csv.reader(io.StringIO(written, newline="")))
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n").writerows(table)
    assert written == expected.getvalue()  # CRLF line ends, quotes where the csv module puts them
    assert table[0] == EXPORT_COLUMNS
    assert summary.rows == len(table) - 1 == 10 and sum(summary.counts.values()) == 10
    rows = list(csv.DictReader(io.StringIO(written, newline="")))
    assert {r["book_doc_number"] for r in rows} >= set(AWKWARD)
    assert '"cr\rhere"' in written and '"say ""hi"""' in written
    credit = next(r for r in rows if r["book_doc_number"] == "CN-1")
    assert credit["book_taxable_value"] == "-5.07" and credit["book_tax"] == "-0.45"
    assert credit["supplier_name"] == ""
    nine = next(r for r in rows if r["book_doc_number"] == "NINE")
    assert nine["book_taxable_value"] == "0.09" and nine["book_tax"] == "1.00"
    lone = next(r for r in rows if r["portal_doc_number"] == "ONLY-PORTAL")
    assert lone["portal_taxable_value"] == "10000000.00" and lone["book_taxable_value"] == ""
    assert lone["supplier_name"] == 'Q "uote"' and lone["book_document_id"] == ""
    assert lone["book_doc_date"] == "" and lone["portal_doc_date"] == "2025-05-10"
    named = next(r for r in rows if r["book_doc_number"] == "A,1")
    assert named["supplier_name"] == "Portal, 0" and named["portal_document_id"] == "101"
    assert {r["score"].count(".") for r in rows} == {1} and all(len(r["score"].split(".")[1]) == 4
                                                                for r in rows)
    assert S1 in {r["book_supplier_gstin"] for r in rows}


def _xlsx_text(column: export_columns.Column, value: object) -> str:
    """An XLSX cell's value as the CSV writes that field."""
    if value is None:
        return ""
    if column.kind is export_columns.MONEY:
        return f"{Decimal(str(value)):.2f}"
    if column.kind is export_columns.DATE:
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if column.kind is export_columns.SCORE:
        return f"{value:.4f}"
    return str(value)


def _shown(column: export_columns.Column, field: str) -> str:
    """A CSV field as the XLSX spells it (a status's label, an action's word)."""
    return str(column.show(field)) if column.show and field else field


def test_the_csv_and_the_xlsx_hold_the_same_rows(engine, tmp_path):
    insert_documents(engine, *_documents())
    run_reconciliation(engine, tolerances=Tolerances())
    export_reconciliation(engine, tmp_path / "reco.csv")
    export_reconciliation(engine, tmp_path / "reco.xlsx")

    with (tmp_path / "reco.csv").open(encoding="utf-8", newline="") as handle:
        from_csv = list(csv.reader(handle))
    sheet = openpyxl.load_workbook(tmp_path / "reco.xlsx")["All"]
    columns = export_columns.COLUMNS
    from_xlsx = [[_xlsx_text(column, value) for column, value in zip(columns, row, strict=True)]
                 for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [c.value for c in sheet[1]] == [column.title for column in columns]
    assert from_csv[0] == [column.name for column in columns]
    # an XML reader hands a bare CR in a cell back as LF (XML's end-of-line handling)
    assert from_xlsx == [[_shown(column, field).replace("\r", "\n") for column, field in zip(columns, row,
                                                                                            strict=True)]
                         for row in from_csv[1:]]
    assert len(from_xlsx) == 10


def test_a_column_added_to_COLUMNS_reaches_both_files(engine, tmp_path, monkeypatch):
    """The one place to edit: a new column's name, SQL and kind in ``COLUMNS``."""
    extra = exports.Column("book_fy", ((exports.BOOK, "fy"),))
    monkeypatch.setattr(export_columns, "COLUMNS", (*export_columns.COLUMNS, extra))
    insert_documents(engine, *_documents())
    run_reconciliation(engine, tolerances=Tolerances())
    export_reconciliation(engine, tmp_path / "reco.csv")
    export_reconciliation(engine, tmp_path / "reco.xlsx")

    rows = list(csv.DictReader((tmp_path / "reco.csv").open(encoding="utf-8", newline="")))
    assert list(rows[0]) == [*EXPORT_COLUMNS, "book_fy"]
    assert {r["book_fy"] for r in rows} == {"2025", ""}
    sheet = openpyxl.load_workbook(tmp_path / "reco.xlsx")["All"]
    assert [c.value for c in sheet[1]][-1] == "book_fy"
    assert {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"2025", None}


def _stored_and_from_memory(engine, tmp_path, monkeypatch, **scope) -> tuple[bytes, bytes]:
    """The CSV written from the results in memory as the run is stored, and the stored run's export."""
    monkeypatch.setattr(export_rows, "CHUNK", 7)  # several chunks, the last one short
    seen = []

    def write_from_memory(results, books, portal):
        seen.append(len(results))
        exports.write_csv_chunks(memory_chunks(results, books, portal), tmp_path / "memory.csv")

    run = run_reconciliation(engine, tolerances=Tolerances(), on_results=write_from_memory, **scope)
    export_reconciliation(engine, tmp_path / "stored.csv", run_id=run.id)
    assert seen == [sum(entry["count"] for entry in json.loads(run.counts_json).values())]
    return (tmp_path / "memory.csv").read_bytes(), (tmp_path / "stored.csv").read_bytes()


def test_the_csv_from_memory_is_the_stored_runs_export(engine, tmp_path, monkeypatch):
    """Awkward texts, credit notes, zero and crore amounts, documents on one side only."""
    insert_documents(engine, *_documents())
    from_memory, stored = _stored_and_from_memory(engine, tmp_path, monkeypatch)
    assert from_memory == stored and stored.count(b"\r\n") > 10


@pytest.mark.parametrize("period", [None, "102025"])
def test_the_csv_from_memory_of_a_sample_month_is_the_stored_runs_export(engine, tmp_path, monkeypatch,
                                                                          period):
    """Every kind of finding, supplier names on both sides, GSTR-2B sources; and a period's run, which
    keeps only some of the results the engine works out."""
    month = generate_month(300, seed=8)
    load(engine, parse_books(write_books_csv(month, tmp_path / "books.csv"), preset="canonical"))
    load(engine, parse_gstr2b([write_gstr2b_json(month, tmp_path / "gstr2b.json")]))
    from_memory, stored = _stored_and_from_memory(engine, tmp_path, monkeypatch, period=period)
    assert from_memory == stored
    statuses = {row["status"] for row in csv.DictReader(io.StringIO(stored.decode(), newline=""))}
    assert {"matched", "mismatch", "missing_in_books", "missing_in_portal", "duplicate"} <= statuses


def test_a_field_the_engine_does_not_read_is_exported_from_the_stored_run(engine, tmp_path, monkeypatch):
    """A column of a field the document frames lack: ims run leaves it to the stored run's export."""
    extra = exports.Column("portal_remarks", ((exports.PORTAL, "remarks"),))
    monkeypatch.setattr(export_columns, "COLUMNS", (*export_columns.COLUMNS, extra))
    insert_documents(engine, *_documents())
    export = CsvWhileStoring(tmp_path / "reco.csv")
    run = run_reconciliation(engine, tolerances=Tolerances(), on_results=export.start)
    assert export.finish() is None and not (tmp_path / "reco.csv").exists()
    summary = export_reconciliation(engine, tmp_path / "reco.csv", run_id=run.id)
    assert summary.rows == 10
    header = next(csv.reader((tmp_path / "reco.csv").open(encoding="utf-8", newline="")))
    assert header[-1] == "portal_remarks"


def _all_from_the_front(claims: _Claims) -> list[int]:
    return list(iter(claims.front, None))


def test_the_writer_and_the_caller_share_out_every_piece_once():
    """Pieces claimed from the front by a forked process and from the back here, at the same time:
    each piece goes to one of them, the forked one's before this one's."""
    claims = _Claims(5000)
    front = in_child(_all_from_the_front, claims)
    back = list(iter(claims.back, None))
    front = front()
    assert sorted(front + back) == list(range(5000))
    assert front == list(range(len(front))) and back == list(range(4999, len(front) - 1, -1))


def test_the_csv_written_from_both_ends_is_the_stored_runs_export(engine, tmp_path, monkeypatch):
    """Pieces of two rows: the forked writer's from the front, the rest made here once the run is
    stored, appended in order; the same bytes as the stored run's export."""
    monkeypatch.setattr(export_memory, "PIECE", 2)
    month = generate_month(300, seed=8)
    load(engine, parse_books(write_books_csv(month, tmp_path / "books.csv"), preset="canonical"))
    load(engine, parse_gstr2b([write_gstr2b_json(month, tmp_path / "gstr2b.json")]))
    export = CsvWhileStoring(tmp_path / "memory.csv")
    run = run_reconciliation(engine, tolerances=Tolerances(), on_results=export.start)
    counts = export.finish()
    export_reconciliation(engine, tmp_path / "stored.csv", run_id=run.id)
    assert (tmp_path / "memory.csv").read_bytes() == (tmp_path / "stored.csv").read_bytes()
    assert dict(counts) == {status: entry["count"] for status, entry in json.loads(run.counts_json).items()
                            if entry["count"]}
    assert not list(tmp_path.glob("*.part"))


def test_an_abandoned_export_leaves_no_file(engine, tmp_path):
    insert_documents(engine, *_documents())
    (tmp_path / "out").mkdir()
    export = CsvWhileStoring(tmp_path / "out" / "reco.csv")
    run_reconciliation(engine, tolerances=Tolerances(), on_results=export.start)
    export.abandon()
    assert list((tmp_path / "out").iterdir()) == []
