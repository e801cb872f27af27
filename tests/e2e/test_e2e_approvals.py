"""Rejections that find their approver, over real HTTP: DMs to the approvers, the confirmation and the
reason, the requester told, App Home's lists, and one escalation after the configured hours."""

from __future__ import annotations

import datetime as dt
import json

from bot.blocks.approvals import APPROVE, DECLINE
from bot.blocks.modals import REASON_BLOCK, REASON_INPUT
from bot.blocks.records import REJECT
from bot.scheduler import BotScheduler
from ims_core import clock

from .conftest import ASHA, CHANNEL, MEERA, OUTSIDER, RAVI, BotUnderTest, serving
from .seed import seed
from .test_e2e_decisions import _blocks, decision_row, decline, events, post_digest, wait_until


def request_rejection(bot: BotUnderTest, engine, reason: str = "not ours") -> tuple[int, str]:
    """Asha rejects a record above the approval threshold: (its id, the channel request's ts)."""
    ids = seed(engine, count=1, statuses=("mismatch",), tax_scale=20_000_000)
    ts, _ = post_digest(bot)
    bot.click(REJECT, f"{ids[0]}:0", ts=ts)
    view = bot.slack.wait_for("views.open")[0].args["view"]
    bot.submit(view, {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": reason}}})
    request = bot.slack.wait_for("chat.postMessage", 2)[1]
    assert request.args["channel"] == CHANNEL
    return ids[0], request.response["ts"]


def dms(bot: BotUnderTest, user: str) -> list:
    return [c for c in bot.slack.of("chat.postMessage") if c.args["channel"] == f"D{user}"]


def button(call, action_id: str) -> dict:
    blocks = json.loads(_blocks(call.args))
    found = [
        e for b in blocks if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == action_id
    ]
    return found[0]


def test_a_rejection_request_reaches_each_other_approver_by_dm_with_history_and_why(
    bot: BotUnderTest, engine
):
    doc_id, request_ts = request_rejection(bot, engine)
    wait_until(lambda: dms(bot, RAVI) and dms(bot, MEERA))
    opened = {c.args["users"] for c in bot.slack.of("conversations.open")}
    assert opened == {RAVI, MEERA}  # Asha asked: she cannot approve her own request
    dm = dms(bot, RAVI)[0]
    text = _blocks(dm.args)
    assert "INV/25-26/00001" in text and f"<@{ASHA}>" in text and "not ours" in text
    assert "Supplier's record: score" in text and "rejected in IMS" in text
    approve = button(dm, APPROVE)
    assert approve["confirm"]["confirm"]["text"] == "Approve"  # Slack asks before it sends the click
    assert "₹2,00,000.00" in approve["confirm"]["text"]["text"]  # 2,00,00,000 paise of tax (seed)
    bot.click(APPROVE, approve["value"], user=RAVI, channel=f"D{RAVI}", ts=dm.response["ts"])
    wait_until(lambda: decision_row(engine, doc_id).action == "R")
    wait_until(lambda: bool(dms(bot, ASHA)))
    told = dms(bot, ASHA)[0].args["text"]
    assert "is now rejected" in told and "approved by u0ravi" in told
    # every message carrying the request is redrawn: the channel's and both DMs
    wait_until(lambda: {request_ts, dm.response["ts"], dms(bot, MEERA)[0].response["ts"]}
               <= {c.args["ts"] for c in bot.slack.of("chat.update")})
    assert len(events(engine, "reject_approved")) == 1


def test_decline_needs_a_reason_and_the_requester_hears_it(bot: BotUnderTest, engine):
    doc_id, request_ts = request_rejection(bot, engine)
    wait_until(lambda: bool(dms(bot, MEERA)))
    value = button(dms(bot, MEERA)[0], DECLINE)["value"]
    bot.click(DECLINE, value, user=MEERA, ts=request_ts)
    view = bot.slack.wait_for("views.open", 2)[1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    empty = {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "  "}}}
    status, answer = bot.submit(view, empty, user=MEERA)
    assert status == 200 and json.loads(answer)["response_action"] == "errors"
    assert events(engine, "reject_declined") == [] and decision_row(engine, doc_id).requested_action == "R"
    decline(bot, value, user=MEERA, ts=request_ts, reason="supplier will issue a credit note")
    wait_until(lambda: len(events(engine, "reject_declined")) == 1)
    assert events(engine, "reject_declined")[0].reason == "supplier will issue a credit note"
    assert decision_row(engine, doc_id).requested_action == ""
    wait_until(lambda: bool(dms(bot, ASHA)))
    told = dms(bot, ASHA)[0].args["text"]
    assert "declined by u0meera" in told and "supplier will issue a credit note" in told


def test_app_home_lists_what_waits_for_me_and_for_others(bot: BotUnderTest, engine):
    request_rejection(bot, engine)

    def home_of(user: str) -> str:
        before = len(bot.slack.of("views.publish"))
        bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
        call = bot.slack.wait_for("views.publish", before + 1)[before]
        assert call.args["user_id"] == user
        view = call.args["view"]
        return view if isinstance(view, str) else json.dumps(view)

    ravi = home_of(RAVI)
    assert "Waiting for my approval: 1" in ravi and "INV/25-26/00001" in ravi
    assert "Waiting for others: 0" in ravi
    assert '"ims_bulk_matched"' in ravi and '"ims_portal_upload"' in ravi  # an approver's tools
    asha = home_of(ASHA)
    assert "Waiting for my approval: 0" in asha and "Waiting for others: 1" in asha
    outsider = home_of(OUTSIDER)
    assert "Waiting for" not in outsider and "ims_bulk_matched" not in outsider


def test_an_unanswered_request_is_escalated_once_after_the_configured_hours(engine, database_url, slack):
    with serving(engine, database_url, slack, ims_approval_escalate_hours=3) as bot:
        doc_id, _ = request_rejection(bot, engine)
        wait_until(lambda: bool(dms(bot, RAVI)))
        scheduler = BotScheduler(bot.services)
        asked = clock.now()

        def channel_posts() -> list:
            return [c for c in bot.slack.of("chat.postMessage") if c.args["channel"] == CHANNEL]

        posted = len(channel_posts())
        clock.set_now(asked + dt.timedelta(hours=2, minutes=50))
        assert scheduler.run_escalations() == [] and len(channel_posts()) == posted
        clock.set_now(asked + dt.timedelta(hours=3, minutes=5))
        assert scheduler.run_escalations() == ["done"]
        escalation = channel_posts()[-1]
        assert len(channel_posts()) == posted + 1
        said = escalation.args["text"]
        assert "waited more than 3 hours" in said and f"<@{ASHA}>" in said
        assert button(escalation, APPROVE)["value"].startswith(f"{doc_id}:")
        clock.set_now(asked + dt.timedelta(hours=9))
        assert scheduler.run_escalations() == ["skipped"]  # once only, however often the job runs
        assert len(channel_posts()) == posted + 1
