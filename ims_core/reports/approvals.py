"""Rejections waiting for a second approver: who asked, when and why, for the approvers' lists and the
escalation of requests nobody answered.

A read of ``ims_decision`` only; the request and its answer are ``ims_core.decisions.engine``'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ims_core.models import ImsDecision
from ims_core.models.vocabulary import Action


@dataclass(frozen=True)
class WaitingApproval:
    """One rejection request still open."""

    portal_document_id: int
    recipient_gstin: str
    requested_by_id: str
    requested_by_name: str
    requested_at: dt.datetime | None
    reason: str
    version: int


def waiting_approvals(
    session: Session, *, asked_before: dt.datetime | None = None, recipients: list[str] | None = None
) -> list[WaitingApproval]:
    """Open rejection requests, oldest first; ``asked_before`` keeps those asked for before that instant."""
    query = select(ImsDecision).where(ImsDecision.requested_action == Action.REJECT)
    if asked_before is not None:
        query = query.where(ImsDecision.requested_at <= asked_before)
    if recipients:
        query = query.where(ImsDecision.recipient_gstin.in_(recipients))
    rows = session.execute(query.order_by(ImsDecision.requested_at, ImsDecision.id)).scalars()
    return [
        WaitingApproval(
            portal_document_id=row.portal_document_id,
            recipient_gstin=row.recipient_gstin,
            requested_by_id=row.requested_by_id,
            requested_by_name=row.requested_by_name,
            requested_at=row.requested_at,
            reason=row.request_reason,
            version=row.version,
        )
        for row in rows
    ]


def split_for(
    user_id: str, waiting: list[WaitingApproval]
) -> tuple[list[WaitingApproval], list[WaitingApproval]]:
    """(waiting for this user's approval, this user's own requests waiting for someone else).

    Whoever asked cannot approve their own request (the engine refuses it), so a request is on one list
    or the other, never both."""
    mine = [w for w in waiting if w.requested_by_id != user_id]
    theirs = [w for w in waiting if w.requested_by_id == user_id]
    return mine, theirs
