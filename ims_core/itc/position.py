"""The ITC position of a registration for one return period: GSTR-3B Table 4 (and 3.1(d)) as the
GSTR-2B of that period gives it from the current decisions, what the books add, and what is lost,
expected, pending or rejected, each figure with the records behind it.

Every record is placed in the GSTR-2B it lands in (:mod:`ims_core.itc.landing`) and its contribution
worked out (:mod:`ims_core.itc.table4`); the books add their reversals and reclaims
(:mod:`ims_core.itc.books`). Records whose history matters take the per-record path
(:mod:`ims_core.itc.per_record`); the bulk of a month, records nothing happened to, is counted column by
column (:mod:`ims_core.itc.frames`) by the same rules. All figures are integer paise per head.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from ims_core import clock
from ims_core.gst.dates import parse_period
from ims_core.itc import books, frames, per_record
from ims_core.itc.figures import ItcFigure, ItcLine, ItcPosition
from ims_core.itc.heads import Heads
from ims_core.itc.records import Item, gathered, read_rows
from ims_core.itc.registrations import registration_filing

__all__ = ["ItcFigure", "ItcLine", "ItcPosition", "itc_position"]


def itc_position(session: Session, *, recipient_gstin: str, period: str, today: dt.date | None = None,
                 bulk: bool = True) -> ItcPosition:
    """The position for one recipient GSTIN and return period (MMYYYY), as of ``today``. ``bulk=False``
    takes every record through the per-record path: the reference the bulk path is tested against."""
    period = parse_period(period)
    today = today or clock.today()
    split = frames.split_rows(read_rows(session, recipient_gstin, period), bulk=bulk)
    found = gathered(session, recipient_gstin, split.complex_rows)
    filing = registration_filing(session, recipient_gstin)
    pos = ItcPosition(recipient_gstin, period, today)
    paired = books.pairs(session, recipient_gstin)
    placed = per_record.place(found, filing, today)
    credited: dict[Item, Heads] = {}
    for item, (record, twin, landing) in placed.items():
        credited[item] = per_record.classify(pos, found, filing, record, twin, landing, placed, credited,
                                             paired)
    per_record.recompute(pos, found, placed)
    calendar = frames.Calendar(found, filing, today)
    plain_books = frames.count(pos, split.plain, calendar, paired)
    per_record.books_and_reversals(session, pos, found, placed, paired, plain_books)
    if period in found.claimed:
        pos.claimed = {box: Heads(**heads) for box, heads in found.claimed[period].items()}
    return pos

