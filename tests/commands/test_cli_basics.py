"""What a new user meets first (issue 20): ``ims --version``, help that names what to type (FILE, N),
and ``ims itc`` for a month with nothing in it saying so rather than printing tables of zeros."""

from __future__ import annotations

import re
from importlib.metadata import version

from sqlmodel import Session
from support.documents import RECIPIENT, TODAY, insert_document
from typer.testing import CliRunner

from ims_core import clock
from ims_core.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), terminal_width=100)


def test_version():
    result = _run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"ims {version('ims-assistant')}"


def test_help_names_what_to_type():
    shown = {words: _run(*words.split(), "--help").output for words in
             ("import books", "import gstr2b", "reconcile", "run", "export reconciliation", "itc")}
    everything = "".join(shown.values())
    assert not re.search(r"<(str|bool|int|path|list\[\w+\]|int range)>", everything)
    assert "{FILE}" in shown["import books"] and "{FILES}..." in shown["import gstr2b"]
    assert re.search(r"FILES\.\.\.\s+FILE\.\.\.", shown["import gstr2b"])
    assert re.search(r"--workers\s+N \[x>=1\]", shown["reconcile"])
    assert re.search(r"--books\s+FILE", shown["run"]) and re.search(r"--output\s+-o\s+FILE", shown["run"])
    assert re.search(r"--dry-run\s+validate", shown["import books"])  # a flag takes no value
    assert re.search(r"--period\s+MMYYYY", shown["itc"])  # a metavar of its own is kept


def test_itc_for_a_month_without_documents_says_so(env_db, engine):
    clock.set_today(TODAY)
    with Session(engine) as session:
        insert_document(session, doc_number="INV-1")  # October 2025
    empty = _run("itc", "--period", "012025", "--recipient", RECIPIENT)
    assert empty.exit_code == 0, empty.output
    assert "No documents of" in empty.output and "012025" in empty.output and "4A(5)" not in empty.output
    full = _run("itc", "--period", "102025", "--recipient", RECIPIENT)
    assert full.exit_code == 0 and "4A(5)" in full.output and "No documents" not in full.output
