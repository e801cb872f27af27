"""Periods whose GSTR-3B the user has marked filed: after filing, the portal no longer takes actions
on that period's records (except those kept pending, which carry forward), so neither do we.

GSTR-3B is filed in sequence, so a lock on a period also closes every earlier period. A period with no
data at all is not locked unless the caller says the return was nil (a mistyped period is the likelier
cause). A period marked filed by mistake is reopened by two people: one asks, with a reason, and a
different one (by name and by login) reopens it; the newest lock only, since earlier ones stay closed by
it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.errors import ActionRefused
from ims_core.gst.dates import parse_period, period_bounds, period_key
from ims_core.models import ImsDecision, PeriodLock, PortalDocument, PurchaseDocument

if TYPE_CHECKING:
    from ims_core.itc.landing import Landing


def _latest_lock(session: Session, recipient_gstin: str, period: str) -> PeriodLock | None:
    if len(period) != 6:
        return None
    return (
        session.execute(
            select(PeriodLock)
            .where(PeriodLock.recipient_gstin == recipient_gstin, PeriodLock.period_key >= period_key(period))
            .order_by(PeriodLock.period_key)
        )
        .scalars()
        .first()
    )


def is_filed(session: Session, recipient_gstin: str, period: str) -> bool:
    return _latest_lock(session, recipient_gstin, period) is not None


def record_landing(session: Session, doc: object) -> Landing | None:
    """Where a record stands in the GSTR-2B calendar (``ims_core.itc.landing``)."""
    from ims_core.itc.landing import landing_of  # the ITC calendar builds on the decisions' tables

    return landing_of(session, doc.id)


def gstr2b_period(session: Session, doc: object, landing: Landing | None = None) -> str | None:
    """The GSTR-2B period a record is (or will be) in: the month its supplier filed it, or the month it
    was accepted after being kept pending (see ``ims_core.itc.landing``); None while it is in none.
    ``landing``: the record's, when the caller has it already."""
    landing = landing or record_landing(session, doc)
    return doc.return_period if landing is None else landing.period


def record_is_filed(session: Session, doc: object) -> bool:
    """Whether the GSTR-3B of the period a record landed in is filed."""
    period = gstr2b_period(session, doc)
    return period is not None and is_filed(session, doc.recipient_gstin, period)


def filed_lock_for(session: Session, doc: object, landing: Landing | None = None) -> str:
    """Words naming the filed period that closes the GSTR-2B period ``doc`` landed in, or "" while it is
    open: a decision stays changeable until that period's GSTR-3B is filed (GSTN FAQ on IMS, Q5). A
    record kept pending is in no GSTR-2B, so no filed return closes it."""
    period = gstr2b_period(session, doc, landing)
    lock = _latest_lock(session, doc.recipient_gstin, period) if period else None
    if lock is None:
        return ""
    when = clock.local_time(lock.filed_at)
    return f"{lock.period} (marked filed by {lock.filed_by_name or lock.filed_by_id} on {when:%d-%m-%Y})"


def filed_periods(session: Session, recipient_gstin: str) -> list[str]:
    return list(
        session.execute(
            select(PeriodLock.period)
            .where(PeriodLock.recipient_gstin == recipient_gstin)
            .order_by(PeriodLock.period_key)
        ).scalars()
    )


def mark_period_filed(
    session: Session, *, recipient_gstin: str, period: str, actor: Actor, request_id: str = "",
    claimed: str | None = None, allow_empty: bool = False,
) -> bool:
    """Lock ``period`` for ``recipient_gstin`` (the caller commits); True when it locked it. Refused
    when it is already locked, while rejections of its records still wait for a second approver, or
    when the database holds no record of the period at all (unless ``allow_empty``: a nil return).
    ``claimed``: the Table 4 figures as filed (``ims_core.itc.claims.to_json``), which may also be
    recorded on a period already locked (then nothing else changes, and False is returned)."""
    period = parse_period(period)
    existing = (
        session.execute(
            select(PeriodLock).where(
                PeriodLock.recipient_gstin == recipient_gstin, PeriodLock.period == period
            )
        )
        .scalars()
        .first()
    )
    if existing is not None and claimed is not None:
        before = existing.claimed_json
        existing.claimed_json = claimed
        session.add(existing)
        audit.record(session, kind="period_claimed", actor=actor, document_id=None,
                     before={"claimed": before}, after={"claimed": claimed},
                     recipient_gstin=recipient_gstin, period=period, request_id=request_id)
        return False
    if existing is not None:
        when = clock.local_time(existing.filed_at)
        raise ActionRefused(
            f"GSTR-3B for {period} of {recipient_gstin} is already marked filed "
            f"(by {existing.filed_by_name} on {when:%d-%m-%Y})."
        )
    _refuse_unready(session, recipient_gstin, period, allow_empty)
    lock = PeriodLock(
        recipient_gstin=recipient_gstin,
        period=period,
        period_key=period_key(period),
        filed_at=clock.now(),
        filed_by_id=actor.id,
        filed_by_name=actor.name,
        claimed_json=claimed,
    )
    session.add(lock)
    session.flush()
    audit.record(
        session,
        kind="period_filed",
        actor=actor,
        document_id=None,
        before=None,
        after={"period": period, "filed": True, **({"claimed": claimed} if claimed else {})},
        recipient_gstin=recipient_gstin,
        period=period,
        request_id=request_id,
    )
    return True


def _refuse_unready(session: Session, recipient_gstin: str, period: str, allow_empty: bool) -> None:
    """Refuse to lock a period while rejections of it wait for approval, or one with no data at all."""
    waiting = session.execute(
        select(func.count())
        .select_from(ImsDecision)
        .where(
            ImsDecision.recipient_gstin == recipient_gstin,
            ImsDecision.requested_action != "",
            ImsDecision.return_period == period,
        )
    ).scalar_one()
    if waiting:
        raise ActionRefused(
            f"{waiting} rejection(s) in {period} are still waiting for approval; approve or "
            "decline them before marking the period filed."
        )
    if not allow_empty and not has_data(session, recipient_gstin, period):
        raise ActionRefused(
            f"There is no data for {period} of {recipient_gstin}: no IMS, GSTR-2B or purchase-register "
            "records of that month. Check the period, import its files first, or, if the return was nil, "
            "mark it filed with --allow-empty."
        )


def has_data(session: Session, recipient_gstin: str, period: str) -> bool:
    """Whether any portal record of ``period`` or any purchase dated in it is stored for the recipient."""
    first, last = period_bounds(period)
    portal = select(PortalDocument.id).where(PortalDocument.recipient_gstin == recipient_gstin,
                                             PortalDocument.period_key == period_key(period)).limit(1)
    books = select(PurchaseDocument.id).where(PurchaseDocument.recipient_gstin == recipient_gstin,
                                              PurchaseDocument.doc_date >= first,
                                              PurchaseDocument.doc_date <= last).limit(1)
    return any(session.execute(query).first() is not None for query in (portal, books))


def reopen_period(
    session: Session, *, recipient_gstin: str, period: str, actor: Actor, reason: str, request_id: str = ""
) -> bool:
    """Reopen a period marked filed by mistake, in two steps (the caller commits): the first call asks
    and returns False; a different person's call reopens it and returns True. Each step is audited;
    a refusal changes nothing."""
    period = parse_period(period)
    if not reason.strip():
        raise ActionRefused("Reopening a filed period needs a reason (--reason).")
    lock = session.execute(select(PeriodLock).where(PeriodLock.recipient_gstin == recipient_gstin,
                                                    PeriodLock.period == period)).scalars().first()
    if lock is None:
        raise ActionRefused(
            f"GSTR-3B for {period} of {recipient_gstin} is not marked filed; nothing to reopen.")
    newest = session.execute(select(PeriodLock.period).where(
        PeriodLock.recipient_gstin == recipient_gstin, PeriodLock.period_key > lock.period_key)
        .order_by(PeriodLock.period_key.desc())).scalars().first()
    if newest is not None:
        raise ActionRefused(f"GSTR-3B for {newest} of {recipient_gstin} is marked filed after {period}, and "
                            f"it closes {period} too: reopen {newest} first.")
    before = _lock_snapshot(lock)
    if not lock.reopen_requested_by_name:
        lock.reopen_requested_by_id, lock.reopen_requested_by_name = actor.id, actor.name
        lock.reopen_requested_at, lock.reopen_reason = clock.now(), reason.strip()
        session.add(lock)
        audit.record(session, kind="period_reopen_requested", actor=actor, document_id=None, before=before,
                     after=_lock_snapshot(lock), reason=reason.strip(), recipient_gstin=recipient_gstin,
                     period=period, request_id=request_id)
        return False
    if actor.is_same_person(lock.reopen_requested_by_id, lock.reopen_requested_by_name):
        raise ActionRefused(
            f"{lock.reopen_requested_by_name} asked to reopen {period}, and {actor.name} (login {actor.id}) "
            "is the same person by name or login; a different person must reopen it.")
    session.delete(lock)
    audit.record(session, kind="period_reopened", actor=actor, document_id=None, before=before,
                 after={"period": period, "filed": False}, reason=reason.strip(),
                 recipient_gstin=recipient_gstin, period=period, request_id=request_id)
    return True


def _lock_snapshot(lock: PeriodLock) -> dict:
    """A lock as the audit trail keeps it (what filing said, and any request to reopen it)."""
    when = lock.reopen_requested_at
    return {"period": lock.period, "filed": True, "filed_by": lock.filed_by_name,
            "filed_by_id": lock.filed_by_id, "filed_at": clock.local_time(lock.filed_at).isoformat(),
            "claimed": lock.claimed_json,
            "reopen_requested_by": lock.reopen_requested_by_name, "reopen_reason": lock.reopen_reason,
            "reopen_requested_at": clock.local_time(when).isoformat() if when else None}
