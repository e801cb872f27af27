"""Run the engine on a scope of the database and store the results: one transaction, bulk writes.

Scope. Without a period: every document (of one recipient, or of all). With a period ``MMYYYY``:
the engine sees the books dated up to the end of that month and the portal records of return periods
up to it (so a document booked in April and reported in May still pairs in May), and the run keeps
the results that touch the period: a portal record of that return period, or a book dated in it.

Writing. ``match_result`` rows go in through the bulk writer the loader uses too
(:func:`ims_core.db.bulk_write.bulk_insert`: ``COPY`` on PostgreSQL, ``executemany`` on SQLite),
inside the same transaction as the ``reconciliation_run`` row: a failed run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.db.bulk_write import bulk_insert
from ims_core.errors import UserFacingError
from ims_core.forking import in_child, own_connections
from ims_core.gst.dates import parse_period, period_bounds, period_key
from ims_core.matching import parallel
from ims_core.matching.engine import RESULT_COLUMNS, STATUSES, reconcile_frames
from ims_core.matching.frames import read_books, read_portal
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, ReconciliationRun
from ims_core.models.base import net_signs

OnResults = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame], None]
OnStage = Callable[[int, int], None]  # (documents done, documents in the scope): a progress bar


def run_reconciliation(session_or_engine: Session | Engine | Connection, recipient_gstin: str | None = None,
                       period: str | None = None, actor: str | audit.Actor = "cli",
                       tolerances: Tolerances | None = None, workers: int = 1,
                       on_results: OnResults | None = None,
                       on_stage: OnStage | None = None,
                       books: pd.DataFrame | None = None) -> ReconciliationRun:
    """Reconcile a scope, store the run and its results, and return the run (with its counts).

    With a ``Session`` the writes join the session's transaction (the caller commits); with an
    ``Engine`` the function commits itself. ``workers`` above one lets a large scope use forked
    processes (:mod:`ims_core.matching.parallel`): only for a caller running no other threads.

    ``on_results(results, books, portal)`` is called with the result rows, in the order they will be
    stored, and the document frames they come from, just before they are stored: ``ims run``
    starts writing its export from them there, in a forked process, while this one stores them.

    ``on_stage(done, total)`` is told the work's progress in documents: 0 of the scope's documents once
    they are read, half once they are matched, all once the results are stored (a progress bar).

    ``books``: the scope's books as :func:`read_scope_books` read them, when the caller read them
    beforehand (``ims run``, while its GSTR-2B was being imported); a large scope's portal records are
    then read in two halves at once, one by a forked process.
    """
    tol = tolerances or Tolerances.from_settings()
    recipient, period = _scope(recipient_gstin, period)
    if isinstance(session_or_engine, Session):
        return _run(session_or_engine.connection(), recipient, period, actor, tol, workers, on_results,
                    on_stage=on_stage, books=books)
    if isinstance(session_or_engine, Connection):
        return _run(session_or_engine, recipient, period, actor, tol, workers, on_results, on_stage=on_stage,
                    books=books)
    with session_or_engine.begin() as conn:
        return _run(conn, recipient, period, actor, tol, workers, on_results, read_apart=workers > 1,
                    on_stage=on_stage, books=books)


def _scope(recipient_gstin: str | None, period: str | None) -> tuple[str | None, str | None]:
    recipient = (recipient_gstin or "").strip().upper() or None
    if not period:
        return recipient, None
    return recipient, parse_period(period)  # a DateError says what is wrong with it


def _run(conn: Connection, recipient: str | None, period: str | None, actor: str | audit.Actor,
         tol: Tolerances, workers: int, on_results: OnResults | None,
         read_apart: bool = False, on_stage: OnStage | None = None,
         books: pd.DataFrame | None = None) -> ReconciliationRun:
    started = clock.now()
    stage = on_stage or (lambda done, total: None)
    first, last = period_bounds(period) if period else (None, None)
    books, portal = _read_scope(conn, recipient, period, read_apart, books)
    if books.empty and portal.empty:
        scope = f" for recipient {recipient}" if recipient else ""
        raise UserFacingError(f"nothing to reconcile{scope}: import the books and a GSTR-2B/IMS file first")
    documents = len(books) + len(portal)
    stage(0, documents)
    results = reconcile_frames(books, portal, tol, workers)
    stage(documents // 2, documents)
    if period:
        dates = pd.to_datetime(books["doc_date"])
        in_period = books["id"][(dates.dt.date >= first) & (dates.dt.date <= last)]
        keep = results["purchase_document_id"].isin(in_period).fillna(False).to_numpy(bool)
        portal_in = portal["id"][portal["return_period"] == period]
        keep |= results["portal_document_id"].isin(portal_in).fillna(False).to_numpy(bool)
        results = results[keep].reset_index(drop=True)

    counts = _counts(results, books, portal)
    settings = {"amount_tolerance_paise": tol.amount_paise, "date_tolerance_days": tol.date_days,
                "recipient_gstin": recipient or "", "period": period or ""}
    run_table = ReconciliationRun.__table__
    who = actor if isinstance(actor, str) else (actor.name or actor.id)
    values = dict(recipient_gstin=recipient or "", period=period or "", started_at=started, actor=who,
                  settings_json=json.dumps(settings), counts_json=json.dumps(counts))
    run_id = conn.execute(insert(run_table).values(**values).returning(run_table.c.id)).scalar_one()
    if on_results is not None:
        on_results(results, books, portal)
    _store(conn, run_id, results)
    stage(documents, documents)
    finished = clock.now()
    conn.execute(update(run_table).where(run_table.c.id == run_id).values(finished_at=finished))
    audit.record(conn, kind="reconciliation", actor=audit.actor_named(actor), document_id=None, before=None,
                 after={"run_id": run_id, "settings": settings, "counts": counts},
                 recipient_gstin=recipient or "", period=period or "")
    return ReconciliationRun(id=run_id, finished_at=finished, **values)


def _counts(results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per status: how many results, their documents' tax as stated (``tax_paise``) and as it counts
    in a total (``net_tax_paise``: credit notes negative, :mod:`ims_core.models.base`). A result's
    document type is its portal record's, else its book's (an invoice never pairs with a credit note)."""
    def types_of(ids: pd.Series, frame: pd.DataFrame) -> pd.Series:
        return ids.map(pd.Series(frame["doc_type"].to_numpy(object), index=frame["id"].to_numpy()))

    doc_types = types_of(results["portal_document_id"], portal).fillna(
        types_of(results["purchase_document_id"], books)).to_numpy(object)
    table = pd.DataFrame({"status": results["status"].to_numpy(object),
                          "tax": results["tax_paise"].to_numpy("int64")})
    table["net"] = table["tax"] * net_signs(doc_types)
    by_status = table.groupby("status")
    totals = by_status[["tax", "net"]].sum().assign(count=by_status.size())  # int64 sums: exact paise
    totals = totals.reindex(list(STATUSES), fill_value=0)
    return {status: {"count": int(row.count), "tax_paise": int(row.tax), "net_tax_paise": int(row.net)}
            for status, row in zip(STATUSES, totals.itertuples(index=False), strict=True)}


def read_scope_books(engine: Engine, recipient_gstin: str | None = None,
                     period: str | None = None) -> pd.DataFrame:
    """A scope's books as :func:`run_reconciliation` reads them, for its ``books``: for a caller with
    time to spare before it reconciles, while nothing changes the books."""
    recipient, period = _scope(recipient_gstin, period)
    return read_books(engine, recipient, until=_last_day(period))


def _last_day(period: str | None) -> dt.date | None:
    """The last book date a scope takes: its period's last day; none without a period."""
    return period_bounds(period)[1] if period else None


def _read_scope(conn: Connection, recipient: str | None, period: str | None, read_apart: bool,
                books: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's books and portal documents. Each read is a statement of its own
    (and so its own snapshot) whichever process makes it: a large scope's books are read by a forked
    process while this one reads the portal, or, when the books are in hand already, the second half
    of the portal's."""
    last = _last_day(period)
    until_key = period_key(period) if period else None
    apart = read_apart and _documents_at_most(conn) >= parallel.PARALLEL_FROM
    if books is not None:
        return books, (_portal_in_halves(conn, recipient, until_key) if apart
                       else read_portal(conn, recipient, until_period_key=until_key))
    books_later = in_child(_read_books_apart, conn.engine, recipient, last) if apart else None
    portal = read_portal(conn, recipient, until_period_key=until_key)
    return (books_later() if books_later else read_books(conn, recipient, until=last)), portal


def _portal_in_halves(conn: Connection, recipient: str | None, until_key: int | None) -> pd.DataFrame:
    """The scope's portal records, the second half of the ids read by a forked process meanwhile;
    the same frame as one read."""
    table = PortalDocument.__table__
    bounds = conn.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
    first, last = (value or 0 for value in bounds)
    middle = (first + last) // 2
    second = in_child(_read_portal_apart, conn.engine, recipient, until_key, (middle + 1, last))
    halves = [read_portal(conn, recipient, until_period_key=until_key, ids=(first, middle)), second()]
    return pd.concat([half for half in halves if len(half)] or halves[:1], ignore_index=True)


def _documents_at_most(conn: Connection) -> int:
    """An upper bound of the documents in the database, read off the primary keys at once."""
    return sum(conn.execute(select(func.max(table.c.id))).scalar() or 0
               for table in (PurchaseDocument.__table__, PortalDocument.__table__))


def _read_books_apart(engine: Engine, recipient: str | None, until: dt.date | None) -> pd.DataFrame:
    return read_books(own_connections(engine), recipient, until=until)


def _read_portal_apart(engine: Engine, recipient: str | None, until_key: int | None,
                       ids: tuple[int, int]) -> pd.DataFrame:
    return read_portal(own_connections(engine), recipient, until_period_key=until_key, ids=ids)


def _store(conn: Connection, run_id: int, results: pd.DataFrame) -> None:
    """The run's ``match_result`` rows, through the one bulk writer (:mod:`ims_core.db.bulk_write`)."""
    rows = results[RESULT_COLUMNS].assign(run_id=run_id)
    bulk_insert(conn, MatchResult.__table__, rows, constant=["run_id"])
