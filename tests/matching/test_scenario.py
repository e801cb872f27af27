"""The labelled scenario: pair precision and recall ≥ 0.99, status accuracy ≥ 0.98."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from support.matching import insert_documents
from support.matching_scenario import CASES, Scenario, generate

from ims_core.matching.engine import reconcile_frames
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult


def measure(scenario: Scenario, results: pd.DataFrame) -> dict[str, float]:
    paired = results.dropna(subset=["purchase_document_id", "portal_document_id"])
    predicted = set(
        zip(paired["purchase_document_id"].astype(int), paired["portal_document_id"].astype(int), strict=True)
    )
    hits = len(predicted & scenario.pairs)
    status: dict[tuple[str, int], str] = {}
    for row in results.itertuples():
        key = (
            ("b", int(row.purchase_document_id))
            if not pd.isna(row.purchase_document_id)
            else ("p", int(row.portal_document_id))
        )
        status[key] = row.status
    right = sum(status.get(key) == expected for key, expected in scenario.status.items())
    return {
        "precision": hits / max(len(predicted), 1),
        "recall": hits / len(scenario.pairs),
        "status_accuracy": right / len(scenario.status),
        "unexpected_rows": len(set(status) - set(scenario.status)),
    }


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_labelled_scenario_on_frames(seed):
    scenario = generate(1500, seed)
    assert len(scenario.books) + len(scenario.portals) > 3000
    kinds = {kind for kind in CASES}
    assert kinds == set(CASES)
    scores = measure(
        scenario, reconcile_frames(scenario.books_frame(), scenario.portal_frame(), Tolerances())
    )
    assert scores["precision"] >= 0.99, scores
    assert scores["recall"] >= 0.99, scores
    assert scores["status_accuracy"] >= 0.98, scores
    assert scores["unexpected_rows"] == 0, scores


def test_labelled_scenario_through_the_database(engine):
    scenario = generate(600, 21)
    insert_documents(engine, scenario.books, scenario.portals)
    run = run_reconciliation(engine, actor="test", tolerances=Tolerances())
    with engine.connect() as conn:
        stored = pd.read_sql(
            select(MatchResult.__table__).where(MatchResult.__table__.c.run_id == run.id), conn
        )
    scores = measure(scenario, stored)
    assert scores["precision"] >= 0.99 and scores["recall"] >= 0.99, scores
    assert scores["status_accuracy"] >= 0.98, scores
    assert not stored["portal_document_id"].isin(list(scenario.no_row)).any()
