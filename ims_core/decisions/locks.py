"""Periods whose GSTR-3B the user has marked filed: after filing, the portal no longer takes actions
on that period's records (except those kept pending, which carry forward), so neither do we.

GSTR-3B is filed in sequence, so a lock on a period also closes every earlier period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.errors import ActionRefused
from ims_core.gst.dates import parse_period, period_key
from ims_core.models import ImsDecision, PeriodLock

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
    claimed: str | None = None,
) -> bool:
    """Lock ``period`` for ``recipient_gstin`` (the caller commits); True when it locked it. Refused
    when it is already locked, or while rejections of its records still wait for a second approver.
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
