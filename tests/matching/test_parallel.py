"""A large scope reconciled in PAN parts side by side gives the very rows of one run."""

from __future__ import annotations

import pandas as pd
import pytest

from ims_core.matching import parallel
from ims_core.matching.engine import reconcile_frames
from ims_core.matching.frames import pan_blocks
from ims_core.matching.scoring import Tolerances

from .scenario import generate


@pytest.mark.parametrize("workers", [2, 3])
def test_parts_give_the_same_rows(monkeypatch, workers):
    scenario = generate(800, seed=31)  # GSTIN slips within a PAN, duplicates, amendments, the traps
    books, portal = scenario.books_frame(), scenario.portal_frame()
    whole = reconcile_frames(books, portal, Tolerances())
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    parts = parallel._parts(books, workers)
    assert len(set(parts.tolist())) == workers  # every part has work
    pd.testing.assert_frame_equal(reconcile_frames(books, portal, Tolerances(), workers), whole)


def test_a_pan_lands_in_one_part_on_both_sides():
    scenario = generate(300, seed=32)
    books, portal = scenario.books_frame(), scenario.portal_frame()
    part = {}
    for frame in (books, portal):
        for pan, k in zip(pan_blocks(frame), parallel._parts(frame, 3), strict=True):
            assert part.setdefault(pan, k) == k


def test_a_failing_part_raises_in_the_caller(monkeypatch):
    scenario = generate(100, seed=33)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    calls = []

    def refuse_second_half(books, portal, tolerances):  # noqa: ANN001, ANN202
        calls.append(len(books))
        if parallel._parts(books, 2).min() == 1:
            raise ValueError("part 1 failed")
        return reconcile_frames(books, portal, tolerances)

    with pytest.raises(ValueError, match="part 1 failed"):
        parallel.reconcile_in_parts(scenario.books_frame(), scenario.portal_frame(), Tolerances(), 2,
                                    refuse_second_half)
    assert calls  # the calling process did its own part


def test_small_scopes_stay_in_one_process():
    scenario = generate(50, seed=34)
    seen = []

    def record(books, portal, tolerances):  # noqa: ANN001, ANN202
        seen.append((len(books), len(portal)))
        return reconcile_frames(books, portal, tolerances)

    parallel.reconcile_in_parts(scenario.books_frame(), scenario.portal_frame(), Tolerances(), 4, record)
    assert seen == [(len(scenario.books), len(scenario.portals))]


def test_a_run_with_workers_stores_the_same_results(engine, monkeypatch):
    from ims_core.matching.run import run_reconciliation

    from .helpers import insert_documents
    from .test_run import stored

    scenario = generate(300, seed=35)
    insert_documents(engine, scenario.books, scenario.portals)
    one = run_reconciliation(engine, tolerances=Tolerances())
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    two = run_reconciliation(engine, tolerances=Tolerances(), workers=2)
    columns = [c for c in stored(engine, one.id).columns if c not in ("id", "run_id")]
    pd.testing.assert_frame_equal(stored(engine, two.id)[columns], stored(engine, one.id)[columns])
    assert one.counts_json == two.counts_json
