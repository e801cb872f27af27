"""ITC position and deadlines on a small fixture whose figures were worked out by hand."""

from __future__ import annotations

import datetime as dt

from support.documents import ASHA, OTHER_SUPPLIER, RECIPIENT, TODAY

from ims_core import clock
from ims_core.decisions.engine import decide
from ims_core.decisions.locks import mark_period_filed
from ims_core.decisions.rules import ItcReduction
from ims_core.itc.deadlines import deadlines
from ims_core.itc.heads import Heads
from ims_core.itc.position import itc_position
from ims_core.models import MatchResult, PurchaseDocument, Recipient, ReconciliationRun


def _heads(igst=0, cgst=0, sgst=0, cess=0) -> dict:
    return dict(igst_paise=igst, cgst_paise=cgst, sgst_paise=sgst, cess_paise=cess)


def _fixture(session, make_doc) -> dict:
    with clock.frozen(TODAY):  # decisions are stamped on the day they are taken
        return _documents(session, make_doc)


def _documents(session, make_doc) -> dict:
    d = {}
    d["inv1"] = make_doc(doc_number="INV-1", **_heads(cgst=900_000, sgst=900_000))  # no action
    d["inv2"] = make_doc(doc_number="INV-2", **_heads(igst=500_000))  # accepted
    d["inv3"] = make_doc(doc_number="INV-3", **_heads(igst=300_000))  # rejected
    d["inv4"] = make_doc(doc_number="INV-4", **_heads(cgst=100_000, sgst=100_000))  # pending
    d["crn1"] = make_doc(doc_number="CRN-1", doc_type="CRN", section="b2bcn", **_heads(igst=50_000))
    d["crn2"] = make_doc(
        doc_number="CRN-2", doc_type="CRN", section="b2bcn", **_heads(cgst=40_000, sgst=40_000)
    )
    d["crn3"] = make_doc(doc_number="CRN-3", doc_type="CRN", section="b2bcn", **_heads(igst=70_000))
    d["inv5"] = make_doc(doc_number="INV-5", ims_action="R", **_heads(igst=200_000))  # portal: rejected
    d["inv6"] = make_doc(doc_number="INV-6", **_heads(igst=120_000))  # itcavl N in 2B
    make_doc(
        doc_number="INV-6",
        source="gstr2b",
        itc_available="N",
        itc_unavailable_reason="P",
        **_heads(igst=120_000),
    )
    d["boe1"] = make_doc(
        doc_number="BOE-1",
        doc_type="BOE",
        section="impg",
        supplier_gstin=OTHER_SUPPLIER,
        **_heads(igst=1_000_000),
    )
    d["inv7"] = make_doc(doc_number="INV-7", source="gstr2b", **_heads(cgst=25_000, sgst=25_000))  # 2B only
    make_doc(doc_number="INV-8", source="gstr2b", reverse_charge=True, **_heads(igst=999_900))
    d["crn4"] = make_doc(doc_number="CRN-4", doc_type="CRN", section="b2bcn",
                         **_heads(cgst=5_000, sgst=5_000))  # kept pending
    d["inv9"] = make_doc(doc_number="INV-9", return_period="092025", **_heads(igst=60_000))  # pending, Sept
    make_doc(doc_number="INV-10", return_period="112025", **_heads(igst=777_700))  # next period

    decide(session, portal_document_id=d["inv2"].id, action="accept", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=d["inv3"].id, action="reject", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=d["inv4"].id, action="pending", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=d["inv9"].id, action="pending", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=d["crn4"].id, action="pending", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=d["crn1"].id, action="accept", actor=ASHA, today=TODAY)
    decide(
        session,
        portal_document_id=d["crn2"].id,
        action="accept",
        actor=ASHA,
        reason="part returned",
        itc_reduction=ItcReduction("partial", cgst_paise=10_000, sgst_paise=10_000),
        today=TODAY,
    )
    decide(
        session,
        portal_document_id=d["crn3"].id,
        action="accept",
        actor=ASHA,
        reason="never claimed",
        itc_reduction=ItcReduction("nil"),
        today=TODAY,
    )
    decide(session, portal_document_id=d["boe1"].id, action="accept", actor=ASHA, today=TODAY)

    book = PurchaseDocument(
        recipient_gstin=RECIPIENT,
        supplier_gstin=OTHER_SUPPLIER,
        doc_type="INV",
        doc_number="PB-1",
        doc_date=dt.date(2025, 10, 3),
        fy=2025,
        cgst_paise=30_000,
        sgst_paise=30_000,
    )
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="102025")
    session.add_all([book, run])
    session.flush()
    session.add_all(
        [
            MatchResult(
                run_id=run.id,
                portal_document_id=d["inv1"].id,
                status="mismatch",
                reasons="taxable value differs by ₹500.00",
                recipient_gstin=RECIPIENT,
                return_period="102025",
            ),
            MatchResult(
                run_id=run.id,
                purchase_document_id=book.id,
                status="missing_in_portal",
                recipient_gstin=RECIPIENT,
                return_period="102025",
            ),
        ]
    )
    session.commit()
    d["book"] = book
    return d


def test_itc_position_figures_checked_by_hand(session, make_doc):
    d = _fixture(session, make_doc)
    pos = itc_position(session, recipient_gstin=RECIPIENT, period="102025", today=TODAY)
    rows = pos.rows

    # 4A(5): INV-1 (no action: deemed accepted) 9,000+9,000, INV-2 5,000 IGST, the GSTR-2B-only INV-7
    # 250+250, less the accepted credit notes: CRN-1 in full (500 IGST), CRN-2 as declared (100+100),
    # CRN-3 nil. 4,500 IGST, 9,150 CGST and SGST.
    assert rows["4A(5)"].heads == Heads(igst=450_000, cgst=915_000, sgst=915_000)
    assert {line.doc_number for line in rows["4A(5)"].documents} == {
        "INV-1", "INV-2", "INV-7", "CRN-1", "CRN-2", "CRN-3"}
    assert rows["4A(1)"].heads == Heads(igst=1_000_000)
    assert rows["4A(3)"].heads == Heads(igst=999_900) == pos.table3_1d.heads  # reverse charge: 4A(3), 3.1(d)
    assert rows["4D(2)"].heads == Heads(igst=120_000)  # itcavl N (place of supply)
    assert pos.rejected.heads == Heads(igst=500_000)
    assert {line.doc_number for line in pos.rejected.documents} == {"INV-3", "INV-5"}
    assert pos.pending.heads == Heads(igst=60_000, cgst=100_000, sgst=100_000)
    assert [line.note for line in pos.pending.documents if line.doc_number == "INV-9"] == [
        "kept pending since 092025"
    ]
    assert pos.pending_credit_notes.heads == Heads(cgst=5_000, sgst=5_000)  # deferred, not blocked
    assert pos.missing_in_portal.heads == Heads(cgst=30_000, sgst=30_000)
    assert pos.missing_in_portal.documents[0].purchase_document_id == d["book"].id
    assert pos.blocked == Heads(igst=60_000, cgst=130_000, sgst=130_000)
    assert [line.doc_number for line in pos.at_risk.documents] == ["INV-1"]
    assert "taxable value differs" in pos.at_risk.documents[0].note

    table = pos.table_4()
    assert table["4B(1)"] == table["4B(2)"] == Heads()
    assert table["4C"] == Heads(igst=2_449_900, cgst=915_000, sgst=915_000)  # 4A(1) + 4A(3) + 4A(5)
    assert pos.recompute_needed is False  # the GSTR-2B of October is generated on 14 November


def test_deadlines(session, make_doc):
    session.add(Recipient(gstin=RECIPIENT, state_code="29", filing_frequency="monthly"))
    session.commit()
    pending_note = make_doc(doc_number="CN-9", doc_type="CRN", section="b2bcn")
    old_pending = make_doc(doc_number="OLD-1", return_period="062024", doc_date=dt.date(2024, 6, 5))
    sept = make_doc(doc_number="S-1", return_period="092025")
    make_doc(doc_number="U-1", source="gstr2b", itc_available="N", itc_unavailable_reason="C")
    make_doc(doc_number="A2-1", source="gstr2a", gstr3b_filed="N", supplier_gstin=OTHER_SUPPLIER)
    for doc, action in ((pending_note, "pending"), (old_pending, "pending")):
        decide(
            session,
            portal_document_id=doc.id,
            action=action,
            actor=ASHA,
            today=dt.date(2024, 7, 1) if doc is old_pending else TODAY,
        )
    mark_period_filed(session, recipient_gstin=RECIPIENT, period="092025", actor=ASHA)
    session.add_all(
        [
            PurchaseDocument(
                recipient_gstin=RECIPIENT,
                supplier_gstin=OTHER_SUPPLIER,
                doc_number="UNPAID",
                doc_type="INV",
                doc_date=dt.date(2025, 5, 20),
                fy=2025,
                cgst_paise=5_000,
                sgst_paise=5_000,
            ),
            PurchaseDocument(
                recipient_gstin=RECIPIENT,
                supplier_gstin=OTHER_SUPPLIER,
                doc_number="PAID",
                doc_type="INV",
                doc_date=dt.date(2025, 9, 1),
                fy=2025,
                payment_date=dt.date(2025, 9, 30),
            ),
        ]
    )
    session.commit()

    found = deadlines(session, recipient_gstin=RECIPIENT, today=TODAY)
    by_kind = {}
    for deadline in found:
        by_kind.setdefault(deadline.kind, []).append(deadline)
    assert [d.due for d in found] == sorted(d.due for d in found)

    (gstr3b,) = by_kind["gstr3b"]  # 092025 and 062024 are filed (a later period is filed), 102025 open
    assert gstr3b.due == dt.date(2025, 11, 20) and "GSTR-3B for 102025 due 20-11-2025" in gstr3b.title
    # an October 2025 credit note kept pending: one tax period, until November's GSTR-3B (20-12-2025)
    (note,) = by_kind["pending_lapse"]
    assert (note.due, note.documents, note.period) == (dt.date(2025, 12, 20), [pending_note.id], "102025")
    assert note.amount_paise == -(pending_note.igst_paise + pending_note.cgst_paise + pending_note.sgst_paise
                                  + pending_note.cess_paise)  # net: a credit note reduces
    # a June 2024 invoice kept pending: FY 2024-25's credit only in a return filed by 30-11-2025, so an
    # acceptance must land in October 2025's GSTR-2B: taken by 13-11-2025, the day before it is generated
    (lapse,) = by_kind["section_16_4"]
    assert lapse.due == dt.date(2025, 11, 13) and lapse.documents == [old_pending.id]
    assert "FY 2024-25" in lapse.title and "accept them by 13-11-2025" in lapse.title
    (unavailable,) = by_kind["itc_not_available"]
    assert "Section 16(4) cut-off" in unavailable.title
    (rule_37a,) = by_kind["rule_37a"]
    assert rule_37a.due == dt.date(2026, 9, 30) and OTHER_SUPPLIER in rule_37a.title
    (rule_37,) = by_kind["rule_37"]  # 20-05-2025 + 180 days = 16-11-2025, within the warning window
    assert (
        rule_37.due == dt.date(2025, 11, 16) and "UNPAID" in rule_37.title and rule_37.amount_paise == 10_000
    )
    assert sept.id not in {doc for d in found for doc in d.documents if d.kind == "gstr3b"}


def test_a_lapsed_pending_credit_note_reduces_the_month_it_lapses_into(session, make_doc):
    """GSTN FAQ of 17 October 2025, Q4-Q5: pending for one tax period, then deemed accepted."""
    _fixture(session, make_doc)
    november = itc_position(session, recipient_gstin=RECIPIENT, period="112025", today=dt.date(2025, 12, 21))
    assert november.pending_credit_notes.documents == []
    december = itc_position(session, recipient_gstin=RECIPIENT, period="122025", today=dt.date(2025, 12, 21))
    (note,) = [line for line in december.rows["4A(5)"].documents if line.doc_number == "CRN-4"]
    assert note.heads == Heads(cgst=-5_000, sgst=-5_000)
    assert note.note == "deemed accepted: its pending option lapsed on 20-12-2025"
    assert [line.doc_number for line in december.pending.documents] == ["INV-9", "INV-4"]
