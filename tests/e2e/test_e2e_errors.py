"""Errors reach the person, where they are looking, by one path: before the ack through bolt's error
handler, after it through the listeners' wrapper; Slack always gets its ack."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.blocks import followups as fb
from bot.blocks.home import OPEN_PENDING
from bot.blocks.modals import REASON_BLOCK, REASON_INPUT, REJECT_VIEW, ModalContext
from bot.replies import SORRY

from .conftest import ASHA, CHANNEL, BotUnderTest
from .slack_fake import interactive_body
from .test_e2e_decisions import events
from .test_e2e_permissions import _click_in_modal, _modal

REASON = {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "not ours"}}}


def test_a_user_error_right_after_the_ack_never_costs_slack_its_ack(bot: BotUnderTest):
    """bolt's thread runner, handed a listener's error, resets the ack it had: raised at once after
    ack(), that lost the ack now and then (a 404 after three seconds). Ten times in a row here."""
    for n in range(1, 11):
        started = time.monotonic()
        status, _ = bot.command("subscribe 9am")
        assert status == 200 and time.monotonic() - started < 2.5
        reply = bot.slack.wait_for(f"response_url:/respond/{ASHA}", n)[n - 1]
        assert "is not a GSTIN, a time" in reply.args["text"] and reply.args["response_type"] == "ephemeral"


def test_a_refused_decision_from_a_modal_is_told_in_the_channel_it_was_opened_from(bot: BotUnderTest, engine):
    view = _modal(REJECT_VIEW, "Reject record", ModalContext(999_999, 0, CHANNEL, "1.1").dumps())
    assert bot.submit(view, REASON)[0] == 200
    [note] = bot.slack.wait_for("chat.postEphemeral")
    assert (note.args["channel"], note.args["user"]) == (CHANNEL, ASHA)
    assert note.args["text"] == ":no_entry: There is no portal document #999999."
    assert [e.document_id for e in events(engine, "refused")] == [999_999]


def test_an_error_from_a_click_in_a_modal_is_shown_in_that_modal(bot: BotUnderTest):
    view = _modal(fb.FOLLOWUP_VIEW, fb.TITLE, fb.FollowUpContext(99, CHANNEL).dumps())
    assert _click_in_modal(bot, fb.MARK_SENT, view, user=ASHA)[0] == 200
    [update] = bot.slack.wait_for("views.update")
    assert update.args["view_id"] == "V0042"
    assert "there is no follow-up #99" in json.dumps(update.args["view"])


def test_an_unexpected_error_after_the_ack_is_an_apology_and_a_log_line(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
):
    view = _modal(REJECT_VIEW, "Reject record", "not json")  # no channel to go back to: a DM
    with caplog.at_level(logging.ERROR, logger="bot.replies"):
        assert bot.submit(view, REASON)[0] == 200
        [dm] = bot.slack.wait_for("chat.postMessage")
    assert (dm.args["channel"], dm.args["text"]) == (ASHA, SORRY)
    assert any("unhandled error in a Slack listener" in r.getMessage() for r in caplog.records)


def test_an_error_before_the_ack_goes_through_bolts_error_handler(bot: BotUnderTest):
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "user": {"id": ASHA, "username": "asha", "name": "asha", "team_id": "T0001"},
        "token": "legacy",
        "trigger_id": "trigger-no-state",
        "view": {**_modal(REJECT_VIEW, "Reject record", ModalContext(1, 0, CHANNEL).dumps()), "id": "V1"},
    }  # a submission without its state: the listener fails reading the reason, before its ack
    status, _ = bot.send(interactive_body(payload), "application/x-www-form-urlencoded")
    assert status == 500
    [note] = bot.slack.wait_for("chat.postEphemeral")
    assert (note.args["channel"], note.args["user"], note.args["text"]) == (CHANNEL, ASHA, SORRY)


def test_an_error_from_a_click_in_app_home_comes_by_direct_message(bot: BotUnderTest):
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "api_app_id": "A0001",
        "user": {"id": ASHA, "username": "asha", "name": "asha", "team_id": "T0001"},
        "token": "legacy",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": []},
        "actions": [{"type": "button", "action_id": OPEN_PENDING, "block_id": "b", "value": "pending"}],
    }  # no trigger_id: the list modal cannot be opened, after the ack
    assert bot.send(interactive_body(payload), "application/x-www-form-urlencoded")[0] == 200
    [dm] = bot.slack.wait_for("chat.postMessage")
    assert (dm.args["channel"], dm.args["text"]) == (ASHA, SORRY)
    assert bot.slack.of("views.update") == []  # the Home tab is not turned into a notice
