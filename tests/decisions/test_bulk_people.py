"""Bulk decides only what nobody decided: people's decisions and waiting rejections are skipped and
named; overwriting them needs ``include_decided`` and a reason, and each one replaced is named."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from support.documents import ASHA, RAVI, RECIPIENT, TODAY, reconciled

from ims_core.audit import Actor
from ims_core.decisions.bulk import apply_bulk, preview_bulk
from ims_core.decisions.engine import approve_rejection, decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.store import current_decision
from ims_core.models import AuditEvent

BULKBOT = Actor(id="root", name="bulkbot", source="cli")
BIG = dict(cgst_paise=6_000_000, sgst_paise=6_000_000)


@pytest.fixture
def month(session, make_doc):
    """Six records bulk would accept: one accepted by a person, one rejection approved by a second
    person, one rejection waiting for approval, one the portal holds pending, one set back to No
    action by a person, one nobody touched."""
    docs = {name: make_doc(doc_number=name, **(BIG if name in ("SIGNED", "WAITING") else {}))
            for name in ("PERSON", "SIGNED", "WAITING", "PORTAL", "RESET", "FRESH")}
    docs["PORTAL"].ims_action = "P"
    session.add(docs["PORTAL"])
    decide(session, portal_document_id=docs["PERSON"].id, action="pending", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=docs["SIGNED"].id, action="reject", actor=ASHA, today=TODAY)
    session.commit()
    approve_rejection(session, portal_document_id=docs["SIGNED"].id, approver=RAVI, today=TODAY)
    decide(session, portal_document_id=docs["WAITING"].id, action="reject", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=docs["RESET"].id, action="accept", actor=ASHA, today=TODAY)
    decide(session, portal_document_id=docs["RESET"].id, action="reset", actor=ASHA, today=TODAY)
    session.commit()
    reconciled(session, docs.values())
    return docs


def _numbers(pairs):
    return [label.split(" ")[1] for label, _ in pairs]


def test_bulk_skips_what_people_decided_and_says_why(session, month):
    preview = preview_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="recommended",
                           today=TODAY)
    assert sorted(_numbers([(i.label, "") for i in preview.items])) == ["FRESH", "PORTAL", "RESET"]
    why = dict(zip(_numbers(preview.skipped), (w for _, w in preview.skipped), strict=True))
    assert set(why) == {"PERSON", "SIGNED", "WAITING"}
    assert why["PERSON"].startswith("pending by Asha on ")
    assert why["SIGNED"].startswith("rejected by Asha on ")  # the approved rejection is the requester's
    assert why["WAITING"] == "rejection requested by Asha, waiting for a second approver; answer it first"
    assert all("bulk decides only records nobody has decided" in why[n] for n in ("PERSON", "SIGNED"))

    result = apply_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="recommended",
                        actor=BULKBOT, today=TODAY)
    session.commit()
    assert result.count == 3 and not result.overwritten
    states = {n: current_decision(session, d.id) for n, d in month.items()}
    assert (states["PERSON"].action, states["PERSON"].decided_by) == ("P", "Asha")
    assert (states["SIGNED"].action, states["SIGNED"].decided_by) == ("R", "Asha")
    assert states["WAITING"].pending_approval and states["WAITING"].requested_by == "Asha"
    assert {states[n].decided_by for n in ("FRESH", "PORTAL", "RESET")} == {"bulkbot"}


def test_overwriting_needs_a_reason_and_names_each_decision(session, month):
    with pytest.raises(ActionRefused, match="needs a reason"):
        preview_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="recommended",
                     include_decided=True, reason=" ")
    result = apply_bulk(session, recipient_gstin=RECIPIENT, period="102025", which="recommended",
                        actor=BULKBOT, today=TODAY, include_decided=True, reason="supplier confirmed all")
    session.commit()
    overwritten = dict(zip(_numbers(result.overwritten), (w for _, w in result.overwritten), strict=True))
    assert set(overwritten) == {"PERSON", "SIGNED"} and overwritten["PERSON"].startswith("pending by Asha")
    assert _numbers(result.skipped) == ["WAITING"]  # a waiting rejection is answered, never bulk-replaced
    assert current_decision(session, month["PERSON"].id).action == "A"
    events = session.execute(select(AuditEvent).where(AuditEvent.document_id == month["SIGNED"].id)
                             .order_by(AuditEvent.id.desc())).scalars().first()
    assert events.reason.endswith("overwriting decisions: supplier confirmed all")
    assert json.loads(events.before_json)["action"] == "R"
