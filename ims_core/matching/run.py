"""Run the engine on a scope of the database and store the results: one transaction, bulk writes.

Scope. Without a period: every document (of one recipient, or of all). With a period ``MMYYYY``:
the engine sees the books dated up to the end of that month and the portal records of return periods
up to it (so a document booked in April and reported in May still pairs in May), and the run keeps
the results that touch the period: a portal record of that return period, or a book dated in it.

Writing. ``match_result`` rows go in with one ``COPY`` on PostgreSQL and one DBAPI ``executemany``
on SQLite, inside the same transaction as the ``reconciliation_run`` row: a failed run writes nothing.
A large first run on SQLite drops ``match_result``'s secondary indexes and rebuilds them after the
insert, which is several times cheaper than maintaining them row by row.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.db.reads import nullable_ids
from ims_core.errors import UserFacingError
from ims_core.forking import in_child, own_connections
from ims_core.gst.dates import DateError, parse_period, period_bounds, period_key
from ims_core.matching import parallel
from ims_core.matching.engine import STATUSES, reconcile_frames
from ims_core.matching.frames import read_books, read_portal
from ims_core.matching.scoring import Tolerances
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, ReconciliationRun

INSERT_CHUNK = 50_000
REBUILD_INDEXES_FROM = 50_000  # result rows; see _drop_indexes_for_bulk


def run_reconciliation(session_or_engine: Session | Engine | Connection, recipient_gstin: str | None = None,
                       period: str | None = None, actor: str | audit.Actor = "cli",
                       tolerances: Tolerances | None = None, workers: int = 1,
                       books: pd.DataFrame | None = None) -> ReconciliationRun:
    """Reconcile a scope, store the run and its results, and return the run (with its counts).

    With a ``Session`` the writes join the session's transaction (the caller commits); with an
    ``Engine`` the function commits itself. ``workers`` above one lets a large scope use forked
    processes (:mod:`ims_core.matching.parallel`): only for a caller running no other threads.

    ``books``: the scope's purchase-register documents as :func:`scope_books` read them, when the
    caller has read them already (``ims run`` does while the GSTR-2B is written, which leaves them
    as they were).
    """
    tol = tolerances or Tolerances.from_settings()
    recipient, period = _scope(recipient_gstin, period)
    if isinstance(session_or_engine, Session):
        return _run(session_or_engine.connection(), recipient, period, actor, tol, workers, books)
    if isinstance(session_or_engine, Connection):
        return _run(session_or_engine, recipient, period, actor, tol, workers, books)
    with session_or_engine.begin() as conn:
        return _run(conn, recipient, period, actor, tol, workers, books, read_apart=workers > 1)


def scope_books(bind: Engine | Connection, recipient_gstin: str | None = None,
                period: str | None = None) -> pd.DataFrame:
    """The purchase-register documents a run of this scope reconciles (see the module docstring)."""
    recipient, period = _scope(recipient_gstin, period)
    return read_books(bind, recipient, until=period_bounds(period)[1] if period else None)


def _scope(recipient_gstin: str | None, period: str | None) -> tuple[str | None, str | None]:
    recipient = (recipient_gstin or "").strip().upper() or None
    if not period:
        return recipient, None
    try:
        return recipient, parse_period(period)
    except DateError as exc:
        raise UserFacingError(str(exc)) from exc


def _run(conn: Connection, recipient: str | None, period: str | None, actor: str | audit.Actor,
         tol: Tolerances, workers: int, books: pd.DataFrame | None,
         read_apart: bool = False) -> ReconciliationRun:
    started = clock.now()
    first, last = period_bounds(period) if period else (None, None)
    books, portal = _read_scope(conn, recipient, period, books, read_apart)
    if books.empty and portal.empty:
        scope = f" for recipient {recipient}" if recipient else ""
        raise UserFacingError(f"nothing to reconcile{scope}: import the books and a GSTR-2B/IMS file first")
    results = reconcile_frames(books, portal, tol, workers)
    if period:
        dates = pd.to_datetime(books["doc_date"])
        in_period = books["id"][(dates.dt.date >= first) & (dates.dt.date <= last)]
        keep = results["purchase_document_id"].isin(in_period).fillna(False).to_numpy(bool)
        portal_in = portal["id"][portal["return_period"] == period]
        keep |= results["portal_document_id"].isin(portal_in).fillna(False).to_numpy(bool)
        results = results[keep].reset_index(drop=True)

    totals = results.groupby("status")["tax_paise"].agg(["size", "sum"])  # int64 sums: exact paise
    counts = {status: {"count": int(totals.at[status, "size"]) if status in totals.index else 0,
                       "tax_paise": int(totals.at[status, "sum"]) if status in totals.index else 0}
              for status in STATUSES}
    settings = {"amount_tolerance_paise": tol.amount_paise, "date_tolerance_days": tol.date_days,
                "recipient_gstin": recipient or "", "period": period or ""}
    run_table = ReconciliationRun.__table__
    who = actor if isinstance(actor, str) else (actor.name or actor.id)
    values = dict(recipient_gstin=recipient or "", period=period or "", started_at=started, actor=who,
                  settings_json=json.dumps(settings), counts_json=json.dumps(counts))
    run_id = conn.execute(insert(run_table).values(**values).returning(run_table.c.id)).scalar_one()
    _bulk_insert(conn, run_id, results)
    finished = clock.now()
    conn.execute(update(run_table).where(run_table.c.id == run_id).values(finished_at=finished))
    audit.record(conn, kind="reconciliation", actor=audit.actor_named(actor), document_id=None, before=None,
                 after={"run_id": run_id, "settings": settings, "counts": counts},
                 recipient_gstin=recipient or "", period=period or "")
    return ReconciliationRun(id=run_id, finished_at=finished, **values)


def _read_scope(conn: Connection, recipient: str | None, period: str | None, books: pd.DataFrame | None,
                read_apart: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's books (unless given) and portal documents. Each read is a statement of its own
    (and so its own snapshot) whichever process makes it: a large scope's books are read by a forked
    process while this one reads the portal."""
    last = period_bounds(period)[1] if period else None
    until_key = period_key(period) if period else None
    if books is not None:
        return books, read_portal(conn, recipient, until_period_key=until_key)
    apart = read_apart and _documents_at_most(conn) >= parallel.PARALLEL_FROM
    books_later = in_child(_read_books_apart, conn.engine, recipient, last) if apart else None
    portal = read_portal(conn, recipient, until_period_key=until_key)
    return (books_later() if books_later else read_books(conn, recipient, until=last)), portal


def _documents_at_most(conn: Connection) -> int:
    """An upper bound of the documents in the database, read off the primary keys at once."""
    return sum(conn.execute(select(func.max(table.c.id))).scalar() or 0
               for table in (PurchaseDocument.__table__, PortalDocument.__table__))


def _read_books_apart(engine: Engine, recipient: str | None, until: dt.date | None) -> pd.DataFrame:
    return read_books(own_connections(engine), recipient, until=until)


def _columns(results: pd.DataFrame, run_id: int) -> list[np.ndarray]:
    """The match_result columns (after ``id``) as object arrays with ``None`` for missing ids."""
    return [np.full(len(results), run_id, dtype=object), nullable_ids(results["purchase_document_id"]),
            nullable_ids(results["portal_document_id"]),
            *(results[name].to_numpy(object) for name in ("status", "reasons")),
            results["score"].astype(float).to_numpy(object), results["recommended_action"].to_numpy(object),
            *(results[name].astype(str).to_numpy(object) for name in
              ("recipient_gstin", "supplier_gstin", "return_period")),
            results["tax_paise"].astype("int64").to_numpy(object),
            nullable_ids(results["nearest_document_id"]), results["nearest_note"].to_numpy(object)]


NAMES = ["run_id", "purchase_document_id", "portal_document_id", "status", "reasons", "score",
         "recommended_action", "recipient_gstin", "supplier_gstin", "return_period", "tax_paise",
         "nearest_document_id", "nearest_note"]


def _bulk_insert(conn: Connection, run_id: int, results: pd.DataFrame) -> None:
    if results.empty:
        return
    columns = _columns(results, run_id)
    table = MatchResult.__tablename__
    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(NAMES)}) FROM STDIN") as copy:
            for start in range(0, len(results), INSERT_CHUNK):
                for row in zip(*(c[start:start + INSERT_CHUNK] for c in columns), strict=True):
                    copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(NAMES)}) VALUES ({', '.join('?' * len(NAMES))})"
    cursor = dbapi.cursor()
    try:
        rebuild = _drop_indexes_for_bulk(cursor, table, len(results))
        for start in range(0, len(results), INSERT_CHUNK):
            cursor.executemany(sql, zip(*(c[start:start + INSERT_CHUNK] for c in columns), strict=True))
        for statement in rebuild:
            cursor.execute(statement)
    finally:
        cursor.close()


def _drop_indexes_for_bulk(cursor, table: str, adding: int) -> list[str]:  # noqa: ANN001 - sqlite3 cursor
    """Drop ``table``'s secondary indexes before a large insert; return their ``CREATE INDEX`` statements.

    SQLite builds an index from scratch several times faster than it updates it row by row, but a
    rebuild covers every run's rows: worth it only when this run adds at least as many rows as the
    table holds already (the largest id is the cheap stand-in for the count). The drop and the rebuild
    happen inside the run's transaction, so other connections never see the table without them.
    """
    if adding < REBUILD_INDEXES_FROM:
        return []
    held = cursor.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
    if adding < held:
        return []
    found = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                           "AND sql IS NOT NULL", (table,)).fetchall()
    for name, _ in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]

