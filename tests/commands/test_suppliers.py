"""``ims vendors``, ``ims vendor``, ``ims contacts import`` and ``ims followup …`` run as a user would."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.followups import A, B, first_month
from support.smtp import free_port
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.commands.common import console
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.ingest.document import IngestError
from ims_core.models import FollowUp
from ims_core.settings import get_settings
from ims_core.suppliers.mailer import MailError

runner = CliRunner()


@pytest.fixture
def month(env_db, engine, monkeypatch):
    monkeypatch.setattr(console, "_width", 200)  # wide tables, whatever terminal runs the tests
    first_month(engine)
    return engine


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_vendors_sorted_by_risk_and_one_vendor_in_detail(month):
    listed = _run("vendors", "--sort", "risk")
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if A in line or B in line]
    assert A in lines[0] and "₹12,600.00" in lines[0] and lines[0].rstrip().endswith(" 85 │")
    assert "Score = 100 - 40 x missing - 30 x mismatched - 20 x late - 10 x rejected" in listed.output
    shown = _run("vendor", A)
    assert shown.exit_code == 0, shown.output
    assert "Shree Polymers" in shown.output and "score 85/100" in shown.output
    assert "Missing from the portal: 1" in shown.output and "taxable_value 1" in shown.output
    by_pan = _run("vendor", B[2:12])
    assert by_pan.exit_code == 0 and "Same PAN" not in by_pan.output and "score 90/100" in by_pan.output


def test_contacts_import_then_draft_and_send(month, tmp_path, smtp_server):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(f"gstin,name,email\n{A},Mr Rao,accounts@shreepolymers.in\n", encoding="utf-8")
    imported = _run("contacts", "import", str(contacts), "--by", "anita")
    assert imported.exit_code == 0 and "1 contacts added" in imported.output
    drafted = _run("followup", "draft", A, "--by", "anita", "--today", "2025-11-15")
    assert drafted.exit_code == 0, drafted.output
    assert "first request" in drafted.output and "₹12,600.00" in drafted.output and "A-102" in drafted.output
    sent = _run("followup", "send", A, "--by", "anita")
    assert sent.exit_code == 0, sent.output
    assert "sent to accounts@shreepolymers.in" in sent.output and "IST" in sent.output
    [got] = smtp_server.inbox.messages
    assert got.rcpt_tos == ["accounts@shreepolymers.in"]
    again = _run("followup", "send", A, "--to", "cfo@shreepolymers.in", "--no-attach", "--by", "anita")
    assert again.exit_code == 0 and "(reminder)" in again.output
    assert list(smtp_server.inbox.messages[1].message.iter_attachments()) == []
    with session_scope(month) as session:
        levels = session.execute(select(FollowUp.level, FollowUp.status).order_by(FollowUp.id)).all()
    assert [tuple(r) for r in levels] == [(1, "sent"), (2, "sent")]


def test_send_refused_leaves_the_draft_unsent(month, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))
    monkeypatch.setenv("SMTP_FROM", "ap@deccanpolymers.in")
    get_settings.cache_clear()
    result = _run("followup", "send", A, "--to", "accounts@shreepolymers.in", "--by", "anita")
    assert isinstance(result.exception, MailError) and "Connection refused" in str(result.exception)
    due = _run("followup", "due")
    assert due.exit_code == 0 and "failed" in due.output and A in due.output
    with session_scope(month) as session:
        assert session.execute(select(FollowUp.status)).scalars().all() == ["failed"]


def test_mark_sent_and_bad_input(month, tmp_path):
    nothing = _run("followup", "mark-sent", A, "--by", "anita")
    assert isinstance(nothing.exception, UserFacingError) and "no open follow-up" in str(nothing.exception)
    assert _run("followup", "draft", A).exit_code == 0
    marked = _run("followup", "mark-sent", A, "--note", "phoned", "--by", "anita")
    assert marked.exit_code == 0 and "marked as sent (first request)" in marked.output
    bad = tmp_path / "bad.csv"
    bad.write_text("gstin,email\n27AHQPA7588L1ZJ,not-an-email\n", encoding="utf-8")
    refused = _run("contacts", "import", str(bad))
    assert isinstance(refused.exception, IngestError) and "row 2, field 'email'" in str(refused.exception)
    missing = _run("vendor", "24AAQCA8719H1ZC")
    assert isinstance(missing.exception, UserFacingError)
