"""Running a reconciliation on the database: scope, bulk storage, counts, and all-or-nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from support.matching import R1, R2, book, insert_documents, portal

from ims_core.errors import UserFacingError
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult, ReconciliationRun


def stored(engine, run_id: int) -> pd.DataFrame:
    table = MatchResult.__table__
    with engine.connect() as conn:
        return pd.read_sql(select(table).where(table.c.run_id == run_id).order_by(table.c.id), conn)


def count_runs(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ReconciliationRun.__table__)).scalar_one(),
            conn.execute(select(func.count()).select_from(MatchResult.__table__)).scalar_one(),
        )


def test_run_stores_every_result_with_counts(engine):
    insert_documents(
        engine,
        [book(1, "7"), book(2, "8", taxable=2_000_000), book(3, "9")],
        [portal(101, "7"), portal(102, "8", taxable=2_100_000), portal(103, "10")],
    )
    run = run_reconciliation(engine, actor="tester", tolerances=Tolerances())
    rows = stored(engine, run.id)
    assert len(rows) == 4
    assert rows.set_index("purchase_document_id").loc[2, "status"] == "mismatch"
    counts = json.loads(run.counts_json)
    assert counts["matched"] == {"count": 1, "tax_paise": 180_000, "net_tax_paise": 180_000}
    assert counts["missing_in_portal"]["count"] == 1 and counts["missing_in_books"]["count"] == 1
    assert json.loads(run.settings_json)["amount_tolerance_paise"] == 100
    assert run.actor == "tester" and run.finished_at is not None
    unpaired = rows[rows["purchase_document_id"].isna()].iloc[0]
    assert unpaired["portal_document_id"] == 103 and unpaired["recommended_action"] == "P"
    assert unpaired["supplier_gstin"] and unpaired["return_period"] == "052025"


def test_counts_net_credit_notes_whichever_side_holds_them(engine):
    """Per status, ``tax_paise`` adds the documents' tax as stated and ``net_tax_paise`` takes credit
    notes off: matched INV 7 (₹1,800) and CRN C-1 (₹900) net ₹900; a CRN only in the books (₹450)
    and one only on the portal (₹270) count -₹450 and -₹270 beside a book-only invoice (₹1,800)."""
    note = {"doc_type": "CRN", "cgst": 45_000, "sgst": 45_000}
    insert_documents(
        engine,
        [book(1, "7"), book(2, "C-1", **note), book(3, "C-2", cgst=22_500, sgst=22_500, doc_type="CRN"),
         book(4, "9")],
        [portal(101, "7"), portal(102, "C-1", **note), portal(103, "C-3", cgst=13_500, sgst=13_500,
                                                               doc_type="CRN")],
    )
    counts = json.loads(run_reconciliation(engine, tolerances=Tolerances()).counts_json)
    assert counts["matched"] == {"count": 2, "tax_paise": 270_000, "net_tax_paise": 90_000}
    assert counts["missing_in_portal"] == {"count": 2, "tax_paise": 225_000, "net_tax_paise": 135_000}
    assert counts["missing_in_books"] == {"count": 1, "tax_paise": 27_000, "net_tax_paise": -27_000}


def test_tolerances_default_from_settings(engine, monkeypatch):
    from ims_core.settings import get_settings

    monkeypatch.setenv("IMS_AMOUNT_TOLERANCE", "1000")
    get_settings.cache_clear()
    try:
        insert_documents(engine, [book(1, "7")], [portal(101, "7", taxable=1_050_000)])
        run = run_reconciliation(engine)
    finally:
        get_settings.cache_clear()
    assert stored(engine, run.id)["status"].tolist() == ["matched"]
    assert json.loads(run.settings_json)["amount_tolerance_paise"] == 100_000


def test_period_scope_keeps_what_touches_the_period(engine):
    books = [
        book(1, "A1", date="2025-05-20"),
        book(2, "A2", date="2025-06-03"),
        book(3, "A3", date="2025-05-02"),
    ]
    portals = [
        portal(101, "A1", date="2025-05-20", period="062025"),  # booked in May, reported in June
        portal(102, "A2", date="2025-06-03", period="062025"),
        portal(103, "A3", date="2025-05-02", period="052025"),
    ]
    insert_documents(engine, books, portals)
    run = run_reconciliation(engine, period="062025")
    rows = stored(engine, run.id)
    assert sorted(rows["purchase_document_id"].astype(int)) == [1, 2]
    assert set(rows["status"]) == {"matched"}
    assert run.period == "062025"


def test_recipient_scope(engine):
    insert_documents(engine, [book(1, "7"), book(2, "7", recipient=R2)], [portal(101, "7", recipient=R2)])
    run = run_reconciliation(engine, recipient_gstin=R2.lower())
    rows = stored(engine, run.id)
    assert rows["purchase_document_id"].tolist() == [2] and rows["status"].tolist() == ["matched"]
    assert run.recipient_gstin == R2 and R1 not in set(rows["recipient_gstin"])


def test_nothing_to_reconcile_writes_nothing(engine):
    with pytest.raises(UserFacingError, match="nothing to reconcile"):
        run_reconciliation(engine)
    with pytest.raises(UserFacingError, match="return period"):
        run_reconciliation(engine, period="2025-06")
    assert count_runs(engine) == (0, 0)


def test_session_writes_join_the_callers_transaction(engine):
    insert_documents(engine, [book(1, "7")], [portal(101, "7")])
    with Session(engine) as session:
        run = run_reconciliation(session)
        assert run.id is not None
        session.rollback()
    assert count_runs(engine) == (0, 0)
    with Session(engine) as session:
        run_reconciliation(session)
        session.commit()
    assert count_runs(engine) == (1, 1)
