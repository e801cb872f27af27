"""The configured ``IMS_TIMEZONE`` is the zone of every time the bot shows, not India's by default."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.blocks.records import ACCEPT
from ims_core import clock

from .conftest import ASHA, OUTSIDER, BotUnderTest, serving
from .seed import RECIPIENT, seed
from .slack_fake import FakeSlack
from .test_e2e_decisions import post_digest, wait_until

# 15:04 UTC on 12 November 2025 is 10:04 in New York (EST, UTC-5) and 20:34 in India.
MOMENT = dt.datetime(2025, 11, 12, 15, 4, tzinfo=dt.UTC)


@pytest.fixture
def new_york_bot(engine, database_url: str, slack: FakeSlack) -> Iterator[BotUnderTest]:
    with serving(engine, database_url, slack, ims_timezone="America/New_York") as running:
        clock.set_now(MOMENT)
        yield running


def test_a_decision_is_stamped_in_the_configured_zone(new_york_bot: BotUnderTest, engine):
    ids = seed(engine, count=1, statuses=("mismatch",))
    ts, _ = post_digest(new_york_bot)
    new_york_bot.click(ACCEPT, f"{ids[0]}:0", ts=ts)
    update = new_york_bot.slack.wait_for("chat.update")[0]
    shown = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert f"Accepted by <@{ASHA}> · 12 Nov 10:04 EST" in shown
    assert "IST" not in shown and "20:34" not in shown


def test_app_home_and_subscriptions_speak_of_the_configured_zone(new_york_bot: BotUnderTest, engine):
    seed(engine, count=2)
    new_york_bot.event(
        {"type": "app_home_opened", "user": OUTSIDER, "channel": "D1", "tab": "home", "event_ts": "1.0"}
    )
    home = json.dumps(new_york_bot.slack.wait_for("views.publish")[0].args["view"], ensure_ascii=False)
    assert "Updated 12 Nov 10:04 EST" in home
    new_york_bot.command(f"subscribe {RECIPIENT} 09:30 mon")
    wait_until(lambda: bool(new_york_bot.slack.of(f"response_url:/respond/{ASHA}")))
    answer = json.dumps(new_york_bot.slack.of(f"response_url:/respond/{ASHA}")[0].args)
    assert "at 09:30 (America/New_York)" in answer
