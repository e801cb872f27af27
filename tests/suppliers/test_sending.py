"""Sending holds its ground: a server that drips bytes is cut off at the deadline, a header that
would inject others is refused (and the follow-up marked failed, no traceback), and a follow-up is
claimed as ``sending`` so that a second Send, however close behind, sends no second email."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select, update
from support.followups import A, first_month

from ims_core import clock
from ims_core.audit import Actor
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.models import AuditEvent, FollowUp
from ims_core.suppliers import followups
from ims_core.suppliers.mailer import Attachment, MailError, OutgoingMail, send_mail
from ims_core.suppliers.send import claim_send, deliver, send

ANITA = Actor(id="U01ANITA", name="Anita", source="slack")
RAVI = Actor(id="U01RAVI", name="Ravi", source="slack")
TO = ["accounts@shreepolymers.in"]


@pytest.fixture
def drafted(engine) -> int:
    first_month(engine)
    with session_scope(engine) as session:
        return followups.draft(session, A, actor=ANITA, today=dt.date(2025, 11, 15)).id


def _followup(engine, followup_id: int) -> FollowUp:
    with session_scope(engine) as session:
        return session.get(FollowUp, followup_id)


def _kinds(engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditEvent.kind).order_by(AuditEvent.id)).scalars())


def test_a_dripping_server_is_cut_off_at_the_deadline(dripping_smtp):
    started = time.monotonic()
    with pytest.raises(MailError, match=r"did not finish the email within 2 s \(SMTP_DEADLINE_SECONDS\)"):
        send_mail(OutgoingMail(to=TO, subject="GST documents", body="Dear Sir"))
    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 4.0, elapsed  # a byte every 0.5 s never trips a socket timeout
    assert dripping_smtp.connections == 1


def test_a_send_cut_off_is_failed_not_left_sending(engine, drafted, dripping_smtp):
    with pytest.raises(MailError, match="did not finish"):
        send(engine, drafted, actor=ANITA, to=TO)
    failed = _followup(engine, drafted)
    assert (failed.status, failed.sent_at, failed.claimed_at) == ("failed", None, None)
    assert "within 2 s" in failed.last_error and _kinds(engine)[-1] == "followup_failed"


@pytest.mark.parametrize(
    ("subject", "said"),
    [
        ("GST documents\r\nBcc: someone@elsewhere.example", r"a line break in it \(\\r, \\n\)"),
        ("GST documents\x0bBcc: someone@elsewhere.example", r"a control character in it \(\\x0b\)"),
        ("GST documents\u2028Bcc: x@y.example", r"\(\\u2028\)"),
    ],
    ids=["crlf", "vertical-tab", "line-separator"],
)
def test_a_subject_that_would_inject_headers_fails_the_follow_up(engine, drafted, smtp_server, subject, said):
    with session_scope(engine) as session:
        f = followups.get(session, drafted)
        followups.edit(session, drafted, subject=subject, body=f.body, chat_text=f.chat_text, actor=ANITA)
    with pytest.raises(MailError, match="cannot send: the subject .* " + said):
        send(engine, drafted, actor=ANITA, to=TO)
    failed = _followup(engine, drafted)
    assert failed.status == "failed" and "an email header must be one line" in failed.last_error
    assert _kinds(engine)[-1] == "followup_failed" and smtp_server.inbox.messages == []


def test_a_nul_in_a_header_is_refused_before_anything_is_sent(smtp_server):  # PostgreSQL stores no NUL
    with pytest.raises(MailError, match=r"the subject 'GST\\x00' has a control character in it \(\\x00\)"):
        send_mail(OutgoingMail(to=TO, subject="GST\x00", body="Dear Sir"))
    with pytest.raises(MailError, match="the attachment name"):
        send_mail(OutgoingMail(to=TO, subject="GST", body="b", attachments=[Attachment("a\r\n.xlsx", b"x")]))
    assert smtp_server.inbox.messages == []


@pytest.mark.parametrize(
    ("to", "said"),
    [
        (["accounts@shreepolymers.in, boss@elsewhere.example"], "one address per recipient"),
        (["accounts@shreepolymers.in;boss@elsewhere.example"], "one address per recipient"),
        (["accounts@shreepolymers.in\r\nBcc: boss@elsewhere.example"], r"a line break in it"),
        (["rao at shree"], "is not an email address"),
    ],
    ids=["comma", "semicolon", "crlf", "not-an-address"],
)
def test_a_to_address_that_adds_recipients_or_headers_fails_the_follow_up(
    engine, drafted, smtp_server, to, said
):
    with pytest.raises(MailError, match=said):
        send(engine, drafted, actor=ANITA, to=to)
    failed = _followup(engine, drafted)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert smtp_server.inbox.messages == []
    sent = send(engine, drafted, actor=ANITA, to=TO)  # put right, it goes
    assert sent.status == "sent" and smtp_server.inbox.messages[0].rcpt_tos == TO


def test_a_second_send_is_refused_while_the_first_is_sending(engine, drafted, smtp_server):
    claimed = claim_send(engine, drafted, to=TO)
    assert _followup(engine, drafted).status == "sending"
    with pytest.raises(UserFacingError, match=f"follow-up #{drafted} is already being sent"):
        claim_send(engine, drafted, to=TO)
    with session_scope(engine) as session, pytest.raises(UserFacingError, match="already being sent"):
        followups.mark_sent(session, drafted, actor=RAVI)
    assert deliver(engine, claimed, actor=ANITA).status == "sent"
    assert len(smtp_server.inbox.messages) == 1


def test_many_send_clicks_at_once_send_one_email(engine, drafted, smtp_server):
    clicks = 8
    barrier = threading.Barrier(clicks)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            send(engine, drafted, actor=ANITA, to=TO)
            outcomes.append("sent")
        except UserFacingError as refused:
            outcomes.append(str(refused))

    workers = [threading.Thread(target=click) for _ in range(clicks)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert outcomes.count("sent") == 1 and len(smtp_server.inbox.messages) == 1
    assert all("already" in o or "someone else" in o for o in outcomes if o != "sent")
    assert _kinds(engine).count("followup_sent") == 1


def test_a_send_whose_process_died_can_be_taken_over_and_the_late_one_sends_nothing(
    engine, drafted, smtp_server
):
    stuck = claim_send(engine, drafted, to=TO)  # ...and its process died before talking SMTP
    with pytest.raises(UserFacingError, match="already being sent"):
        send(engine, drafted, actor=RAVI, to=TO)
    long_ago = clock.now() - dt.timedelta(seconds=followups.stale_claim_seconds() + 1)
    with session_scope(engine) as session:
        session.execute(update(FollowUp).where(FollowUp.id == drafted).values(claimed_at=long_ago))
    assert send(engine, drafted, actor=RAVI, to=TO).sent_by == "Ravi"
    with pytest.raises(UserFacingError, match="was taken over by another send"):
        deliver(engine, stuck, actor=ANITA)
    assert len(smtp_server.inbox.messages) == 1 and _followup(engine, drafted).status == "sent"
