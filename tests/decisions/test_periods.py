"""Marking periods filed and reopening them: a period with no data is refused unless the return was
nil; a period filed by mistake is reopened by two different people, each step audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from support.documents import ASHA, RAVI, RECIPIENT, TODAY

from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.locks import filed_periods, mark_period_filed, reopen_period
from ims_core.models import AuditEvent, PurchaseDocument


def _kinds(session):
    return [e.kind for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def test_a_period_with_no_data_is_refused_unless_nil(session, make_doc):
    make_doc()  # October's only
    empty = r"There is no data for 112025 of 29AAFCC9980M1ZR: no IMS, GSTR-2B or purchase-register records"
    with pytest.raises(ActionRefused, match=empty + r" of that month\..*--allow-empty"):
        mark_period_filed(session, recipient_gstin=RECIPIENT, period="112025", actor=ASHA)
    session.rollback()
    assert filed_periods(session, RECIPIENT) == [] and _kinds(session) == []
    nil = dict(recipient_gstin=RECIPIENT, period="112025", actor=ASHA, allow_empty=True)
    assert mark_period_filed(session, **nil)
    session.commit()
    assert filed_periods(session, RECIPIENT) == ["112025"]


def test_the_books_alone_are_data(session, make_doc):
    session.add(PurchaseDocument(recipient_gstin=RECIPIENT, supplier_gstin="27AHQPA7588L1ZJ", doc_type="INV",
                                 doc_number="B-1", doc_date=dt.date(2025, 9, 30), fy=2025))
    session.commit()
    assert mark_period_filed(session, recipient_gstin=RECIPIENT, period="092025", actor=ASHA)


def test_reopening_takes_two_people_and_is_audited(session, make_doc):
    doc = make_doc()
    mark_period_filed(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA)
    session.commit()
    with pytest.raises(ActionRefused, match="needs a reason"):
        reopen_period(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA, reason="")
    asked = reopen_period(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA,
                          reason="marked filed by mistake; 3B not filed yet")
    session.commit()
    assert asked is False and filed_periods(session, RECIPIENT) == ["102025"]  # still locked
    with pytest.raises(ActionRefused, match="marked filed by Asha"):
        decide(session, portal_document_id=doc.id, action="accept", actor=RAVI, today=TODAY)
    session.rollback()
    same = Actor(id="U0ASHA", name="asha k", source="slack")
    with pytest.raises(ActionRefused, match="is the same person by name or login; a different person"):
        reopen_period(session, recipient_gstin=RECIPIENT, period="102025", actor=same, reason="again")
    session.rollback()
    assert reopen_period(session, recipient_gstin=RECIPIENT, period="102025", actor=RAVI, reason="agreed")
    session.commit()
    assert filed_periods(session, RECIPIENT) == []
    assert decide(session, portal_document_id=doc.id, action="accept", actor=RAVI, today=TODAY).action == "A"
    session.commit()
    events = session.execute(select(AuditEvent).where(AuditEvent.kind.like("period_%"))
                             .order_by(AuditEvent.id)).scalars().all()
    assert [(e.kind, e.actor_name, e.reason) for e in events] == [
        ("period_filed", "Asha", ""),
        ("period_reopen_requested", "Asha", "marked filed by mistake; 3B not filed yet"),
        ("period_reopened", "Ravi", "agreed")]
    before = json.loads(events[2].before_json)
    assert (before["filed_by"], before["reopen_requested_by"]) == ("Asha", "Asha")


def test_only_the_newest_lock_reopens(session, make_doc):
    make_doc()
    make_doc(return_period="112025")
    for period in ("102025", "112025"):
        mark_period_filed(session, recipient_gstin=RECIPIENT, period=period, actor=ASHA)
    session.commit()
    with pytest.raises(ActionRefused, match="112025 of 29AAFCC9980M1ZR is marked filed after 102025.*reopen "
                                            "112025 first"):
        reopen_period(session, recipient_gstin=RECIPIENT, period="102025", actor=ASHA, reason="x")
    with pytest.raises(ActionRefused, match="not marked filed"):
        reopen_period(session, recipient_gstin=RECIPIENT, period="092025", actor=ASHA, reason="x")
