"""Single decisions: state, versions, audit events, refusals, maker-checker, period locks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from support.documents import ASHA, CLI_ASHA, RAVI, TODAY

from ims_core import audit, clock
from ims_core.decisions.engine import approve_rejection, decide, decline_rejection
from ims_core.decisions.errors import ActionConflict, ActionRefused
from ims_core.decisions.locks import mark_period_filed
from ims_core.decisions.rules import ItcReduction
from ims_core.decisions.store import current_decision
from ims_core.models import AuditEvent, ImsDecision


def _events(session, kind=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return list(session.execute(query).scalars())


def test_accept_changes_state_version_and_writes_one_event(session, make_doc):
    doc = make_doc()
    assert current_decision(session, doc.id).action == "N"  # portal's "no action"
    result = decide(
        session,
        portal_document_id=doc.id,
        action="accept",
        actor=ASHA,
        reason="matches books",
        request_id="req-1",
        today=TODAY,
    )
    session.commit()
    assert (result.action, result.version, result.decided_by, result.changed) == ("A", 1, "Asha", True)
    state = current_decision(session, doc.id)
    assert (state.action, state.version, state.from_portal) == ("A", 1, False)
    (event,) = _events(session)
    assert (event.kind, event.actor_id, event.actor_name, event.actor_source) == (
        "decision",
        "U0ASHA",
        "Asha",
        "slack",
    )
    assert (event.document_id, event.supplier_gstin, event.return_period) == (
        doc.id,
        doc.supplier_gstin,
        "102025",
    )
    assert '"action":"N"' in event.before_json and '"action":"A"' in event.after_json
    assert (event.reason, event.request_id) == ("matches books", "req-1")
    assert session.get(type(doc), doc.id).ims_action == "N"  # the portal's column is never touched


def test_same_action_again_changes_nothing(session, make_doc):
    doc = make_doc()
    decide(session, portal_document_id=doc.id, action="accept", actor=ASHA, today=TODAY)
    session.commit()
    again = decide(session, portal_document_id=doc.id, action="accept", actor=RAVI, today=TODAY)
    session.commit()
    assert (again.changed, again.version, again.decided_by) == (False, 1, "Asha")
    assert len(_events(session)) == 1


def test_stale_expected_version_is_a_conflict_naming_who_decided(session, make_doc):
    doc = make_doc()
    decide(session, portal_document_id=doc.id, action="pending", actor=ASHA, today=TODAY)
    session.commit()
    with pytest.raises(ActionConflict) as err:
        decide(
            session, portal_document_id=doc.id, action="accept", actor=RAVI, expected_version=0, today=TODAY
        )
    assert err.value.decided_by == "Asha"
    assert err.value.current_action == "pending"
    assert "Asha" in str(err.value) and "Nothing was overwritten" in str(err.value)
    assert current_decision(session, doc.id).action == "P"
    assert [e.kind for e in _events(session)] == ["decision"]


def test_refusal_is_audited_in_its_own_transaction_and_changes_nothing(session, make_doc):
    doc = make_doc(doc_type="BOE", section="impg", return_period="112025")
    with pytest.raises(ActionRefused, match="bill of entry"):
        decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, reason="x", today=TODAY)
    session.rollback()  # what the caller's unit of work does with any error
    (event,) = _events(session)
    assert event.kind == "refused" and "bill of entry" in event.reason
    assert '"action":"R"' in event.after_json
    assert session.execute(select(func.count()).select_from(ImsDecision)).scalar_one() == 0


def test_unknown_action_and_unknown_document(session):
    with pytest.raises(ActionRefused, match="not an action"):
        decide(session, portal_document_id=1, action="approve", actor=ASHA)
    with pytest.raises(ActionRefused, match="no portal document #999"):
        decide(session, portal_document_id=999, action="accept", actor=ASHA)
    assert [e.kind for e in _events(session)] == ["refused"]


def test_gstr2b_record_is_decided_on_its_ims_twin(session, make_doc):
    twin = make_doc(doc_number="A-77")
    in_2b = make_doc(doc_number="A-77", source="gstr2b", section="b2b")
    result = decide(session, portal_document_id=in_2b.id, action="accept", actor=ASHA, today=TODAY)
    assert result.portal_document_id == twin.id


def test_gstr2b_record_without_ims_twin_is_refused(session, make_doc):
    only_2b = make_doc(source="gstr2b", section="b2b", doc_number="RCM-1", reverse_charge=True)
    with pytest.raises(ActionRefused, match="not in your IMS data"):
        decide(session, portal_document_id=only_2b.id, action="accept", actor=ASHA, today=TODAY)
    assert _events(session)[0].document_id == only_2b.id


def test_big_rejection_needs_a_second_different_approver(session, make_doc):
    doc = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)  # ₹1,20,000 of tax > ₹1,00,000
    requested = decide(
        session, portal_document_id=doc.id, action="reject", actor=ASHA, reason="not ours", today=TODAY
    )
    session.commit()
    assert (requested.action, requested.pending_approval, requested.requested_by) == ("N", True, "Asha")
    assert "second person" in requested.message
    with pytest.raises(ActionRefused, match="different person"):
        approve_rejection(session, portal_document_id=doc.id, approver=ASHA)
    with pytest.raises(ActionRefused, match="different person"):  # same name from the CLI is the same person
        approve_rejection(session, portal_document_id=doc.id, approver=CLI_ASHA)
    approved = approve_rejection(session, portal_document_id=doc.id, approver=RAVI, today=TODAY)
    session.commit()
    assert (approved.action, approved.pending_approval, approved.decided_by) == ("R", False, "Asha")
    kinds = [e.kind for e in _events(session)]
    assert kinds == ["reject_requested", "refused", "refused", "reject_approved"]


def test_small_rejection_needs_no_approval(session, make_doc):
    doc = make_doc()  # ₹1,800 of tax
    assert decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY).action == "R"


def test_declined_rejection_keeps_previous_action(session, make_doc):
    doc = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)
    decide(session, portal_document_id=doc.id, action="accept", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY)
    session.commit()
    with pytest.raises(ActionRefused, match="already requested"):
        decide(session, portal_document_id=doc.id, action="reject", actor=RAVI, today=TODAY)
    declined = decline_rejection(session, portal_document_id=doc.id, approver=RAVI, reason="goods received")
    session.commit()
    assert (declined.action, declined.pending_approval) == ("A", False)
    with pytest.raises(ActionRefused, match="No rejection"):
        approve_rejection(session, portal_document_id=doc.id, approver=RAVI)


def test_another_decision_supersedes_a_reject_request(session, make_doc):
    doc = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY)
    result = decide(session, portal_document_id=doc.id, action="pending", actor=RAVI, today=TODAY)
    assert (result.action, result.pending_approval) == ("P", False)


def test_filed_period_is_locked_except_pending_records(session, make_doc):
    decided = make_doc()
    kept_pending = make_doc()
    later = make_doc(return_period="112025")
    decide(session, portal_document_id=kept_pending.id, action="pending", actor=ASHA, today=TODAY)
    mark_period_filed(session, recipient_gstin=decided.recipient_gstin, period="102025", actor=ASHA)
    session.commit()
    with pytest.raises(ActionRefused, match=r"GSTR-3B for 102025 \(marked filed by Asha"):
        decide(session, portal_document_id=decided.id, action="reject", actor=RAVI, today=TODAY)
    assert (
        decide(session, portal_document_id=kept_pending.id, action="accept", actor=RAVI, today=TODAY).action
        == "A"
    )
    assert (
        decide(session, portal_document_id=later.id, action="accept", actor=RAVI, today=TODAY).action == "A"
    )
    session.commit()
    with pytest.raises(ActionRefused, match="already marked filed"):
        mark_period_filed(session, recipient_gstin=decided.recipient_gstin, period="102025", actor=RAVI)
    kinds = [e.kind for e in _events(session)]
    assert kinds == ["decision", "period_filed", "refused", "decision", "decision"]


def test_period_cannot_be_filed_while_rejections_wait_for_approval(session, make_doc):
    doc = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000)
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY)
    session.commit()
    with pytest.raises(ActionRefused, match="waiting for approval"):
        mark_period_filed(session, recipient_gstin=doc.recipient_gstin, period="102025", actor=ASHA)


def test_partial_itc_reduction_is_stored_with_declared_amounts(session, make_doc):
    note = make_doc(doc_type="CRN", section="b2bcn", igst_paise=50_000, cgst_paise=0, sgst_paise=0)
    result = decide(
        session,
        portal_document_id=note.id,
        action="accept",
        actor=ASHA,
        reason="half returned",
        itc_reduction=ItcReduction("partial", igst_paise=20_000),
        today=TODAY,
    )
    session.commit()
    assert result.itc_reduction == "partial"
    row = session.execute(select(ImsDecision)).scalars().one()
    assert (row.decl_igst_paise, row.decl_cgst_paise) == (20_000, None)


def test_accepting_a_credit_note_defaults_to_full_reduction(session, make_doc):
    note = make_doc(doc_type="CRN", section="b2bcn")
    assert (
        decide(session, portal_document_id=note.id, action="accept", actor=ASHA, today=TODAY).itc_reduction
        == "full"
    )


def test_audit_times_are_utc_and_shown_in_ist(session, make_doc):
    doc = make_doc()
    decide(session, portal_document_id=doc.id, action="accept", actor=ASHA, today=TODAY)
    session.commit()
    (event,) = _events(session)
    shown = clock.local_time(event.occurred_at)
    assert shown.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert shown == audit.utc(event.occurred_at)


def test_rejecting_an_already_rejected_record_asks_no_approval(session, make_doc):
    doc = make_doc(cgst_paise=6_000_000, sgst_paise=6_000_000, ims_action="R")  # rejected on the portal
    result = decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, today=TODAY)
    assert (result.action, result.pending_approval, result.changed) == ("R", False, True)
    session.commit()
    again = decide(session, portal_document_id=doc.id, action="reject", actor=RAVI, today=TODAY)
    assert (again.changed, again.pending_approval, again.decided_by) == (False, False, "Asha")


def test_reset_of_an_untouched_record_changes_nothing(session, make_doc):
    doc = make_doc()
    result = decide(session, portal_document_id=doc.id, action="reset", actor=ASHA, today=TODAY)
    assert (result.changed, result.version, result.action) == (False, 0, "N")
    assert _events(session) == []
