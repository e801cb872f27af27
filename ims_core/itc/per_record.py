"""The ITC position's per-record path: records whose history matters (decided here, kept pending,
amendments and what they amend, Rule 37A reversals), each placed by :func:`ims_core.itc.landing.land`
and counted by :mod:`ims_core.itc.table4`; and the books' reversals and reclaims."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from ims_core import clock
from ims_core.gst.codes import UNAVAILABLE_REASONS
from ims_core.gst.dates import period_key
from ims_core.itc import books
from ims_core.itc.calendar import generation_date
from ims_core.itc.figures import ItcLine, ItcPosition
from ims_core.itc.heads import Heads
from ims_core.itc.landing import EXPECTED, PENDING, Landing, generation_moment, land, lost_to_16_4
from ims_core.itc.records import Item, Record, RegistrationRecords, action_at
from ims_core.itc.registrations import Filing
from ims_core.itc.table4 import contribution
from ims_core.models.vocabulary import Action


def place(found: RegistrationRecords, filing: Filing, today: dt.date
           ) -> dict[Item, tuple[Record, Record | None, Landing]]:
    """Every item landed, originals before the amendments that need their landing."""
    items: dict[Item, tuple[Record, Record | None]] = {}
    for item, twins in found.gstr2b.items():
        ordered = sorted(twins, key=lambda twin: (period_key(twin.period), twin.rejected))
        items[item] = (ordered[0], ordered[0])
    for item, record in found.ims.items():
        items[item] = (record, items[item][1] if item in items else None)
    placed: dict[Item, tuple[Record, Record | None, Landing]] = {}
    for item in sorted(items, key=lambda i: i[0]):  # originals (False) first
        record, twin = items[item]
        original = _original(record, items)
        original_landing = placed[record.original_item][2] if original is not None else None
        placed[item] = (record, twin, land(record, found, filing, today, original, original_landing))
    return placed


def _original(record: Record, items: dict[Item, tuple[Record, Record | None]]) -> Record | None:
    original = record.original_item
    return items[original][0] if original is not None and original in items else None


def _line(record: Record, heads: Heads, action: str, note: str = "") -> ItcLine:
    word = Action.of(action).word if action in ("A", "R", "P", "N", "") else action
    return ItcLine(record.supplier, record.doc_type, record.number, record.doc_date, heads, word, note,
                   portal_document_id=record.id)


def classify(pos: ItcPosition, found: RegistrationRecords, filing: Filing, record: Record,
              twin: Record | None, landing: Landing, placed: dict, credited: dict,
              paired: books.Pairs) -> Heads:
    """Put one record where it belongs for ``pos.period``; return what it credits wherever it lands."""
    period = pos.period
    if landing.state == EXPECTED:
        if period_key(landing.natural) <= period_key(period):
            pos.expected_not_filed.add(_line(record, _signed(record), landing.action,
                                             "saved by the supplier, not filed: not in any GSTR-2B yet"))
        return Heads()
    lost = lost_to_16_4(record, landing, found, filing, pos.today) if landing.period else None
    if landing.state == PENDING:
        if period_key(landing.natural) <= period_key(period):
            _pending(pos, record, landing, found, filing)
        return Heads()
    if landing.action == "R":
        if landing.period == period:
            pos.rejected.add(_line(record, record.heads.copy(), "R"))
        return Heads()
    shown = twin or record
    original = placed.get(record.original_item) if record.original_item else None
    original_effect = credited.get(record.original_item) if original is not None else None
    share = contribution(record, twin, landing, period, original[0] if original else None, original_effect)
    if lost is not None or shown.itc_available == "N":
        if landing.period == period:
            _ineligible(pos, record, shown, landing, lost, share.heads)
        return Heads()
    if landing.period == period:
        _count(pos, record, twin, landing, share, paired)
    return share.heads


def _signed(record: Record) -> Heads:
    return record.heads.negated() if record.doc_type == "CRN" else record.heads.copy()


def _pending(pos: ItcPosition, record: Record, landing: Landing, found: RegistrationRecords,
             filing: Filing) -> None:
    note = f"kept pending since {landing.natural}" if landing.natural != pos.period else "kept pending"
    if record.doc_type == "CRN":
        pos.pending_credit_notes.add(_line(record, record.heads.copy(), "P", note + ": reduction deferred"))
        return
    limit = lost_to_16_4(record, Landing(landing.state, pos.period, "P", landing.natural), found, filing,
                         pos.today)
    if limit is not None and pos.today > limit:
        pos.lost_16_4.add(_line(record, record.heads.copy(), "P",
                                f"kept pending past the Section 16(4) limit of {limit:%d-%m-%Y}: lost"))
        return
    pos.pending.add(_line(record, record.heads.copy(), "P", note))


def _ineligible(pos: ItcPosition, record: Record, shown: Record, landing: Landing, lost: dt.date | None,
                heads: Heads) -> None:
    if lost is not None:
        line = _line(record, heads, landing.action,
                     f"Section 16(4): the credit could be taken only until {lost:%d-%m-%Y}")
        pos.lost_16_4.add(line)
    else:
        code = shown.unavailable_reason
        reason = UNAVAILABLE_REASONS.get(code, code or "no reason given")
        line = _line(record, heads, landing.action, f"GSTR-2B: ITC not available ({reason})")
    pos.rows["4D(2)"].add(line)


def _count(pos: ItcPosition, record: Record, twin: Record | None, landing: Landing, share,
           paired: books.Pairs) -> None:
    line = _line(record, share.heads, landing.action, share.note)
    pos.rows[share.row].add(line)
    if share.row == "4A(3)":
        pos.table3_1d.add(_line(record, share.heads, landing.action, "tax payable on reverse charge"))
    if share.unknown_original:
        pos.unknown_originals.add(_line(record, record.heads.copy(), landing.action, share.note))
    pair = paired.get(record.id) or (paired.get(twin.id) if twin is not None else None)
    if pair is None or share.heads.total <= 0:
        return
    if pair.itc_eligible is False:
        pos.rows["4B(1)"].add(_line(record, share.heads, landing.action,
                                    "blocked credit: your books mark it not eligible (Section 17(5))"))
    elif pair.status == "missing_in_books":
        pos.rows["4B(2)"].add(_line(record, share.heads, landing.action,
                                    "in GSTR-2B but not in your books: reverse it (Section 16(2)(b))"))
    if pair.status in books.RISKY:
        shown = pair.reasons and pair.status != "missing_in_books"
        why = books.RISKY[pair.status] + (f" ({pair.reasons})" if shown else "")
        pos.at_risk.add(_line(record, share.heads, landing.action, why))


def recompute(pos: ItcPosition, found: RegistrationRecords, placed: dict) -> None:
    """Decisions taken after this period's GSTR-2B was generated, while its GSTR-3B is open."""
    period = pos.period
    if not recompute_open(period, found, pos.today):
        return
    for record, _twin, landing in placed.values():
        if decided_after_generation(record, landing, found, period):
            pos.recompute.append(_line(record, record.heads.copy(), landing.action,
                                       f"decided on {clock.local_time(record.decided_at):%d-%m-%Y}, after "
                                       f"GSTR-2B was generated on {generation_date(period):%d-%m-%Y}"))


def recompute_open(period: str, found: RegistrationRecords, today: dt.date) -> bool:
    """Whether a decision can still call for ``period``'s GSTR-2B to be recomputed: it is generated and
    its GSTR-3B is not filed (GSTN FAQ on IMS, Q on recompute)."""
    return generation_date(period) <= today and found.filed_at(period) is None


def decided_after_generation(record: Record, landing: Landing, found: RegistrationRecords,
                             period: str) -> bool:
    """Whether ``record`` was decided after ``period``'s GSTR-2B was generated and that decision
    changes it: the record is in it, or was carried out of it as pending and is no longer."""
    generated = generation_moment(period)
    if record.source != "ims" or record.decided_at is None or record.decided_at <= generated:
        return False
    return landing.period == period or (landing.state == PENDING and landing.natural == period
                                        and action_at(record, found.history, generated) != "P")


def books_and_reversals(session: Session, pos: ItcPosition, found: RegistrationRecords, placed: dict,
                        paired: books.Pairs, credited: set[int]) -> None:
    """The books' side of the position; ``credited``: book ids whose credit the bulk path counted."""
    for book in books.missing_in_portal(session, pos.recipient_gstin, pos.period):
        pos.missing_in_portal.add(_book_line(book))
    credited = set(credited)
    for record, twin, landing in placed.values():
        if landing.period is None or landing.action not in ("A", "N"):
            continue
        if period_key(landing.period) > period_key(pos.period):
            continue
        pair = paired.get(record.id) or (paired.get(twin.id) if twin is not None else None)
        if pair is not None and pair.book_id is not None:
            credited.add(pair.book_id)
    reversals, reclaims = books.rule_37(session, pos.recipient_gstin, pos.period, credited)
    for book in reversals:
        pos.rows["4B(2)"].add(_book_line(book))
    for book in reclaims:
        pos.rows["4A(5)"].add(_book_line(book))
        pos.rows["4D(1)"].add(_book_line(book))
    for record in found.reversals:  # GSTR-2B's own Rule 37A reversals of this period
        if record.period == pos.period:
            pos.rows["4B(2)"].add(_line(record, record.heads.copy(), "",
                                        "GSTR-2B ITC reversal: supplier's GSTR-3B not filed (Rule 37A)"))


def _book_line(book: books.BookLine) -> ItcLine:
    return ItcLine(book.supplier, book.doc_type, book.number, book.doc_date, book.heads, "", book.note,
                   purchase_document_id=book.book_id)
