"""Follow-ups on a real reconciliation: drafting, escalation, sending, failing, cadence and closing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from support.followups import NEXT_2B, RECIPIENT, A, B, first_month, gstr2b_import, next_month
from support.smtp import free_port

from ims_core.audit import Actor, verify
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.models import AuditEvent, FollowUp, FollowUpItem, SupplierContact
from ims_core.settings import get_settings
from ims_core.suppliers import followups
from ims_core.suppliers.mailer import MailError
from ims_core.suppliers.send import send

ANITA = Actor(id="U01ANITA", name="Anita", source="slack")
NOV_15 = dt.date(2025, 11, 15)


@pytest.fixture
def month(engine):
    first_month(engine)
    return engine


def _draft(engine, gstin=A, today=NOV_15) -> FollowUp:
    with session_scope(engine) as session:
        return followups.draft(session, gstin, actor=ANITA, today=today)


def _events(engine, kind: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


def _contact(engine, email="accounts@shreepolymers.in") -> None:
    with session_scope(engine) as session:
        session.add(SupplierContact(gstin=A, name="Mr Rao", email=email, slack_channel="#vendor-shree"))


def test_draft_lists_what_the_supplier_must_fix_with_the_itc_and_date(month):
    f = _draft(month)
    assert (f.level, f.status, f.recipient_gstin) == (1, "drafted", RECIPIENT)
    assert f.itc_held_paise == 900_000 + 360_000  # A-102's tax + A-103's booked tax
    assert f.need_by == dt.date(2025, 11, 20)  # GSTR-3B for October, monthly filer
    with session_scope(month) as session:
        items = followups.items(session, f.id)
    assert [(i.doc_number, i.problem) for i in items] == [  # by period, date, number
        ("A-102", "missing_in_portal"),
        ("A-103", "mismatch"),
    ]
    a103 = next(i for i in items if i.doc_number == "A-103")
    assert a103.what_we_need.startswith("please issue a credit note for ₹2,000.00 of taxable value")
    assert a103.tax_paise == 360_000 and a103.taxable_paise == 2_000_000
    assert "A-102" in f.body and "₹12,600.00" in f.body and "Deccan Polymers Pvt Ltd" in f.body
    [event] = _events(month, "followup_drafted")
    assert event.supplier_gstin == A and event.actor_name == "Anita" and '"documents":2' in event.after_json


def test_need_by_moves_to_the_day_that_still_saves_the_credit_once_gstr1a_is_closed(month):
    # 25-11-2025: GSTR-1A for October closed with the supplier's GSTR-3B (due 20-11-2025); A-102 (missing,
    # its credit at stake) must now reach a GSTR-2B we can claim within Section 16(4): filed by 13-11-2026
    f = _draft(month, today=dt.date(2025, 11, 25))
    assert f.need_by == dt.date(2026, 11, 13)
    assert "by 13-11-2026: the last day a filing still reaches a GSTR-2B" in f.body


def test_nothing_to_ask_and_bad_gstin_are_refused(month):
    with pytest.raises(UserFacingError, match=f"nothing to ask supplier {B} about"):
        _draft(month, B)
    with pytest.raises(UserFacingError, match="'27abc' is not a GSTIN"):
        _draft(month, "27abc")
    assert _events(month, "followup_drafted") == []


def test_escalation_follows_the_history_and_unsent_drafts_do_not_count(month):
    first = _draft(month)
    second = _draft(month)  # redrafted before sending: supersedes, still a first request
    assert second.level == 1
    with session_scope(month) as session:
        assert session.get(FollowUp, first.id).closed_reason == "superseded"
    levels = []
    for _ in range(3):
        with session_scope(month) as session:
            current = followups.latest(session, A)
            followups.mark_sent(session, current.id, actor=ANITA, note="phoned Mr Rao")
        levels.append(_draft(month).level)
    assert levels == [2, 3, 3]
    final = _draft(month)
    assert final.subject.startswith("Final notice:") and "hold the payment" in final.body
    assert "Despite our earlier requests of" in final.body


def test_edit_keeps_the_persons_text_until_it_is_sent(month):
    f = _draft(month)
    with session_scope(month) as session:
        followups.edit(
            session,
            f.id,
            subject="Please file A-102",
            body="Dear Mr Rao, please.",
            chat_text="pls",
            actor=ANITA,
        )
        followups.mark_sent(session, f.id, actor=ANITA)
    with session_scope(month) as session:
        assert session.get(FollowUp, f.id).subject == "Please file A-102"
        with pytest.raises(UserFacingError, match="is marked sent; it can no longer be edited"):
            followups.edit(session, f.id, subject="x", body="y", chat_text="", actor=ANITA)
        with pytest.raises(UserFacingError, match="is already marked sent"):
            followups.mark_sent(session, f.id, actor=ANITA)
    assert len(_events(month, "followup_edited")) == 1


def test_send_through_smtp_records_who_when_and_where(month, smtp_server):
    _contact(month)
    f = _draft(month)
    sent = send(month, f.id, actor=ANITA)
    assert sent.status == "sent" and sent.sent_to == "accounts@shreepolymers.in" and sent.attempts == 1
    [got] = smtp_server.inbox.messages
    assert got.message["Subject"] == f.subject and got.rcpt_tos == ["accounts@shreepolymers.in"]
    [xlsx] = list(got.message.iter_attachments())
    assert xlsx.get_filename() == f"gst-documents-{A}-{f.id}.xlsx"
    [event] = _events(month, "followup_sent")
    assert '"to":["accounts@shreepolymers.in"]' in event.after_json and event.actor_id == "U01ANITA"
    with pytest.raises(UserFacingError, match="already sent"):
        send(month, f.id, actor=ANITA)
    assert len(smtp_server.inbox.messages) == 1


def test_refused_connection_marks_nothing_sent_and_a_retry_can_succeed(month, smtp_server, monkeypatch):
    f = _draft(month)
    dead = free_port()
    monkeypatch.setenv("SMTP_PORT", str(dead))
    get_settings.cache_clear()
    with pytest.raises(
        MailError, match=f"could not connect to SMTP server 127.0.0.1:{dead}: Connection refused"
    ):
        send(month, f.id, actor=ANITA, to=["accounts@shreepolymers.in"])
    with session_scope(month) as session:
        failed = session.get(FollowUp, f.id)
        assert (failed.status, failed.sent_at, failed.attempts) == ("failed", None, 1)
        assert "Connection refused" in failed.last_error
        assert followups.escalation_level(session, A) == 1
    [event] = _events(month, "followup_failed")
    assert "Connection refused" in event.reason and _events(month, "followup_sent") == []

    monkeypatch.setenv("SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    sent = send(month, f.id, actor=ANITA, to=["accounts@shreepolymers.in"])
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")
    assert len(smtp_server.inbox.messages) == 1


def test_send_without_any_address_changes_nothing(month, smtp_server):
    f = _draft(month)
    with pytest.raises(UserFacingError, match=f"no email address for supplier {A}"):
        send(month, f.id, actor=ANITA)
    with session_scope(month) as session:
        assert session.get(FollowUp, f.id).attempts == 0
    assert smtp_server.inbox.messages == []


def test_cadence_brings_unresolved_follow_ups_back(month):
    f = _draft(month)
    with session_scope(month) as session:
        followups.mark_sent(session, f.id, actor=ANITA)
        sent_at = session.get(FollowUp, f.id).sent_at
    with session_scope(month) as session:
        assert followups.due_for_digest(session, now=sent_at + dt.timedelta(days=6), cadence_days=7) == []
        [due] = followups.due_for_digest(session, now=sent_at + dt.timedelta(days=7, hours=1), cadence_days=7)
    assert (due.followup_id, due.days_waiting, due.open_documents, due.next_level) == (f.id, 7, 2, 2)
    assert due.itc_held_paise == 1_260_000 and due.supplier_name == "Shree Polymers"
    assert due.sent_at_local.utcoffset() == dt.timedelta(hours=5, minutes=30)


def test_failed_sends_are_due_at_once(month, refused_port):
    f = _draft(month)
    with pytest.raises(MailError):
        send(month, f.id, actor=ANITA, to=["a@b.in"])
    with session_scope(month) as session:
        [due] = followups.due_for_digest(session, cadence_days=30)
    assert (due.followup_id, due.status) == (f.id, "failed")


def test_full_loop_missing_documents_sent_newer_2b_closes_the_follow_up(month, smtp_server):
    _contact(month)
    f = _draft(month)
    send(month, f.id, actor=ANITA)
    with session_scope(month) as session:
        followups.attach_thread(session, f.id, channel="C0VENDORS", ts="1700000000.000100")
        assert followups.close_resolved(session) == []  # nothing new yet
    next_month(month)  # the supplier filed A-102 and amended A-103; the newer GSTR-2B shows both
    with session_scope(month) as session:
        [closed] = followups.close_resolved(session)
        assert followups.close_resolved(session) == []  # idempotent
    assert (closed.followup_id, closed.documents, closed.slack_channel, closed.slack_ts) == (
        f.id,
        2,
        "C0VENDORS",
        "1700000000.000100",
    )
    assert closed.text == (
        "Resolved: Shree Polymers has filed or corrected all 2 documents of this follow-up; it is closed."
    )
    with session_scope(month) as session:
        done = session.get(FollowUp, f.id)
        assert (done.status, done.closed_reason) == ("closed", "resolved")
        resolutions = session.execute(select(FollowUpItem.resolution).where(FollowUpItem.followup_id == f.id))
        assert sorted(resolutions.scalars()) == ["matched", "matched"]
        assert followups.due_for_digest(session, now=done.closed_at + dt.timedelta(days=30)) == []
        assert followups.escalation_level(session, A) == 1  # a fresh start after a resolution
    [event] = _events(month, "followup_closed")
    assert event.actor_source == "system" and "filed or corrected" in event.reason
    assert verify(month).ok


def test_partly_fixed_follow_up_stays_open(month, engine):
    f = _draft(month)
    load(engine, gstr2b_import(NEXT_2B[:1], "112025"))  # only A-102 arrives
    run_reconciliation(engine, RECIPIENT)
    with session_scope(engine) as session:
        assert followups.close_resolved(session) == []
        items = {i.doc_number: i for i in followups.items(session, f.id)}
        assert items["A-102"].resolution == "matched" and items["A-103"].resolved_at is None
        assert session.get(FollowUp, f.id).status == "drafted"
