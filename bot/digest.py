"""Choose what a digest shows, and post it idempotently: a channel's digest for a day is posted once
and updated after that, page by page, with a record of every (channel, day, page) → ``ts``.

``chat.postMessage`` has no idempotency key, so the row is claimed *before* posting (the unique key
turns a second poster into an updater), and posts are paced to Slack's one-message-per-second per
channel. Retries on 429 and connection errors are the Web client's retry handlers.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.digest import Page, build_pages
from ims_core import clock
from ims_core.db import session_scope
from ims_core.decisions.store import decision_states
from ims_core.models import DecisionMessageRef, DigestMessage
from ims_core.reports.digest import MAX_RECORDS, collect

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class PostedPage:
    page: int
    ts: str
    created: bool


def post_digest(
    client: WebClient,
    engine,  # Engine
    *,
    channel_id: str,
    day: dt.date,
    tz: dt.tzinfo,
    gstins: Sequence[str] | None = None,
    post_interval: float = 1.0,
    max_records: int = MAX_RECORDS,
) -> list[PostedPage]:
    """Post (or update) the channel's digest for ``day``; returns one entry per page."""
    with session_scope(engine) as session:
        data = collect(session, day=day, gstins=gstins, max_records=max_records)
        states = decision_states(session, [r.portal_document_id for r in data.records])
    pages = build_pages(data, states, tz)
    posted: list[PostedPage] = []
    for number, page in enumerate(pages):
        result = _post_page(client, engine, channel_id, day, number, page, ",".join(data.recipients))
        if result is None:
            continue
        posted.append(result)
        if result.created and number + 1 < len(pages):
            time.sleep(post_interval)
    _retire_extra_pages(client, engine, channel_id, day, len(pages))
    return posted


def _claim(
    engine, channel_id: str, day: dt.date, number: int, page: Page, scope: str
) -> DigestMessage | None:
    """The page's row, inserted with an empty ``ts`` if new; None if another process holds the claim."""
    with session_scope(engine) as session:
        row = _row(session, channel_id, day, number)
        if row is not None:
            return row if row.ts else None
    try:
        with session_scope(engine) as session:
            session.add(
                DigestMessage(
                    channel_id=channel_id,
                    day=day,
                    page=number,
                    ts="",
                    scope=scope,
                    text=page.text,
                    head_json=page.head_json(),
                )
            )
    except IntegrityError:
        return None
    return DigestMessage(channel_id=channel_id, day=day, page=number, ts="")


def _row(session: Session, channel_id: str, day: dt.date, number: int) -> DigestMessage | None:
    return (
        session.execute(
            select(DigestMessage).where(
                DigestMessage.channel_id == channel_id, DigestMessage.day == day, DigestMessage.page == number
            )
        )
        .scalars()
        .first()
    )


def _post_page(
    client: WebClient,
    engine,
    channel_id: str,
    day: dt.date,
    number: int,
    page: Page,
    scope: str,
) -> PostedPage | None:
    claimed = _claim(engine, channel_id, day, number, page, scope)
    if claimed is None:
        logger.info("digest page %s for %s is being posted by another process", number, channel_id)
        return None
    blocks = [b.to_dict() for b in page.blocks]
    if claimed.ts:
        client.chat_update(channel=channel_id, ts=claimed.ts, text=page.text, blocks=blocks)
        ts, created = claimed.ts, False
    else:
        try:
            response = client.chat_postMessage(
                channel=channel_id, text=page.text, blocks=blocks, unfurl_links=False
            )
        except Exception:
            with session_scope(engine) as session:  # release the claim so a later run can post
                session.execute(
                    delete(DigestMessage).where(
                        DigestMessage.channel_id == channel_id,
                        DigestMessage.day == day,
                        DigestMessage.page == number,
                        DigestMessage.ts == "",
                    )
                )
            raise
        ts, created = response["ts"], True
    with session_scope(engine) as session:
        row = _row(session, channel_id, day, number)
        row.ts, row.text, row.head_json, row.scope, row.updated_at = (
            ts,
            page.text,
            page.head_json(),
            scope,
            clock.now(),
        )
        session.add(row)
        session.execute(
            delete(DecisionMessageRef).where(
                DecisionMessageRef.channel_id == channel_id, DecisionMessageRef.ts == ts
            )
        )
        session.add_all(
            [
                DecisionMessageRef(
                    channel_id=channel_id, ts=ts, portal_document_id=doc_id, position=n, kind="digest"
                )
                for n, doc_id in enumerate(page.document_ids)
            ]
        )
    return PostedPage(number, ts, created)


def _retire_extra_pages(client: WebClient, engine, channel_id: str, day: dt.date, pages: int) -> None:
    """Pages posted earlier today beyond today's count now say so instead of showing stale records."""
    with session_scope(engine) as session:
        extra = (
            session.execute(
                select(DigestMessage).where(
                    DigestMessage.channel_id == channel_id,
                    DigestMessage.day == day,
                    DigestMessage.page >= pages,
                    DigestMessage.ts != "",
                )
            )
            .scalars()
            .all()
        )
        for row in extra:
            text = "This part of today's digest is no longer needed: see the updated digest above."
            client.chat_update(channel=channel_id, ts=row.ts, text=text, blocks=[])
            session.execute(
                delete(DecisionMessageRef).where(
                    DecisionMessageRef.channel_id == channel_id, DecisionMessageRef.ts == row.ts
                )
            )
            row.head_json, row.text = "[]", text
            session.add(row)
