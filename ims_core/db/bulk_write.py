"""Bulk writing of a frame into a table: the driver's fast paths, never one ORM object per row.

The one bulk writer: the loader writes imported documents with it, the reconciliation its
``match_result`` rows. SQLite gets ``executemany`` with the frame's constant columns written into
the statement as literals (binding forty mostly-empty columns per row is what a wide table costs)
and, for an insert at least as large as the table, its secondary indexes rebuilt once after;
PostgreSQL gets ``COPY``. Values go in as the plain Python values the drivers store: ISO dates,
ints, bools, None for blanks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator, TypeEngine

Progress = Callable[[int, int], None]
CHUNK = 50_000
REBUILD_INDEXES_FROM = 50_000  # rows; see _drop_indexes_for
_SAMPLE = 1000  # rows looked at first when telling whether a column is constant
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 _.,:/()-]*")  # texts safe to write as a quoted SQL literal


def db_value_columns(table: Table, frame: pd.DataFrame) -> list[str]:
    return [c.name for c in table.columns if c.name != "id" and c.name in frame.columns]


def _python_type(sa_type: TypeEngine) -> type:
    """The Python type a column holds, looking through decorators such as SQLModel's UTCDateTime."""
    if isinstance(sa_type, TypeDecorator):
        sa_type = sa_type.impl_instance
    try:
        return sa_type.python_type
    except NotImplementedError:
        return object


def _rows(frame: pd.DataFrame, columns: list[str], table: Table, tz_suffix: str = "") -> Iterable[tuple]:
    """Rows as plain Python tuples the drivers accept: ISO dates, ints, bools, None for blanks."""
    prepared = {}
    for name in columns:
        col = frame[name]
        kind = _python_type(table.c[name].type)
        blank = col.isna()
        if kind is dt.date:  # a few hundred distinct days: each formatted once
            codes, days = pd.factorize(pd.to_datetime(col).to_numpy("datetime64[D]").view("int64"))
            text = days.view("datetime64[D]").astype(str).astype(object)
            text[np.isnat(days.view("datetime64[D]"))] = None
            values = text[codes].tolist()
        elif kind is dt.datetime:
            stamps = {v: _stamp(v, tz_suffix) for v in col.unique()}
            values = col.map(stamps).tolist()
        elif kind in (bool, int) and not blank.any():
            values = col.astype(kind if kind is bool else "int64").tolist()
        elif kind in (bool, int):
            values = [None if b else kind(v) for v, b in zip(col.tolist(), blank.tolist(), strict=True)]
        elif not blank.any():
            values = col.tolist()
        else:
            values = col.astype(object).where(~blank, None).tolist()
        prepared[name] = values
    return zip(*(prepared[c] for c in columns), strict=True)


def _stamp(value: dt.datetime, tz_suffix: str = "") -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + tz_suffix


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame, progress: Progress | None = None,
                total: int = 0, constant: Collection[str] = ()) -> None:
    """Insert the frame's rows (its columns named as the table's; ``id`` left to the database) in
    the caller's transaction. ``progress(done, total)`` is told after each chunk; ``constant``
    names columns already known to hold one value in every row (not checked again)."""
    if frame.empty:
        return
    columns = db_value_columns(table, frame)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            for start in range(0, len(frame), CHUNK):
                chunk = frame.iloc[start:start + CHUNK]
                with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in _rows(chunk, columns, table, "+00"):
                        copy.write_row(row)
                if progress:
                    progress(min(start + CHUNK, len(frame)), total)
        return
    constants = _constant_literals(frame, columns, table, constant)
    bound = [c for c in columns if c not in constants]
    values = ", ".join(constants.get(c, "?") for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({values})"
    cur = raw.cursor()
    try:
        rebuild = _drop_indexes_for(cur, table.name, len(frame))
        for start in range(0, len(frame), CHUNK):
            cur.executemany(sql, _rows(frame.iloc[start:start + CHUNK], bound, table))
            if progress:
                progress(min(start + CHUNK, len(frame)), total)
        for statement in rebuild:
            cur.execute(statement)
    finally:
        cur.close()


def _constant_literals(frame: pd.DataFrame, columns: list[str], table: Table,
                       known: Collection[str] = ()) -> dict[str, str]:
    """SQLite literals for the columns holding one value in every row (most of a portal document's
    optional fields): written once into the INSERT statement instead of bound per row, which is what
    binding costs on a wide table. Only NULL, integers, booleans and plain ASCII texts are inlined;
    each stores exactly what binding the same Python value stores."""
    literals = {}
    for name in columns:
        col = frame[name]
        kind = _python_type(table.c[name].type)
        if pd.api.types.is_datetime64_any_dtype(col.dtype):  # compared as integers, not as Timestamps
            ticks = col.array.asi8
            if (ticks == ticks[0]).all():
                if pd.isna(col.iloc[0]):
                    literals[name] = "NULL"
                elif kind is dt.datetime:
                    literals[name] = f"'{_stamp(col.iloc[0])}'"
            continue
        values = col.to_numpy()
        first = values[0]
        blank = pd.isna(first)
        if not isinstance(blank, bool | np.bool_):  # a list or an array in a cell: never a literal
            continue
        if blank:  # constant only if blank throughout
            if col.iloc[:_SAMPLE].isna().all() and col.isna().all():
                literals[name] = "NULL"
            continue
        if kind is str and not (isinstance(first, str) and _PLAIN_TEXT.fullmatch(first)):
            continue
        if (kind in (bool, int) and isinstance(first, str)) or kind not in (bool, int, str):
            continue
        # a blank never equals a text or a number, so "all equal to the first" means "constant"
        if name not in known and not ((values[:_SAMPLE] == first).all() and (values == first).all()):
            continue
        if kind is str:
            literals[name] = f"'{first}'"
        else:
            literals[name] = str(int(bool(first) if kind is bool else first))
    return literals


def _drop_indexes_for(cur, table_name: str, adding: int) -> list[str]:  # sqlite3 cursor
    """Drop the table's secondary indexes before a large insert; return their ``CREATE INDEX``
    statements to run after it.

    SQLite builds an index once several times faster than it updates it row by row, but a rebuild
    covers every row of the table: worth it only when the insert adds at least as many rows as the
    table holds already (its largest rowid is the cheap stand-in for the count). The drop and the
    rebuild happen inside the caller's transaction, so other connections never see the table
    without them; a unique index is enforced again when it is rebuilt (a clash fails the insert,
    whose transaction then rolls back whole).
    """
    if adding < REBUILD_INDEXES_FROM:
        return []
    held = cur.execute(f"SELECT max(rowid) FROM {table_name}").fetchone()[0] or 0
    if adding < held:
        return []
    found = cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                        "AND sql IS NOT NULL", (table_name,)).fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def bulk_update(conn: Connection, table: Table, frame: pd.DataFrame, progress: Progress | None,
                done: int, total: int) -> None:
    columns = [c for c in db_value_columns(table, frame) if c not in ("created_at",)]
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    sql = (f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in columns)} "
           f"WHERE id = {mark}")
    frame = frame.assign(id=frame["existing_id"].astype("int64"))
    cur = conn.connection.driver_connection.cursor()
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start:start + CHUNK]
        suffix = "+00" if conn.dialect.name == "postgresql" else ""
        rows = [(*r, int(i)) for r, i in zip(_rows(chunk, columns, table, suffix), chunk["id"], strict=True)]
        cur.executemany(sql, rows)
        if progress:
            progress(done + min(start + CHUNK, len(frame)), total)
    cur.close()
