"""Re-render posted messages from the database after a decision (``chat.update`` by stored channel/ts).

A record may be shown in several messages (today's digest in two channels, an approval request);
each is redrawn from current state, so what Slack shows never drifts from what the database holds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlmodel import Session

from bot.blocks.approvals import approval_blocks
from bot.blocks.digest import records_blocks
from ims_core.decisions.store import DecisionState, decision_states
from ims_core.models import DecisionMessageRef, DigestMessage
from ims_core.reports.worklist import WorkItem, items_by_id

logger = logging.getLogger(__name__)

Row = tuple[WorkItem, DecisionState]


def load_rows(session: Session, portal_document_ids: Iterable[int]) -> dict[int, Row]:
    """Each record's current verdict and decision state (records without a verdict are absent)."""
    ids = list(portal_document_ids)
    items = items_by_id(session, ids)
    states = decision_states(session, items)
    return {i: (item, states[i]) for i, item in items.items()}


def message_blocks(
    session: Session, channel_id: str, ts: str, tz: dt.tzinfo
) -> tuple[str, list[Block] | list[dict]] | None:
    """The current blocks of one bot message we keep refs for, or None if we know nothing of it."""
    refs = (
        session.execute(
            select(DecisionMessageRef)
            .where(DecisionMessageRef.channel_id == channel_id, DecisionMessageRef.ts == ts)
            .order_by(DecisionMessageRef.position)
        )
        .scalars()
        .all()
    )
    if not refs:
        return None
    rows = load_rows(session, [r.portal_document_id for r in refs])
    ordered = [rows[r.portal_document_id] for r in refs if r.portal_document_id in rows]
    if refs[0].kind == "approval":
        if not ordered:
            return None
        item, decision = ordered[0]
        return "Rejection approval request", approval_blocks(item, decision, tz)
    digest = (
        session.execute(
            select(DigestMessage).where(DigestMessage.channel_id == channel_id, DigestMessage.ts == ts)
        )
        .scalars()
        .first()
    )
    head = json.loads(digest.head_json) if digest else []
    text = digest.text if digest else "GST digest"
    return text, [*head, *[b.to_dict() for b in records_blocks(ordered, tz)]]


def messages_showing(session: Session, portal_document_id: int) -> list[tuple[str, str]]:
    refs = session.execute(
        select(DecisionMessageRef.channel_id, DecisionMessageRef.ts)
        .where(DecisionMessageRef.portal_document_id == portal_document_id)
        .order_by(DecisionMessageRef.id)
    ).all()
    return list(dict.fromkeys((c, t) for c, t in refs))


def refresh(
    client: WebClient,
    session: Session,
    portal_document_id: int,
    tz: dt.tzinfo,
    also: Iterable[tuple[str, str]] = (),
) -> int:
    """``chat.update`` every known message showing the record; returns how many were updated."""
    targets = list(dict.fromkeys([*also, *messages_showing(session, portal_document_id)]))
    updated = 0
    for channel_id, ts in targets:
        if not (channel_id and ts):
            continue
        rendered = message_blocks(session, channel_id, ts, tz)
        if rendered is None:
            continue
        text, blocks = rendered
        try:
            client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
            updated += 1
        except SlackApiError as exc:
            logger.warning("chat.update failed for a bot message: %s", exc.response.get("error"))
    return updated
