"""The radar as a team reads it in Slack: what costs money soonest, one line per date, money first.

The figures are :func:`ims_core.itc.deadlines.deadlines`' (through its snapshot: the same records and
net tax as ``ims deadlines``); this module only chooses the radar's kinds, orders them and words each in one
sentence that leads with the rupees. The other kinds of deadline (Rules 37 and 37A, ITC not available)
stay in the digest's "Coming up" list. Nothing here decides a GST rule: the dates and groups are the
deadlines'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from ims_core.gst.dates import fy_label, period_label
from ims_core.gst.money import format_inr
from ims_core.itc import snapshots
from ims_core.itc.deadlines import Deadline
from ims_core.itc.radar import DEEMED, LAPSE, PENDING_16_4, RECOMPUTE

GSTR3B = "gstr3b"
RADAR_KINDS = (DEEMED, LAPSE, RECOMPUTE, GSTR3B, PENDING_16_4)
HORIZON_DAYS = 45  # as the digest's "Coming up": due within this many days, or passed within them


@dataclass(frozen=True)
class RadarLine:
    """One radar line: its figures (net tax in paise: credit notes count negative) and its words."""

    kind: str
    due: dt.date
    records: int
    tax_paise: int
    registration: str
    text: str


def registration_deadlines(session: Session, gstins: Sequence[str],
                           today: dt.date) -> dict[str, list[Deadline]]:
    """Every registration's deadlines as of ``today``, read once for all the surfaces that show them."""
    return {gstin: snapshots.deadlines_as_of(session, recipient_gstin=gstin, today=today) for gstin in gstins}


def radar_lines(found: Mapping[str, Sequence[Deadline]], today: dt.date,
                horizon_days: int = HORIZON_DAYS) -> list[RadarLine]:
    """The radar of the registrations in ``found``: soonest first, the larger sum first on a day."""
    since, until = today - dt.timedelta(days=horizon_days), today + dt.timedelta(days=horizon_days)
    several = len(found) > 1
    lines = [
        RadarLine(d.kind, d.due, d.records, d.amount_paise, gstin,
                  _words(d, today) + (f" ({gstin})" if several else ""))
        for gstin, deadlines in found.items()
        for d in deadlines
        if d.kind in RADAR_KINDS and since <= d.due <= until and (d.records or d.kind == GSTR3B)
    ]
    return sorted(lines, key=lambda line: (line.due, -abs(line.tax_paise), line.kind, line.registration))


def deemed_on(lines: Sequence[RadarLine], day: dt.date) -> list[RadarLine]:
    """The lines of records that the GSTR-2B generated on ``day`` will deem accepted."""
    return [line for line in lines if line.kind == DEEMED and line.due == day]


def _records(count: int) -> str:
    return f"{count} record{'s' * (count != 1)}"


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _words(deadline: Deadline, today: dt.date) -> str:
    """One sentence, the rupees first. Dates passed say what has happened, never "overdue" alone."""
    tax, records, due = format_inr(deadline.amount_paise), _records(deadline.records), deadline.due
    label = period_label(deadline.period)
    if deadline.kind == DEEMED:
        return (f"{tax} of tax in {records} will be deemed accepted at GSTR-2B generation on {_day(due)} "
                f"unless someone acts (GSTR-2B for {label})")
    if deadline.kind == LAPSE:
        if due >= today:
            return (f"{tax} of tax in {records} kept pending may stay pending only until {_day(due)}; "
                    "then they are deemed accepted in the next GSTR-2B")
        return (f"{tax} of tax in {records} kept pending passed their limit on {_day(due)}: they are deemed "
                "accepted in the next GSTR-2B")
    if deadline.kind == RECOMPUTE:
        were = "was" if deadline.records == 1 else "were"
        return (f"GSTR-2B for {label} must be recomputed before GSTR-3B: {records} ({tax} of tax) {were} "
                f"decided after it was generated; GSTR-3B is due {_day(due)}")
    if deadline.kind == GSTR3B:
        when = f"is due on {_day(due)}" if due >= today else f"was due on {_day(due)} and is not marked filed"
        return f"GSTR-3B for {label} {when}: {tax} net tax in accepted and no-action records"
    fy = fy_label(deadline.fy) if deadline.fy is not None else ""
    if due >= today:
        return (f"{tax} of tax in {records} of FY {fy} reaches a GSTR-2B you can claim only if accepted, or "
                f"filed by the supplier, by {_day(due)} (Section 16(4))")
    return f"{tax} of tax in {records} of FY {fy} is lost: the last day was {_day(due)} (Section 16(4))"
