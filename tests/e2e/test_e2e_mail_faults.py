"""A mail server that drips one byte every half second, against the bot over real HTTP: more Send
clicks than the bot has listener threads, and every click after them is still answered within
Slack's 3 s and decided at once; a second Send close behind the first sends no second email."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from bot.app import LISTENER_THREADS
from bot.blocks import followups as fb
from bot.blocks.records import ACCEPT
from ims_core.db import session_scope
from ims_core.models import FollowUp

from .conftest import ASHA, CHANNEL, BotUnderTest
from .seed import SUPPLIERS, seed
from .test_e2e_decisions import decision_row, wait_until

TO = "accounts@acmetraders.example"


def _drafts(engine, count: int) -> list[int]:
    """``count`` follow-ups ready to send (rows as ``followups.draft`` leaves them)."""
    with session_scope(engine) as session:
        rows = [FollowUp(supplier_gstin=SUPPLIERS[0][0], subject=f"GST documents ({n})", body="Dear Sir",
                         created_at=dt.datetime.now(dt.UTC)) for n in range(count)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def _submit_send(bot: BotUnderTest, followup_id: int) -> tuple[int, float]:
    shown = fb.DraftShown(followup_id, SUPPLIERS[0][0], SUPPLIERS[0][1], 1, 0, 0, "GST documents",
                          "Dear Sir", "", TO)
    view = fb.draft_view(shown, CHANNEL).to_dict()
    values = {fb.TO_BLOCK: {fb.TO_INPUT: {"type": "plain_text_input", "value": TO}},
              fb.ATTACH_BLOCK: {fb.ATTACH_INPUT: {"type": "checkboxes", "selected_options": []}}}
    started = time.monotonic()
    status, _ = bot.submit(view, values)
    return status, time.monotonic() - started


def _statuses(engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(FollowUp.status).order_by(FollowUp.id)).scalars())


def test_clicks_are_answered_while_a_dripping_mail_server_holds_every_send(
    bot: BotUnderTest, engine, dripping_smtp, monkeypatch
):
    monkeypatch.setenv("SMTP_DEADLINE_SECONDS", "4")  # longer than Slack waits for an answer
    ids, followup_ids = seed(engine, count=1, statuses=("mismatch",)), _drafts(engine, LISTENER_THREADS)
    answered = [_submit_send(bot, f) for f in followup_ids]
    assert all(status == 200 and seconds < 3 for status, seconds in answered), answered
    wait_until(lambda: _statuses(engine).count("sending") == LISTENER_THREADS, timeout=3)

    started = time.monotonic()
    status, _ = bot.click(ACCEPT, f"{ids[0]}:0")
    assert status == 200 and time.monotonic() - started < 3  # Slack's limit for an answer
    wait_until(lambda: decision_row(engine, ids[0]) is not None, timeout=3)
    assert decision_row(engine, ids[0]).action == "A"  # decided now, not after the emails

    notes = bot.slack.wait_for("chat.postEphemeral", 2, timeout=15)  # the first two, at their deadline
    assert all("did not finish the email within 4 s" in n.args["text"] for n in notes)
    assert _statuses(engine).count("failed") >= 2 and bot.slack.of("chat.postMessage") == []
    # the rest wait their turn on the mail pool; closing the server ends them when the test ends


def test_a_second_send_close_behind_the_first_is_refused(bot: BotUnderTest, engine, dripping_smtp):
    [followup_id] = _drafts(engine, 1)
    assert _submit_send(bot, followup_id)[0] == 200
    wait_until(lambda: _statuses(engine) == ["sending"], timeout=3)
    time.sleep(0.7)
    assert _submit_send(bot, followup_id)[0] == 200
    refused = bot.slack.wait_for("chat.postEphemeral")[0]
    said = f"follow-up #{followup_id} is already being sent"
    assert (refused.args["user"], refused.args["text"]) == (ASHA, said)
    wait_until(lambda: _statuses(engine) == ["failed"], timeout=10)
    assert dripping_smtp.connections == 1  # one email attempted, not two
