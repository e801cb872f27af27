"""Errors a user can cause reach them as one line, ``error: …`` on stderr, and a non-zero exit: never a
traceback. Run as a user runs ``ims``: a real process, its exit code and its output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from support.followups import A, first_month
from support.smtp import free_port

from ims_core.db import session_scope
from ims_core.models import AuditEvent, FollowUp


def ims(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ims_core.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The one line the user reads, once the run is known to have failed as a user error should."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def test_a_database_server_that_is_down(tmp_path):
    result = ims("itc", "--period", "102025", DATABASE_URL="postgresql://nobody:pw@127.0.0.1:1/x")
    line = one_error_line(result)
    assert line.startswith("error: cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:1/x: ")
    assert "Connection refused" in line and "check DATABASE_URL" in line and "pw" not in line


def test_a_sqlite_file_in_a_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "no-such-folder" / "ims.db"
    line = one_error_line(ims("deadlines", DATABASE_URL=f"sqlite:///{missing}"))
    assert line == (f"error: cannot reach the database sqlite:///{missing}: unable to open database file "
                    "(check DATABASE_URL: its folder must exist and be writable)")


def test_a_database_url_that_is_not_one():
    line = one_error_line(ims("vendors", DATABASE_URL="mysql//nobody@db/ims"))
    assert line.startswith("error: DATABASE_URL 'mysql//nobody@db/ims' cannot be used: ")
    assert "expected sqlite:///FILE or postgresql://USER@HOST:PORT/NAME" in line


def test_a_bad_value_names_its_option(database_url):
    line = one_error_line(ims("deadlines", "--today", "31-02-2025", DATABASE_URL=database_url))
    assert line == "error: --today: '31-02-2025' is not a real date"
    line = one_error_line(ims("itc", "--period", "2025-10", DATABASE_URL=database_url))
    assert line == "error: --period: '2025-10' is not a return period (expected MMYYYY, e.g. 102025)"


@pytest.fixture
def month(database_url, engine):
    first_month(engine)
    return database_url


def _own_template(folder: Path, name: str, text: str) -> str:
    (folder / "followups").mkdir(parents=True, exist_ok=True)
    (folder / "followups" / name).write_text(text, encoding="utf-8")
    return str(folder)


def test_a_follow_up_template_with_a_syntax_error(month, engine, tmp_path):
    own = _own_template(tmp_path / "letters", "first_request.subject.j2",
                        "GST documents for {{ company }\n")
    line = one_error_line(ims("followup", "draft", A, "--by", "anita", DATABASE_URL=month,
                              IMS_TEMPLATES_DIR=own))
    template = tmp_path / "letters" / "followups" / "first_request.subject.j2"
    assert line.startswith(f"error: follow-up template {template}, line 1: unexpected '}}'")
    with session_scope(engine) as session:
        assert session.execute(select(FollowUp)).first() is None  # nothing drafted


def test_a_follow_up_template_naming_what_is_not_there(month, engine, tmp_path):
    own = _own_template(tmp_path / "letters", "first_request.body.j2", "Dear {{ contact_nme }},\n")
    line = one_error_line(ims("followup", "draft", A, "--by", "anita", DATABASE_URL=month,
                              IMS_TEMPLATES_DIR=own))
    template = tmp_path / "letters" / "followups" / "first_request.body.j2"
    assert line == f"error: follow-up template {template}: 'contact_nme' is undefined"


def test_a_subject_with_a_line_break_is_not_sent(month, engine, tmp_path):
    # the template has CRLF; jinja renders every line end as "\n"
    own = _own_template(tmp_path / "letters", "first_request.subject.j2",
                        "GST documents for {{ company }}\r\nBcc: everyone@example.com\n")
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), "SMTP_FROM": "ap@deccanpolymers.in"}
    result = ims("followup", "send", A, "--to", "accounts@shreepolymers.in", "--by", "anita",
                 DATABASE_URL=month, IMS_TEMPLATES_DIR=own, **smtp)
    assert one_error_line(result) == (
        "error: cannot send: the subject 'GST documents for Deccan Polymers Pvt Ltd\\nBcc: "
        "everyone@example.com' has a line break in it (\\n); an email header must be one line of text")
    with session_scope(engine) as session:
        followup = session.execute(select(FollowUp)).scalars().one()
        kinds = session.execute(select(AuditEvent.kind).order_by(AuditEvent.id)).scalars().all()
    assert followup.status == "failed" and "line break" in followup.last_error
    assert kinds[-1] == "followup_failed"


def test_an_output_file_that_cannot_be_written(database_url, tmp_path):
    missing = tmp_path / "no-such-folder" / "evidence.csv"
    line = one_error_line(ims("audit", "export", "-o", str(missing), DATABASE_URL=database_url))
    assert line == f"error: {missing.parent}: no such folder"
    taken = tmp_path / "evidence.csv"
    taken.mkdir()  # a folder where the file should go
    line = one_error_line(ims("audit", "export", "-o", str(taken), DATABASE_URL=database_url))
    assert line == f"error: {taken}: cannot be written (Is a directory)"
    pdf = tmp_path / "evidence.pdf"
    line = one_error_line(ims("audit", "export", "-o", str(pdf), DATABASE_URL=database_url))
    assert line == f"error: {pdf}: the evidence pack must end in .csv or .xlsx"
