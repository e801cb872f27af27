"""A large scope reconciled in PAN parts side by side gives the very rows of one run."""

from __future__ import annotations

import pandas as pd
import pytest
from support.matching_scenario import generate

from ims_core.matching import parallel
from ims_core.matching.engine import reconcile_frames
from ims_core.matching.frames import pan_blocks
from ims_core.matching.scoring import Tolerances


@pytest.mark.parametrize("workers", [2, 3])
def test_parts_give_the_same_rows(monkeypatch, workers):
    scenario = generate(800, seed=31)  # GSTIN slips within a PAN, duplicates, amendments, the traps
    books, portal = scenario.books_frame(), scenario.portal_frame()
    whole = reconcile_frames(books, portal, Tolerances())
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    book_parts, portal_parts = parallel._parts(books, portal, workers)
    assert set(book_parts.tolist()) == set(portal_parts.tolist()) == set(range(workers))  # all have work
    pd.testing.assert_frame_equal(reconcile_frames(books, portal, Tolerances(), workers), whole)


def test_a_pan_lands_in_one_part_on_both_sides():
    scenario = generate(300, seed=32)
    books, portal = scenario.books_frame(), scenario.portal_frame()
    part = {}
    for frame, parts in zip((books, portal), parallel._parts(books, portal, 3), strict=True):
        for pan, k in zip(pan_blocks(frame), parts, strict=True):
            assert part.setdefault(pan, k) == k
    sizes = pd.Series(list(pan_blocks(books)) + list(pan_blocks(portal))).value_counts()
    loads = pd.Series(part).groupby(pd.Series(part)).apply(lambda pans: sizes[pans.index].sum())
    assert loads.max() - loads.min() <= sizes.max()  # balanced to within one PAN's documents


def test_a_failing_part_raises_in_the_caller(monkeypatch):
    scenario = generate(100, seed=33)
    books, portal = scenario.books_frame(), scenario.portal_frame()
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    book_parts, _ = parallel._parts(books, portal, 2)
    forked_part = set(books["id"][book_parts == 1])  # part 0 is the calling process's own
    done_here = []

    def fail_in_the_child(part_books, part_portal, tolerances):
        if set(part_books["id"]) == forked_part:
            raise ValueError("the forked part failed")
        done_here.append(len(part_books))
        return reconcile_frames(part_books, part_portal, tolerances)

    with pytest.raises(ValueError, match="the forked part failed"):
        parallel.reconcile_in_parts(books, portal, Tolerances(), 2, fail_in_the_child)
    assert done_here == [int((book_parts == 0).sum())]


def test_small_scopes_stay_in_one_process():
    scenario = generate(50, seed=34)
    seen = []

    def record(books, portal, tolerances):
        seen.append((len(books), len(portal)))
        return reconcile_frames(books, portal, tolerances)

    parallel.reconcile_in_parts(scenario.books_frame(), scenario.portal_frame(), Tolerances(), 4, record)
    assert seen == [(len(scenario.books), len(scenario.portals))]


@pytest.mark.parametrize("period", [None, "052025"])
def test_a_run_on_two_workers_stores_what_one_process_stores(engine, monkeypatch, period):
    """Two workers: the books read by a forked process while this one reads the portal, then PAN
    parts reconciled side by side; a period's run keeps the same rows of them."""
    from support.matching import insert_documents

    from ims_core.matching.run import run_reconciliation

    from .test_run import stored

    scenario = generate(300, seed=36)
    insert_documents(engine, scenario.books, scenario.portals)
    one = run_reconciliation(engine, tolerances=Tolerances(), period=period)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    two = run_reconciliation(engine, tolerances=Tolerances(), period=period, workers=2)
    columns = [c for c in stored(engine, one.id).columns if c not in ("id", "run_id")]
    pd.testing.assert_frame_equal(stored(engine, two.id)[columns], stored(engine, one.id)[columns])
    assert one.counts_json == two.counts_json


@pytest.mark.parametrize("period", [None, "052025"])
def test_books_read_beforehand_and_the_portal_in_halves_store_what_one_process_stores(engine, monkeypatch,
                                                                                       period):
    """``ims run``'s way: the books read while its GSTR-2B was being imported, the portal records in two
    halves at once; the same frames as one read, so the same rows."""
    from support.matching import insert_documents

    from ims_core.matching import run
    from ims_core.matching.frames import read_portal

    from .test_run import stored

    scenario = generate(300, seed=37)
    insert_documents(engine, scenario.books, scenario.portals)
    one = run.run_reconciliation(engine, tolerances=Tolerances(), period=period)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    books = run.read_scope_books(engine, None, period)
    two = run.run_reconciliation(engine, tolerances=Tolerances(), period=period, workers=2, books=books)
    columns = [c for c in stored(engine, one.id).columns if c not in ("id", "run_id")]
    pd.testing.assert_frame_equal(stored(engine, two.id)[columns], stored(engine, one.id)[columns])
    assert one.counts_json == two.counts_json
    with engine.connect() as conn:
        pd.testing.assert_frame_equal(run._portal_in_halves(conn, None, None), read_portal(conn))
