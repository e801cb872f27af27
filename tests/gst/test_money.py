"""Money parsing: exact paise from every way a register writes an amount, one by one and column-wise."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, Overflow

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ims_core.gst.money import AmountError, format_inr, group_indian, to_paise, to_rupees
from ims_core.gst.money_columns import series_to_paise

INT64_MAX = 2**63 - 1
paise_values = st.integers(min_value=-(10**17), max_value=10**17)


def western(paise: int) -> str:
    sign = "-" if paise < 0 else ""
    rupees, fraction = divmod(abs(paise), 100)
    return f"{sign}{rupees:,}.{fraction:02d}"


@given(paise_values)
def test_format_inr_round_trips(paise: int) -> None:
    assert to_paise(format_inr(paise, symbol=False)) == paise
    assert to_paise(format_inr(paise)) == paise


@given(paise_values)
def test_indian_and_western_grouping_agree(paise: int) -> None:
    assert to_paise(format_inr(paise, symbol=False)) == to_paise(western(paise))


# Texts shaped like register cells: numbers written every usual way, and near-misses that must be refused.
def _written(paise: int, style: int) -> str:
    rupees, fraction = divmod(abs(paise), 100)
    body = [group_indian(str(rupees)), f"{rupees:,}", str(rupees)][style % 3]
    body += ["." + f"{fraction:02d}", "", "." + f"{fraction:02d}"[:1]][style // 3 % 3]
    if paise < 0:
        body = ["-" + body, "(" + body + ")"][style // 9 % 2]
    return [body, "₹" + body, " " + body + " ", "Rs. " + body, "INR" + body][style // 18 % 5]


amount_texts = st.one_of(
    st.builds(_written, paise_values, st.integers(0, 89)),
    st.text(alphabet="0123456789,.-() ₹RsEe", max_size=16),
    st.sampled_from(["", "-", "nan", "None", "()", "1,2,3", "12,34", "1e-07", "0.005", ".5", "5.", "(-5)"]),
)


def _expected(text: str) -> int | None:
    """``to_paise``'s answer; the column path also reads the scientific notation spreadsheets write."""
    try:
        return to_paise(text)
    except AmountError:
        if not re.fullmatch(r"-?\d+(\.\d+)?[eE][-+]?\d+", text.strip()):
            return None
        try:
            return int((Decimal(text.strip()) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except (InvalidOperation, Overflow):  # beyond Decimal's digits or exponents: refused
            return None


@given(amount_texts)
def test_series_to_paise_agrees_with_to_paise(text: str) -> None:
    expected = _expected(text)
    assume(expected is None or abs(expected) <= INT64_MAX)
    values, bad = series_to_paise(pd.Series([text], dtype="str"))
    assert bool(bad.iloc[0]) == (expected is None)
    assert int(values[0]) == (expected or 0)


@given(st.lists(amount_texts, max_size=40))
def test_series_to_paise_agrees_on_whole_columns(texts: list[str]) -> None:
    expected = [_expected(t) for t in texts]
    assume(all(e is None or abs(e) <= INT64_MAX for e in expected))
    values, bad = series_to_paise(pd.Series(texts, dtype=object))
    assert bad.tolist() == [e is None for e in expected]
    assert values.tolist() == [e or 0 for e in expected]


def test_series_to_paise_reads_spreadsheet_cells_and_empties() -> None:
    column = pd.Series(
        ["1,23,456.50", None, np.nan, 12.345, 7, "1e-07", "1.5E+3", Decimal("2.50"), "abc"],
        dtype=object,
        index=range(10, 19),
    )
    values, bad = series_to_paise(column)
    assert values.dtype == np.int64
    assert values.tolist() == [12345650, 0, 0, 1235, 700, 0, 150000, 250, 0]
    assert bad.tolist() == [False] * 8 + [True]
    assert bad.index.tolist() == list(range(10, 19))


def test_series_to_paise_never_goes_through_float() -> None:
    big = "99,99,99,99,99,99,999.99"  # ₹10^15 less a paisa: float64 would lose the paise
    values, bad = series_to_paise(pd.Series([big, "0.995", "-0.005"]))
    assert values.tolist() == [99999999999999999, 100, -1]
    assert not bad.any()


def test_series_to_paise_refuses_amounts_beyond_int64() -> None:
    values, bad = series_to_paise(pd.Series(["99999999999999999999"]))
    assert bad.tolist() == [True]


@pytest.mark.parametrize(
    ("text", "paise"),
    [
        ("1,23,456.50", 12345650),
        ("123,456.50", 12345650),
        ("₹ 1,234", 123400),
        ("(1,234.00)", -123400),
        ("-12.5", -1250),
        ("", 0),
        ("0.125", 13),
        ("Rs.10", 1000),
    ],
)
def test_to_paise_examples(text: str, paise: int) -> None:
    assert to_paise(text) == paise


def test_to_paise_refusals_say_what_was_expected() -> None:
    with pytest.raises(AmountError, match="neither Indian nor western"):
        to_paise("12,34")
    with pytest.raises(AmountError, match="expected digits like 1,23,456.50"):
        to_paise("twelve")


def test_format_inr_and_to_rupees() -> None:
    assert format_inr(12345650) == "₹1,23,456.50"
    assert format_inr(-123400) == "-₹1,234.00"
    assert to_rupees(12345650) == Decimal("123456.50")


def test_an_exponent_beyond_decimals_range_is_refused_not_a_crash():
    values, bad = series_to_paise(pd.Series(["1E1000000", "12.50"], dtype=object))
    assert bad.tolist() == [True, False] and int(values[1]) == 1250
