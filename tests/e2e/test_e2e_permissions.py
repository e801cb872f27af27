"""Only approvers act: every protected action refuses anyone else politely, changes nothing, and
leaves a ``refused`` event in the audit trail; the refusal is acknowledged before anything slow."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.blocks import followups as fb
from bot.blocks.approvals import APPROVE, DECLINE
from bot.blocks.modals import CN_ACCEPT_VIEW, REJECT_VIEW, ModalContext
from bot.blocks.records import ACCEPT, DETAILS, PENDING, REJECT
from ims_core.models import AuditEvent, ChannelSubscription, FollowUp, ImsDecision

from .conftest import ASHA, CHANNEL, OUTSIDER, BotUnderTest
from .seed import seed
from .slack_fake import interactive_body
from .test_e2e_decisions import post_digest, wait_until

DECIDE = "Only the people set up as approvers can decide on IMS records."
ANSWER = "Only the people set up as approvers can approve or decline a rejection."
SEND = "Only the people set up as approvers can send follow-ups to suppliers."
SCHEDULE = "Only the people set up as approvers can change a channel's digest schedule."
FOLLOWUP_ID = 7


def _modal(callback_id: str, title: str, metadata: str) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "private_metadata": metadata,
        "blocks": [],
    }


def _decision_modal(callback_id: str, title: str, doc_id: int, ts: str) -> dict:
    return _modal(callback_id, title, ModalContext(doc_id, 0, CHANNEL, ts).dumps())


def _followup_modal() -> dict:
    return _modal(fb.FOLLOWUP_VIEW, fb.TITLE, fb.FollowUpContext(FOLLOWUP_ID, CHANNEL).dumps())


def _click_in_modal(bot: BotUnderTest, action_id: str, view: dict, user: str = OUTSIDER) -> tuple[int, str]:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "token": "legacy",
        "trigger_id": "trigger-modal",
        "container": {"type": "view", "view_id": "V0042"},
        "view": {**view, "id": "V0042", "state": {"values": {}}},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": "x"}],
    }
    return bot.send(interactive_body(payload), "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class Case:
    """One protected action: how an outsider attempts it, where the refusal shows, what is audited."""

    send: Callable[[BotUnderTest, int, str], tuple[int, str]]
    # "ephemeral" (the click's response_url), "command" (the command's), "ack" (the ack updates the
    # modal), "modal" (views.update)
    shown_in: str
    note: str
    audited: dict
    on_document: bool = True


Send = Callable[[BotUnderTest, int, str], tuple[int, str]]  # (bot, record, digest ts) -> HTTP answer


def _click(action_id: str, version: int = 0) -> Send:
    return lambda bot, doc, ts: bot.click(action_id, f"{doc}:{version}", user=OUTSIDER, ts=ts)


def _command(text: str) -> Send:
    return lambda bot, doc, ts: bot.command(text, user=OUTSIDER)


def _submit(callback_id: str, title: str) -> Send:
    return lambda bot, doc, ts: bot.submit(_decision_modal(callback_id, title, doc, ts), {}, user=OUTSIDER)


CASES = {
    "accept": Case(_click(ACCEPT), "ephemeral", DECIDE, {"action": "accept"}),
    "reject": Case(_click(REJECT), "ephemeral", DECIDE, {"action": "reject"}),
    "pending": Case(_click(PENDING), "ephemeral", DECIDE, {"action": "pending"}),
    "approve": Case(_click(APPROVE, 1), "ephemeral", ANSWER, {"action": "approve"}),
    "decline": Case(_click(DECLINE, 1), "ephemeral", ANSWER, {"action": "decline"}),
    "reject modal": Case(_submit(REJECT_VIEW, "Reject record"), "ack", DECIDE, {"action": "reject"}),
    "credit note modal": Case(
        _submit(CN_ACCEPT_VIEW, "Accept credit note"), "ack", DECIDE, {"action": "accept"}
    ),
    "send follow-up": Case(
        lambda bot, doc, ts: bot.submit(_followup_modal(), {}, user=OUTSIDER),
        "ack",
        SEND,
        {"action": "send_followup", "followup_id": FOLLOWUP_ID},
        on_document=False,
    ),
    "mark follow-up sent": Case(
        lambda bot, doc, ts: _click_in_modal(bot, fb.MARK_SENT, _followup_modal()),
        "modal",
        SEND,
        {"action": "mark_followup_sent", "followup_id": FOLLOWUP_ID},
        on_document=False,
    ),
    "subscribe": Case(_command("subscribe 10:15 mon"), "command", SCHEDULE,
                      {"action": "/ims subscribe", "command": "/ims subscribe 10:15 mon", "channel": CHANNEL},
                      on_document=False),
    "unsubscribe": Case(_command("unsubscribe"), "command", SCHEDULE,
                        {"action": "/ims unsubscribe", "command": "/ims unsubscribe", "channel": CHANNEL},
                        on_document=False),
    "draft follow-up by command": Case(
        _command("followup 27AHQPA7588L1ZJ"), "command", SEND,
        {"action": "/ims followup", "command": "/ims followup 27AHQPA7588L1ZJ", "channel": CHANNEL},
        on_document=False),
    "draft follow-up button": Case(
        lambda bot, doc, ts: bot.click(fb.DRAFT_BUTTON, "27AHQPA7588L1ZJ", user=OUTSIDER, ts=ts),
        "ephemeral", SEND, {"action": "draft_followup", "supplier_gstin": "27AHQPA7588L1ZJ"},
        on_document=False),
}


def _refusals(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.kind == "refused")).scalars())


@pytest.mark.parametrize("name", list(CASES))
def test_an_outsider_is_refused_politely_and_the_refusal_is_audited(bot: BotUnderTest, engine, name: str):
    case = CASES[name]
    [doc_id] = seed(engine, count=1, statuses=("mismatch",))
    ts, _ = post_digest(bot)
    status, body = case.send(bot, doc_id, ts)
    assert status == 200
    if case.shown_in == "ack":
        answered = json.loads(body)
        assert answered["response_action"] == "update" and case.note in json.dumps(answered["view"])
    elif case.shown_in == "command":
        [note] = bot.slack.wait_for(f"response_url:/respond/{OUTSIDER}")
        assert note.args["response_type"] == "ephemeral" and note.args["text"].startswith(case.note)
    elif case.shown_in == "modal":
        [update] = bot.slack.wait_for("views.update")
        assert update.args["view_id"] == "V0042" and case.note in json.dumps(update.args["view"])
    else:  # ephemeral, through the click's response_url
        [note] = bot.slack.wait_for(f"response_url:/respond/{OUTSIDER}/click")
        assert note.args["response_type"] == "ephemeral" and note.args["replace_original"] is False
        assert note.args["text"].startswith(case.note) and "IMS_APPROVERS" in note.args["text"]
    wait_until(lambda: len(_refusals(engine)) == 1)
    [refused] = _refusals(engine)
    assert (refused.actor_id, refused.actor_source, refused.reason) == (
        OUTSIDER,
        "slack",
        "not an approver (IMS_APPROVERS)",
    )
    assert refused.document_id == (doc_id if case.on_document else None)
    assert json.loads(refused.after_json) == case.audited
    time.sleep(0.2)  # nothing of the listener ran: no decision, no modal, no mail
    with Session(engine) as session:
        assert session.execute(select(ImsDecision)).first() is None
        assert session.execute(select(ChannelSubscription)).first() is None
        assert session.execute(select(FollowUp)).first() is None
    assert bot.slack.of("views.open") == [] and len(bot.slack.of("chat.postMessage")) == 1


def test_reading_stays_open_to_everyone(bot: BotUnderTest, engine):
    [doc_id] = seed(engine, count=1, statuses=("mismatch",))
    assert bot.click(DETAILS, f"{doc_id}:0", user=OUTSIDER)[0] == 200
    bot.slack.wait_for("views.update")
    for reading in ("pending", "summary", "help", "deadlines", "vendor acme", "scorecard 27AHQPA7588L1ZJ"):
        assert bot.command(reading, user=OUTSIDER)[0] == 200
    answers = bot.slack.wait_for(f"response_url:/respond/{OUTSIDER}", 6)
    assert not any("Only the people set up as approvers" in a.args["text"] for a in answers)
    assert _refusals(engine) == []


def test_an_approver_may_change_the_schedule(bot: BotUnderTest, engine):
    seed(engine, count=1, statuses=("mismatch",))
    assert bot.command("subscribe 10:15 mon")[0] == 200  # ASHA is an approver
    [answer] = bot.slack.wait_for(f"response_url:/respond/{ASHA}")
    assert answer.args["text"] == "Subscribed"
    with Session(engine) as session:
        assert session.execute(select(ChannelSubscription.time_hhmm)).scalars().all() == ["10:15"]
    assert _refusals(engine) == []


def test_a_refusal_is_acknowledged_before_the_slow_work(bot: BotUnderTest, engine):
    """The note to the person takes Slack a second here; the click's HTTP answer must not wait for it."""
    [doc_id] = seed(engine, count=1, statuses=("mismatch",))
    ts, _ = post_digest(bot)
    bot.slack.delays[f"response_url:/respond/{OUTSIDER}/click"] = 1.0
    assert bot.click(ACCEPT, f"{doc_id}:0", user=OUTSIDER, ts=ts)[0] == 200
    acked_at = time.time()
    [note] = bot.slack.wait_for(f"response_url:/respond/{OUTSIDER}/click")
    assert acked_at < note.at
