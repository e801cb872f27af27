"""The maker-checker's words and records: who requested a rejection stays named after it is approved,
a decision that withdraws a waiting rejection says so and records it, and a second ``--by`` spelling
from the same login is the same person."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from support.documents import ASHA, RAVI, TODAY

from ims_core.audit import Actor
from ims_core.decisions.engine import approve_rejection, decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.store import current_decision
from ims_core.models import AuditEvent

BIG = dict(cgst_paise=6_000_000, sgst_paise=6_000_000)  # ₹1,20,000 of tax: above the ₹1,00,000 threshold


def _events(session, kind):
    return list(session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


def test_the_approval_names_who_requested_it(session, make_doc):
    doc = make_doc(**BIG)
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, reason="not ours", today=TODAY)
    session.commit()
    approved = approve_rejection(session, portal_document_id=doc.id, approver=RAVI, today=TODAY)
    session.commit()
    assert "(requested by Asha, approved by Ravi)" in approved.message
    (event,) = _events(session, "reject_approved")
    assert event.reason == "requested by Asha" and event.actor_name == "Ravi"


def test_an_accept_that_withdraws_a_waiting_rejection_says_so_and_records_it(session, make_doc):
    doc = make_doc(**BIG)
    decide(session, portal_document_id=doc.id, action="reject", actor=ASHA, reason="not ours", today=TODAY)
    session.commit()
    accepted = decide(session, portal_document_id=doc.id, action="accept", actor=RAVI, today=TODAY)
    session.commit()
    assert accepted.action == "A" and not accepted.pending_approval
    assert "withdrew the rejection Asha requested" in accepted.message
    (event,) = _events(session, "decision")
    after = json.loads(event.after_json)
    assert after["withdrew_request"] == {"action": "R", "by": "Asha", "by_id": "U0ASHA", "reason": "not ours"}
    assert json.loads(event.before_json)["requested_by"] == "Asha"


def test_a_plain_accept_records_no_withdrawal(session, make_doc):
    doc = make_doc()
    decided = decide(session, portal_document_id=doc.id, action="accept", actor=RAVI, today=TODAY)
    session.commit()
    assert "withdrew" not in decided.message
    assert "withdrew_request" not in json.loads(_events(session, "decision")[0].after_json)


def test_the_same_login_under_another_name_cannot_approve(session, make_doc):
    """CLI actors: the id is the operating-system login, the name is --by (ims_core.commands.actions)."""
    doc = make_doc(**BIG)
    maker = Actor(id="asha", name="asha", source="cli")
    decide(session, portal_document_id=doc.id, action="reject", actor=maker, today=TODAY)
    session.commit()
    with pytest.raises(ActionRefused, match=r"asha asked for this rejection, and asha\.k acts from the same "
                                            r"login \(asha\); a different person must approve it"):
        approve_rejection(session, portal_document_id=doc.id, approver=Actor("asha", "asha.k", "cli"))
    with pytest.raises(ActionRefused, match="different person"):  # another login, but the same name
        approve_rejection(session, portal_document_id=doc.id, approver=Actor("ops", "Asha", "cli"))
    assert current_decision(session, doc.id).pending_approval
    approved = approve_rejection(session, portal_document_id=doc.id, approver=Actor("ravi", "ravi", "cli"))
    session.commit()
    assert approved.action == "R"
    assert [e.actor_id for e in _events(session, "refused")] == ["asha", "ops"]
