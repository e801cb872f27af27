"""The loader: one transaction per file, re-imports change nothing, newer downloads keep history."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from ims_core.ingest.document import BOOK_COLUMNS, PORTAL_COLUMNS, IngestError, ParsedImport, complete_frame
from ims_core.ingest.loader import load
from ims_core.models import DocumentHistory, ImportBatch, PortalDocument, PurchaseDocument, Supplier
from ims_core.samplegen import generate


def _books(month, content_hash="books-1") -> ParsedImport:
    frame = complete_frame(month.books.drop(columns=["finding"]).copy(), BOOK_COLUMNS)
    frame["source_row"] = range(2, len(frame) + 2)
    return ParsedImport("books", frame, "books.csv", content_hash, month.recipient_gstin)


def _portal(month, content_hash="2b-1", frame=None) -> ParsedImport:
    frame = month.portal.drop(columns=["finding"]).copy() if frame is None else frame
    frame["source"] = "gstr2b"
    frame["section"] = frame["doc_type"].map({"INV": "b2b", "CRN": "cdnr", "DBN": "cdnr"})
    frame["return_period"] = month.period
    return ParsedImport(
        "gstr2b",
        complete_frame(frame, PORTAL_COLUMNS),
        "2b.json",
        content_hash,
        month.recipient_gstin,
        month.period,
    )


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()


@pytest.fixture
def month():
    return generate(120, seed=3)


def test_first_import_adds_every_document_with_exact_totals(engine, month):
    summary = load(engine, _books(month))
    assert summary.added == len(month.books) and summary.updated == summary.unchanged == 0
    taxable = month.books["taxable_paise"]
    signed = taxable.where(month.books["doc_type"] != "CRN", -taxable)
    assert summary.taxable_paise == int(signed.sum())  # net of credit notes
    assert _count(engine, PurchaseDocument) == len(month.books)
    with engine.connect() as conn:
        stored = conn.execute(select(func.sum(PurchaseDocument.taxable_paise))).scalar()
        suppliers = conn.execute(select(func.count()).select_from(Supplier.__table__)).scalar()
    assert stored == int(month.books["taxable_paise"].sum())
    assert suppliers == month.books["supplier_gstin"].nunique()


def test_duplicate_book_rows_are_kept_as_separate_occurrences(engine, month):
    load(engine, _books(month))
    dup = month.books.loc[month.books["finding"] == "duplicate", "doc_number"].iloc[0]
    with engine.connect() as conn:
        occurrences = (
            conn.execute(
                select(PurchaseDocument.occurrence)
                .where(PurchaseDocument.doc_number == dup)
                .order_by(PurchaseDocument.occurrence)
            )
            .scalars()
            .all()
        )
    assert occurrences == [1, 2]


def test_same_file_again_changes_nothing(engine, month):
    load(engine, _portal(month))
    again = load(engine, _portal(month))
    assert again.previous_batch is not None and again.added == again.updated == 0
    assert again.unchanged == len(month.portal)
    assert _count(engine, ImportBatch) == 1
    assert _count(engine, PortalDocument) == len(month.portal)


def test_newer_download_updates_changed_documents_and_keeps_history(engine, month):
    load(engine, _portal(month))
    newer = month.portal.drop(columns=["finding"]).copy()
    newer.loc[0, "taxable_paise"] += 5000
    extra = newer.iloc[[1]].assign(doc_number="NEW-0001")
    newer = pd.concat([newer, extra], ignore_index=True)
    summary = load(engine, _portal(month, "2b-2", newer))
    assert (summary.added, summary.updated, summary.unchanged) == (1, 1, len(month.portal) - 1)
    with engine.connect() as conn:
        history = conn.execute(select(DocumentHistory)).all()
        current = conn.execute(
            select(PortalDocument.taxable_paise).where(
                PortalDocument.doc_number == newer.loc[0, "doc_number"],
                PortalDocument.supplier_gstin == newer.loc[0, "supplier_gstin"],
            )
        ).scalar()
    assert len(history) == 1
    previous = json.loads(history[0].previous_json)
    assert previous["taxable_paise"] == int(month.portal.loc[0, "taxable_paise"])
    assert current == previous["taxable_paise"] + 5000


def test_dry_run_validates_but_writes_nothing(engine, month):
    summary = load(engine, _books(month), dry_run=True)
    assert summary.dry_run and summary.added == len(month.books)
    assert _count(engine, PurchaseDocument) == 0
    assert _count(engine, ImportBatch) == 0


def test_a_file_with_a_repeated_portal_document_is_refused_whole(engine, month):
    frame = month.portal.drop(columns=["finding"]).copy()
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)
    with pytest.raises(IngestError) as info:
        load(engine, _portal(month, frame=frame))
    assert "appears twice" in str(info.value) and "2b.json" in str(info.value)
    assert _count(engine, PortalDocument) == 0 and _count(engine, ImportBatch) == 0


def test_a_failure_inside_the_transaction_rolls_everything_back(engine, month):
    """A constraint violation after some rows went in leaves no trace of the file."""
    parsed = _books(month)
    parsed.frame.loc[len(parsed.frame) - 1, "doc_type"] = None  # NOT NULL column: fails at the end
    with pytest.raises(Exception):  # noqa: B017 - the driver's own IntegrityError type differs per database
        load(engine, parsed)
    assert _count(engine, PurchaseDocument) == 0 and _count(engine, ImportBatch) == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM supplier")).scalar() == 0


def test_large_imports_rebuild_every_index(engine, month, monkeypatch):
    """The bulk path drops and rebuilds indexes on SQLite; afterwards they are all there again."""
    from sqlalchemy import inspect

    from ims_core.db import bulk_write

    before = {i["name"] for i in inspect(engine).get_indexes("purchase_document")}
    monkeypatch.setattr(bulk_write, "REBUILD_INDEXES_FROM", 10)
    load(engine, _books(month))
    after = {i["name"] for i in inspect(engine).get_indexes("purchase_document")}
    assert before == after and "uq_purchase_document_key" in after
    with engine.connect() as conn:
        plan = (
            " ".join(
                str(r)
                for r in conn.execute(
                    text("EXPLAIN QUERY PLAN SELECT id FROM purchase_document WHERE supplier_gstin = 'X'")
                ).all()
            )
            if engine.dialect.name == "sqlite"
            else "ix_purchase_document_supplier_gstin"
        )
    assert "ix_purchase_document_supplier_gstin" in plan


def test_every_public_portal_sample_loads(engine):
    """The real and sample portal files load; v4's docRejdata repeats its available documents."""
    from ims_core.ingest.gstr2a import parse_gstr2a_json
    from ims_core.ingest.gstr2b import parse_gstr2b
    from ims_core.ingest.ims import parse_ims_json
    external = Path(__file__).resolve().parent.parent / "fixtures" / "external"
    recipient = "24AAQCA8719H1ZC"
    parsed = [
        parse_gstr2b([external / "gstr2b_api_v3_sample_item-level__india-compliance.json"]),
        parse_gstr2b([external / "gstr2b_api_v4_sample_ims-era_invoice-level__india-compliance.json"]),
        parse_gstr2b([external / "gstr2b_portal-excel_REAL_gujarat-textile_may-jun2025_merged__"
                                 "teamsleekcom-gstr2b-reconciler.xlsx"], recipient_gstin=recipient),
        parse_ims_json(external / "ims_getinvoices_sample_all-sections__india-compliance.json",
                       recipient_gstin=recipient),
        parse_gstr2a_json(external / "gstr2a_api_sample_all-sections__india-compliance.json"),
        parse_gstr2a_json(external / "gstr2a_b2b_api_response_REAL_jan2024_tamilnadu__"
                                     "Bhavan23-gst_api_integration.json", recipient_gstin="33AAACT2727Q1ZU"),
    ]
    added = 0
    for item in parsed:  # v3 and v4 describe some of the same sample documents: those are updates
        summary = load(engine, item)
        assert summary.total == len(item.frame) and summary.added > 0, item.file_name
        added += summary.added
    assert _count(engine, PortalDocument) == added


def test_suppliers_are_recorded_once_and_a_missing_name_is_filled_later(engine, month):
    """The supplier register: each GSTIN once, with its PAN and state; a later file names a supplier
    recorded without a name, and never renames one that has a name."""
    books = month.books.drop(columns=["finding"]).copy()
    first, second = books["supplier_gstin"].unique()[:2]

    def named(names: dict[str, str], file: str) -> ParsedImport:
        frame = books.assign(supplier_name=books["supplier_gstin"].map(names).fillna("Other"))
        return ParsedImport("books", complete_frame(frame, BOOK_COLUMNS), file, file, month.recipient_gstin)

    load(engine, named({first: "", second: "Second Traders"}, "a.csv"))
    load(engine, named({first: "First Named Later", second: "Renamed Traders"}, "b.csv"))
    with engine.connect() as conn:
        rows = {r.gstin: r for r in conn.execute(select(Supplier.gstin, Supplier.pan, Supplier.name,
                                                         Supplier.state_code))}
    assert len(rows) == books["supplier_gstin"].nunique()
    assert rows[first].name == "First Named Later" and rows[second].name == "Second Traders"
    assert rows[first].pan == first[2:12] and rows[first].state_code == first[:2]


def test_a_file_prepared_beforehand_loads_as_the_file_itself(engine, month):
    """``ims run`` derives the key and content columns before the database is free: the same
    documents, keys and content hashes (the plain file loaded after it changes nothing)."""
    from ims_core.ingest.loader import prepare

    first = load(engine, prepare(_portal(month)))
    again = load(engine, _portal(month, content_hash="2b-again"))
    assert first.added == len(month.portal) and again.unchanged == len(month.portal) and again.added == 0
