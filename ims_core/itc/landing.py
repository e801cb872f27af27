"""Which GSTR-2B a record lands in, with which action, or why it is in none yet.

A GSTR-2B record is in its own GSTR-2B. An IMS record is in the GSTR-2B that a generated return shows it
in (when that return was imported); otherwise the walk below decides, generation by generation:

- a record the supplier only saved is *expected*: only filed records reach GSTR-2B (Section 16(2)(aa)
  CGST Act; GSTN FAQ on IMS, 23 September 2024, Q4 and Q6);
- it cannot be in a GSTR-2B before its supplier's return period, nor in one the user imported without it;
- at each generation (:mod:`ims_core.itc.calendar`) the record's action at that moment decides: Pending
  carries it to the next generation; anything else lands it there (No action is deemed accepted);
- a record whose pending option lasts one tax period only (credit notes and the amendments the portal
  treats alike, from the October 2025 period) is deemed accepted at the first generation after its limit
  (GSTN FAQ on the IMS changes from the October 2025 tax period, 17 October 2025, Q4 and Q5);
- once landed, the current action counts until that period's GSTR-3B is filed (a GSTR-2B is recomputed
  after a later action: GSTN FAQ on IMS, Q on recompute); after filing, the action it was filed with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from ims_core import clock
from ims_core.decisions.rules import direction_by_tax, oct_2025_rules_apply, one_period_pending
from ims_core.gst.dates import next_period, period_key
from ims_core.gst.due_dates import pending_credit_note_limit, section_16_4_limit, tax_period_end
from ims_core.itc.calendar import generation_date
from ims_core.itc.records import Record, RegistrationRecords, action_at, read_record
from ims_core.itc.registrations import Filing, registration_filing

IN_2B, PREVIEW, PENDING, EXPECTED = "in_2b", "preview", "pending", "expected"


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a record stands for ITC: the GSTR-2B period it is in (``in_2b``) or will be in at the next
    generation (``preview``), with the action that counts there (A, R, or N: deemed accepted); or in
    none yet (``pending``, ``expected``). ``natural`` is the first GSTR-2B it could have been in."""

    state: str
    period: str | None
    action: str
    natural: str
    lapsed_on: dt.date | None = None


def generation_moment(period: str) -> dt.datetime:
    """The instant a GSTR-2B is generated: the start of the 14th in the configured time zone."""
    return dt.datetime.combine(generation_date(period), dt.time(0, 0), tzinfo=clock.zone()).astimezone(dt.UTC)


def land(record: Record, found: RegistrationRecords, filing: Filing, today: dt.date,
         original: Record | None = None, original_landing: Landing | None = None) -> Landing:
    """Where ``record`` stands as of ``today`` (``original``: what an amendment amends, if known)."""
    if record.source == "gstr2b":
        return Landing(IN_2B, record.period, record.action, record.period)
    shown = [twin for twin in found.twin_2b(record.item) if twin.period]
    if shown:
        period = min((twin.period for twin in shown), key=period_key)
        return _landed(record, found, period, period, today) or _walk(
            record, found, filing, today, next_period(period), period, original, original_landing)
    if not record.filed:
        return Landing(EXPECTED, None, record.action, record.period)
    natural = record.period
    while natural in found.imported_2b:  # that GSTR-2B was generated without it
        natural = next_period(natural)
    return _walk(record, found, filing, today, natural, natural, original, original_landing)


def _walk(record: Record, found: RegistrationRecords, filing: Filing, today: dt.date, start: str,
          natural: str, original: Record | None, original_landing: Landing | None) -> Landing:
    limit = one_period_limit(record, natural, filing, original, original_landing, found)
    period = start
    while True:
        if generation_date(period) > today:  # the next generation is to come: today's action decides
            if record.action != "P":
                return Landing(PREVIEW, period, record.action, natural)
            if limit is not None and today > limit:
                return Landing(PREVIEW, period, "N", natural, lapsed_on=limit)
            return Landing(PENDING, None, "P", natural)
        moment = generation_moment(period)
        if action_at(record, found.history, moment) == "P":
            if limit is not None and generation_date(period) > limit:
                return Landing(IN_2B, period, "N", natural, lapsed_on=limit)
            period = next_period(period)
            continue
        landed = _landed(record, found, period, natural, today)
        if landed is not None:
            return landed
        period = next_period(period)  # set back to pending after that generation: carried on


def _landed(record: Record, found: RegistrationRecords, period: str, natural: str,
            today: dt.date) -> Landing | None:
    """Landed in ``period``: the action it was filed with, or today's while its GSTR-3B is open; None
    when it is pending again (a recomputed GSTR-2B leaves it out)."""
    filed_at = found.filed_at(period)
    action = action_at(record, found.history, filed_at) if filed_at else record.action
    if action == "P":
        return None
    return Landing(IN_2B if generation_date(period) <= today else PREVIEW, period, action, natural)


def one_period_limit(record: Record, period: str, filing: Filing, original: Record | None,
                     original_landing: Landing | None, found: RegistrationRecords) -> dt.date | None:
    """The last day a record may stay pending, when the October 2025 rules give it one tax period only
    (GSTN FAQ of 17 October 2025, Q1: credit notes and their upward amendments, downward amendments of
    credit notes whose original was rejected, downward amendments of invoices and debit notes whose
    original was accepted and filed); None for a record that may stay pending until Section 16(4)."""
    # the October 2025 changes apply prospectively, by GSTR-2B period (FAQ of 17 October 2025, Q3)
    if not oct_2025_rules_apply(period) or not one_period_kind(record, original, original_landing, found):
        return None
    return pending_credit_note_limit(period, filing_frequency=filing.frequency, state_code=filing.state_code)


def one_period_kind(record: Record, original: Record | None, original_landing: Landing | None,
                    found: RegistrationRecords) -> bool:
    """The decisions' rule of which records the portal gives one tax period of Pending
    (:func:`ims_core.decisions.rules.one_period_pending`), told from the original's landing."""
    original_action = original_landing.action if original_landing is not None else ""  # unknown
    original_filed = (original_landing is not None and original_landing.period is not None
                      and found.filed_at(original_landing.period) is not None)
    direction = amendment_direction(record, original)
    return bool(one_period_pending(record.doc_type, record.amendment, direction, original_action,
                                   original_filed))


def amendment_direction(record: Record, original: Record | None) -> str | None:
    """``up``, ``down`` or ``same`` by tax; None when the original is not in the data."""
    return None if original is None else direction_by_tax(record.heads.total, original.heads.total)


def lost_to_16_4(record: Record, landing: Landing, found: RegistrationRecords, filing: Filing,
                 today: dt.date) -> dt.date | None:
    """The Section 16(4) limit when an invoice's or debit note's credit can no longer be taken in the
    return of the period it lands in, else None: that return was filed after the limit, or it cannot be
    filed by it (the tax period ends after it, or today is past it and the return is not filed).
    Section 16(4) CGST Act (as amended by the Finance Act 2022): 30 November after the financial year."""
    if record.doc_type not in ("INV", "DBN") or landing.period is None:
        return None
    limit = section_16_4_limit(record.fy)
    filed_at = found.filed_at(landing.period)
    if filed_at is not None:
        return limit if clock.local_time(filed_at).date() > limit else None
    if tax_period_end(landing.period, filing.frequency) >= limit or today > limit:
        return limit
    return None


def landing_of(session: Session, portal_document_id: int, today: dt.date | None = None) -> Landing | None:
    """Where one record stands (see :func:`land`), read on its own: what a decision on it checks."""
    read = read_record(session, portal_document_id)
    if read is None:
        return None
    record, found = read
    original, item = None, record.original_item
    if item is not None:
        original = found.ims.get(item) or next(iter(found.twin_2b(item)), None)
    filing = registration_filing(session, found.recipient_gstin)
    today = today or clock.today()
    original_landing = land(original, found, filing, today) if original is not None else None
    return land(record, found, filing, today, original, original_landing)
