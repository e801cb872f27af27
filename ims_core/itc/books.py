"""What the books say about the credit of a period: reversals and reclaims GSTR-2B cannot know.

- 4B(1): credit blocked by Section 17(5) (and reversals under Rules 38, 42, 43): a purchase the books mark
  ``itc_eligible`` = no, whose portal record is counted in Table 4A (Circular 170/02/2022-GST, para
  4(b)(i)).
- 4B(2): Rule 37 (the supplier not paid within 180 days of the invoice: second proviso to Section 16(2),
  Rule 37(1)), reversed in the period in which the 180th day falls; credit in GSTR-2B for a document not
  in the books (Section 16(2)(b): goods or services not received; Circular 170/02/2022-GST, para
  4(b)(ii)); and GSTR-2B's own Rule 37A reversals (the ``itcrev`` section: the supplier has not filed
  GSTR-3B by 30 September after the year; Rule 37A, inserted by Notification 26/2022-Central Tax).
- 4D(1) (and 4A(5)): credit reversed under Rule 37 in an earlier period and reclaimed in the period the
  supplier is paid (Rule 37(2); Circular 170/02/2022-GST, para 4(a)(ii): reclaimed credit is reported
  in 4A(5) and shown again in 4D(1)).

Rule 37 needs payment dates: when no forward-charge invoice of the books carries one, "unpaid" cannot be
told from "unknown", and nothing is reversed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from ims_core.gst.dates import period_bounds
from ims_core.gst.due_dates import RULE_37_DAYS
from ims_core.itc.heads import Heads
from ims_core.itc.records import _date, _driver_rows, _raw
from ims_core.matching.current import current_results
from ims_core.models import MatchResult, PurchaseDocument

B = PurchaseDocument


@dataclass(frozen=True, slots=True)
class Pair:
    """A portal record's book entry in the current reconciliation, and its verdict."""

    status: str
    reasons: str
    book_id: int | None
    itc_eligible: bool | None


@dataclass(frozen=True, slots=True)
class BookLine:
    """A book entry behind a reversal or a reclaim."""

    book_id: int
    supplier: str
    doc_type: str
    number: str
    doc_date: dt.date
    heads: Heads
    note: str


RISKY = {"mismatch": "amounts or details differ from your books",
         "probable": "paired with a book entry only probably",
         "missing_in_books": "not in your books"}


class Pairs:
    """Each portal record's book entry and verdict in one reconciliation run (the last row stored for a
    record wins, as a re-run's would): a frame for the bulk path, :meth:`get` for one record."""

    COLUMNS = ["portal_id", "status", "reasons", "book_id", "itc_eligible"]

    def __init__(self, rows: list[tuple]):
        self._rows = {row[0]: row for row in rows}  # the last row of a record wins
        frame = pd.DataFrame(list(self._rows.values()), columns=self.COLUMNS)
        self.frame = frame.set_index("portal_id")

    def get(self, portal_id: int | None) -> Pair | None:
        row = self._rows.get(portal_id)
        if row is None:
            return None
        _, status, reasons, book_id, eligible = row
        return Pair(status, reasons or "", book_id, None if eligible is None else bool(eligible))


def pairs(session: Session, recipient_gstin: str) -> Pairs:
    """The registration's portal records' pairs in the current reconciliation of each period."""
    query = current_results(
        select(MatchResult.portal_document_id, MatchResult.status, MatchResult.reasons,
               MatchResult.purchase_document_id, B.itc_eligible)
        .select_from(MatchResult)
        .outerjoin(B, B.id == MatchResult.purchase_document_id)
        .where(MatchResult.portal_document_id.is_not(None)),
        recipients=[recipient_gstin],
    ).order_by(MatchResult.id)
    return Pairs(_driver_rows(session, query))


def missing_in_portal(session: Session, recipient_gstin: str, period: str) -> list[BookLine]:
    """The books the current reconciliation of ``period`` found no portal record for."""
    found = current_results(
        select(MatchResult.purchase_document_id).where(
            MatchResult.status == "missing_in_portal", MatchResult.portal_document_id.is_(None)),
        recipients=[recipient_gstin], period=period)
    rows = _driver_rows(session, _book_select().where(B.id.in_(found)).order_by(B.id))
    return [_line(row, "in your books, not reported by the supplier") for row in rows]


def rule_37(session: Session, recipient_gstin: str, period: str,
            credited_books: set[int]) -> tuple[list[BookLine], list[BookLine]]:
    """(reversals, reclaims) of ``period`` under Rule 37, for books whose credit was taken
    (``credited_books``: book ids paired with a portal record that landed in a GSTR-2B)."""
    scope = and_(B.recipient_gstin == recipient_gstin, or_(B.doc_type == "INV", B.doc_type == "DBN"),
                 B.reverse_charge.is_(False))
    dated = select(B.id).where(scope, B.payment_date.is_not(None)).limit(1)
    if not _driver_rows(session, dated):
        return [], []
    first, last = period_bounds(period)
    span = dt.timedelta(days=RULE_37_DAYS)
    # the 180th day in the period (a reversal), or a payment in the period (perhaps a reclaim)
    query = _book_select().where(scope, or_(
        and_(B.doc_date >= first - span, B.doc_date <= last - span),
        and_(B.payment_date >= first, B.payment_date <= last)))
    reversals, reclaims = [], []
    for row in _driver_rows(session, query.order_by(B.id)):
        line = _line(row, "")
        if line.book_id not in credited_books:
            continue
        due, paid = line.doc_date + span, _date(row[5])
        if first <= due <= last and (paid is None or paid > due):
            reversals.append(_with(line, f"not paid within {RULE_37_DAYS} days (day {RULE_37_DAYS}: "
                                         f"{due:%d-%m-%Y})"))
        if paid is not None and first <= paid <= last and paid > due:
            reclaims.append(_with(line, f"paid on {paid:%d-%m-%Y}, after its ITC was reversed under Rule 37"))
    return reversals, reclaims


def _book_select():  # a select of the columns :func:`_line` reads
    return select(B.id, B.supplier_gstin, B.doc_type, B.doc_number, _raw(B.doc_date), _raw(B.payment_date),
                  B.igst_paise, B.cgst_paise, B.sgst_paise, B.cess_paise)


def _line(row: tuple, note: str) -> BookLine:
    book_id, supplier, doc_type, number, doc_date, _paid, igst, cgst, sgst, cess = row
    return BookLine(book_id, supplier, doc_type, number, _date(doc_date),
                    Heads(int(igst or 0), int(cgst or 0), int(sgst or 0), int(cess or 0)), note)


def _with(line: BookLine, note: str) -> BookLine:
    return BookLine(line.book_id, line.supplier, line.doc_type, line.number, line.doc_date, line.heads, note)
