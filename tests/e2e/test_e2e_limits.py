"""Unbounded input at the HTTP door: a huge unsigned POST to /slack/events is refused from its
Content-Length, before a byte of its body is read, and the bot goes on answering."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

from bot.server import MAX_BODY_BYTES

from .conftest import BotUnderTest


def _raw_post(url: str, head: bytes, body: bytes = b"") -> tuple[bytes, float]:
    """Send ``head`` and ``body`` on a fresh connection; the status line and how long it took."""
    where = urlparse(url)
    started = time.monotonic()
    with socket.create_connection((where.hostname, where.port), timeout=10) as conn:
        conn.sendall(head + body)
        answer = conn.recv(200)
    return answer.split(b"\r\n", 1)[0], time.monotonic() - started


def test_a_300_mb_post_is_refused_before_its_body_is_read(bot: BotUnderTest):
    head = (f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"Content-Length: {300 * 1024 * 1024}\r\n\r\n").encode()
    status, seconds = _raw_post(bot.url, head, b'{"type": "event_callback"')  # the other 300 MB never sent
    assert status == b"HTTP/1.1 413 Request Entity Too Large" and seconds < 2
    assert bot.command("help")[0] == 200  # and the bot goes on answering


def test_a_chunked_body_is_cut_off_at_the_cap(bot: BotUnderTest):
    head = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * (MAX_BODY_BYTES // len(chunk) + 2)
    status, _ = _raw_post(bot.url, head, body)
    assert status == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_request_under_the_cap_is_served(bot: BotUnderTest):
    status, _ = bot.command("help " + "x" * 100_000)  # 100 KB, well over anything Slack sends
    assert status == 200
