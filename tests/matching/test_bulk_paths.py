"""The paths that only large scopes take (shared number forms, index rebuild, chunked CSV), forced
on small data by lowering their thresholds, must give what the ordinary paths give."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import inspect
from support.matching import S1, S1_SISTER, book, frame, insert_documents, portal

from ims_core.db import bulk_write
from ims_core.matching.frames import prepare, prepare_both
from ims_core.matching.normalise import normalise_number, number_forms
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult
from ims_core.reports import export_rows
from ims_core.reports.export import export_reconciliation

from .test_run import stored


def test_repeated_numbers_keep_their_own_year():
    # the same text in two financial years normalises by each document's year, not the first seen
    numbers = pd.Series(["GST/25-26/27", "GST/25-26/27", "GST/26-27/25", None, "GST/26-27/25", "0042"])
    years = pd.Series([2025, 2026, 2026, 2025, 2025, 2025])
    forms = number_forms(numbers, years)
    expected = [normalise_number("" if pd.isna(n) else n, y) for n, y in zip(numbers, years, strict=True)]
    assert forms["norm"].tolist() == expected
    assert forms["norm"].tolist()[:2] == ["GST27", "GST25"]
    assert forms["plain"].tolist() == ["GST252627", "GST252627", "GST262725", "", "GST262725", "0042"]
    assert list(forms.index) == list(numbers.index)


def test_prepare_both_equals_preparing_each_side():
    books = frame([book(1, "inv/0007/25-26"), book(3, "X-1", date="2026-05-01"),
                   book(2, "7", supplier=f" {S1_SISTER.lower()} ", supplier_pan="")])
    portals = frame([portal(101, "INV-7"), portal(102, "inv/0007/25-26"), portal(103, "X-1")])
    shared_books, shared_portal = prepare_both(books, portals)
    pd.testing.assert_frame_equal(shared_books, prepare(books))
    pd.testing.assert_frame_equal(shared_portal, prepare(portals))
    assert shared_books["supplier_gstin"].tolist()[2] == S1_SISTER
    assert shared_books["pan"].tolist() == [S1[2:12]] * 3


def _documents(engine) -> None:
    insert_documents(
        engine,
        [book(1, "7"), book(2, "8", taxable=2_000_000), book(3, "9"), book(4, "9", occurrence=2)],
        [portal(101, "7"), portal(102, "8", taxable=2_100_000), portal(103, "10"), portal(104, "A-1")],
    )


def test_large_run_rebuilds_the_indexes_it_drops(engine, monkeypatch):
    _documents(engine)
    ordinary = run_reconciliation(engine, tolerances=Tolerances())
    monkeypatch.setattr(bulk_write, "REBUILD_INDEXES_FROM", 1)
    indexes = {i["name"] for i in inspect(engine).get_indexes(MatchResult.__tablename__)}
    # as many new rows as the table holds: dropped and rebuilt; then fewer: kept as they are
    rebuilt = run_reconciliation(engine, tolerances=Tolerances())
    kept = run_reconciliation(engine, tolerances=Tolerances())
    columns = [c for c in stored(engine, ordinary.id).columns if c not in ("id", "run_id")]
    for other in (rebuilt, kept):
        pd.testing.assert_frame_equal(stored(engine, other.id)[columns], stored(engine, ordinary.id)[columns])
    assert len(indexes) >= 5
    assert {i["name"] for i in inspect(engine).get_indexes(MatchResult.__tablename__)} == indexes


def test_chunked_csv_is_the_same_file(engine, tmp_path, monkeypatch):
    _documents(engine)
    run_reconciliation(engine, tolerances=Tolerances())
    out = tmp_path / "out"
    out.mkdir()
    whole = export_reconciliation(engine, out / "whole.csv")
    monkeypatch.setattr(export_rows, "CHUNK", 2)
    chunked = export_reconciliation(engine, out / "chunked.csv")
    assert (out / "chunked.csv").read_bytes() == (out / "whole.csv").read_bytes()
    assert chunked.rows == whole.rows == 6
    assert chunked.counts == whole.counts
    assert sorted(p.name for p in out.iterdir()) == ["chunked.csv", "whole.csv"]  # no partial file left
