"""Which reconciliation counts: every reader of ``match_result`` asks here.

*Current* results: for each recipient and return period, the rows of the newest run that covered it.
Re-running a reconciliation (of everything, or of one period) replaces its answer for what it
covered and leaves the other periods' answers as they were. Three shapes of that one definition,
for three sizes of question:

- :func:`current_results` narrows a select of many rows (a worklist, a scorecard, a bulk decision);
- :func:`current_run_id` answers for one recipient and period (an ITC position);
- :func:`current_result_ids` answers for a few documents (re-drawing a message about them, closing
  the follow-ups a newer reconciliation resolved).

The *latest run of a scope* (:func:`latest_run_id`) is another question: the newest run whose scope
takes in a recipient, which is what "export the reconciliation" means without a run number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select, Subquery
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.models import MatchResult, ReconciliationRun

Executor = Session | Connection


class NoReconciliation(UserFacingError):
    """Nothing has been reconciled yet (for the scope asked about)."""

    def __init__(self, recipient_gstin: str | None = None, period: str | None = None):
        scope = "".join(
            (f" for {recipient_gstin}" if recipient_gstin else "", f" in {period}" if period else ""))
        super().__init__(f"no reconciliation{scope} yet: run `ims reconcile` first")


def current_runs(recipients: Sequence[str] | None = None, period: str | None = None) -> Subquery:
    """``(recipient_gstin, return_period, run_id)``: the current run of each recipient and period
    that has results (of the given recipients and period only, when given)."""
    runs = select(
        MatchResult.recipient_gstin, MatchResult.return_period, func.max(MatchResult.run_id).label("run_id")
    ).group_by(MatchResult.recipient_gstin, MatchResult.return_period)
    if recipients:
        runs = runs.where(MatchResult.recipient_gstin.in_(list(recipients)))
    if period:
        runs = runs.where(MatchResult.return_period == period)
    return runs.subquery("current_runs")


def current_results(
    query: Select, *, recipients: Sequence[str] | None = None, period: str | None = None
) -> Select:
    """``query`` (selecting from ``match_result``) narrowed to the current results (of the given
    recipients and period only, when given)."""
    runs = current_runs(recipients, period)
    return query.join(
        runs,
        and_(
            MatchResult.run_id == runs.c.run_id,
            MatchResult.recipient_gstin == runs.c.recipient_gstin,
            MatchResult.return_period == runs.c.return_period,
        ),
    )


def current_run_id(executor: Executor, recipient_gstin: str, period: str) -> int | None:
    """The current run of one recipient and return period; None before its first reconciliation.
    (Read newest first along the run's index, so it stops at the first run with such a row.)"""
    return executor.execute(
        select(func.max(MatchResult.run_id)).where(
            MatchResult.recipient_gstin == recipient_gstin, MatchResult.return_period == period
        )
    ).scalar()


def current_result_ids(
    executor: Executor, document_ids: Iterable[int], *, books: bool = False
) -> dict[int, int]:
    """``{document id: its current result's id}`` for a few portal documents (or, with ``books``,
    purchase-register documents); a document no current run holds is left out. Its stored rows first
    (by the document index), then the current run of each recipient and period among them: a
    handful of indexed reads, however many rows the table has."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    document = MatchResult.purchase_document_id if books else MatchResult.portal_document_id
    rows = executor.execute(
        select(MatchResult.id, document, MatchResult.recipient_gstin, MatchResult.return_period,
               MatchResult.run_id)
        .where(document.in_(ids))
        .order_by(MatchResult.id)
    ).all()
    runs = {(r, p): current_run_id(executor, r, p) for r, p in {(row[2], row[3]) for row in rows}}
    return {doc: result for result, doc, recipient, period, run in rows if run == runs[(recipient, period)]}


def latest_run_id(executor: Executor, recipient_gstin: str | None = None) -> int:
    """The newest run whose scope takes in ``recipient_gstin`` (a run of every recipient does), or
    the newest run of all; :class:`NoReconciliation` when there is none."""
    query = select(func.max(ReconciliationRun.id))
    if recipient_gstin:
        query = query.where(ReconciliationRun.recipient_gstin.in_([recipient_gstin.strip().upper(), ""]))
    run_id = executor.execute(query).scalar()
    if run_id is None:
        raise NoReconciliation(recipient_gstin)
    return int(run_id)
