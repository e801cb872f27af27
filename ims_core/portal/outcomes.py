"""What the connector has done, read back for people: each GSTIN's session, last pull and last push,
the records the portal refused, and one record's upload outcome (``ims action show``).

Reads only tables; no secrets are opened, so it works without ``IMS_SECRET_KEY``. Light to import:
the commands that show a record load it without the ciphers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import utc
from ims_core.models import ImsDecision, PortalDocument, PortalPull, PortalPush, PortalSession


@dataclass(frozen=True)
class PortalState:
    """One GSTIN's connection to the portal. ``session`` is ``active``, ``expired``, ``otp_requested``,
    ``logged_out`` or ``none``; an active session past its expiry reads ``expired``."""

    gstin: str
    session: str
    username: str = ""
    expires_at: dt.datetime | None = None
    logged_in_at: dt.datetime | None = None
    note: str = ""
    last_ims_pull: PortalPull | None = None
    last_gstr2b_pull: PortalPull | None = None
    last_push: PortalPush | None = None
    in_flight: tuple[str, ...] = ()
    refused_records: int = 0


def portal_states(session: Session, gstin: str | None = None) -> list[PortalState]:
    """The state of ``gstin``, or of every GSTIN the connector has touched."""
    if gstin:
        gstins = [gstin]
    else:
        found: set[str] = set()
        for column in (PortalSession.recipient_gstin, PortalPull.recipient_gstin, PortalPush.recipient_gstin):
            found.update(session.execute(select(column).distinct()).scalars())
        gstins = sorted(found)
    return [_state(session, g) for g in gstins]


def _state(session: Session, gstin: str) -> PortalState:
    row = session.get(PortalSession, gstin)
    state = row.state if row else "none"
    if state == "active" and row.expires_at is not None and utc(row.expires_at) <= clock.now():
        state = "expired"
    pushes = select(PortalPush).where(PortalPush.recipient_gstin == gstin)
    return PortalState(
        gstin=gstin, session=state, username=row.username if row else "",
        expires_at=row.expires_at if row else None, logged_in_at=row.logged_in_at if row else None,
        note=row.note if row else "",
        last_ims_pull=_last_pull(session, gstin, "ims"),
        last_gstr2b_pull=_last_pull(session, gstin, "gstr2b"),
        last_push=session.execute(pushes.order_by(PortalPush.id.desc()).limit(1)).scalars().first(),
        in_flight=tuple(r.reference_id or "(being sent)" for r in session.execute(
            pushes.where(PortalPush.in_flight.is_not(None))).scalars()),
        refused_records=len(refused_records(session, gstin)),
    )


def _last_pull(session: Session, gstin: str, kind: str) -> PortalPull | None:
    query = select(PortalPull).where(PortalPull.recipient_gstin == gstin, PortalPull.kind == kind)
    return session.execute(query.order_by(PortalPull.id.desc()).limit(1)).scalars().first()


def refused_records(session: Session, gstin: str) -> list[tuple[PortalDocument, ImsDecision]]:
    """The records whose last upload the portal refused, with their decisions (code and message)."""
    return [tuple(pair) for pair in session.execute(
        select(PortalDocument, ImsDecision)
        .join(ImsDecision, ImsDecision.portal_document_id == PortalDocument.id)
        .where(ImsDecision.recipient_gstin == gstin, ImsDecision.upload_error_code != "")
        .order_by(PortalDocument.section, PortalDocument.id)).all()]


def upload_note(session: Session, portal_document_id: int) -> str:
    """One line on a record's last upload through the connector; "" when it was never pushed."""
    decision = session.execute(select(ImsDecision).where(
        ImsDecision.portal_document_id == portal_document_id)).scalars().first()
    if decision is None or not decision.upload_reference_id:
        return ""
    if decision.upload_error_code:
        return (f"refused by the portal: {decision.upload_error_code} {decision.upload_error_message} "
                f"(upload {decision.upload_reference_id}); not uploaded")
    when = f" {clock.local_time(decision.uploaded_at):%d-%m-%Y %H:%M}" if decision.uploaded_at else ""
    changed = decision.decided_at is not None and decision.uploaded_at is not None \
        and utc(decision.decided_at) > utc(decision.uploaded_at)
    return (f"uploaded to the portal{when} (upload {decision.upload_reference_id})"
            + ("; changed since, not uploaded yet" if changed else ""))
