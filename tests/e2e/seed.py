"""Reconciliation results inserted directly (Core inserts into portal_document and match_result)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from ims_core.gst.dates import financial_year, period_key
from ims_core.models import MatchResult, PortalDocument, Recipient, ReconciliationRun

RECIPIENT = "29AAFCC9980M1ZR"
SUPPLIERS = (
    ("27AHQPA7588L1ZJ", "Acme Traders Pvt Ltd"),
    ("06AAMCS8709B1ZA", "Sharma Steel & Sons"),
    ("24AAQCA8719H1ZC", "Gujarat Chemicals"),
)
STATUSES = ("mismatch", "missing_in_books", "probable", "matched", "duplicate")


def seed(
    engine: Engine,
    *,
    count: int = 6,
    recipient: str = RECIPIENT,
    period: str = "102025",
    doc_type: str = "INV",
    statuses: tuple[str, ...] = STATUSES,
    start: int = 1,
    tax_scale: int = 10_000,
) -> list[int]:
    """``count`` IMS records with one match result each in one run; tax grows with the index.

    Returns the portal document ids in insertion order.
    """
    day = dt.date(int(period[2:]), int(period[:2]), 10)
    with engine.begin() as conn:
        if start == 1:
            conn.execute(
                insert(Recipient.__table__).values(
                    gstin=recipient,
                    legal_name="Cauvery Foods",
                    state_code=recipient[:2],
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        run_id = conn.execute(
            insert(ReconciliationRun.__table__).values(
                recipient_gstin=recipient,
                period=period,
                started_at=dt.datetime.now(dt.UTC),
                finished_at=dt.datetime.now(dt.UTC),
                actor="test",
                settings_json="{}",
                counts_json="{}",
            )
        ).inserted_primary_key[0]
        docs = []
        for n in range(start, start + count):
            gstin, name = SUPPLIERS[n % len(SUPPLIERS)]
            tax = tax_scale * n
            docs.append(
                dict(
                    source="ims",
                    section="b2b" if doc_type == "INV" else "b2bcn",
                    recipient_gstin=recipient,
                    return_period=period,
                    period_key=period_key(period),
                    supplier_gstin=gstin,
                    supplier_pan=gstin[2:12],
                    supplier_name=name,
                    supplier_gstin_problem=None,
                    doc_type=doc_type,
                    doc_number=f"INV/25-26/{n:05d}",
                    doc_date=day,
                    fy=financial_year(day),
                    original_doc_type="",
                    original_doc_number="",
                    original_doc_date=None,
                    invoice_type="R",
                    taxable_paise=tax * 10,
                    igst_paise=0,
                    cgst_paise=tax // 2,
                    sgst_paise=tax - tax // 2,
                    cess_paise=0,
                    invoice_value_paise=tax * 11,
                    place_of_supply=recipient[:2],
                    reverse_charge=False,
                    itc_available="Y",
                    itc_unavailable_reason="",
                    diff_percent="",
                    supplier_filing_date=None,
                    supplier_return_period=period,
                    supplier_filing_status="Y",
                    gstr3b_filed="",
                    src_form="R1",
                    irn="",
                    irn_date=None,
                    ims_action="N",
                    pending_action_blocked=None,
                    itc_reduction_required="",
                    decl_igst_paise=None,
                    decl_cgst_paise=None,
                    decl_sgst_paise=None,
                    decl_cess_paise=None,
                    remarks="",
                    ims_hash="",
                    rejected_in_ims=False,
                    batch_id=None,
                    content_hash="",
                    created_at=dt.datetime.now(dt.UTC),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
        conn.execute(insert(PortalDocument.__table__), docs)
        ids = [
            r[0]
            for r in conn.execute(
                PortalDocument.__table__.select()
                .with_only_columns(PortalDocument.__table__.c.id)
                .where(
                    PortalDocument.__table__.c.recipient_gstin == recipient,
                    PortalDocument.__table__.c.doc_number.in_([d["doc_number"] for d in docs]),
                )
                .order_by(PortalDocument.__table__.c.id)
            )
        ]
        results = []
        for n, (doc_id, doc) in enumerate(zip(ids, docs, strict=True)):
            status = statuses[n % len(statuses)]
            results.append(
                dict(
                    run_id=run_id,
                    purchase_document_id=None,
                    portal_document_id=doc_id,
                    status=status,
                    reasons="taxable value differs by ₹120.00" if status == "mismatch" else "",
                    score=0.8,
                    recommended_action="P" if status == "mismatch" else "A",
                    recipient_gstin=recipient,
                    supplier_gstin=doc["supplier_gstin"],
                    return_period=period,
                    tax_paise=doc["cgst_paise"] + doc["sgst_paise"],
                    nearest_document_id=None,
                    nearest_note="",
                )
            )
        conn.execute(insert(MatchResult.__table__), results)
    return ids
