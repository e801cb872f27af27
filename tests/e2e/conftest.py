"""The bot served on a free port by the same server code ``ims bot --http`` uses, a fake Slack, and
helpers that send requests signed the way Slack signs them."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from bot.app import Services, build_services, create_app
from bot.server import ServerThread
from ims_core import clock
from ims_core.settings import Settings

from .slack_fake import FakeSlack, form_body, interactive_body, post, sign

SECRET = "e2e-signing-secret-0123456789abcdef"
# The seeded records are of October 2025; the bot is asked about them in the middle of November, whatever
# the real date. Only the business date is pinned: Slack's request signatures carry real times.
E2E_TODAY = dt.date(2025, 11, 12)
CHANNEL = "C0GST"
ASHA, RAVI, MEERA, OUTSIDER = "U0ASHA", "U0RAVI", "U0MEERA", "U0GUEST"
APPROVER_GROUP = "S0FINANCE"


@dataclass
class BotUnderTest:
    url: str
    services: Services
    slack: FakeSlack

    _triggers = itertools.count(1)

    def send(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        return post(self.url, body, {**sign(secret, body, timestamp), **(headers or {})}, content_type)

    def command(
        self, text: str, *, user: str = ASHA, channel: str = CHANNEL, **kw: object
    ) -> tuple[int, str]:
        body = form_body(
            {
                "token": "legacy",
                "team_id": "T0001",
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "gst",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/ims",
                "text": text,
                "api_app_id": "A0001",
                "response_url": self.slack.response_url(user),
                "trigger_id": f"trigger-{next(self._triggers)}",
            }
        )
        return self.send(body, "application/x-www-form-urlencoded", **kw)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = ASHA,
        channel: str = CHANNEL,
        ts: str = "",
        **kw: object,
    ) -> tuple[int, str]:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001", "domain": "test"},
            "api_app_id": "A0001",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
            "token": "legacy",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "gst"},
            "message": {"ts": ts, "type": "message", "text": ""},
            "response_url": self.slack.response_url(f"{user}/click"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.send(interactive_body(payload), "application/x-www-form-urlencoded", **kw)

    def submit(self, view: dict, values: dict, *, user: str = ASHA) -> tuple[int, str]:
        payload = {
            "type": "view_submission",
            "team": {"id": "T0001", "domain": "test"},
            "api_app_id": "A0001",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
            "token": "legacy",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "view": {**view, "id": "V0SUBMIT", "state": {"values": values}},
        }
        return self.send(interactive_body(payload), "application/x-www-form-urlencoded")

    def event(self, event: dict, **kw: object) -> tuple[int, str]:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0001",
                "api_app_id": "A0001",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{next(self._triggers)}",
                "event_time": int(time.time()),
            }
        )
        return self.send(body, "application/json", **kw)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(groups={APPROVER_GROUP: [RAVI, MEERA]})
    yield fake
    fake.close()


def settings_for(database_url: str, slack: FakeSlack, **overrides: object) -> Settings:
    fields: dict[str, object] = dict(
        database_url=database_url,
        slack_bot_token="xoxb-e2e",
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        ims_approvers=f"{ASHA},{APPROVER_GROUP}",
    )
    return Settings(**{**fields, **overrides})


@contextmanager
def serving(engine, database_url: str, slack: FakeSlack, **overrides: object) -> Iterator[BotUnderTest]:
    """The bot with settings ``overrides`` (e.g. ``ims_timezone``), served until the block ends."""
    clock.set_today(E2E_TODAY)
    settings = settings_for(database_url, slack, **overrides)
    services = build_services(settings, engine=engine, post_interval=0.0)
    server = ServerThread(create_app(services)).start()
    try:
        yield BotUnderTest(server.url, services, slack)
    finally:
        server.stop()
        services.drain()


@pytest.fixture
def bot(engine, database_url: str, slack: FakeSlack) -> Iterator[BotUnderTest]:  # Engine
    with serving(engine, database_url, slack) as running:
        yield running
