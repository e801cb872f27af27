"""Bulk decisions from the latest reconciliation: preview (count and ₹), apply, skips."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.documents import ASHA, RAVI, RECIPIENT, TODAY

from ims_core.decisions.bulk import apply_bulk, preview_bulk
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.store import current_decision
from ims_core.matching.current import NoReconciliation
from ims_core.models import AuditEvent, MatchResult, ReconciliationRun


def _run(session, rows, period="102025"):
    run = ReconciliationRun(recipient_gstin=RECIPIENT, period=period)
    session.add(run)
    session.flush()
    session.add_all(
        [
            MatchResult(
                run_id=run.id,
                portal_document_id=doc.id,
                status=status,
                recommended_action=action,
                recipient_gstin=RECIPIENT,
                return_period=doc.return_period,
            )
            for doc, status, action in rows
        ]
    )
    session.commit()
    return run


def test_preview_nets_credit_notes(session, make_doc):
    """Accepting invoice INV-1 (₹1,800) and credit note CN-1 (₹450 + ₹450) moves ITC by ₹900."""
    invoice = make_doc(doc_number="INV-1")
    note = make_doc(doc_number="CN-1", doc_type="CRN", section="b2bcn", cgst_paise=45_000, sgst_paise=45_000)
    _run(session, [(invoice, "matched", "A"), (note, "matched", "A")])
    preview = preview_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="matched", today=TODAY)
    assert [item.tax_paise for item in preview.items] == [180_000, -90_000]
    assert preview.tax_paise == 90_000 and preview.by_action() == {"accepted": (2, 90_000)}


def test_preview_then_apply_recommended(session, make_doc):
    ok = make_doc(doc_number="OK-1")  # ₹1,800 tax
    in_2b = make_doc(doc_number="TWIN-1", source="gstr2b")  # paired on its 2B copy
    twin = make_doc(doc_number="TWIN-1")
    big = make_doc(doc_number="BIG-1", cgst_paise=6_000_000, sgst_paise=6_000_000)
    boe = make_doc(doc_number="BE-1", doc_type="BOE", section="impg")
    done = make_doc(doc_number="DONE-1")
    decide(session, portal_document_id=done.id, action="pending", actor=RAVI, today=TODAY)
    _run(
        session,
        [
            (ok, "matched", "A"),
            (in_2b, "matched", "A"),
            (big, "missing_in_books", "R"),
            (boe, "missing_in_books", "R"),
            (done, "probable", "P"),
            (make_doc(), "manual", ""),
        ],
    )

    preview = preview_bulk(
        session, recipient_gstin=RECIPIENT, period="102025", which="recommended", today=TODAY
    )
    assert [(item.portal_document_id, item.action) for item in preview.items] == [
        (ok.id, "A"),
        (twin.id, "A"),
        (big.id, "R"),
    ]
    assert preview.count == 3 and preview.tax_paise == 180_000 + 180_000 + 12_000_000
    assert preview.by_action() == {"accepted": (2, 360_000), "rejected": (1, 12_000_000)}
    assert [label.split(" from ")[0] for label, _ in preview.skipped] == ["BOE BE-1", "INV DONE-1"]
    assert "bill of entry" in preview.skipped[0][1]
    assert preview.skipped[1][1].startswith("pending by Ravi")  # a person decided it: bulk leaves it
    assert current_decision(session, ok.id).version == 0  # a preview changes nothing

    result = apply_bulk(
        session, recipient_gstin=RECIPIENT, period="102025", which="recommended", actor=ASHA, today=TODAY
    )
    session.commit()
    assert (result.count, result.awaiting_approval) == (3, 1)
    assert current_decision(session, twin.id).action == "A"
    big_state = current_decision(session, big.id)
    assert (big_state.action, big_state.pending_approval) == ("N", True)  # maker-checker still applies
    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    bulk_ids = {e.request_id for e in events[1:]}
    assert len(events) == 4 and len(bulk_ids) == 1 and bulk_ids.pop().startswith("bulk-")


def test_matched_only_accepts_matched(session, make_doc):
    matched = make_doc(doc_number="M-1")
    mismatch = make_doc(doc_number="X-1")
    _run(session, [(matched, "matched", "A"), (mismatch, "mismatch", "P")])
    result = apply_bulk(
        session, recipient_gstin=RECIPIENT, period=None, which="matched", actor=ASHA, today=TODAY
    )
    assert [d.portal_document_id for d in result.decisions] == [matched.id]
    assert current_decision(session, mismatch.id).action == "N"


def test_bulk_without_a_reconciliation_or_with_a_bad_choice(session):
    with pytest.raises(NoReconciliation, match=f"no reconciliation for {RECIPIENT} in 102025 yet"):
        preview_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="matched")
    with pytest.raises(ActionRefused, match="not a bulk choice"):
        preview_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="everything")
