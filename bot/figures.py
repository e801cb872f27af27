"""ITC figures and deadlines for digests, App Home and ``/ims itc``: read from ``ims_core.itc``.

The bot only adds up the per-registration figures the core computes and turns them into the small
display records the block builders take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from bot.blocks.digest import DeadlineLine, ItcFigures
from ims_core import itc

DEADLINE_HORIZON_DAYS = 45


def itc_figures(session: Session, gstins: Sequence[str], period: str | None) -> ItcFigures | None:
    """Claimable (GSTR-3B 4C, net), blocked (pending or not reported) and at-risk ITC, summed over the
    registrations; None without a period."""
    if not period or not gstins:
        return None
    claimable = blocked = at_risk = 0
    for gstin in gstins:
        position = itc.itc_position(session, recipient_gstin=gstin, period=period)
        claimable += position.table_4()["4C"].total
        blocked += position.blocked.total
        at_risk += position.at_risk.heads.total
    return ItcFigures(claimable, blocked, at_risk)


def deadline_lines(
    session: Session, gstins: Sequence[str], today: dt.date, horizon_days: int = DEADLINE_HORIZON_DAYS
) -> list[DeadlineLine]:
    """Deadlines due within the horizon (or overdue by less than it), soonest first, without repeats."""
    since, until = today - dt.timedelta(days=horizon_days), today + dt.timedelta(days=horizon_days)
    seen: dict[tuple[dt.date, str], DeadlineLine] = {}
    for gstin in gstins:
        for deadline in itc.deadlines(session, recipient_gstin=gstin, today=today):
            if since <= deadline.due <= until:
                title = deadline.title if len(gstins) == 1 else f"{deadline.title} ({gstin})"
                seen.setdefault((deadline.due, deadline.title), DeadlineLine(deadline.due, title))
    return sorted(seen.values(), key=lambda d: (d.due, d.title))
