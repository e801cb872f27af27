"""Dates as Indian registers and the portal write them: every accepted form round-trips, row by row and
column-wise."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_core.gst.dates import DateError, date_problem, parse_date, series_to_dates

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
FORMATS = [
    lambda d: d.strftime("%Y-%m-%d"),
    lambda d: d.strftime("%d-%m-%Y"),
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: d.strftime("%d.%m.%Y"),
    lambda d: f"{d.day}-{d.month}-{d.year:04d}",  # not zero-padded
    lambda d: f"{d.day}/{d.month}/{d.year:04d}",
    lambda d: f"{d.day}-{d.strftime('%b')}-{d.year:04d}",  # Tally: 1-Apr-2025
    lambda d: d.strftime("%d-%b-%Y").upper(),
    lambda d: d.strftime("%d %b %Y"),
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: d.strftime("%Y-%m-%d") + " 00:00:00",  # an Excel date cell read as text
    lambda d: d.strftime("%Y-%m-%d") + "T10:30:00",
]


@given(st.lists(days, min_size=1, max_size=20), st.integers(0, len(FORMATS) - 1))
@settings(max_examples=50)  # each example reads a whole column of dates
def test_every_accepted_form_round_trips(dates: list[dt.date], form: int) -> None:
    texts = [FORMATS[form](day) for day in dates]
    assert [parse_date(text) for text in texts] == dates
    parsed, bad = series_to_dates(pd.Series(texts, dtype="str"))
    assert not bad.any()
    assert [p.date() for p in parsed] == dates


@given(
    st.lists(
        st.dates(min_value=dt.date(1969, 1, 1), max_value=dt.date(2068, 12, 31)), min_size=1, max_size=20
    )
)
@settings(max_examples=30)
def test_two_digit_years_round_trip_in_the_window(dates: list[dt.date]) -> None:
    texts = [day.strftime("%d-%b-%y") for day in dates]
    assert [parse_date(text) for text in texts] == dates
    assert [p.date() for p in series_to_dates(pd.Series(texts))[0]] == dates


@given(
    st.lists(
        st.one_of(
            st.tuples(days, st.integers(0, len(FORMATS) - 1)),
            st.sampled_from(["", "31-02-2025", "2025-13-01", "tomorrow", "1-Apr"]),
        ),
        max_size=30,
    )
)
@settings(max_examples=50)
def test_series_to_dates_agrees_with_parse_date(cells: list) -> None:
    texts = [FORMATS[c[1]](c[0]) if isinstance(c, tuple) else c for c in cells]
    parsed, bad = series_to_dates(pd.Series(texts, dtype=object))
    for text, value, is_bad in zip(texts, parsed, bad, strict=True):
        try:
            expected = parse_date(text)
        except DateError:
            assert is_bad and pd.isna(value)
            continue
        assert not is_bad
        assert (pd.isna(value) and expected is None) or value.date() == expected


def test_series_to_dates_output_and_empties() -> None:
    column = pd.Series(["2025-04-01", "", None, "1-Apr-2025", "01-04-0025"], index=[5, 6, 7, 8, 9])
    parsed, bad = series_to_dates(column)
    assert str(parsed.dtype) == "datetime64[ns]"
    assert parsed.index.tolist() == [5, 6, 7, 8, 9]
    assert bad.tolist() == [False, False, False, False, True]  # year 25: a typo, outside 1900-2200
    assert parsed.isna().tolist() == [False, True, True, False, True]


def test_series_to_dates_passes_datetime_columns_through() -> None:
    column = pd.Series(pd.to_datetime(["2025-04-01", None]))
    parsed, bad = series_to_dates(column)
    assert parsed.iloc[0] == pd.Timestamp("2025-04-01") and pd.isna(parsed.iloc[1])
    assert not bad.any()


def test_series_to_dates_reads_date_objects() -> None:
    parsed, bad = series_to_dates(
        pd.Series([dt.datetime(2025, 4, 1, 0, 0), dt.date(2025, 5, 2)], dtype=object)
    )
    assert [d.date() for d in parsed] == [dt.date(2025, 4, 1), dt.date(2025, 5, 2)]
    assert not bad.any()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("31-02-2025", "'31-02-2025' is not a real date"),
        ("tomorrow", "'tomorrow' is not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)"),
        ("01-04-0025", "'01-04-0025' is outside the years 1900-2200"),
    ],
)
def test_date_problem_words(text: str, words: str) -> None:
    assert date_problem(text) == words
