"""Follow-ups through the bot over real HTTP with a fake Slack: draft modal, send, mark sent, and the
thread told when a newer GSTR-2B import shows the documents fixed."""

from __future__ import annotations

import json
import time

from sqlalchemy import select
from support.followups import A, B, first_month, next_month

from bot.blocks import followups as fb
from bot.listeners.followups import announce_resolved
from e2e.conftest import ASHA, CHANNEL, OUTSIDER, BotUnderTest
from e2e.slack_fake import interactive_body
from ims_core.db import session_scope
from ims_core.models import AuditEvent, FollowUp, SupplierContact


def _seed(engine) -> None:
    first_month(engine)
    with session_scope(engine) as session:
        session.add(SupplierContact(gstin=A, name="Mr Rao", email="accounts@shreepolymers.in"))


def _view(call) -> dict:  # a recorded fake-Slack call
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def _values(view: dict, **changes: str) -> dict:
    """The modal's state as Slack would submit it: initial values, with ``changes`` typed over them."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "checkboxes":
            entry = {"type": "checkboxes", "selected_options": element.get("initial_options", [])}
        else:
            entry = {
                "type": "plain_text_input",
                "value": changes.get(block["block_id"], element.get("initial_value")),
            }
        values[block["block_id"]] = {element["action_id"]: entry}
    return values


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def _followups(engine) -> list[FollowUp]:
    with session_scope(engine) as session:
        return list(session.execute(select(FollowUp).order_by(FollowUp.id)).scalars())


def test_command_opens_the_draft_send_emails_it_and_the_thread_hears_of_the_fix(
    bot: BotUnderTest, engine, smtp_server
):
    _seed(engine)
    assert bot.command(f"followup {A}")[0] == 200
    [opened] = bot.slack.wait_for("views.open")
    assert _view(opened)["blocks"][0]["text"]["text"] == "Preparing the draft…"
    [update] = bot.slack.wait_for("views.update")
    view = _view(update)
    assert update.args["view_id"] == "V0001" and view["callback_id"] == fb.FOLLOWUP_VIEW
    assert "first request, 2 documents, ITC held up ₹12,600.00" in view["blocks"][0]["text"]["text"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs[fb.TO_BLOCK]["initial_value"] == "accounts@shreepolymers.in"
    assert "A-102" in inputs[fb.BODY_BLOCK]["initial_value"]
    answer = bot.slack.wait_for("response_url:/respond/U0ASHA")[0]
    assert "Draft follow-up #1" in answer.args["text"]

    edited_subject = "Please file A-102 and correct A-103"
    assert bot.submit(view, _values(view, **{fb.SUBJECT_BLOCK: edited_subject}))[0] == 200
    _wait(lambda: len(smtp_server.inbox.messages) == 1)
    [mail] = smtp_server.inbox.messages
    assert mail.message["Subject"] == edited_subject and mail.rcpt_tos == ["accounts@shreepolymers.in"]
    assert [p.get_filename() for p in mail.message.iter_attachments()] == [f"gst-documents-{A}-1.xlsx"]
    [posted] = bot.slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == CHANNEL and "Follow-up #1 to Shree Polymers" in posted.args["text"]
    assert f"emailed to accounts@shreepolymers.in by <@{ASHA}>" in posted.args["text"]
    _wait(lambda: _followups(engine)[0].slack_ts == posted.response["ts"])
    [sent] = _followups(engine)
    assert (sent.status, sent.subject, sent.sent_by) == ("sent", edited_subject, "u0asha")

    next_month(engine)  # the newer GSTR-2B shows A-102 filed and A-103 amended
    [closed] = announce_resolved(bot.services)
    assert closed.followup_id == 1
    reply = bot.slack.wait_for("chat.postMessage", 2)[1]
    assert reply.args["thread_ts"] == posted.response["ts"] and reply.args["channel"] == CHANNEL
    assert reply.args["text"].startswith("Resolved: Shree Polymers has filed or corrected all 2 documents")
    [redrawn] = bot.slack.wait_for("chat.update")
    assert redrawn.args["ts"] == posted.response["ts"] and "is closed" in redrawn.args["text"]
    assert _followups(engine)[0].status == "closed"
    assert announce_resolved(bot.services) == []


def test_draft_button_then_mark_as_sent(bot: BotUnderTest, engine):
    _seed(engine)
    assert bot.click(fb.DRAFT_BUTTON, A, ts="1700000000.000001")[0] == 200
    view = _view(bot.slack.wait_for("views.update")[0])
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "user": {"id": ASHA, "username": "asha", "name": "asha", "team_id": "T0001"},
        "token": "legacy",
        "trigger_id": "trigger-x",
        "container": {"type": "view", "view_id": "V0001"},
        "view": {**view, "id": "V0001", "state": {"values": _values(view)}},
        "actions": [
            {
                "type": "button",
                "action_id": fb.MARK_SENT,
                "block_id": "b",
                "value": "1",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    assert bot.send(interactive_body(payload), "application/x-www-form-urlencoded")[0] == 200
    posted = bot.slack.wait_for("chat.postMessage")[0]
    assert "marked as sent by <@U0ASHA>" in posted.args["text"]
    done = _view(bot.slack.wait_for("views.update", 2)[1])
    assert "recorded as sent" in done["blocks"][0]["text"]["text"]
    _wait(lambda: _followups(engine)[0].slack_ts != "")
    assert _followups(engine)[0].status == "marked_sent"


def test_refused_smtp_tells_the_user_and_nothing_is_sent(bot: BotUnderTest, engine, refused_port):
    _seed(engine)
    bot.command(f"followup {A}")
    view = _view(bot.slack.wait_for("views.update")[0])
    bot.submit(view, _values(view))
    note = bot.slack.wait_for("chat.postEphemeral")[0]  # the modal is closed: told in its channel
    assert (note.args["channel"], note.args["user"]) == (CHANNEL, ASHA)
    assert note.args["text"].startswith("could not connect to SMTP server")
    [failed] = _followups(engine)
    assert (failed.status, failed.sent_at) == ("failed", None)
    assert bot.slack.of("chat.postMessage") == []


def test_outsiders_cannot_send_and_bad_addresses_are_flagged(bot: BotUnderTest, engine, smtp_server):
    _seed(engine)
    bot.command(f"followup {A}")
    view = _view(bot.slack.wait_for("views.update")[0])
    status, body = bot.submit(view, _values(view, **{fb.TO_BLOCK: "rao at shree"}))
    assert status == 200 and json.loads(body)["errors"] == {fb.TO_BLOCK: "Not an email address: rao at shree"}
    status, body = bot.submit(view, _values(view), user=OUTSIDER)
    assert status == 200 and "Only the people set up as approvers" in body
    time.sleep(0.2)
    assert smtp_server.inbox.messages == [] and _followups(engine)[0].status == "drafted"


def test_nothing_to_ask_is_shown_in_the_modal(bot: BotUnderTest, engine):
    _seed(engine)
    bot.command(f"followup {B}")
    shown = _view(bot.slack.wait_for("views.update")[0])
    assert f"nothing to ask supplier {B} about" in shown["blocks"][0]["text"]["text"]
    with session_scope(engine) as session:
        assert (
            session.execute(select(AuditEvent).where(AuditEvent.kind == "followup_drafted")).first() is None
        )


def test_scorecard_command_shows_the_same_figures_as_the_cli(bot: BotUnderTest, engine):
    _seed(engine)
    assert bot.command(f"scorecard {A}")[0] == 200
    answer = bot.slack.wait_for("response_url:/respond/U0ASHA")[0]
    blocks = json.dumps(answer.args["blocks"], ensure_ascii=False)
    assert answer.args["text"] == "Scorecard of Shree Polymers: 85/100"
    assert "at risk *₹12,600.00*" in blocks and "Missing from the portal: 1" in blocks
    assert "Trend: Oct 2025: 85 (2 at risk)" in blocks and fb.DRAFT_BUTTON in blocks
    assert "credit notes count negative. Score = 100 - 40 x missing - 30 x mismatched" in blocks  # legend
    assert bot.command(f"scorecard {A[2:12]}")[0] == 200
    by_pan = bot.slack.wait_for("response_url:/respond/U0ASHA", 2)[1]
    assert by_pan.args["text"] == "Scorecard of Shree Polymers: 85/100"
