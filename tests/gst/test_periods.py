"""Return periods (MMYYYY) and the statutory days that hang off them, each worked out in one place."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_core.gst.dates import (
    DateError,
    day_of,
    next_period,
    parse_period,
    period_bounds,
    period_key,
    period_label,
)
from ims_core.gst.due_dates import GSTR2B_DAY, filing_of, gstr1_due_date, gstr3b_due_date
from ims_core.models import Recipient

periods = st.builds(lambda m, y: f"{m:02d}{y}", st.integers(1, 12), st.integers(2017, 2099))


@given(periods, periods)
def test_period_keys_order_periods_as_the_calendar_does(a: str, b: str) -> None:
    first_a, first_b = period_bounds(a)[0], period_bounds(b)[0]
    assert (period_key(a) < period_key(b)) == (first_a < first_b)
    assert period_key(next_period(a)) > period_key(a)


def test_period_key_by_hand():
    assert period_key("102025") == 202510 and period_key("012026") == 202601
    assert period_key("") == period_key("13/2025") == 0  # no period sorts before every other
    assert sorted(["012026", "", "122025", "092025"], key=period_key) == ["", "092025", "122025", "012026"]


def test_periods_read_and_shown():
    assert parse_period(" 102025 ") == "102025"
    with pytest.raises(DateError, match="'2025-10' is not a return period"):
        parse_period("2025-10")
    assert day_of("112025", 20) == dt.date(2025, 11, 20)
    assert period_bounds("022024") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period_label("102025") == "Oct 2025" and period_label("later") == "later"


def test_gstr1_due_dates():
    # CGST Rule 59: GSTR-1 by the 11th of the next month, an IFF by the 13th
    assert gstr1_due_date("102025") == dt.date(2025, 11, 11)
    assert gstr1_due_date("122025", "IFF") == dt.date(2026, 1, 13)
    assert GSTR2B_DAY == 14


def test_a_registrations_filing_defaults_to_monthly_in_its_gstin_state():
    assert filing_of("27AADCD4821K1ZM", None) == {"filing_frequency": "monthly", "state_code": "27"}
    qrmp = Recipient(gstin="29AAFCC9980M1ZR", legal_name="", state_code="", filing_frequency="quarterly")
    assert filing_of(qrmp.gstin, qrmp) == {"filing_frequency": "quarterly", "state_code": "29"}
    # Karnataka (29) is among the states whose QRMP GSTR-3B is due on the 22nd after the quarter
    assert gstr3b_due_date("102025", **filing_of(qrmp.gstin, qrmp)) == dt.date(2026, 1, 22)
