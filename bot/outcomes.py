"""What happens after a click is acknowledged: the decision, and telling people about it.

Shared by the button, modal and approval listeners so that each stays a few lines: the action engine
decides (and audits, refusals included); this module turns its outcome into Slack messages.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks.approvals import approval_blocks
from bot.render import load_rows, refresh
from ims_core.audit import Actor
from ims_core.decisions.engine import decide
from ims_core.decisions.errors import ActionConflict, ActionRefused
from ims_core.decisions.rules import ItcReduction
from ims_core.models import DecisionMessageRef

logger = logging.getLogger(__name__)


def actor_from(user: dict) -> Actor:
    """The Slack user of a request as the action engine's actor."""
    name = user.get("name") or user.get("username") or user.get("id", "")
    return Actor(id=user.get("id", ""), name=name, source="slack")


def tell(client: WebClient, channel: str, user_id: str, text: str) -> None:
    """An ephemeral note to one user (a DM from the app when there is no channel, e.g. App Home)."""
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        else:
            client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        logger.warning("could not tell a user the outcome: %s", exc.response.get("error"))


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
) -> bool:
    """Decide, then redraw the messages showing the record; False when refused or in conflict."""
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
    except ActionConflict as exc:
        tell(client, channel, actor.id, f":warning: {exc.reason}")
        _redraw(services, client, doc_id, channel, message_ts)
        return False
    except ActionRefused as exc:
        tell(client, channel, actor.id, f":no_entry: {exc.reason}")
        return False
    if decision.pending_approval and channel:
        post_approval_request(services, client, channel, doc_id)
    _redraw(services, client, doc_id, channel, message_ts)
    return True


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
