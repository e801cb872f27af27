"""The CSV export (streamed from the driver's tuples) must hold the text the XLSX path shows
(:func:`export_frame`), on SQLite and on PostgreSQL alike: two code paths, one result. The CSV
``ims run`` writes from the results in memory while it stores them must be the stored run's export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.matching import S1, S1_SISTER, book, insert_documents, portal

from ims_core.ingest.books import parse_books
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports import export as exports
from ims_core.reports.export import (
    EXPORT_COLUMNS,
    export_frame,
    export_reconciliation,
    reconciliation_rows,
    write_results_csv,
)
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


@pytest.mark.parametrize("workers", [1, 3])
def test_csv_holds_the_frame_text(engine, tmp_path, monkeypatch, workers):
    """With ``workers`` the rows are written in parts by forked processes and joined in order."""
    insert_documents(engine, *_documents())
    run = run_reconciliation(engine, tolerances=Tolerances())
    path = tmp_path / "reco.csv"
    monkeypatch.setattr(exports, "PARALLEL_FROM", 0)
    monkeypatch.setattr(exports, "CSV_CHUNK", 2)
    summary = export_reconciliation(engine, path, run_id=run.id, workers=workers)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("reco")] == ["reco.csv"]  # no parts left

    text = [list(row) for row in export_frame(reconciliation_rows(engine, run.id)).itertuples(index=False)]
    written = path.read_bytes().decode("utf-8")
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n").writerows([EXPORT_COLUMNS, *text])
    assert written == expected.getvalue()
    # every field comes back whole, line breaks of either kind included
    assert list(csv.reader(io.StringIO(written, newline=""))) == [EXPORT_COLUMNS, *text]
    assert summary.rows == len(text) == 10
    rows = list(csv.DictReader(io.StringIO(written, newline="")))
    assert {r["book_doc_number"] for r in rows} >= set(AWKWARD)
    credit = next(r for r in rows if r["book_doc_number"] == "CN-1")
    assert credit["book_taxable_value"] == "-5.07" and credit["book_tax"] == "-0.45"
    assert credit["supplier_name"] == ""
    nine = next(r for r in rows if r["book_doc_number"] == "NINE")
    assert nine["book_taxable_value"] == "0.09" and nine["book_tax"] == "1.00"
    lone = next(r for r in rows if r["portal_doc_number"] == "ONLY-PORTAL")
    assert lone["portal_taxable_value"] == "10000000.00" and lone["book_taxable_value"] == ""
    assert lone["supplier_name"] == 'Q "uote"' and lone["book_document_id"] == ""
    assert {r["score"].count(".") for r in rows} == {1} and all(len(r["score"].split(".")[1]) == 4
                                                                for r in rows)
    assert S1 in {r["book_supplier_gstin"] for r in rows}


def _stored_and_from_memory(engine, tmp_path, monkeypatch, **scope) -> tuple[bytes, bytes]:  # noqa: ANN001
    """The CSV written from the results in memory as the run is stored, and the stored run's export."""
    monkeypatch.setattr(exports, "CSV_CHUNK", 7)  # several chunks, the last one short
    seen = []

    def write_from_memory(results, books, portal):  # noqa: ANN001, ANN202
        seen.append(len(results))
        write_results_csv(results, books, portal, tmp_path / "memory.csv")

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
