"""Channel subscriptions: which channel gets the digest for which recipient GSTIN, on which days, when.

Parsing and validation live here (not in the Slack listener) so ``/ims subscribe`` and any CLI share
one set of rules and one set of error messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.gst.gstin import has_valid_shape, normalise
from ims_core.models import ChannelSubscription
from ims_core.reports.worklist import recipients

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_ALIASES = {"weekdays": "mon-fri", "daily": "mon-sun", "everyday": "mon-sun"}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY = "|".join(DAY_NAMES)
_DAYS = re.compile(rf"^({_DAY})(-({_DAY}))?(,({_DAY})(-({_DAY}))?)*$")  # mon-fri, or mon,wed-fri


@dataclass(frozen=True)
class SubscriptionRequest:
    gstins: list[str]
    time_hhmm: str = "09:30"
    days: str = "mon-fri"


def parse_request(words: Sequence[str]) -> SubscriptionRequest:
    """``["27AAAAA0000A1Z5", "10:00", "mon,wed"]`` → a request; any order, all parts optional.

    Days are names (APScheduler counts weekdays from Monday = 0 in crontab form; names avoid that trap).
    """
    gstins, time_hhmm, days = [], "09:30", "mon-fri"
    for word in words:
        token = word.strip().lower()
        if not token:
            continue
        if _TIME.match(token):
            hours, minutes = token.split(":")
            time_hhmm = f"{int(hours):02d}:{minutes}"
        elif token in DAY_ALIASES:
            days = DAY_ALIASES[token]
        elif _DAYS.match(token):
            days = token
        elif has_valid_shape(normalise(word)):
            gstins.append(normalise(word))
        else:
            raise UserFacingError(
                f"'{word}' is not a GSTIN, a time (HH:MM, 24-hour) or days "
                "(e.g. mon-fri, mon,wed,fri, weekdays, daily)"
            )
    return SubscriptionRequest(gstins=gstins, time_hhmm=time_hhmm, days=days)


def subscribe(
    session: Session, *, channel_id: str, request: SubscriptionRequest, created_by: str = ""
) -> list[ChannelSubscription]:
    """Create or update the channel's subscriptions (default: every known recipient GSTIN)."""
    gstins = request.gstins or recipients(session)
    if not gstins:
        raise UserFacingError(
            "No recipient GSTIN is known yet: import data first, or name the GSTIN "
            "(/ims subscribe 27AAAAA0000A1Z5)"
        )
    rows = []
    for gstin in gstins:
        row = (
            session.execute(
                select(ChannelSubscription).where(
                    ChannelSubscription.channel_id == channel_id, ChannelSubscription.recipient_gstin == gstin
                )
            )
            .scalars()
            .first()
        )
        row = row or ChannelSubscription(channel_id=channel_id, recipient_gstin=gstin, created_by=created_by)
        row.days, row.time_hhmm = request.days, request.time_hhmm
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def unsubscribe(session: Session, *, channel_id: str) -> int:
    result = session.execute(delete(ChannelSubscription).where(ChannelSubscription.channel_id == channel_id))
    return result.rowcount or 0


def channel_schedules(session: Session) -> dict[str, tuple[list[str], str, str]]:
    """channel → (GSTINs, days, time) for the scheduler: one digest per channel covering its GSTINs."""
    schedules: dict[str, tuple[list[str], str, str]] = {}
    rows = session.execute(
        select(ChannelSubscription).order_by(
            ChannelSubscription.channel_id, ChannelSubscription.recipient_gstin
        )
    ).scalars()
    for row in rows:
        gstins, days, time_hhmm = schedules.get(row.channel_id, ([], row.days, row.time_hhmm))
        gstins.append(row.recipient_gstin)
        schedules[row.channel_id] = (gstins, days, time_hhmm)
    return schedules


def channel_gstins(session: Session, channel_id: str) -> list[str]:
    """The recipient GSTINs a channel is subscribed to (empty: not subscribed)."""
    return list(
        session.execute(
            select(ChannelSubscription.recipient_gstin)
            .where(ChannelSubscription.channel_id == channel_id)
            .order_by(ChannelSubscription.recipient_gstin)
        ).scalars()
    )
