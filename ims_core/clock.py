"""The program's one clock: every "now" and every "today" in ``ims_core`` and ``bot`` comes from here.

Two readings, because they answer different questions:

- :func:`now` is the instant something happens (audit events, import and decision stamps), in UTC;
- :func:`today` is the business date the GST rules are judged on (deadlines, the Section 16(4) limit,
  the pending limits, the digest's day), in the configured time zone (``IMS_TIMEZONE``), never the
  machine's.

Both follow the system clock unless set. :func:`frozen` fixes both (the demo tells its story on one
day; a test pins its dates), :func:`as_of` fixes only the business date (a command's ``--today``
asks "as of that day" without back-dating what it records). The setting is process-wide, so the
bot's listener threads see what a test set. No other module reads the system clock for a date or a
time stamp; ``tests/test_clock.py`` walks the source to keep it so (elapsed-time measurements with
``time.perf_counter``/``time.monotonic`` are not dates and stay where they are).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from ims_core.settings import get_settings

NOON = dt.time(12, 0)  # a frozen date stands for midday local time: far from either midnight

_lock = threading.Lock()
_fixed_now: dt.datetime | None = None
_fixed_today: dt.date | None = None


def zone() -> ZoneInfo:
    """The configured time zone (``IMS_TIMEZONE``, Asia/Kolkata by default)."""
    return ZoneInfo(get_settings().ims_timezone)


def now() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    fixed = _fixed_now
    return fixed if fixed is not None else dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """The current instant in the configured time zone."""
    return now().astimezone(zone())


def today() -> dt.date:
    """The business date: the date set by :func:`as_of`/:func:`frozen`, else today's local date."""
    fixed = _fixed_today
    return fixed if fixed is not None else local_now().date()


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored time in the configured time zone, for display (naive times were stored as UTC)."""
    aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    return aware.astimezone(zone())


def _instant(moment: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone())
        return aware.astimezone(dt.UTC)
    return dt.datetime.combine(moment, NOON, tzinfo=zone()).astimezone(dt.UTC)


def set_now(moment: dt.datetime | dt.date) -> None:
    """Fix the clock at ``moment`` (a date means midday local time); the business date follows it."""
    global _fixed_now, _fixed_today
    instant = _instant(moment)
    with _lock:
        _fixed_now, _fixed_today = instant, instant.astimezone(zone()).date()


def set_today(day: dt.date) -> None:
    """Fix the business date only; time stamps keep following the system clock."""
    global _fixed_today
    with _lock:
        _fixed_today = day


def reset() -> None:
    """Follow the system clock again."""
    global _fixed_now, _fixed_today
    with _lock:
        _fixed_now = _fixed_today = None


@contextmanager
def preserved() -> Iterator[None]:
    """Whatever the block sets, the clock is as it was after it (a command's ``--today``)."""
    global _fixed_now, _fixed_today
    saved = (_fixed_now, _fixed_today)
    try:
        yield
    finally:
        with _lock:
            _fixed_now, _fixed_today = saved


@contextmanager
def frozen(moment: dt.datetime | dt.date) -> Iterator[None]:
    """Within the block, :func:`now` is ``moment`` and :func:`today` its local date."""
    with preserved():
        set_now(moment)
        yield


@contextmanager
def as_of(day: dt.date) -> Iterator[None]:
    """Within the block, :func:`today` is ``day``; :func:`now` keeps running."""
    with preserved():
        set_today(day)
        yield
