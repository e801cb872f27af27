"""Engine and sessions: a SQLite file by default, PostgreSQL (psycopg 3) through ``DATABASE_URL``."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from ims_core.errors import UserFacingError
from ims_core.settings import get_settings


class DatabaseUnavailable(UserFacingError):
    """The database cannot be reached: a bad ``DATABASE_URL``, a server that is down or refuses us,
    a SQLite file that cannot be opened, or a connection lost mid-command."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # DBAPI hook
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
    """A new engine for ``url``; SQLite gets WAL, a busy timeout and cross-thread use. Failing to
    reach the database raises :class:`DatabaseUnavailable`, whichever statement finds out."""
    url = normalise_url(url)
    try:
        if make_url(url).get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (ArgumentError, ImportError) as exc:  # not a URL, or a database we have no driver for
        raise DatabaseUnavailable(f"DATABASE_URL {_shown(url)} cannot be used: {exc} (expected "
                                  "sqlite:///FILE or postgresql://USER@HOST:PORT/NAME)") from None
    event.listen(engine, "handle_error", _unreachable)
    _opened.add(engine)
    return engine


def _shown(url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def _unreachable(context: ExceptionContext) -> DatabaseUnavailable | None:
    """A failed connect (no connection yet) or a lost one becomes :class:`DatabaseUnavailable`,
    with the driver's first line; every other database error stays as it is. A pool's pre-ping
    is left alone: it reconnects by itself."""
    if context.is_pre_ping or not (context.connection is None or context.is_disconnect):
        return None
    reason = (str(context.original_exception).strip().splitlines() or ["no reason given"])[0]
    if context.dialect.name == "sqlite":
        hint = "check DATABASE_URL: its folder must exist and be writable"
    else:
        hint = "check DATABASE_URL, and that the server is running"
    where = _shown(str(context.engine.url)) if context.engine is not None else "in DATABASE_URL"
    return DatabaseUnavailable(f"cannot reach the database {where}: {reason} ({hint})")


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


