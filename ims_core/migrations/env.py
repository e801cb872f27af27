"""Alembic environment: runs against the engine handed in by ``ims_core.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ims_core.models  # noqa: F401 - registers the tables on SQLModel.metadata
from ims_core.db import get_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine") or get_engine()
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=engine.dialect.name == "sqlite")
        context.run_migrations()


run_migrations_online()
