"""What the command line guarantees about decisions: ``--by`` is recorded beside the operating-system
login and the maker-checker compares both; the approval names who asked; bulk lists what it changes
and what it skips, and never replaces a person's decision unless told to, with a reason."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlmodel import Session
from support.documents import ASHA, SUPPLIER, TODAY, insert_document, reconciled
from typer.testing import CliRunner

from ims_core import clock
from ims_core.cli import app
from ims_core.commands.common import os_login
from ims_core.decisions.engine import decide
from ims_core.decisions.store import current_decision
from ims_core.models import AuditEvent

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def docs(env_db, engine):
    clock.set_today(TODAY)
    with Session(engine, expire_on_commit=False) as s:
        docs = {n: insert_document(s, doc_number=n, **({"cgst_paise": 6_000_000, "sgst_paise": 6_000_000}
                                                        if n == "BIG-1" else {}))
                for n in ("INV-1", "INV-2", "INV-3", "BIG-1")}
        reconciled(s, [d for n, d in docs.items() if n != "BIG-1"], tax_paise=180_000)
    return docs


def test_the_login_is_recorded_beside_by_and_a_second_spelling_cannot_approve(docs, engine):
    assert _run("action", "reject", f"{SUPPLIER}/BIG-1", "--by", "asha").exit_code == 0
    refused = _run("action", "approve", f"{SUPPLIER}/BIG-1", "--by", "asha.k")
    assert f"asha asked for this rejection, and asha.k acts from the same login ({os_login()})" in str(
        refused.exception)
    with Session(engine) as s:
        assert current_decision(s, docs["BIG-1"].id).pending_approval
        events = s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [(e.kind, e.actor_id, e.actor_name) for e in events] == [
        ("reject_requested", os_login(), "asha"), ("refused", os_login(), "asha.k")]


def test_approve_prints_who_requested_it(docs, engine):
    with Session(engine) as s:  # Asha asks in Slack; ravi approves at a terminal
        decide(s, portal_document_id=docs["BIG-1"].id, action="reject", actor=ASHA, today=TODAY)
        s.commit()
    approved = _run("action", "approve", f"{SUPPLIER}/BIG-1", "--by", "ravi")
    assert approved.exit_code == 0, approved.output
    assert "(requested by Asha, approved by ravi)" in " ".join(approved.output.split())


def test_dry_run_lists_changes_and_skips_and_bulk_keeps_people(docs, engine):
    assert _run("action", "accept", f"{SUPPLIER}/INV-2", "--by", "Asha").exit_code == 0
    assert _run("action", "pending", f"{SUPPLIER}/INV-3", "--by", "Asha").exit_code == 0
    dry = _run("action", "apply-recommended", "--period", "102025", "--dry-run")
    out = " ".join(dry.output.split())
    assert dry.exit_code == 0, dry.output
    assert f"will accept INV INV-1 from {SUPPLIER} (period 102025)" in out
    assert re.search(rf"skipped INV INV-3 from {SUPPLIER} \(period 102025\): pending by Asha on "
                     r"\d\d-\d\d-\d{4}; bulk decides only records nobody has decided", out)
    assert "INV-2" not in out.split("skipped")[0].split("total")[1]  # already accepted: not "will accept"
    applied = _run("action", "apply-recommended", "--period", "102025", "--by", "bulkbot")
    assert applied.exit_code == 0 and "1 record(s) decided" in applied.output
    with Session(engine) as s:
        kept = current_decision(s, docs["INV-3"].id)
    assert (kept.action, kept.decided_by) == ("P", "Asha")

    bulk = ("action", "apply-recommended", "--period", "102025", "--by", "bulkbot", "--include-decided")
    assert "needs a reason" in str(_run(*bulk).exception)
    forced = _run(*bulk, "--reason", "supplier confirmed")
    out = " ".join(forced.output.split())
    assert forced.exit_code == 0, forced.output
    assert re.search(r"will accept INV INV-3 .*\(replaces: pending by Asha on \d\d-\d\d-\d{4}\)", out)
    assert re.search(rf"overwrote INV INV-3 from {SUPPLIER} \(period 102025\): was pending by Asha on ", out)
    with Session(engine) as s:
        assert current_decision(s, docs["INV-3"].id).action == "A"


def test_period_commands_refuse_an_empty_period_and_reopen_with_a_second_person(docs, engine):
    empty = _run("period", "filed", "112025", "--by", "asha")
    assert "There is no data for 112025" in str(empty.exception)
    assert _run("period", "filed", "102025", "--by", "asha").exit_code == 0
    asked = _run("period", "reopen", "102025", "--by", "asha", "--reason", "filed by mistake")
    assert asked.exit_code == 0 and "a different person must run" in " ".join(asked.output.split())
    same_login = _run("period", "reopen", "102025", "--by", "ravi", "--reason", "ok")
    assert f"ravi (login {os_login()}) is the same person" in str(same_login.exception)
    with Session(engine) as s:
        kinds = [e.kind for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert kinds == ["period_filed", "period_reopen_requested"]
