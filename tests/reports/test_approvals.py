"""Open rejection requests: oldest first, by age, by registration, and split between whom they wait for."""

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from ims_core.db import session_scope
from ims_core.ingest.ims import parse_ims_json
from ims_core.ingest.loader import load
from ims_core.models import ImsDecision, PortalDocument
from ims_core.reports.approvals import split_for, waiting_approvals

DEMO = Path(__file__).resolve().parents[2] / "ims_core" / "data" / "demo"
RECIPIENT = "27AADCD4821K1ZM"
NOON = dt.datetime(2025, 11, 12, 6, 30, tzinfo=dt.UTC)


def _requests(engine) -> list[int]:
    """Three IMS records: two rejections asked for (by Asha 30 hours ago, by Ravi 2 hours ago), one
    plain decision."""
    load(engine, parse_ims_json(DEMO / "ims_records_102025.json", recipient_gstin=RECIPIENT))
    with session_scope(engine) as session:
        ids = list(session.execute(select(PortalDocument.id).order_by(PortalDocument.id).limit(3)).scalars())
        common = dict(recipient_gstin=RECIPIENT, return_period="102025", version=1)
        session.add_all([
            ImsDecision(portal_document_id=ids[0], requested_action="R", requested_by_id="U0RAVI",
                        requested_by_name="ravi", requested_at=NOON - dt.timedelta(hours=2),
                        request_reason="duplicate", **common),
            ImsDecision(portal_document_id=ids[1], requested_action="R", requested_by_id="U0ASHA",
                        requested_by_name="asha", requested_at=NOON - dt.timedelta(hours=30),
                        request_reason="not ours", **common),
            ImsDecision(portal_document_id=ids[2], action="A", decided_by_id="U0ASHA", **common),
        ])
    return ids


def test_waiting_requests_oldest_first_and_by_age(engine):
    ids = _requests(engine)
    with session_scope(engine) as session:
        every = waiting_approvals(session)
        old = waiting_approvals(session, asked_before=NOON - dt.timedelta(hours=24))
        elsewhere = waiting_approvals(session, recipients=["29AAFCC9980M1ZR"])
    assert [w.portal_document_id for w in every] == [ids[1], ids[0]]
    assert [(w.portal_document_id, w.reason) for w in old] == [(ids[1], "not ours")]
    assert elsewhere == []


def test_a_request_waits_for_everyone_but_the_person_who_asked(engine):
    ids = _requests(engine)
    with session_scope(engine) as session:
        waiting = waiting_approvals(session)
    mine, theirs = split_for("U0ASHA", waiting)
    assert [w.portal_document_id for w in mine] == [ids[0]]
    assert [w.portal_document_id for w in theirs] == [ids[1]]
    mine, theirs = split_for("U0MEERA", waiting)
    assert len(mine) == 2 and theirs == []
