"""The set-based reads behind the ITC position and the deadlines keep the per-document rules exactly:
the Rule 37 day boundaries the database pre-filters on, which reconciliation row counts for a record,
and which action counts when a decision row carries none."""

from __future__ import annotations

import datetime as dt

from support.documents import ASHA, OTHER_SUPPLIER, RECIPIENT, TODAY

from ims_core.decisions.engine import decide
from ims_core.itc.deadlines import deadlines
from ims_core.itc.position import itc_position
from ims_core.models import ImsDecision, MatchResult, PurchaseDocument, Recipient, ReconciliationRun


def _book(number: str, doc_date: dt.date, paid: dt.date | None = None, **fields: object) -> PurchaseDocument:
    values: dict[str, object] = dict(
        recipient_gstin=RECIPIENT, supplier_gstin=OTHER_SUPPLIER, doc_type="INV", doc_number=number,
        doc_date=doc_date, fy=2025, payment_date=paid, cgst_paise=1_000, sgst_paise=1_000,
    )
    values.update(fields)
    return PurchaseDocument(**values)


def test_rule_37_lists_exactly_the_books_at_or_past_the_line(session):
    start = dt.date(2025, 4, 1)
    session.add_all(
        [
            _book("UNPAID-150", TODAY - dt.timedelta(days=150)),  # day 180 is 30 days away: listed
            _book("UNPAID-149", TODAY - dt.timedelta(days=149)),  # 31 days away: not yet
            _book("PAID-180", start, start + dt.timedelta(days=180)),  # paid on day 180: in time
            _book("PAID-181", start, start + dt.timedelta(days=181)),  # a day late: listed
            _book("NOTE", start, doc_type="CRN"),  # credit notes carry no ITC to reverse
            _book("RCM", start, reverse_charge=True),  # reverse charge: ITC follows the tax paid
        ]
    )
    session.commit()

    found = [d for d in deadlines(session, recipient_gstin=RECIPIENT, today=TODAY) if d.kind == "rule_37"]

    titles = {d.title.split(" from ")[0]: d for d in found}
    assert set(titles) == {"INV UNPAID-150", "INV PAID-181"}
    assert titles["INV UNPAID-150"].due == TODAY + dt.timedelta(days=30)
    assert "was paid on 29-09-2025, after 180 days" in titles["INV PAID-181"].title
    assert all(d.amount_paise == 2_000 for d in found)


def test_rule_37_needs_payment_dates_in_the_books(session):
    session.add(_book("UNPAID-OLD", dt.date(2025, 4, 1)))
    session.commit()

    assert deadlines(session, recipient_gstin=RECIPIENT, today=TODAY) == []  # unpaid or unknown?

    session.add(_book("PAID-IN-TIME", dt.date(2025, 4, 1), dt.date(2025, 5, 1)))
    session.commit()
    found = deadlines(session, recipient_gstin=RECIPIENT, today=TODAY)
    assert [d.title.split(" from ")[0] for d in found if d.kind == "rule_37"] == ["INV UNPAID-OLD"]


def test_a_decision_without_an_action_leaves_the_portal_action_counting(session, make_doc):
    session.add(Recipient(gstin=RECIPIENT, state_code="29"))
    requested = make_doc(doc_number="REQ-1", ims_action="P")  # a reject awaiting approval: no action yet
    accepted = make_doc(doc_number="ACC-1")
    make_doc(doc_number="NONE-1")
    session.add(ImsDecision(portal_document_id=requested.id, recipient_gstin=RECIPIENT, requested_action="R"))
    session.commit()
    decide(session, portal_document_id=accepted.id, action="accept", actor=ASHA, today=TODAY)

    pos = itc_position(session, recipient_gstin=RECIPIENT, period="102025", today=TODAY)
    (gstr3b,) = [d for d in deadlines(session, recipient_gstin=RECIPIENT, today=TODAY) if d.kind == "gstr3b"]

    assert [line.doc_number for line in pos.pending.documents] == ["REQ-1"]
    available = {line.doc_number: line.portal_document_id for line in pos.rows["4A(5)"].documents}
    assert set(available) == {"ACC-1", "NONE-1"}
    assert "(1 accepted, 1 no action, 1 pending; ₹3,600.00 net tax in accepted and no-action records)" in (
        gstr3b.title)
    assert gstr3b.documents == [requested.id, accepted.id, available["NONE-1"]]
    assert gstr3b.amount_paise == 2 * 180_000  # the pending one is not in this GSTR-3B


def test_the_record_s_own_latest_reconciliation_row_decides_the_risk(session, make_doc):
    own_ok = make_doc(doc_number="OWN-OK")  # its own row says matched; its 2B twin's says mismatch
    twin_only = make_doc(doc_number="TWIN-ONLY")  # no row of its own: its 2B twin's row counts
    rerun = make_doc(doc_number="RERUN")  # two rows of its own: the later one counts
    twins = {
        doc.doc_number: make_doc(doc_number=doc.doc_number, source="gstr2b")
        for doc in (own_ok, twin_only)
    }
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period="102025")
    session.add(run)
    session.flush()
    rows = [
        (own_ok.id, "matched", ""),
        (twins["OWN-OK"].id, "mismatch", "taxable value differs"),
        (twins["TWIN-ONLY"].id, "probable", "number differs"),
        (rerun.id, "mismatch", "stale"),
        (rerun.id, "matched", ""),
    ]
    session.add_all(
        [
            MatchResult(run_id=run.id, portal_document_id=doc_id, status=status, reasons=reasons,
                        recipient_gstin=RECIPIENT, return_period="102025")
            for doc_id, status, reasons in rows
        ]
    )
    session.commit()

    pos = itc_position(session, recipient_gstin=RECIPIENT, period="102025", today=TODAY)

    assert {line.doc_number for line in pos.rows["4A(5)"].documents} == {"OWN-OK", "TWIN-ONLY", "RERUN"}
    assert [(line.doc_number, line.note) for line in pos.at_risk.documents] == [
        ("TWIN-ONLY", "paired with a book entry only probably (number differs)")
    ]
    assert pos.at_risk.heads.total == 180_000


def test_the_date_not_a_stale_portal_flag_ends_a_credit_notes_pending_option(session, make_doc):
    """GSTN FAQ of 17 October 2025, Q4: pending until the GSTR-3B due date of the GSTR-2B period plus one
    tax period (20 December 2025 for October), whatever ``ispendactblocked`` said when it was imported."""
    for blocked in (True, False, None):  # kept pending on the portal itself
        make_doc(doc_number=f"CN-{blocked}", doc_type="CRN", section="b2bcn", ims_action="P",
                 pending_action_blocked=blocked)

    before = itc_position(session, recipient_gstin=RECIPIENT, period="112025", today=dt.date(2025, 12, 20))
    assert len(before.pending_credit_notes.documents) == 3
    after = itc_position(session, recipient_gstin=RECIPIENT, period="122025", today=dt.date(2025, 12, 21))
    assert after.pending_credit_notes.documents == []
    lapsed = {line.doc_number: line.note for line in after.rows["4A(5)"].documents}
    assert lapsed == dict.fromkeys(("CN-True", "CN-False", "CN-None"),
                                   "deemed accepted: its pending option lapsed on 20-12-2025")
    assert after.rows["4A(5)"].heads.total == -3 * 180_000
