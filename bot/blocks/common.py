"""Small formatting helpers every builder shares: mrkdwn escaping, local times, rupees, truncation.

Times are shown in the zone the caller passes (the bot's configured ``IMS_TIMEZONE``): no builder has a
default zone, so a team outside India never sees Indian times by accident.
"""

from __future__ import annotations

import datetime as dt

from ims_core.gst.money import format_inr

SECTION_TEXT_LIMIT = 3000


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rupees(paise: int) -> str:
    return format_inr(paise)


def local_time(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """``moment`` in ``tz``, e.g. ``29 Nov 10:32 IST``; naive datetimes are UTC (SQLite drops the offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return time_label(moment.astimezone(tz))


def time_label(local: dt.datetime) -> str:
    """A time already in its zone as ``29 Nov 10:32 IST`` (the zone's abbreviation, or its offset)."""
    return f"{local.day} {local:%b %H:%M} {local.tzname()}"


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def user_ref(user: str) -> str:
    """A Slack user ID as a mention; anything else (a CLI user, "system") as plain text."""
    return f"<@{user}>" if user[:1] in ("U", "W") and user.isalnum() else esc(user)
