"""The ``ims`` commands of the action engine, run as a user would (CliRunner on the real app)."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from sqlalchemy import select, text
from sqlmodel import Session
from support.documents import RAVI, RECIPIENT, SUPPLIER, TODAY, insert_document
from typer.testing import CliRunner

from ims_core import clock
from ims_core.cli import app
from ims_core.decisions.engine import approve_rejection
from ims_core.decisions.errors import ActionRefused
from ims_core.decisions.store import current_decision
from ims_core.errors import UserFacingError
from ims_core.models import AuditEvent, MatchResult, ReconciliationRun

runner = CliRunner()


@pytest.fixture
def docs(env_db, engine):
    clock.set_today(TODAY)  # the documents are of October 2025; the commands run in November 2025
    with Session(engine, expire_on_commit=False) as s:
        return {
            "inv": insert_document(s, doc_number="INV-1"),
            "crn": insert_document(
                s,
                doc_number="CN-1",
                doc_type="CRN",
                section="b2bcn",
                igst_paise=10_000,
                cgst_paise=0,
                sgst_paise=0,
            ),
            "boe": insert_document(s, doc_number="BE-1", doc_type="BOE", section="impg"),
            "big": insert_document(s, doc_number="BIG-1", cgst_paise=6_000_000, sgst_paise=6_000_000),
        }


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_accept_by_reference_and_show(docs, engine):
    result = _run("action", "accept", f"{SUPPLIER}/inv-1", "--by", "Asha", "--reason", "ok")
    assert result.exit_code == 0, result.output
    assert "INV INV-1" in result.output and "now accepted (by Asha)" in result.output
    shown = _run("action", "show", f"{SUPPLIER}/INV-1")
    assert "accepted (Asha" in shown.output and "version 1" in shown.output
    with Session(engine) as s:
        event = s.execute(select(AuditEvent)).scalars().one()
    assert (event.actor_source, event.actor_name, event.reason) == ("cli", "Asha", "ok")


def test_refusals_reach_the_user(docs):
    result = _run("action", "reject", f"{SUPPLIER}/BE-1", "--by", "Asha")
    assert isinstance(result.exception, ActionRefused) and "bill of entry" in str(result.exception)
    missing = _run("action", "accept", f"{SUPPLIER}/NOPE", "--by", "Asha")
    assert isinstance(missing.exception, UserFacingError) and "no document matches" in str(missing.exception)
    nobody = _run("action", "accept", f"{SUPPLIER}/INV-1")
    assert isinstance(nobody.exception, UserFacingError) and "--by" in str(nobody.exception)


def test_partial_itc_reduction_from_the_command_line(docs, engine):
    result = _run(
        "action",
        "accept",
        f"{SUPPLIER}/CN-1",
        "--by",
        "Asha",
        "--reason",
        "part",
        "--itc-reduction",
        "partial",
        "--igst",
        "40.50",
    )
    assert result.exit_code == 0, result.output
    too_much = _run(
        "action",
        "accept",
        f"{SUPPLIER}/CN-1",
        "--by",
        "Asha",
        "--reason",
        "part",
        "--itc-reduction",
        "partial",
        "--igst",
        "1,000",
    )
    assert "more than the note's IGST of ₹100.00" in str(too_much.exception)


def test_maker_checker_and_period_lock(docs, engine):
    assert _run("action", "reject", f"{SUPPLIER}/BIG-1", "--by", "Asha").exit_code == 0
    refused = _run("period", "filed", "102025", "--by", "Asha")
    assert "waiting for approval" in str(refused.exception)
    same_login = _run("action", "approve", f"{SUPPLIER}/BIG-1", "--by", "Ravi")  # this machine's one login
    assert "acts from the same login" in str(same_login.exception)
    with Session(engine) as s:  # Ravi approves in Slack
        approve_rejection(s, portal_document_id=docs["big"].id, approver=RAVI)
        s.commit()
        assert current_decision(s, docs["big"].id).action == "R"
    filed = _run("period", "filed", "102025", "--by", "Asha")
    assert filed.exit_code == 0 and "locked" in filed.output
    locked = _run("action", "accept", f"{SUPPLIER}/INV-1", "--by", "Ravi")
    assert "marked filed by Asha" in str(locked.exception)


def test_apply_recommended_previews_then_applies(docs, engine):
    with Session(engine) as s:
        run = ReconciliationRun(recipient_gstin=RECIPIENT, period="102025")
        s.add(run)
        s.flush()
        s.add_all(
            [
                MatchResult(
                    run_id=run.id,
                    portal_document_id=docs["inv"].id,
                    status="matched",
                    recommended_action="A",
                    recipient_gstin=RECIPIENT,
                    return_period="102025",
                    tax_paise=180_000,
                ),
                MatchResult(
                    run_id=run.id,
                    portal_document_id=docs["boe"].id,
                    status="missing_in_books",
                    recommended_action="R",
                    recipient_gstin=RECIPIENT,
                    return_period="102025",
                ),
            ]
        )
        s.commit()
    preview = _run("action", "apply-recommended", "--period", "102025", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "₹1,800.00" in preview.output and "Dry run" in preview.output and "bill of entry" in preview.output
    with Session(engine) as s:
        assert current_decision(s, docs["inv"].id).version == 0
    applied = _run("action", "apply-recommended", "--period", "102025", "--by", "Asha")
    assert applied.exit_code == 0 and "1 record(s) decided" in applied.output
    with Session(engine) as s:
        assert current_decision(s, docs["inv"].id).action == "A"


def test_itc_and_deadlines(docs):
    assert _run("action", "pending", f"{SUPPLIER}/INV-1", "--by", "Asha").exit_code == 0
    itc = _run("itc", "--period", "102025", "--details")
    assert itc.exit_code == 0, itc.output
    assert "4A(5)" in itc.output and "Kept pending" in itc.output and "INV-1" in itc.output
    due = _run("deadlines", "--today", "2025-11-05")
    assert due.exit_code == 0 and "20-11-2025" in due.output and "GSTR-3B for 102025" in due.output


def test_audit_verify_and_evidence_pack(docs, engine, tmp_path):
    _run("action", "accept", f"{SUPPLIER}/INV-1", "--by", "Asha")
    _run("action", "pending", f"{SUPPLIER}/CN-1", "--by", "Ravi")
    _run("action", "reject", f"{SUPPLIER}/BE-1", "--by", "Ravi")  # refused, and audited
    ok = _run("audit", "verify")
    assert ok.exit_code == 0 and "3 events" in ok.output
    unknown = _run("audit", "export", "-o", str(tmp_path / "x.csv"), "--document", f"{SUPPLIER}/NONE")
    assert "no document matches" in str(unknown.exception) and not (tmp_path / "x.csv").exists()

    out = tmp_path / "evidence.csv"
    assert _run("audit", "export", "-o", str(out), "--document", f"{SUPPLIER}/INV-1").exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["kind"], r["actor"], r["document"]) for r in rows] == [
        ("decision", "Asha", "ims INV INV-1 dated 10-10-2025")
    ]
    assert rows[0]["time_ist"] and len(rows[0]["hash"]) == 64
    xlsx = tmp_path / "evidence.xlsx"
    assert _run("audit", "export", "-o", str(xlsx), "--period", "102025").exit_code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["events", "verification"]
    assert book["events"].max_row == 4 and book["verification"]["B2"].value == "yes"
    with Session(engine) as s:  # each pack made is itself on the record
        packs = s.execute(select(AuditEvent).where(AuditEvent.kind == "export")).scalars().all()
    assert ['"file":"evidence.csv"' in packs[0].after_json, packs[1].return_period] == [True, "102025"]

    with engine.begin() as conn:  # tamper behind the application's back
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
        conn.execute(text("UPDATE audit_event SET actor_name = 'Mallory' WHERE id = 2"))
    broken = _run("audit", "verify")
    assert isinstance(broken.exception, UserFacingError) and "broken at event 2" in str(broken.exception)


def test_export_ims_actions_command(docs, tmp_path):
    assert _run("action", "reject", f"{SUPPLIER}/INV-1", "--by", "Asha").exit_code == 0
    out = tmp_path / "save.json"
    result = _run("export", "ims-actions", "-o", str(out), "--by", "Asha")
    assert result.exit_code == 0, result.output
    assert "1 action(s) written" in result.output
    request = json.loads(out.read_text())
    assert (request["reqtyp"], request["invdata"]["b2b"][0]["action"]) == ("SAVE", "R")
    again = _run("export", "ims-actions", "-o", str(tmp_path / "again.json"), "--by", "Asha")
    assert again.exit_code == 0 and "Nothing changed since the last export" in again.output


def test_refusal_exits_non_zero_with_one_line_on_stderr(docs, monkeypatch, capsys):
    from ims_core.cli import main

    monkeypatch.setattr("sys.argv", ["ims", "action", "reject", f"{SUPPLIER}/BE-1", "--by", "Asha"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and "only Accept or Pending" in stderr and stderr.count("\n") == 1
