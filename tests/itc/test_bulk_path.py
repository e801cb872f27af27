"""The bulk path (records nothing happened to, counted column by column) gives exactly what the
per-record path gives, on months that mix every kind of record and history."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from support.documents import ASHA, OTHER_SUPPLIER, RECIPIENT

from ims_core import clock
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.locks import mark_period_filed
from ims_core.itc.position import itc_position
from ims_core.models import ImportBatch, MatchResult, PurchaseDocument, ReconciliationRun

KINDS = [  # (doc type, section, portal action, filing status)
    ("INV", "b2b", "N", "Filed"), ("INV", "b2b", "A", "Filed"), ("INV", "b2b", "R", "Filed"),
    ("INV", "b2b", "P", "Filed"), ("INV", "b2b", "N", "Not Filed"), ("CRN", "b2bcn", "N", "Filed"),
    ("CRN", "b2bcn", "P", "Filed"), ("DBN", "b2bdn", "A", "Filed"), ("BOE", "impg", "N", "Filed"),
]
HEADS = ("igst_paise", "cgst_paise", "sgst_paise")
TWIN_SECTIONS = {"b2bcn": "cdnr", "b2bdn": "cdnr"}


def _month(session, make_doc, rng: random.Random) -> list:
    docs = []
    for n in range(90):
        doc_type, section, action, status = rng.choice(KINDS)
        period = rng.choice(["082025", "092025", "102025"])
        supplier = rng.choice([OTHER_SUPPLIER, "27AHQPA7588L1ZJ"])
        heads = {h: rng.choice([0, 1_000, 25_000, 90_000]) for h in HEADS}
        doc = make_doc(doc_number=f"D-{n}", doc_type=doc_type, section=section, ims_action=action,
                       supplier_filing_status=status, return_period=period, supplier_gstin=supplier, **heads)
        docs.append(doc)
        if rng.random() < 0.6 and status == "Filed":  # its GSTR-2B twin, sometimes a period later
            twin_period = period if rng.random() < 0.8 else "102025"
            make_doc(doc_number=doc.doc_number, source="gstr2b", doc_type=doc_type, supplier_gstin=supplier,
                     section=TWIN_SECTIONS.get(section, section), return_period=twin_period,
                     doc_date=doc.doc_date, itc_available=rng.choice(["Y", "Y", "Y", "N"]),
                     itc_unavailable_reason="P", **heads)
    for n in range(25):  # GSTR-2B only: reverse charge, ISD, plain
        make_doc(doc_number=f"B-{n}", source="gstr2b", section=rng.choice(["b2b", "isd"]),
                 reverse_charge=rng.random() < 0.3, return_period=rng.choice(["092025", "102025"]),
                 rejected_in_ims=rng.random() < 0.1, igst_paise=rng.choice([5_000, 70_000]))
    first = docs[1]
    make_doc(doc_number="D-1", section="b2ba", original_doc_type=first.doc_type, original_doc_number="D-1",
             doc_type=first.doc_type, supplier_gstin=first.supplier_gstin, original_doc_date=first.doc_date,
             return_period="102025", igst_paise=7_000)
    session.add(ImportBatch(kind="gstr2b", file_name="2b.json", content_hash="h", recipient_gstin=RECIPIENT,
                            return_period="082025"))
    session.commit()
    return docs


def _decide(session, docs: list, rng: random.Random) -> None:
    for doc in rng.sample(docs, 30):
        day = rng.choice([dt.date(2025, 9, 10), dt.date(2025, 10, 5), dt.date(2025, 11, 16)])
        with clock.frozen(day):
            try:
                decide(session, portal_document_id=doc.id, action=rng.choice(["accept", "reject", "pending"]),
                       actor=ASHA, reason="checked", today=day)
                session.commit()
            except ActionRefused:
                pass
    with clock.frozen(dt.date(2025, 10, 18)):
        mark_period_filed(session, recipient_gstin=RECIPIENT, period="092025", actor=ASHA)
        session.commit()


def _books(session, docs: list, rng: random.Random) -> None:
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="")
    session.add(run)
    session.flush()
    for doc in docs:
        book = PurchaseDocument(recipient_gstin=RECIPIENT, supplier_gstin=doc.supplier_gstin,
                                doc_type=doc.doc_type, doc_number=doc.doc_number, doc_date=doc.doc_date,
                                fy=doc.fy, itc_eligible=rng.choice([True, None, False]),
                                igst_paise=doc.igst_paise)
        session.add(book)
        session.flush()
        session.add(MatchResult(run_id=run.id, portal_document_id=doc.id, purchase_document_id=book.id,
                                status=rng.choice(["matched", "mismatch", "missing_in_books", "probable"]),
                                reasons="taxable value differs", recipient_gstin=RECIPIENT,
                                return_period=doc.return_period))
    session.commit()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bulk_path_equals_the_per_record_path(session, make_doc, seed):
    rng = random.Random(seed)
    docs = _month(session, make_doc, rng)
    _decide(session, docs, rng)
    _books(session, docs, rng)
    for period, today in (("092025", dt.date(2025, 10, 20)), ("102025", dt.date(2025, 11, 12)),
                          ("102025", dt.date(2025, 11, 20)), ("112025", dt.date(2025, 12, 21))):
        bulk = itc_position(session, recipient_gstin=RECIPIENT, period=period, today=today)
        reference = itc_position(session, recipient_gstin=RECIPIENT, period=period, today=today,
                                 bulk=False)
        assert bulk.to_json() == reference.to_json()
        for name in ("rejected", "pending", "missing_in_portal", "at_risk", "expected_not_filed", "lost_16_4",
                     "table3_1d"):
            assert _lines(getattr(bulk, name)) == _lines(getattr(reference, name)), name
        for row, figure in bulk.rows.items():
            assert _lines(figure) == _lines(reference.rows[row]), row


def _lines(figure) -> list:
    return sorted((line.portal_document_id or 0, line.purchase_document_id or 0, line.heads.total,
                   line.action, line.note) for line in figure.documents)
