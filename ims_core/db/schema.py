"""The schema, owned by the alembic migrations in ``ims_core/migrations``: :func:`migrate` brings any
database to the newest revision and is what every entry point calls before it touches a table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from ims_core.db.engine import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine):  # alembic.config.Config
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
