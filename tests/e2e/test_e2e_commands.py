"""Slash commands, idempotent digest posting and App Home over real HTTP."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.blocks.common import esc
from bot.blocks.home import OPEN_MISMATCHES
from bot.blocks.records import DETAILS
from bot.listeners.commands import SUBCOMMANDS
from ims_core.models import ChannelSubscription, DecisionMessageRef, DigestMessage

from .conftest import ASHA, CHANNEL, OUTSIDER, BotUnderTest
from .seed import RECIPIENT, seed


def answer(bot: BotUnderTest, text: str, user: str = ASHA) -> str:
    """Run ``/ims text`` and return what the bot sent to the response_url, as JSON text."""
    before = len(bot.slack.of(f"response_url:/respond/{user}"))
    status, _ = bot.command(text, user=user)
    assert status == 200
    call = bot.slack.wait_for(f"response_url:/respond/{user}", before + 1)[before]
    assert call.args["response_type"] == "ephemeral" and call.args["text"]
    return json.dumps(call.args, ensure_ascii=False)


def test_help_and_unknown_input_answer_with_help_never_a_trace(bot: BotUnderTest):
    assert "/ims vendor" in answer(bot, "help")
    unknown = answer(bot, "frobnicate now")
    assert "frobnicate" in unknown and "/ims summary" in unknown and "Traceback" not in unknown
    assert "/ims pending" in answer(bot, "")
    bad_period = answer(bot, "summary 13-2025")
    assert "is not a return period" in bad_period


def test_summary_pending_mismatches_and_itc(bot: BotUnderTest, engine):
    seed(engine, count=10)
    summary = answer(bot, "summary")
    assert "Oct 2025" in summary and "Mismatch" in summary and "Matched" in summary
    pending = answer(bot, "pending")
    assert "Pending decisions" in pending and "₹1,000.00" in pending  # the largest open record first
    mismatches = answer(bot, "mismatches")
    assert "taxable value differs" in mismatches and "Not in books" not in mismatches
    assert "Claimable" in answer(bot, "itc 102025")
    assert "What costs money soonest" in answer(bot, "deadlines")


def test_vendor_search_tolerates_typos_and_invoice_shows_the_story(bot: BotUnderTest, engine):
    seed(engine, count=6)
    found = answer(bot, "vendor acme tradrs")
    assert "Acme Traders Pvt Ltd" in found and "27AHQPA7588L1ZJ" in found
    assert "No supplier matches" in answer(bot, "vendor zzzz qqqq")
    story = answer(bot, "invoice inv-25-26-00001")
    assert "INV/25-26/00001" in story and "Result: missing_in_books" in story and "not in the books" in story
    assert "No portal record numbered" in answer(bot, "invoice NOPE-404")


def test_digest_now_posts_once_then_updates_the_same_message(bot: BotUnderTest, engine):
    ids = seed(engine, count=5, statuses=("mismatch",))
    assert "posted" in answer(bot, "digest now")
    first = bot.slack.wait_for("chat.postMessage")[0]
    assert first.args["channel"] == CHANNEL and "need a decision" in first.args["text"]
    assert "updated" in answer(bot, "digest now")
    assert len(bot.slack.of("chat.postMessage")) == 1
    update = bot.slack.wait_for("chat.update")[0]
    assert update.args["ts"] == first.response["ts"]
    with Session(engine) as session:
        rows = session.execute(select(DigestMessage)).scalars().all()
        refs = (
            session.execute(
                select(DecisionMessageRef.portal_document_id).order_by(DecisionMessageRef.position)
            )
            .scalars()
            .all()
        )
    assert [(r.channel_id, r.ts) for r in rows] == [(CHANNEL, first.response["ts"])]
    assert refs == list(reversed(ids))  # most rupees first


def test_digest_now_in_a_channel_without_the_bot_says_to_invite_it(bot: BotUnderTest, engine):
    seed(engine, count=1)
    bot.slack.absent_from.add(CHANNEL)
    assert "invite me with /invite" in answer(bot, "digest now")
    with Session(engine) as session:
        assert session.execute(select(DigestMessage)).scalars().all() == []


def test_subscribe_validates_and_stores_the_schedule(bot: BotUnderTest, engine):
    seed(engine, count=1)
    assert "is not a GSTIN, a time" in answer(bot, "subscribe 9am")
    assert "mon,wed at 10:15" in answer(bot, f"subscribe {RECIPIENT} 10:15 mon,wed")
    with Session(engine) as session:
        row = session.execute(select(ChannelSubscription)).scalars().one()
    assert (row.channel_id, row.recipient_gstin, row.days, row.time_hhmm) == (
        CHANNEL,
        RECIPIENT,
        "mon,wed",
        "10:15",
    )
    assert "No more scheduled digests" in answer(bot, "unsubscribe")


def test_app_home_publishes_the_dashboard_and_its_buttons_open_lists(bot: BotUnderTest, engine):
    seed(engine, count=5)
    status, _ = bot.event(
        {
            "type": "app_home_opened",
            "user": OUTSIDER,
            "channel": "D0001",
            "tab": "home",
            "event_ts": "1700000000.000100",
        }
    )
    assert status == 200
    published = bot.slack.wait_for("views.publish")[0]
    view = json.dumps(published.args["view"], ensure_ascii=False)
    assert published.args["user_id"] == OUTSIDER
    assert "only approvers decide" in view and "need a decision" in view and RECIPIENT in view
    bot.click(OPEN_MISMATCHES, "mismatch", user=OUTSIDER)
    bot.slack.wait_for("views.open")
    filled = bot.slack.wait_for("views.update")[0]
    assert "taxable value differs" in json.dumps(filled.args["view"], ensure_ascii=False)


def test_details_button_opens_the_explanation(bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    bot.click(DETAILS, f"{ids[0]}:0", user=OUTSIDER)
    loading = bot.slack.wait_for("views.open")[0]
    assert "Loading" in json.dumps(loading.args["view"])
    filled = bot.slack.wait_for("views.update")[0]
    view = json.dumps(filled.args["view"], ensure_ascii=False)
    assert filled.args["view_id"] == loading.response["view"]["id"]
    assert "Record details" in view and "Stored result of run" in view and "Candidates" in view


# What to type after each sub-command of the table, and a phrase its answer must contain. A sub-command
# added to the table without an entry here fails the first test below.
EXAMPLES = {
    "help": ("", "What I can do"),
    "summary": ("102025", "Reconciliation · Oct 2025"),
    "pending": ("", "Pending decisions"),
    "mismatches": ("", "Mismatches"),
    "vendor": ("acme", "Acme Traders Pvt Ltd"),
    "scorecard": ("27AHQPA7588L1ZJ", "Scorecard of Acme Traders Pvt Ltd"),
    "followup": ("27AHQPA7588L1ZJ", "Draft follow-up #1 for 27AHQPA7588L1ZJ is open"),
    "invoice": ("INV/25-26/00001", "INV/25-26/00001"),
    "itc": ("102025", "Claimable"),
    "deadlines": ("", "GSTR-3B for Oct 2025 is due on Thu 20 Nov 2025"),
    "digest": ("now", "Today's digest is posted in this channel"),
    "subscribe": (f"{RECIPIENT} 10:15 mon", "on mon at 10:15"),
    "unsubscribe": ("", "This channel had no scheduled digest."),
}


def test_every_subcommand_of_the_table_has_an_example_here():
    assert set(EXAMPLES) == {s.name for s in SUBCOMMANDS}


@pytest.mark.parametrize("name", [s.name for s in SUBCOMMANDS])
def test_every_listed_subcommand_answers(bot: BotUnderTest, engine, name: str):
    seed(engine, count=6)
    args, expected = EXAMPLES[name]
    reply = answer(bot, f"{name} {args}")
    assert expected in reply and "I don't know" not in reply and "Traceback" not in reply


def test_help_lists_every_subcommand(bot: BotUnderTest):
    reply = json.loads(answer(bot, "help"))
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    for subcommand in SUBCOMMANDS:
        assert f"`/ims {esc(subcommand.usage)}`" in text
