"""Progress bars (issue 20): a large export or reconciliation draws one on a terminal and nothing
when the output is a pipe or a file. A terminal is a rich Console told it is one (force_terminal);
the size from which a bar is drawn is lowered to this test's few rows."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.commands import common
from tests.commands.test_reconcile import seed

runner = CliRunner()


@pytest.fixture
def terminal(monkeypatch) -> io.StringIO:
    screen = io.StringIO()
    monkeypatch.setattr(common, "console", Console(file=screen, force_terminal=True, width=120))
    monkeypatch.setattr(common, "PROGRESS_FROM", 3)
    return screen


def test_a_terminal_shows_the_reconciliation_and_the_export_going(env_db, tmp_path, terminal):
    seed(env_db)
    assert runner.invoke(app, ["reconcile"]).exit_code == 0
    drawn = terminal.getvalue()
    assert "Reconciling" in drawn and "6/6" in drawn  # the scope's six documents, all done
    result = runner.invoke(app, ["export", "reconciliation", "-o", str(tmp_path / "reco.xlsx")])
    assert result.exit_code == 0, result.output
    assert "Exporting to reco.xlsx" in terminal.getvalue() and "4/4" in terminal.getvalue()


def test_a_small_job_draws_nothing(env_db, tmp_path, terminal, monkeypatch):
    monkeypatch.setattr(common, "PROGRESS_FROM", 1_000)
    seed(env_db)
    assert runner.invoke(app, ["reconcile"]).exit_code == 0
    assert "Reconciling" not in terminal.getvalue()


def test_no_terminal_no_bar(env_db, tmp_path, monkeypatch):
    monkeypatch.setattr(common, "PROGRESS_FROM", 3)
    assert not common.console.is_terminal  # the tests' output is captured, as a pipe would be
    with common.progress_when_large("anything") as progress:
        assert progress is None
    seed(env_db)
    assert runner.invoke(app, ["reconcile"]).exit_code == 0
    result = runner.invoke(app, ["export", "reconciliation", "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 0
    assert "Exporting" not in result.output and "\x1b[" not in result.output


def test_a_terminal_shows_an_import_going(env_db, terminal):
    from conftest import FIXTURES

    books = FIXTURES / "books" / "canonical_cp1252.csv"
    assert runner.invoke(app, ["import", "books", str(books)]).exit_code == 0
    assert "Importing canonical_cp1252.csv" in terminal.getvalue()
