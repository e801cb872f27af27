"""Which reconciliation counts: the current results in each of their three shapes agree, and a run of
one period replaces that period's answer only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from ims_core.matching.current import (
    NoReconciliation,
    current_result_ids,
    current_results,
    current_run_id,
    latest_run_id,
)
from ims_core.models import MatchResult, ReconciliationRun

R, Q = "27AADCD4821K1ZM", "29AAFCC9980M1ZR"


def _run(session: Session, recipient: str, period: str, rows: list[tuple[int, str, str]]) -> int:
    """A run of ``recipient`` (and ``period``) holding (portal document id, return period, status) rows."""
    run = ReconciliationRun(recipient_gstin=recipient, period=period)
    session.add(run)
    session.flush()
    session.add_all([MatchResult(run_id=run.id, portal_document_id=doc, status=status,
                                 recipient_gstin=recipient, return_period=doc_period)
                     for doc, doc_period, status in rows])
    session.commit()
    return run.id


@pytest.fixture
def runs(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        everything = _run(session, R, "", [(1, "092025", "matched"), (2, "102025", "mismatch")])
        october = _run(session, R, "102025", [(2, "102025", "matched"), (3, "102025", "missing_in_books")])
        other = _run(session, Q, "", [(9, "102025", "probable")])
    return everything, october, other


def test_a_period_run_replaces_that_period_only(engine, runs):
    everything, october, other = runs
    with Session(engine) as session:
        rows = session.execute(current_results(
            select(MatchResult.portal_document_id, MatchResult.run_id, MatchResult.status)
            .order_by(MatchResult.portal_document_id))).all()
        assert [tuple(r) for r in rows] == [(1, everything, "matched"), (2, october, "matched"),
                                            (3, october, "missing_in_books"), (9, other, "probable")]
        narrowed = session.execute(current_results(
            select(MatchResult.portal_document_id), recipients=[R], period="102025")).scalars().all()
        assert sorted(narrowed) == [2, 3]


def test_one_period_and_a_few_documents_give_the_same_answer(engine, runs):
    everything, october, other = runs
    with Session(engine) as session:
        assert current_run_id(session, R, "092025") == everything
        assert current_run_id(session, R, "102025") == october
        assert current_run_id(session, Q, "102025") == other
        assert current_run_id(session, R, "112025") is None
        found = current_result_ids(session, [1, 2, 3, 9, 404])
        by_id = {r.id: r for r in session.execute(select(MatchResult)).scalars()}
        assert {doc: (by_id[result].run_id, by_id[result].status) for doc, result in found.items()} == {
            1: (everything, "matched"), 2: (october, "matched"), 3: (october, "missing_in_books"),
            9: (other, "probable")}
        assert current_result_ids(session, []) == {}


def test_the_latest_run_of_a_scope(engine, runs):
    everything, october, other = runs
    with Session(engine) as session:
        assert latest_run_id(session) == other
        assert latest_run_id(session, R.lower()) == october
        all_recipients = _run(session, "", "", [])  # a run of every recipient takes in each of them
        assert latest_run_id(session, R) == latest_run_id(session, Q) == all_recipients


def test_nothing_reconciled_yet(engine):
    with Session(engine) as session, pytest.raises(NoReconciliation) as raised:
        latest_run_id(session, R)
    assert str(raised.value) == f"no reconciliation for {R} yet: run `ims reconcile` first"


def test_books_are_asked_about_the_same_way(engine):
    with Session(engine) as session:
        first, again = (ReconciliationRun(recipient_gstin=R) for _ in range(2))
        session.add_all([first, again])
        session.flush()
        session.add_all([MatchResult(run_id=run.id, purchase_document_id=7, status=status, recipient_gstin=R,
                                     return_period="102025")
                         for run, status in ((first, "missing_in_portal"), (again, "matched"))])
        session.commit()
        [(book, result)] = current_result_ids(session, [7], books=True).items()
        assert book == 7 and session.get(MatchResult, result).status == "matched"
        assert current_result_ids(session, [7]) == {}  # no portal document 7
