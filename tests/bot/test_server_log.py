"""``ims bot --http`` says where it listens at INFO, not as a WARNING (issue 20)."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.server import announce, create_server


def test_listening_is_news_not_a_warning(caplog):
    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    server = create_server(app, host="127.0.0.1", port=0)
    try:
        with caplog.at_level(logging.INFO, logger="bot.server"):
            announce(server, "127.0.0.1")
    finally:
        server.close()
    [record] = [r for r in caplog.records if "listening" in r.getMessage()]
    assert record.levelno == logging.INFO
    assert record.getMessage() == f"IMS bot listening on http://127.0.0.1:{server.effective_port}/slack/events"
