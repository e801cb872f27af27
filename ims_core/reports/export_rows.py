"""The reconciliation export's rows read from a stored run, a chunk at a time, for the CSV and the XLSX
writers alike (:mod:`ims_core.reports.export_columns` says which fields make which column)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Engine

from ims_core.db.reads import json_column_chunks
from ims_core.reports.export_columns import BOOK, PORTAL, RESULT, TABLES, columns_of, fields

CHUNK = 50_000  # result rows read, turned into text and written at a time
Progress = Callable[[int, int], None]  # told (rows written, rows in all) as an export goes


def run_bounds(conn: Connection, run_id: int) -> tuple[int, int]:
    """The first and last result id of a run (a run's results have consecutive ids)."""
    mr = TABLES[RESULT]
    bounds = select(func.min(mr.c.id), func.max(mr.c.id)).where(mr.c.run_id == run_id)
    first, last = conn.execute(bounds).one()
    return first or 0, last or 0


def status_counts(conn: Connection, run_id: int) -> dict[str, int]:
    """How many rows of each status a run has."""
    mr = TABLES[RESULT]
    query = select(mr.c.status, func.count()).where(mr.c.run_id == run_id).group_by(mr.c.status)
    return {status: int(count) for status, count in conn.execute(query)}


def _rows_query(run_id: int, first: int, last: int) -> Select:
    """The :func:`fields` of the run's results with ids ``first``..``last``, joined to both
    documents, in result order.

    The results are read as a primary-key range in key order; the ``run_id`` index would hand them
    over in another order and leave a sort of the whole run to do.
    """
    mr, book, portal = TABLES[RESULT], TABLES[BOOK], TABLES[PORTAL]
    return (
        select(*(TABLES[side].c[name].label(f"{side}_{name}") for side, name in fields()))
        .select_from(mr.outerjoin(book, book.c.id == mr.c.purchase_document_id)
                     .outerjoin(portal, portal.c.id == mr.c.portal_document_id))
        .where(mr.c.id.between(first, last), (mr.c.run_id + 0) == run_id)  # + 0: not the index
        .order_by(mr.c.id)
    )


def stored_chunks(conn: Connection, run_id: int) -> Iterator[dict[str, Sequence]]:
    """The export's rows of a stored run, in result order, ``CHUNK`` at a time: per column name of
    ``COLUMNS``, its values (None where a row has no document of that side).

    On SQLite the fields come as JSON arrays (:func:`ims_core.db.reads.json_column_chunks`), which
    is quicker there than stepping through the driver's rows, which PostgreSQL gets.
    """
    first, last = run_bounds(conn, run_id)
    query = _rows_query(run_id, first, last)
    names = fields()
    if conn.dialect.name == "sqlite":
        for values in json_column_chunks(conn, query, TABLES[RESULT].c.id, first, last, CHUNK):
            yield columns_of(dict(zip(names, values, strict=True)))
        return
    cursor = conn.execute(query).cursor
    while rows := cursor.fetchmany(CHUNK):
        yield columns_of(dict(zip(names, zip(*rows, strict=True), strict=True)))


class connection:
    """Use a given connection as is, or open (and close) one from an engine, in a transaction that
    commits at the end when ``begin``."""

    def __init__(self, bind: Engine | Connection, begin: bool = False):
        self.bind, self.begin = bind, begin
        self.opened = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        self.opened = self.bind.begin() if self.begin else self.bind.connect()
        return self.opened.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.opened is not None:
            self.opened.__exit__(*exc)
