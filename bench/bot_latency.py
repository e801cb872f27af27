"""Latency of the bot at a real size: building and posting the digest (with its radar and its chart),
App Home opening, ``/ims itc`` and ``/ims deadlines`` answering, and a decision by button (from a signed
click to its audit event and to ``chat.update``).

Serves the bot exactly as ``ims bot --http`` does (waitress), against a local fake of the Slack Web
API, with 100k portal documents and their match results in a SQLite (or DATABASE_URL) database, on
the business day ``--today`` (12 November 2025 by default: the seeded October records are then
headed for the GSTR-2B of the 14th, so the radar has work). The digest is built and posted once (the
chart goes with that first post, and the ITC figures are computed and kept), then once more (the
figures read from their snapshot, ``ims_core.itc.snapshots``); the others are timed ``--repeat``
times from the signed request to the Web API call that shows the answer. Clicks are sent one at a
time on the records of the digest. Prints p50/p95/max.

    .venv/bin/python bench/bot_latency.py [--documents 100000] [--clicks 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from e2e.seed import seed  # noqa: E402
from e2e.slack_fake import FakeSlack, form_body, interactive_body, post, sign  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.app import build_services, create_app  # noqa: E402
from bot.digest import post_digest  # noqa: E402
from bot.server import ServerThread  # noqa: E402
from ims_core import clock  # noqa: E402
from ims_core.audit import utc  # noqa: E402
from ims_core.db import build_engine  # noqa: E402
from ims_core.db.schema import migrate  # noqa: E402
from ims_core.models import AuditEvent, DecisionMessageRef  # noqa: E402
from ims_core.settings import Settings  # noqa: E402

SECRET = "bench-signing-secret"
CHANNEL = "C0BENCH"


def click_payload(doc_id: int, ts: str, n: int) -> str:
    return interactive_body(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "token": "x",
            "user": {"id": "U0ASHA", "username": "asha", "name": "asha", "team_id": "T1"},
            "trigger_id": f"t{n}",
            "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
            "channel": {"id": CHANNEL},
            "message": {"ts": ts},
            "response_url": "http://127.0.0.1:9/",
            "actions": [
                {
                    "type": "button",
                    "action_id": "ims_accept",
                    "block_id": "b",
                    "value": f"{doc_id}:0",
                    "action_ts": str(time.time()),
                }
            ],
        }
    )


def home_opened_body(n: int) -> tuple[str, str]:
    event = {"type": "app_home_opened", "user": "U0ASHA", "channel": "D1", "tab": "home"}
    body = json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{n}", "event_time": int(time.time()), "event": event})
    return body, "application/json"


def command_body(text: str, response_url: str, n: int) -> tuple[str, str]:
    fields = {"token": "x", "team_id": "T1", "channel_id": CHANNEL, "user_id": "U0ASHA", "command": "/ims",
              "text": text, "api_app_id": "A1", "response_url": response_url, "trigger_id": f"t{n}"}
    return form_body(fields), "application/x-www-form-urlencoded"


def timed_requests(server_url: str, slack: FakeSlack, what: str, repeat: int) -> list[float]:
    """Milliseconds from each signed request (App Home opened, or ``/ims what``) to the Web API call
    that shows its answer (``views.publish``, or the POST to the response URL)."""
    out = []
    for n in range(repeat):
        if what == "home":
            (body, kind), method = home_opened_body(n), "views.publish"
        else:
            name = f"{what}-{n}"
            body, kind = command_body(what, slack.response_url(name), n)
            method = f"response_url:/respond/{name}"
        seen = len(slack.of(method))
        sent = time.time()
        status, _ = post(server_url, body, sign(SECRET, body), kind)
        assert status == 200, status
        call = slack.wait_for(method, seen + 1, timeout=120)[seen]
        out.append((call.at - sent) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5, help="App Home and /ims answers timed this often")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2025, 11, 12))
    args = parser.parse_args()
    clock.set_today(args.today)

    workdir = tempfile.mkdtemp(prefix="ims-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    engine = build_engine(url)
    migrate(engine)
    started = time.perf_counter()
    seed(
        engine,
        count=args.documents,
        statuses=("mismatch", "matched", "missing_in_books", "probable", "matched"),
    )
    print(
        f"seeded {args.documents:,} documents in {time.perf_counter() - started:.1f} s",
        f"({engine.dialect.name})",
    )

    slack = FakeSlack()
    settings = Settings(
        database_url=url,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        ims_approvers="U0ASHA",
    )
    services = build_services(settings, engine=engine, post_interval=0.0)
    server = ServerThread(create_app(services)).start()
    to_audit: list[float] = []
    to_update: list[float] = []
    digest_ms: list[float] = []
    try:
        posting, posted_at = time.perf_counter(), time.time()
        pages = post_digest(
            services.client,
            engine,
            channel_id=CHANNEL,
            day=clock.today(),
            tz=services.tz,
            post_interval=0,
            max_records=args.clicks,
        )
        digest_ms.append((time.perf_counter() - posting) * 1000)
        digest_ms.append((max(c.at for c in slack.of("chat.postMessage")) - posted_at) * 1000)
        with Session(engine) as session:
            shown = session.execute(
                select(DecisionMessageRef.ts, DecisionMessageRef.portal_document_id)
                .where(DecisionMessageRef.channel_id == CHANNEL)
                .order_by(DecisionMessageRef.ts, DecisionMessageRef.position)
            ).all()
        assert len(pages) > 1 and len(shown) == args.clicks, (len(pages), len(shown))
        assert slack.completed_uploads(), "the digest's chart was not uploaded"
        again = time.perf_counter()  # the same day's digest once more: its pages updated, figures kept
        post_digest(services.client, engine, channel_id=CHANNEL, day=clock.today(), tz=services.tz,
                    post_interval=0, max_records=args.clicks)
        digest_ms.append((time.perf_counter() - again) * 1000)
        asked = (("App Home open → views.publish", "home"), ("/ims itc → answer", "itc"),
                 ("/ims deadlines → answer", "deadlines"))
        answers = {label: timed_requests(server.url, slack, what, args.repeat) for label, what in asked}
        for n, (ts, doc_id) in enumerate(shown, start=1):
            seen = len(slack.of("chat.update"))
            body = click_payload(doc_id, ts, n)
            sent = time.time()
            status, _ = post(server.url, body, sign(SECRET, body), "application/x-www-form-urlencoded")
            assert status == 200, status
            update = slack.wait_for("chat.update", seen + 1, timeout=30)[seen]
            assert f'"doc:{doc_id}"' in json.dumps(update.args["blocks"])
            to_update.append((update.at - sent) * 1000)
            with Session(engine) as session:
                event = session.execute(
                    select(AuditEvent.occurred_at).where(
                        AuditEvent.document_id == doc_id, AuditEvent.kind == "decision"
                    )
                ).scalar_one()
            to_audit.append((utc(event).timestamp() - sent) * 1000)
    finally:
        server.stop()
        services.drain()
        slack.close()
    print(f"digest of {args.clicks} records, first of the day (figures computed): every page posted "
          f"{digest_ms[1] / 1000:.2f} s; with its chart drawn and uploaded after them "
          f"{digest_ms[0] / 1000:.2f} s")
    print(f"the same digest again (figures from the snapshot, pages updated): {digest_ms[2] / 1000:.2f} s")
    measured = {**answers, "click → audit event": to_audit, "click → chat.update": to_update}
    for label, values in measured.items():
        print(
            f"{label:30} n={len(values)}  p50 {statistics.median(values):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
        )


if __name__ == "__main__":
    main()
