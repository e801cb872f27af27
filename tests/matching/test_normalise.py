"""Document-number normalisation: format differences vanish, real differences stay."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_core.matching.normalise import (
    describe_format_difference,
    fused_forms,
    normalise_number,
    normalise_numbers,
)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("inv/0042/25-26", "42"),
        ("INV-42", "42"),
        ("42", "42"),
        ("FY2025-26/42", "42"),
        ("FY26/42", "42"),
        ("2025/26/42", "42"),
        ("INV/2025/42", "42"),
        ("BILL 0042", "42"),
        ("TI/2301", "2301"),
        ("abc/24-25/0007", "ABC7"),
        ("A 0012 b", "A12B"),
        ("SIINV/24/25-26", "SIINV24"),
        ("2025", "2025"),
        ("INV", "INV"),
        ("", ""),
    ],
)
def test_known_forms(number, expected):
    assert normalise_number(number) == expected


def test_short_numbers_stay_apart():
    assert normalise_number("12") != normalise_number("112")
    assert normalise_number("12") != normalise_number("120")
    assert normalise_number("0012") == normalise_number("12")


def test_document_year_settles_which_token_is_the_year():
    # "26/27" also looks like a year; the document's own FY (2025-26) says the serial is 27
    assert normalise_number("GST/25-26/27", 2025) == "GST27"
    assert normalise_number("GST/25-26/25", 2025) == "GST25"
    assert normalise_number("GST/26-27/25", 2026) == "GST25"


def test_vectorised_matches_single():
    numbers = pd.Series(["inv/0042/25-26", None, "12", "FY26/7"])
    assert normalise_numbers(numbers).tolist() == [
        normalise_number(n) for n in ["inv/0042/25-26", "", "12", "FY26/7"]
    ]
    assert normalise_numbers(numbers, pd.Series([2025] * 4)).tolist() == ["42", "", "12", "7"]


def test_fused_year_fallback():
    plain = pd.Series(["MS2025260002", "LTINV32526", "2526005", "INV3"])
    assert fused_forms(plain).tolist() == ["MS2", "LTINV3", "5", "3"]


def test_format_description_names_the_differences():
    text = describe_format_difference("inv/0042/25-26", "INV-42")
    assert text.startswith("doc_number format only (")
    for word in ("case", "separators", "financial-year token", "leading zeros"):
        assert word in text
    assert "books 'inv/0042/25-26' vs portal 'INV-42'" in text


# --- properties -------------------------------------------------------------------------------------

serial = st.integers(min_value=1, max_value=999_999)
series = st.text(alphabet="ABCDEFGHJKMNPQRSUVWXYZ", min_size=0, max_size=3)
fy_forms = st.sampled_from(["", "25-26", "2025-26", "2025/26", "FY26", "FY2025-26", "2025-2026"])
prefixes = st.sampled_from(["", "INV", "BILL", "TI", "INVOICE"])
separators = st.sampled_from(["/", "-", " / ", " "])


def _compose(prefix: str, letters: str, fy: str, number: int, zeros: int, sep: str, fy_first: bool) -> str:
    parts = [p for p in (prefix, letters) if p]
    digits = "0" * zeros + str(number)
    body = [fy, digits] if fy_first else [digits, fy]
    return sep.join(parts + [p for p in body if p])


@settings(max_examples=300, deadline=None)
@given(
    prefixes,
    series,
    fy_forms,
    fy_forms,
    serial,
    st.integers(0, 4),
    st.integers(0, 4),
    separators,
    separators,
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_format_variants_normalise_equal(
    prefix, letters, fy_a, fy_b, number, zeros_a, zeros_b, sep_a, sep_b, first_a, first_b, lower
):
    a = _compose(prefix, letters, fy_a, number, zeros_a, sep_a, first_a)
    b = _compose("", letters, fy_b, number, zeros_b, sep_b, first_b)
    if lower:
        a = a.lower()
    assert normalise_number(a, 2025) == normalise_number(b, 2025)


@settings(max_examples=300, deadline=None)
@given(series, serial, serial, fy_forms, separators)
def test_different_serials_stay_different(letters, one, two, fy, sep):
    if one == two:
        return
    a = sep.join(p for p in (letters, fy, str(one)) if p)
    b = sep.join(p for p in (letters, fy, str(two)) if p)
    assert normalise_number(a, 2025) != normalise_number(b, 2025)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_idempotent_and_alphanumeric(text):
    once = normalise_number(text, 2025)
    assert re.fullmatch("[A-Z0-9]*", once)
    assert normalise_number(once, 2025) == once
