"""What a supplier can still do about a document on a given day, and until when.

A letter must ask only for what is still possible on the day it is drafted, with the real last day:

- **GSTR-1A** corrects or adds a document of a tax period after that period's GSTR-1, until the supplier
  files its GSTR-3B for the same period (CGST Rule 59(1) proviso, Form GSTR-1A, Notification
  12/2024-Central Tax of 10 July 2024; GSTN advisory on GSTR-1A). We do not know when a supplier files,
  so the last day shown is its GSTR-3B due date (monthly filers: the 20th); GSTR-1A cannot change the
  recipient GSTIN (same advisory).
- **An amendment in a later GSTR-1 / IFF** (or a document reported late) is possible until 30 November
  after the financial year (Section 37(3) proviso, and Section 34(2) for credit notes, both as amended
  by the Finance Act 2022).
- **Our credit** can be saved only while a filing still reaches a GSTR-2B we can claim within Section
  16(4): see :func:`ims_core.itc.calendar.last_filing_day_for_credit` (13 November for a monthly filer).
- After that the credit is lost, whatever the supplier does: a letter says so plainly and asks for what
  still helps, the tax we cannot claim made good (a financial credit note or a refund). After 30
  November no return can be corrected any more: a letter asks for written confirmation instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ims_core.gst.dates import period_label
from ims_core.gst.due_dates import gstr3b_due_date, section_16_4_limit
from ims_core.itc.calendar import last_filing_day_for_credit

GSTR1A, NEXT_GSTR1, CREDIT_LOST, CLOSED = "gstr1a", "next_gstr1", "credit_lost", "closed"


@dataclass(frozen=True)
class Route:
    """How a supplier can still act on one document, and the last day that helps us (never past)."""

    kind: str  # GSTR1A, NEXT_GSTR1, CREDIT_LOST or CLOSED
    last_day: dt.date | None
    why: str  # why that day: what is lost after it
    gstr1a_until: dt.date | None = None  # while GSTR-1A is open: the supplier's GSTR-3B due date
    period: str = ""  # the supplier's return period of the document

    def first_date(self) -> tuple[dt.date | None, str]:
        """The nearest date this route names, and why it matters."""
        if self.gstr1a_until is not None:
            return self.gstr1a_until, (f"the due date of your GSTR-3B for {period_label(self.period)}, "
                                       "which closes GSTR-1A for that month")
        return self.last_day, self.why


def route_for(*, period: str, fy: int, credit_at_stake: bool, today: dt.date, gstr1a_possible: bool = True,
              filing_frequency: str = "monthly") -> Route:
    """The remedy still open on ``today`` for a supplier's document of return period ``period`` and
    financial year ``fy``. ``credit_at_stake``: whether our ITC depends on the supplier acting (a
    document missing from the portal, or reported with less tax, another GSTIN or place of supply),
    which makes the credit's own last day the one that counts. ``gstr1a_possible``: False for a change
    GSTR-1A cannot make (the recipient GSTIN)."""
    gstr1a_until = gstr3b_due_date(period)  # the supplier's own GSTR-3B for the period, monthly
    amend_until = section_16_4_limit(fy)  # Section 37(3) / 34(2): the same 30 November
    credit_until = last_filing_day_for_credit(fy, filing_frequency)
    if credit_at_stake:
        if today > credit_until:
            return Route(CREDIT_LOST, None, "")
        until, why = credit_until, ("the last day a filing still reaches a GSTR-2B in which we can claim "
                                    "the credit within the Section 16(4) time limit")
    else:
        if today > amend_until:
            return Route(CLOSED, None, "")
        until, why = amend_until, ("the last day a return can still be corrected for a document of that "
                                   "financial year (Section 37(3))")
    if gstr1a_possible and today <= gstr1a_until < until:
        return Route(GSTR1A, until, why, gstr1a_until, period)
    return Route(NEXT_GSTR1, until, why, None, period)
