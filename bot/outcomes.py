"""What happens after a click is acknowledged: the decision, and showing it in Slack.

Shared by the button, modal and approval listeners so that each stays a few lines: the action engine
decides (and audits, refusals included); this module redraws the messages showing the record and asks
for a second approver when a rejection needs one (in the channel, and by DM to each approver).
Errors are told by the bot's one error handler.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.app import Services
from bot.approval_requests import send_approval_dms
from bot.blocks.approvals import approval_blocks
from bot.render import load_rows, refresh
from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionConflict
from ims_core.decisions.rules import ItcReduction
from ims_core.models import DecisionMessageRef

logger = logging.getLogger(__name__)


def actor_from(user: dict) -> Actor:
    """The Slack user of a request as the action engine's actor."""
    name = user.get("name") or user.get("username") or user.get("id", "")
    return Actor(id=user.get("id", ""), name=name, source="slack")


def run_decision(
    services: Services,
    client: WebClient,
    *,
    actor: Actor,
    channel: str,
    message_ts: str,
    doc_id: int,
    verb: str,
    version: int | None,
    reason: str = "",
    itc_reduction: ItcReduction | None = None,
    request_id: str = "",
) -> None:
    """Decide, then redraw the messages showing the record.

    A refusal (``ActionRefused``) goes to the bot's error handler, which tells the clicker; so does a
    lost race (``ActionConflict``), after the messages are redrawn to show who was first.
    """
    try:
        with services.session() as session:
            decision = decide(
                session,
                portal_document_id=doc_id,
                action=verb,
                actor=actor,
                expected_version=version,
                reason=reason,
                itc_reduction=itc_reduction,
                request_id=request_id,
            )
    except ActionConflict:
        _redraw(services, client, doc_id, channel, message_ts)
        raise
    services.warmer.nudge()
    if decision.pending_approval:
        if channel:
            post_approval_request(services, client, channel, doc_id)
        send_approval_dms(services, client, doc_id)
    _redraw(services, client, doc_id, channel, message_ts)


def _redraw(services: Services, client: WebClient, doc_id: int, channel: str, message_ts: str) -> None:
    with services.session() as session:
        refresh(client, session, doc_id, services.tz, also=[(channel, message_ts)])


def post_approval_request(services: Services, client: WebClient, channel: str, doc_id: int) -> str:
    """Ask the channel for a second approver; the message is tracked so it is redrawn on the answer."""
    with services.session() as session:
        rows = load_rows(session, [doc_id])
    if doc_id not in rows:
        return ""
    item, decision = rows[doc_id]
    blocks = [b.to_dict() for b in approval_blocks(item, decision, services.tz)]
    response = client.chat_postMessage(
        channel=channel, text="A rejection needs a second approver", blocks=blocks
    )
    with services.session() as session:
        session.add(
            DecisionMessageRef(
                channel_id=channel, ts=response["ts"], portal_document_id=doc_id, kind="approval"
            )
        )
    return response["ts"]
