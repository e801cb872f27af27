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


def test_head_revision_is_alembics_head():
    """``migrate``'s fast path reads the head from file names; alembic must agree, file by file."""
    from alembic.script import ScriptDirectory

    from ims_core.db.schema import MIGRATIONS, alembic_config, head_revision

    scripts = ScriptDirectory.from_config(alembic_config(None))
    assert scripts.get_heads() == [head_revision()]
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert scripts.get_revision(path.name.split("_", 1)[0]).path == str(path)


def test_migrate_upgrades_an_older_database(engine):
    from alembic import command

    from ims_core.db.schema import alembic_config, current_revision, head_revision, migrate

    assert current_revision(engine) == head_revision()
    command.downgrade(alembic_config(engine), "0003")
    assert current_revision(engine) == "0003"
    assert "supplier_contact" not in inspect(engine).get_table_names()
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert "supplier_contact" in inspect(engine).get_table_names()


def test_current_revision_of_an_untouched_database(tmp_path):
    from ims_core.db import build_engine
    from ims_core.db.schema import current_revision

    assert current_revision(build_engine(f"sqlite:///{tmp_path / 'empty.db'}")) is None
