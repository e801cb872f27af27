"""Shared fixtures: a fresh, migrated database per test, on SQLite or on PostgreSQL.

The suite runs against SQLite unless ``DATABASE_URL`` names a PostgreSQL server; then every test gets
its own database, cloned from a template migrated once per run, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from ims_core.db import build_engine, normalise_url
from ims_core.db.schema import migrate

FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = ["support.documents", "support.smtp"]  # fixtures that tests of several packages use

# Property tests check behaviour, not speed: on a shared 2-core CI machine a slow example is no failure.
settings.register_profile("ims", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ims")
SERVER_URL = normalise_url(os.environ.get("DATABASE_URL", ""))
ON_POSTGRES = SERVER_URL.startswith("postgresql")


def pytest_configure(config):  # a pytest hook
    """The audit trail's key and checkpoint folder (ims_core.audit.anchor) for this run, never the
    user's own (~/.config/ims-assistant); commands the tests start inherit them."""
    os.environ["IMS_AUDIT_KEY"] = "test-audit-key-not-a-secret"
    os.environ["IMS_AUDIT_DIR"] = tempfile.mkdtemp(prefix="ims-audit-")


def pytest_report_header(config):  # pytest hook
    return f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test's database is copied from."""
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = build_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        yield str(path)
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"ims_tpl_{worker}_{uuid.uuid4().hex[:8]}"
    admin = build_engine(SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = build_engine(make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False))
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database with the newest schema, dropped after the test."""
    with fresh_database(_template, tmp_path / "ims.db") as url:
        yield url


@pytest.fixture
def other_database_url(_template: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh database beside ``database_url``, for tests that compare two."""
    with fresh_database(_template, tmp_path / "other.db") as url:
        yield url


@contextmanager
def fresh_database(template: str, sqlite_path: Path) -> Iterator[str]:
    """A copy of the migrated ``template``: a file at ``sqlite_path``, or a PostgreSQL database."""
    if not ON_POSTGRES:
        shutil.copy(template, sqlite_path)
        yield f"sqlite:///{sqlite_path}"
        return
    name = f"ims_t_{uuid.uuid4().hex[:12]}"
    admin = build_engine(SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's own database."""
    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def env_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the configured ``DATABASE_URL`` at the test's database (for CLI and bot tests)."""
    from ims_core.db.engine import _cached_engine
    from ims_core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    _cached_engine.cache_clear()
    yield database_url
    get_settings.cache_clear()
    _cached_engine.cache_clear()


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    """Every test starts and ends on the system clock: a date one test pins never reaches another."""
    from ims_core import clock

    clock.reset()
    yield
    clock.reset()
