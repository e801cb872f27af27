"""Which remedy a supplier still has on a given day, and its real last day: a table of dated cases.

Dates worked by hand for an October 2025 document (FY 2025-26):
- GSTR-1A for October 2025 closes with the supplier's GSTR-3B for October, due 20-11-2025
  (Notification 12/2024-Central Tax; CGST Rule 59(1) proviso).
- Section 16(4): our credit of FY 2025-26 only in a return filed by 30-11-2026. A monthly filer's last
  claimable GSTR-2B is October 2026's (tax period ends 31-10-2026, before the limit), generated on
  14-11-2026 from filings up to 13-11-2026; November 2026 ends on the limit itself, too late. A quarterly
  filer's last is July-September 2026: September's GSTR-2B, filings up to 13-10-2026.
- Section 37(3) / 34(2): a return can be amended for the document until 30-11-2026.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ims_core.itc.calendar import last_filing_day_for_credit
from ims_core.suppliers.remedies import CLOSED, CREDIT_LOST, GSTR1A, NEXT_GSTR1, route_for

D = dt.date
CASES = [
    # (name, today, credit at stake, frequency, kind, first date named, last day)
    ("GSTR-1A open, credit at stake", D(2025, 11, 12), True, "monthly", GSTR1A, D(2025, 11, 20),
     D(2026, 11, 13)),
    ("GSTR-1A's last day", D(2025, 11, 20), True, "monthly", GSTR1A, D(2025, 11, 20), D(2026, 11, 13)),
    ("GSTR-1A closed: a later GSTR-1", D(2025, 11, 21), True, "monthly", NEXT_GSTR1, D(2026, 11, 13),
     D(2026, 11, 13)),
    ("the last day that saves the credit", D(2026, 11, 13), True, "monthly", NEXT_GSTR1, D(2026, 11, 13),
     D(2026, 11, 13)),
    ("credit lost the day after", D(2026, 11, 14), True, "monthly", CREDIT_LOST, None, None),
    ("quarterly filer: credit saved until 13 October", D(2026, 10, 13), True, "quarterly", NEXT_GSTR1,
     D(2026, 10, 13), D(2026, 10, 13)),
    ("quarterly filer: lost from 14 October", D(2026, 10, 14), True, "quarterly", CREDIT_LOST, None, None),
    ("no credit at stake: corrections until 30 November", D(2026, 11, 30), False, "monthly", NEXT_GSTR1,
     D(2026, 11, 30), D(2026, 11, 30)),
    ("no credit at stake: closed from 1 December", D(2026, 12, 1), False, "monthly", CLOSED, None, None),
    ("the issue's day: 7 December 2026", D(2026, 12, 7), True, "monthly", CREDIT_LOST, None, None),
]


@pytest.mark.parametrize(("name", "today", "stake", "frequency", "kind", "first", "last"), CASES,
                         ids=[case[0] for case in CASES])
def test_route(name, today, stake, frequency, kind, first, last):
    route = route_for(period="102025", fy=2025, credit_at_stake=stake, today=today,
                      filing_frequency=frequency)
    assert (route.kind, route.first_date()[0], route.last_day) == (kind, first, last)
    for day in (route.first_date()[0], route.last_day):
        assert day is None or day >= today  # never a date already past


def test_gstr1a_cannot_change_the_recipient():
    route = route_for(period="102025", fy=2025, credit_at_stake=False, today=D(2025, 11, 12),
                      gstr1a_possible=False)
    assert (route.kind, route.last_day) == (NEXT_GSTR1, D(2026, 11, 30))


def test_last_filing_day_for_credit_by_frequency():
    assert last_filing_day_for_credit(2025) == D(2026, 11, 13)
    assert last_filing_day_for_credit(2025, "quarterly") == D(2026, 10, 13)
    assert last_filing_day_for_credit(2024) == D(2025, 11, 13)
