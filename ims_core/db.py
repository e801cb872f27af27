"""Engine and sessions: a SQLite file by default, PostgreSQL (psycopg 3) through ``DATABASE_URL``.

The schema is owned by the alembic migrations in ``ims_core/migrations``; :func:`migrate` brings any
database to the newest revision and is what every entry point calls before it touches a table.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import orjson
from sqlalchemy import Select, event, func, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, create_engine

from ims_core.settings import get_settings

if TYPE_CHECKING:
    import pandas as pd

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB: bulk imports keep their indexes in memory
    cursor.execute("PRAGMA temp_store=MEMORY")
    # reads map the file instead of copying each page into the cache: a stage that reads what the one
    # before it wrote (reconcile, export) spends a tenth less time; bounded like the cache above
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


_opened: weakref.WeakSet[Engine] = weakref.WeakSet()  # see dispose_engines


def build_engine(url: str) -> Engine:
    """A new engine for ``url``; SQLite gets WAL, a busy timeout and cross-thread use."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    _opened.add(engine)
    return engine


@lru_cache
def _cached_engine(url: str) -> Engine:
    return build_engine(url)


def dispose_engines() -> None:
    """Close the connections of every engine this process built; SQLite checkpoints its write-ahead
    log into the database file as the last connection closes."""
    for engine in list(_opened):
        engine.dispose()


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured ``DATABASE_URL``)."""
    return _cached_engine(normalise_url(url or get_settings().database_url))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def json_column_chunks(conn: Connection, query: Select, id_column: ColumnElement, first: int, last: int,
                       size: int) -> Iterator[list[np.ndarray]]:
    """SQLite only: the rows of ``query`` whose ``id_column`` lies in ``first``..``last``, ``size``
    ids at a time, as one object array per selected column, in id order.

    Each chunk is one row of ``json_group_array`` texts that orjson turns into lists: at a million
    rows that takes about half the time of stepping through the rows with the driver and turning
    them back into columns. An aggregate takes rows in whatever order the scan chose, so the ids
    come along and the chunk is put in id order when it is not already.
    """
    every = [id_column, *query.selected_columns]
    arrays = query.with_only_columns(*(func.json_group_array(column) for column in every)).order_by(None)
    for start in range(first, last + 1, size):
        ids, *texts = conn.execute(arrays.where(id_column.between(start, min(start + size - 1, last)))).one()
        order = np.argsort(orjson.loads(ids), kind="stable")
        if not len(order):
            continue
        in_order = bool((np.diff(order) == 1).all())
        columns = []
        for values in texts:
            column = np.empty(len(order), dtype=object)
            column[:] = orjson.loads(values)
            columns.append(column if in_order else column[order])
        yield columns


def nullable_ids(column: pd.Series) -> np.ndarray:
    """A nullable integer column as the drivers take it: Python ints, ``None`` where missing."""
    return np.where(column.isna(), None, column.fillna(0).astype("int64").to_numpy(object))


def alembic_config(engine: Engine):  # noqa: ANN201 - alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision, read from the file names: each migration is ``NNNN_what.py`` with
    ``revision = "NNNN"`` and revises the one before it (a test holds alembic to this)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database no migration has touched."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine | None = None) -> None:
    """Upgrade the database to the newest schema revision (idempotent).

    Every ``ims`` command calls this first, so an up-to-date database is recognised by one query;
    alembic, which costs a few hundred milliseconds to load, runs only when there is work to do.
    """
    engine = engine or get_engine()
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
