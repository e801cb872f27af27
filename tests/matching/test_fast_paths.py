"""The shortcuts that keep a million-row reconciliation fast must say exactly what the long way says:
column-wise rupee and reason texts, the shortcut for simple document numbers, the fused-year
pre-check, and reading one supplier PAN's documents through the GSTIN index."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from support.matching import S1, S1_SISTER, book, insert_documents, portal

from ims_core.gst.money import format_inr
from ims_core.gst.money_columns import format_inr_array
from ims_core.matching import normalise
from ims_core.matching.frames import read_books, read_portal
from ims_core.matching.normalise import _NON_ALNUM, _normalise_one, _normalise_rules, _patterns, fused_texts
from ims_core.matching.reasons import date_reason, date_reasons, money_reason, money_reasons

AMOUNTS = st.one_of(st.integers(-10**12, 10**12), st.integers(-2**63, 2**63 - 1),
                    st.sampled_from([0, 1, -1, 99, 100, -100, 99_999, 100_000, 9_999_999, 10_000_000,
                                     10**17 - 1, 10**17, -(10**17)]))


@settings(max_examples=300, deadline=None)
@given(st.lists(AMOUNTS, max_size=40), st.booleans())
def test_rupees_of_a_column_read_like_one_by_one(values, symbol):
    formatted = format_inr_array(np.array(values, dtype="int64"), symbol)
    assert formatted.tolist() == [format_inr(v, symbol) for v in values]
    assert all(type(text) is str for text in formatted)


def test_rupees_beyond_int64_fall_back():
    values = np.array([10**30, -5, 12345650], dtype=object)
    assert format_inr_array(values).tolist() == [format_inr(v) for v in values]
    assert format_inr_array(np.empty(0, "int64")).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-10**11, 10**11), st.integers(-10**11, 10**11)), max_size=20),
       st.integers(0, 1000))
def test_money_reasons_of_a_column_read_like_one_by_one(pairs, tolerance):
    books = np.array([b for b, _ in pairs], dtype="int64")
    portal_values = np.array([p for _, p in pairs], dtype="int64")
    assert money_reasons("igst", books, portal_values, tolerance).tolist() == \
        [money_reason("igst", b, p, tolerance) for b, p in pairs]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-40_000, 40_000), st.integers(-40_000, 40_000)), max_size=20),
       st.integers(0, 3))
def test_date_reasons_of_a_column_read_like_one_by_one(pairs, tolerance):
    books = np.array([b for b, _ in pairs], dtype="int64")
    portal_days = np.array([p for _, p in pairs], dtype="int64")
    assert date_reasons(books, portal_days, tolerance).tolist() == \
        [date_reason(b, p, tolerance) for b, p in pairs]


LETTERS = st.sampled_from(["", "INV", "TAXINV", "TAXINVOICE", "INVOICE", "BILL", "TI", "CRN", "CN", "DBN",
                           "DN", "NO", "FY", "AFY", "FYX", "A", "SP", "KPINV", "INVINV", "NOINV", "TAX", "T"])
SEPARATORS = st.sampled_from(["", "-", "/", " ", "--", "/ ", " / ", ".", "#", ":", "_", "-/"])
DIGITS = st.lists(st.sampled_from(["0", "00", "1", "01", "0042", "2025", "2026", "2526", "25", "26", "12345",
                                   "0000007", "20252026", "202526"]), min_size=1, max_size=3).map("".join)


@settings(max_examples=500, deadline=None)
@given(LETTERS, SEPARATORS, DIGITS, st.sampled_from([None, 2024, 2025, 2026]))
def test_simple_numbers_take_the_shortcut_to_the_same_form(letters, separator, digits, fy):
    text = (letters + separator + digits).strip()
    own = _patterns(pd.Series([fy]), 1)[0] if fy is not None else None
    plain = _NON_ALNUM.sub("", text)
    assert _normalise_one(text, own, plain) == _normalise_rules(text, own, plain)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ABINVMS", max_size=14))
def test_fused_precheck_changes_nothing(plain):
    unfused = normalise._FUSED.sub("", plain, count=1)
    text = normalise._LEADING_ZEROS.sub("", normalise._PREFIX.sub("", unfused))
    expected = text if normalise._HAS_DIGIT.search(text) else plain
    assert fused_texts([plain]) == [expected]


def test_reading_one_pan_finds_its_gstins_and_keeps_the_stored_pan(engine):
    other = "24AAACX1234M1ZP"
    insert_documents(
        engine,
        [book(1, "1"), book(2, "2", supplier=S1_SISTER), book(3, "3", supplier=other),
         book(4, "4", supplier_pan="")],  # a stored PAN that is not the GSTIN's is not the PAN's document
        [portal(101, "1"), portal(102, "2", supplier=S1_SISTER), portal(103, "3", supplier=other)],
    )
    pan = S1[2:12]
    books, portals = read_books(engine, supplier_pans=[pan]), read_portal(engine, supplier_pans=[pan])
    assert books["id"].tolist() == [1, 2]
    assert portals["id"].tolist() == [101, 102]
    everything = read_books(engine)
    expected = everything[everything["supplier_pan"] == pan].reset_index(drop=True)
    pd.testing.assert_frame_equal(books, expected)
    assert read_books(engine, supplier_pans=["ZZZZZ9999Z"]).empty


def test_sqlite_json_read_equals_the_driver_read(tmp_path, monkeypatch):
    """On SQLite the frames are read as JSON arrays per column; the driver's tuples must give the
    same rows, for the whole table and for one recipient, chunk boundaries included."""
    from sqlalchemy import select

    from ims_core.db import build_engine
    from ims_core.db.schema import migrate
    from ims_core.ingest.books import parse_books
    from ims_core.ingest.gstr2b import parse_gstr2b
    from ims_core.ingest.loader import load
    from ims_core.matching import frames
    from ims_core.models import PortalDocument, PurchaseDocument
    from ims_core.samplegen import generate, write_books_csv, write_gstr2b_json

    engine = build_engine(f"sqlite:///{tmp_path / 'json.db'}")
    migrate(engine)
    month = generate(600, seed=5)
    load(engine, parse_books(write_books_csv(month, tmp_path / "books.csv")))
    load(engine, parse_gstr2b([write_gstr2b_json(month, tmp_path / "gstr2b.json")]))
    monkeypatch.setattr(frames, "FETCH_ROWS", 97)  # many chunks, the last one short
    with engine.connect() as conn:
        for read, table in ((frames.read_books, PurchaseDocument.__table__),
                            (frames.read_portal, PortalDocument.__table__)):
            for recipient in (None, month.recipient_gstin):
                by_json = read(conn, recipient)
                query = select(*[table.c[name] for name in by_json.columns])
                if recipient:
                    query = query.where(table.c.recipient_gstin == recipient)
                dates = [name for name in by_json.columns if name.endswith("doc_date")]
                by_driver = frames._typed(frames._driver_chunks(conn, query), list(by_json.columns), dates)
                assert len(by_json) > 500  # the order of rows is the scan's (the engine sorts by id)
                pd.testing.assert_frame_equal(by_json.sort_values("id", ignore_index=True),
                                              by_driver.sort_values("id", ignore_index=True))
