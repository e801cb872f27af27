"""Choose what a digest shows, and post it idempotently: a channel's digest for a day is posted once
and updated after that, page by page, with a record of every (channel, day, page) → ``ts``.

``chat.postMessage`` has no idempotency key, so the row is claimed *before* posting (the unique key
turns a second poster into an updater), and posts are paced to Slack's one-message-per-second per
channel. Each page carries its key (channel, day, page) in its message metadata: a post that failed
unclearly (a 5xx, a dropped connection) is looked up by it at once (``bot.posting``), and if it is not
found the claim stays, so the next attempt, a minute or more later, looks again before posting anew
and never posts the page twice. A clear refusal releases the claim. The day's first post of page 0
brings the credit chart (``bot.charts``) with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.digest import Page, build_pages
from bot.charts import post_digest_chart
from bot.posting import UnclearPost, find_posted, post_once
from ims_core import clock
from ims_core.audit import utc
from ims_core.db import session_scope
from ims_core.decisions.store import decision_states
from ims_core.models import DecisionMessageRef, DigestMessage
from ims_core.reports.digest import MAX_RECORDS, collect

logger = logging.getLogger(__name__)
CLAIM_STALE_SECONDS = 60  # a page claimed this long ago without a ts: its post failed or its process died


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
    if posted and posted[0].page == 0 and posted[0].created:  # the day's first post: its chart, once
        post_digest_chart(client, engine, channel_id=channel_id, day=day, gstins=data.recipients,
                          period=data.period)
    return posted


@dataclass(frozen=True)
class Claim:
    """A page this process may post or update: its ``ts`` if posted, and whether an earlier attempt
    left it claimed without one (it may have reached Slack: look it up before posting)."""

    ts: str
    resumed: bool = False


def page_key(channel_id: str, day: dt.date, number: int) -> str:
    """The key a digest page carries in its message metadata."""
    return f"digest:{channel_id}:{day.isoformat()}:{number}"


def _claim(engine, channel_id: str, day: dt.date, number: int, page: Page, scope: str) -> Claim | None:
    """The page's claim: posted (its ts), new, or taken over from a stale attempt; None while another
    process holds a fresh one."""
    with session_scope(engine) as session:
        row = _row(session, channel_id, day, number)
        if row is not None:
            if row.ts:
                return Claim(row.ts)
            stale = clock.now() - dt.timedelta(seconds=CLAIM_STALE_SECONDS)
            if utc(row.updated_at) > stale:
                return None
            taken = session.execute(
                update(DigestMessage)
                .where(DigestMessage.id == row.id, DigestMessage.ts == "",
                       DigestMessage.updated_at == row.updated_at)
                .values(updated_at=clock.now())
                .execution_options(synchronize_session=False)
            ).rowcount
            return Claim("", resumed=True) if taken == 1 else None
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
    return Claim("")


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
    key = page_key(channel_id, day, number)
    ts = claimed.ts or (find_posted(client, channel_id, key) if claimed.resumed else "")
    if ts:
        client.chat_update(channel=channel_id, ts=ts, text=page.text, blocks=blocks)
        created = False
    else:
        try:
            ts = post_once(client, channel=channel_id, key=key, text=page.text, blocks=blocks,
                           unfurl_links=False)
        except UnclearPost:
            raise  # the claim stays: the next attempt looks the page up before posting it
        except Exception:
            with session_scope(engine) as session:  # a clear refusal: release the claim for a later run
                session.execute(
                    delete(DigestMessage).where(
                        DigestMessage.channel_id == channel_id,
                        DigestMessage.day == day,
                        DigestMessage.page == number,
                        DigestMessage.ts == "",
                    )
                )
            raise
        created = True
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
