"""What a digest tells a finance team, read from the database: the reconciliation's counts, the ITC
figures, the deadlines coming up, and the records that need a decision, largest first. Its totals are
net (credit notes count negative, ``ims_core.models.base``); each record shows its own tax.

The bot draws it as Block Kit (``bot.blocks.digest``) and posts it; ``ims digest --dry-run`` and the
demo print :func:`render_text`. The figures are the ones ``ims itc`` and ``ims deadlines`` show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from ims_core.gst.dates import period_label
from ims_core.gst.money import format_inr
from ims_core.itc import snapshots
from ims_core.itc.deadlines import Deadline
from ims_core.itc.figures import ItcPosition
from ims_core.itc.radar import RECOMPUTE
from ims_core.models.vocabulary import status_label
from ims_core.reports.radar import RADAR_KINDS, RadarLine, radar_lines, registration_deadlines
from ims_core.reports.worklist import (
    KeptApart,
    StatusCount,
    WorkItem,
    kept_apart,
    latest_period,
    needing_decision,
    open_periods,
    open_records,
    recipients,
    status_counts,
)

MAX_RECORDS = 40
DEADLINE_HORIZON_DAYS = 45


@dataclass(frozen=True)
class ItcFigures:
    """Claimable (GSTR-3B 4C, net), blocked (pending or not reported) and at-risk ITC, in paise."""

    claimable_paise: int
    blocked_paise: int
    at_risk_paise: int
    recompute: int = 0  # decisions taken after this period's GSTR-2B was generated


@dataclass(frozen=True)
class DeadlineLine:
    due: dt.date
    title: str


@dataclass
class DigestData:
    """Everything a digest shows, already read from the database."""

    day: dt.date
    recipients: list[str]
    period: str | None
    counts: list[StatusCount]
    itc: ItcFigures | None
    deadlines: list[DeadlineLine]
    records: list[WorkItem]
    open_total: int
    open_tax_paise: int  # net, as the counts' tax: credit notes count negative
    notes: list[str] = field(default_factory=list)
    radar: list[RadarLine] = field(default_factory=list)  # what costs money soonest, led with
    later: dict[str, tuple[int, int]] = field(default_factory=dict)  # other open periods: (records, net tax)
    apart: KeptApart | None = None  # what needs a decision but cannot take one: information only


def collect(
    session: Session, *, day: dt.date, gstins: Sequence[str] | None = None, max_records: int = MAX_RECORDS
) -> DigestData:
    """Read everything one digest shows, for the given recipients (default: all of them).

    A digest is about one period, in its header, figures and records alike: the oldest period that
    still has records to decide (its deadlines come first), else the newest reconciled. Records of
    later open periods are counted; records no button can decide (a filed period, or not in IMS) are
    shown apart, as information.
    """
    scope = list(gstins) if gstins else recipients(session)
    found_open = open_records(session, scope)  # one pass: the periods' counts and those kept apart
    still_open = found_open.periods
    period = digest_period(session, scope, still_open)
    page = needing_decision(session, recipients=scope, period=period, limit=max_records,
                            totals=still_open.get(period, (0, 0)))  # the same records, counted once
    figures = itc_figures(session, scope, period, day)
    found = registration_deadlines(session, scope, day)
    radar = radar_lines(found, day)
    said = any(line.kind == RECOMPUTE for line in radar)  # the radar's line says it already: once
    recompute = figures.recompute if figures and not said else 0
    return DigestData(
        day=day,
        recipients=scope,
        period=period,
        counts=status_counts(session, recipients=scope, period=period),
        itc=figures,
        deadlines=deadline_lines(session, scope, day, found=found, skip=RADAR_KINDS),
        records=list(page.items),
        open_total=page.total,
        open_tax_paise=page.total_tax_paise,
        notes=[recompute_note(period, recompute)] if recompute else [],
        radar=radar,
        later={p: figures for p, figures in still_open.items() if p != period},
        apart=kept_apart(session, recipients=scope, totals=found_open.apart),
    )


def digest_period(session: Session, scope: Sequence[str],
                  still_open: Mapping[str, tuple[int, int]] | None = None) -> str | None:
    """The period a digest is about: the oldest with records to decide, else the newest reconciled."""
    still_open = open_periods(session, scope) if still_open is None else still_open
    return next(iter(still_open), None) or latest_period(session, scope)


def warm_figures(session: Session, day: dt.date) -> None:
    """Compute (and keep) the figures the digest, App Home and ``/ims`` answers read, for every
    registration, so that the next of them answers from the snapshot (``ims_core.itc.snapshots``);
    figures whose data has not changed are only checked, not computed again."""
    scope = recipients(session)
    for period in {digest_period(session, scope), latest_period(session, scope)}:  # digest, App Home
        itc_figures(session, scope, period, day)
    registration_deadlines(session, scope, day)


def recompute_note(period: str, decisions: int) -> str:
    """Said once per digest: decisions taken after the 14th change a GSTR-2B already generated."""
    return (f"GSTR-2B of {period_label(period)} must be recomputed on the portal before GSTR-3B is filed: "
            f"{decisions} decision(s) were taken after it was generated on the 14th.")


def itc_figures(session: Session, gstins: Sequence[str], period: str | None,
                today: dt.date | None = None) -> ItcFigures | None:
    """The ITC figures summed over the registrations; None without a period."""
    if not period or not gstins:
        return None
    return figures_of([snapshots.position_figures(session, recipient_gstin=gstin, period=period, today=today)
                       for gstin in gstins])


def figures_of(positions: Sequence[ItcPosition]) -> ItcFigures:
    """The digest's ITC figures of one period, summed over the registrations' positions."""
    claimable = blocked = at_risk = recompute = 0
    for position in positions:
        claimable += position.table_4()["4C"].total
        blocked += position.blocked.total
        at_risk += position.at_risk.heads.total
        recompute += len(position.recompute)
    return ItcFigures(claimable, blocked, at_risk, recompute)


def deadline_lines(
    session: Session, gstins: Sequence[str], today: dt.date, horizon_days: int = DEADLINE_HORIZON_DAYS, *,
    found: Mapping[str, Sequence[Deadline]] | None = None, skip: Collection[str] = (),
) -> list[DeadlineLine]:
    """Deadlines due within the horizon (or overdue by less than it), soonest first, without repeats;
    ``found`` when they were read already, ``skip`` the kinds shown elsewhere (the radar's)."""
    since, until = today - dt.timedelta(days=horizon_days), today + dt.timedelta(days=horizon_days)
    seen: dict[tuple[dt.date, str], DeadlineLine] = {}
    found = found if found is not None else registration_deadlines(session, gstins, today)
    for gstin in gstins:
        for deadline in found.get(gstin, ()):
            if since <= deadline.due <= until and deadline.kind not in skip:
                title = deadline.title if len(gstins) == 1 else f"{deadline.title} ({gstin})"
                seen.setdefault((deadline.due, deadline.title), DeadlineLine(deadline.due, title))
    return sorted(seen.values(), key=lambda d: (d.due, d.title))


def render_text(data: DigestData) -> str:
    """The digest as plain text (``ims digest --dry-run``, the demo)."""
    lines = [
        f"GST digest {data.day:%d %b %Y} · {', '.join(data.recipients) or 'no registrations'} · "
        f"period {period_label(data.period) if data.period else '-'}"
    ]
    if data.counts:
        lines.append(f"  {'status':<22} {'docs':>6}  {'net tax':>18}")
    for c in data.counts:
        lines.append(f"  {status_label(c.status):<22} {c.count:>6}  {format_inr(c.tax_paise):>18}")
    if data.itc:
        lines.append(
            f"ITC claimable {format_inr(data.itc.claimable_paise)}"
            f" · blocked {format_inr(data.itc.blocked_paise)} · at risk {format_inr(data.itc.at_risk_paise)}"
        )
    lines.extend(data.notes)
    lines.extend(f"radar {line.due:%d %b %Y}: {line.text}" for line in data.radar)
    for d in data.deadlines:
        lines.append(f"due {d.due:%d %b %Y}: {d.title}")
    of = f" of {period_label(data.period)}" if data.period else ""
    lines.append(f"{data.open_total} record(s){of} need a decision, {format_inr(data.open_tax_paise)} net "
                 "tax")
    lines.extend(_record_line(item) for item in data.records)
    lines.extend(later_lines(data))
    lines.extend(apart_lines(data, with_records=True))
    return "\n".join(lines)


def _record_line(item: WorkItem) -> str:
    """One record as the document states it."""
    return (f"  {format_inr(item.tax_paise):>16}  {item.supplier_gstin}  {item.doc_type} {item.doc_number}"
            f"  {item.doc_date:%d-%m-%Y}  {status_label(item.status)}")


def later_lines(data: DigestData) -> list[str]:
    """The other periods that still have records to decide (the digest lists its own period's)."""
    return [f"Also to decide: {count} record(s) of {period_label(period)}, {format_inr(tax)} net tax"
            for period, (count, tax) in data.later.items()]


def apart_lines(data: DigestData, *, with_records: bool = False) -> list[str]:
    """What needs a decision but cannot take one, said apart from the records to decide."""
    if data.apart is None:
        return []
    out: list[str] = []
    for (count, tax, items), why in (
        (data.apart.locked, "in periods marked filed: locked, no decision possible"),
        (data.apart.not_in_ims, "only in GSTR-2B/2A, not in IMS: the portal takes no action on them"),
    ):
        if count:
            out.append(f"For information: {count} record(s) {why}, {format_inr(tax)} net tax")
            out.extend(_record_line(item) for item in items if with_records)
    return out
