"""The radar: what the next GSTR-2B generations and limits do to a registration's records if nobody acts.

Every IMS record is placed in the GSTR-2B calendar as of today, exactly as the ITC position places it
(:mod:`ims_core.itc.frames` for plain records, :mod:`ims_core.itc.per_record` for the others), and the
radar reads the placements:

- **deemed acceptance**: records with No action headed for a GSTR-2B not yet generated are deemed
  accepted when it is, on the 14th (GSTN FAQ on IMS, 23 September 2024: "records with No action are
  deemed accepted at the time of GSTR-2B generation");
- **pending lapse**: records whose Pending option lasts one tax period (credit notes and the amendments
  the portal treats alike, from the October 2025 period) are deemed accepted at the first generation
  after that limit (GSTN FAQ of 17 October 2025, Q1 and Q5);
- **pending past Section 16(4)**: invoices and debit notes kept pending must be accepted while the
  action still lands in a GSTR-2B whose GSTR-3B can be filed within the limit
  (:func:`ims_core.itc.calendar.last_filing_day_for_credit`);
- **recompute**: decisions taken after a generated GSTR-2B whose GSTR-3B is open (GSTN FAQ on IMS, Q on
  recompute).

Tax is net: a credit note's tax counts negative, as in every total of the product.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlmodel import Session

from ims_core.gst.due_dates import gstr3b_due_date
from ims_core.itc import frames, per_record
from ims_core.itc.calendar import generation_date, last_filing_day_for_credit
from ims_core.itc.heads import HEADS, Heads
from ims_core.itc.landing import PENDING, PREVIEW, Landing, one_period_limit
from ims_core.itc.records import Record, RegistrationRecords, gathered, read_rows
from ims_core.itc.registrations import Filing, registration_filing

DEEMED, LAPSE, RECOMPUTE = "deemed_acceptance", "pending_lapse", "gstr2b_recompute"
PENDING_16_4 = "section_16_4"  # the deadlines' kind for every Section 16(4) date


@dataclass
class RadarGroup:
    """Records that one date changes: ``period`` is the GSTR-2B period, ``fy`` the financial year of
    a Section 16(4) group."""

    kind: str
    due: dt.date
    period: str = ""
    fy: int | None = None
    heads: Heads = field(default_factory=Heads)  # net: credit notes negative
    documents: list[int] = field(default_factory=list)
    credit_notes: int = 0

    def add(self, document_id: int, heads: Heads, credit_note: bool) -> None:
        self.heads.add(heads, -1 if credit_note else 1)
        self.documents.append(document_id)
        self.credit_notes += credit_note


class _Groups(dict):
    def of(self, kind: str, due: dt.date, period: str = "", fy: int | None = None) -> RadarGroup:
        key = (kind, due, period, fy)
        if key not in self:
            self[key] = RadarGroup(kind, due, period, fy)
        return self[key]


def radar(session: Session, recipient_gstin: str, today: dt.date) -> list[RadarGroup]:
    """The registration's radar as of ``today``, by date."""
    split = frames.split_rows(read_rows(session, recipient_gstin, None))
    found = gathered(session, recipient_gstin, split.complex_rows)
    filing = registration_filing(session, recipient_gstin)
    groups = _Groups()
    _plain(groups, split.plain, frames.Calendar(found, filing, today), today)
    _complex(groups, found, filing, today)
    return sorted(groups.values(), key=lambda g: (g.due, g.kind, g.period, g.fy or 0))


def _plain(groups: _Groups, plain: pd.DataFrame, calendar: frames.Calendar, today: dt.date) -> None:
    """Plain records (nobody acted, not pending, not amended) with No action, headed for a GSTR-2B
    still to be generated."""
    if plain.empty:
        return
    placed = frames.place(plain, calendar)
    waiting = placed[(placed["source"] == "ims") & ~placed["expected"] & (placed["action"] == "N")]
    upcoming = {p: generation_date(p) for p in waiting["landing"].unique() if generation_date(p) > today}
    waiting = waiting[waiting["landing"].isin(list(upcoming))]
    for (landing, doc_type), members in waiting.groupby(["landing", "doc_type"], sort=False):
        group = groups.of(DEEMED, upcoming[landing], landing)
        heads = Heads(*(int(members[head].sum()) for head in HEADS))
        group.heads.add(heads, -1 if doc_type == "CRN" else 1)
        group.documents.extend(int(i) for i in members["id"])
        group.credit_notes += len(members) if doc_type == "CRN" else 0


def _complex(groups: _Groups, found: RegistrationRecords, filing: Filing, today: dt.date) -> None:
    placed = per_record.place(found, filing, today)
    open_periods = {p for p in {landing.period or landing.natural for _r, _t, landing in placed.values()}
                    if per_record.recompute_open(p, found, today)}
    for record, _twin, landing in placed.values():
        if record.source != "ims":
            continue
        credit_note = record.doc_type == "CRN"
        if landing.state == PREVIEW and landing.action == "N":
            groups.of(DEEMED, generation_date(landing.period), landing.period).add(
                record.id, record.heads, credit_note)
        elif landing.state == PENDING:
            _pending(groups, record, landing, placed, found, filing, today)
        for period in open_periods:
            if per_record.decided_after_generation(record, landing, found, period):
                group = groups.of(RECOMPUTE, gstr3b_due_date(period, filing_frequency=filing.frequency,
                                                             state_code=filing.state_code), period)
                group.add(record.id, record.heads, credit_note)


def _pending(groups: _Groups, record: Record, landing: Landing, placed: dict, found: RegistrationRecords,
             filing: Filing, today: dt.date) -> None:
    """A record kept pending: lapses at its one-period limit, or (an invoice or debit note) must be
    accepted while its credit can still be claimed within Section 16(4)."""
    original = placed.get(record.original_item) if record.original_item else None
    limit = one_period_limit(record, landing.natural, filing, original[0] if original else None,
                             original[2] if original else None, found)
    if limit is not None:
        groups.of(LAPSE, limit, landing.natural).add(record.id, record.heads, record.doc_type == "CRN")
    elif record.doc_type in ("INV", "DBN"):
        last = last_filing_day_for_credit(record.fy, filing.frequency)
        groups.of(PENDING_16_4, last, fy=record.fy).add(record.id, record.heads, False)
