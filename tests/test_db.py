"""The schema is created by the migrations and matches the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import ims_core.models  # noqa: F401


def test_migrations_create_every_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"purchase_document", "portal_document", "import_batch", "match_result"} <= tables


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
