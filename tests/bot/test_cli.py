"""``ims digest``: print it, post it, post again (an update), and clear errors for missing options."""

from __future__ import annotations

import pytest
from e2e.seed import seed
from e2e.slack_fake import FakeSlack
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.db import get_engine
from ims_core.errors import UserFacingError


@pytest.fixture
def slack(env_db, monkeypatch):  # fixtures
    fake = FakeSlack()
    monkeypatch.setenv("SLACK_API_URL", fake.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    from ims_core.settings import get_settings

    get_settings.cache_clear()
    yield fake
    fake.close()


def test_dry_run_prints_the_digest(env_db):
    seed(get_engine(), count=4)
    result = CliRunner().invoke(app, ["digest", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 record(s) of Oct 2025 need a decision, ₹600.00 net tax" in result.output
    assert "INV/25-26/00003" in result.output and "Mismatch" in result.output


def test_post_then_post_again_updates_the_same_message(slack):
    seed(get_engine(), count=3)
    runner = CliRunner()
    first = runner.invoke(app, ["digest", "--post", "--channel", "C0CLI"])
    assert first.exit_code == 0, first.output
    assert "C0CLI: digest posted (1 message(s))" in first.output
    second = runner.invoke(app, ["digest", "--post", "--channel", "C0CLI"])
    assert "C0CLI: digest updated (1 message(s))" in second.output
    assert len(slack.of("chat.postMessage")) == 1 and len(slack.of("chat.update")) == 1
    assert slack.of("chat.postMessage")[0].token == "xoxb-cli"


def test_post_without_a_channel_is_refused_plainly(env_db):
    result = CliRunner().invoke(app, ["digest", "--post"])
    assert isinstance(result.exception, UserFacingError)
    assert "--post needs at least one --channel" in str(result.exception)
