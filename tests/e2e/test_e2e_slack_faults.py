"""The fake Slack Web API failing after it posted (HTTP 500, or the connection dropped): the digest
is in the channel once, found again by the key in its metadata; a post that never landed is posted
once a minute later; and the Web client never repeats a post blindly, while it still repeats what
is safe to repeat."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.app import build_client
from bot.digest import page_key
from ims_core import clock
from ims_core.models import DigestMessage

from .conftest import ASHA, CHANNEL, E2E_TODAY, BotUnderTest, settings_for
from .seed import seed


def _answers(bot: BotUnderTest, count: int) -> list[str]:
    return [c.args["text"] for c in bot.slack.wait_for(f"response_url:/respond/{ASHA}", count)]


def _rows(engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(r.page, r.ts) for r in session.execute(select(DigestMessage)).scalars()]


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_a_digest_slack_posted_before_failing_is_not_posted_twice(bot: BotUnderTest, engine, fault):
    seed(engine, count=2, statuses=("mismatch",))
    bot.slack.faults["chat.postMessage"] = [fault]
    assert bot.command("digest now")[0] == 200
    assert _answers(bot, 1) == ["Digest posted"]
    [message] = bot.slack.posted[CHANNEL]
    assert message["metadata"]["event_payload"]["key"] == page_key(CHANNEL, E2E_TODAY, 0)
    assert len(bot.slack.of("chat.postMessage")) == 1  # not repeated by the Web client either
    assert bot.slack.of("conversations.history")[0].args["channel"] == CHANNEL
    assert _rows(engine) == [(0, message["ts"])]
    assert bot.command("digest now")[0] == 200  # the next one updates that message
    assert _answers(bot, 2)[1] == "Digest updated"
    assert len(bot.slack.posted[CHANNEL]) == 1 and bot.slack.of("chat.update")[0].args["ts"] == message["ts"]


def test_a_post_that_never_landed_is_posted_once_a_minute_later(bot: BotUnderTest, engine):
    seed(engine, count=2, statuses=("mismatch",))
    tz = bot.services.tz
    bot.slack.faults["chat.postMessage"] = ["500-undone"]
    clock.set_now(dt.datetime.combine(E2E_TODAY, dt.time(10, 0), tzinfo=tz))
    assert bot.command("digest now")[0] == 200
    told = _answers(bot, 1)[0]
    assert "Slack did not confirm a post" in told and "not in the channel yet; try again in a minute" in told
    assert bot.slack.posted.get(CHANNEL) is None and _rows(engine) == [(0, "")]  # the claim stays
    assert bot.command("digest now")[0] == 200  # at once: another request may still be posting it
    assert _answers(bot, 2)[1] == "Digest in progress"
    clock.set_now(dt.datetime.combine(E2E_TODAY, dt.time(10, 1, 1), tzinfo=tz))
    assert bot.command("digest now")[0] == 200
    assert _answers(bot, 3)[2] == "Digest posted"
    [message] = bot.slack.posted[CHANNEL]
    assert _rows(engine) == [(0, message["ts"])] and len(bot.slack.of("conversations.history")) == 2


def test_the_web_client_repeats_updates_but_never_posts(slack, database_url):
    client = build_client(settings_for(database_url, slack))
    slack.faults["chat.postMessage"] = ["drop"]
    with pytest.raises(OSError):  # the connection dropped: unclear, so not repeated
        client.chat_postMessage(channel=CHANNEL, text="hello")
    assert len(slack.of("chat.postMessage")) == 1
    slack.faults["chat.update"] = ["drop"]
    assert client.chat_update(channel=CHANNEL, ts="1.000001", text="again")["ok"]
    assert len(slack.of("chat.update")) == 2  # the same update twice is harmless
