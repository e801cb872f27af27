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

from bot.blocks.digest import DigestData, Page, build_pages
from bot.blocks.records import DecisionView
from bot.figures import deadline_lines, itc_figures
from ims_core import clock
from ims_core.bot_models import DecisionMessageRef, DigestMessage
from ims_core.db import session_scope
from ims_core.worklist import latest_period, needing_decision, recipients, status_counts

logger = logging.getLogger(__name__)

MAX_RECORDS = 40


@dataclass(frozen=True)
class PostedPage:
    page: int
    ts: str
    created: bool


def collect(
    session: Session, *, day: dt.date, gstins: Sequence[str] | None = None, max_records: int = MAX_RECORDS
) -> DigestData:
    """Read everything one digest shows, for the given recipients (default: all of them)."""
    scope = list(gstins) if gstins else recipients(session)
    period = latest_period(session, scope)
    page = needing_decision(session, recipients=scope, limit=max_records)
    return DigestData(
        day=day,
        recipients=scope,
        period=period,
        counts=status_counts(session, recipients=scope, period=period),
        itc=itc_figures(session, scope, period),
        deadlines=deadline_lines(session, scope, day),
        records=[(item, DecisionView()) for item in page.items],
        open_total=page.total,
        open_tax_paise=page.total_tax_paise,
    )


def render_text(data: DigestData) -> str:
    """The digest as plain text (``ims digest --dry-run``)."""
    from bot.blocks.common import period_label, rupees
    from bot.blocks.records import status_label

    lines = [
        f"GST digest {data.day:%d %b %Y} · {', '.join(data.recipients) or 'no registrations'} · "
        f"period {period_label(data.period) if data.period else '-'}"
    ]
    for c in data.counts:
        lines.append(f"  {status_label(c.status):<22} {c.count:>6}  {rupees(c.tax_paise):>18}")
    if data.itc:
        lines.append(
            f"ITC claimable {rupees(data.itc.claimable_paise)} · blocked {rupees(data.itc.blocked_paise)}"
            f" · at risk {rupees(data.itc.at_risk_paise)}"
        )
    for d in data.deadlines:
        lines.append(f"due {d.due:%d %b %Y}: {d.title}")
    lines.append(f"{data.open_total} record(s) need a decision, {rupees(data.open_tax_paise)} tax")
    for item, _ in data.records:
        lines.append(
            f"  {rupees(item.tax_paise):>16}  {item.supplier_gstin}  {item.doc_type} {item.doc_number}"
            f"  {item.doc_date:%d-%m-%Y}  {status_label(item.status)}"
        )
    return "\n".join(lines)


def post_digest(
    client: WebClient,
    engine,  # noqa: ANN001 - Engine
    *,
    channel_id: str,
    day: dt.date,
    gstins: Sequence[str] | None = None,
    tz: dt.tzinfo | None = None,
    post_interval: float = 1.0,
    max_records: int = MAX_RECORDS,
) -> list[PostedPage]:
    """Post (or update) the channel's digest for ``day``; returns one entry per page."""
    with session_scope(engine) as session:
        data = collect(session, day=day, gstins=gstins, max_records=max_records)
    pages = build_pages(data, tz) if tz else build_pages(data)
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
) -> DigestMessage | None:  # noqa: ANN001
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
    page: Page,  # noqa: ANN001
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


def _retire_extra_pages(client: WebClient, engine, channel_id: str, day: dt.date, pages: int) -> None:  # noqa: ANN001
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
