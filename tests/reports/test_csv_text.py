"""The export's CSV text (:mod:`ims_core.csv_text`) must be the ``csv`` module's, byte for byte."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_core.reports import csv_text
from ims_core.reports.csv_text import csv_fields, csv_rows

AWKWARD = st.sampled_from('a1 ,"\r\n₹\t;\'')
FIELDS = st.one_of(st.none(), st.integers(), st.text(alphabet=AWKWARD | st.characters()))


def _csv_module(rows: list[list]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@given(st.integers(min_value=2, max_value=6).flatmap(
    lambda width: st.lists(st.lists(FIELDS, min_size=width, max_size=width), max_size=8)))
def test_rows_are_the_csv_modules(rows):
    width = len(rows[0]) if rows else 2
    columns = [[row[j] for row in rows] for j in range(width)]
    assert "".join(csv_rows(columns)) == _csv_module(rows)


def test_awkward_fields_round_trip():
    columns = [["A,1", 'say "hi"', "two\nlines", "cr\rhere", ""], [None, 7, "plain", "", "₹1,00,000.00"]]
    text = "".join(csv_rows(columns))
    assert text.splitlines(keepends=True)[0] == '"A,1",\r\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["A,1", ""], ['say "hi"', "7"], ["two\nlines", "plain"], ["cr\rhere", ""], ["", "₹1,00,000.00"]]


def test_a_column_without_awkward_text_is_returned_as_it_is():
    plain = ["29AAACA1234A1Z5", "2025-04-01", "12.50"]
    assert csv_fields(plain) is plain
    assert csv_fields([None, 12, "x"]) == ["", "12", "x"]


def test_one_column_is_refused():
    """A lone empty field is written ``""`` by the csv module, a case an export never has."""
    with pytest.raises(ValueError, match="two columns or more"):
        next(csv_rows([["a", ""]]))


def test_many_rows_come_in_pieces_of_whole_lines(monkeypatch):
    monkeypatch.setattr(csv_text, "LINES_AT_ONCE", 3)
    columns = [[str(k) for k in range(7)], ["a,b"] * 7]
    pieces = list(csv_rows(columns))
    assert [piece.count("\r\n") for piece in pieces] == [3, 3, 1]
    assert "".join(pieces) == _csv_module([list(row) for row in zip(*columns, strict=True)])
