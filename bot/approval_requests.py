"""Rejections that find their approver: direct messages to the approvers, the outcome told to the person
who asked, and one escalation to the channel when nobody answered within ``IMS_APPROVAL_ESCALATE_HOURS``.

Every message carrying a request is kept as a ``bot_decision_message`` row of kind ``approval``, so the
answer redraws all of them (the channel's request, each approver's DM, the escalation) from the
database. A DM that cannot be delivered is logged and skipped: the channel still has the request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import select

from bot.app import Services
from bot.blocks.approvals import approval_blocks, approval_dm_blocks, escalation_text
from bot.render import load_rows
from ims_core import clock
from ims_core.errors import UserFacingError
from ims_core.models import DecisionMessageRef
from ims_core.reports.approvals import WaitingApproval, waiting_approvals
from ims_core.reports.subscriptions import channel_schedules
from ims_core.suppliers.scorecard import SupplierInsight, supplier_insight

logger = logging.getLogger(__name__)

REQUEST_TEXT = "A rejection needs your approval"


def is_direct(channel_id: str) -> bool:
    """Slack's direct-message channels start with ``D``."""
    return channel_id.startswith("D")


def _track(services: Services, channel: str, ts: str, doc_id: int) -> None:
    with services.session() as session:
        session.add(DecisionMessageRef(channel_id=channel, ts=ts, portal_document_id=doc_id, kind="approval"))


def direct_message(client: WebClient, user_id: str, **message: object) -> tuple[str, str]:
    """Open (or find) the DM with ``user_id`` and post ``message`` there: (channel, ts)."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    response = client.chat_postMessage(channel=channel, **message)
    return channel, response["ts"]


def _insight(session, gstin: str) -> SupplierInsight | None:  # a Session
    try:
        return supplier_insight(session, gstin)
    except UserFacingError:  # no reconciled documents of this supplier yet
        return None


def send_approval_dms(services: Services, client: WebClient, doc_id: int) -> list[str]:
    """DM the request to every approver except the one who asked; returns the users reached."""
    with services.session() as session:
        rows = load_rows(session, [doc_id])
        if doc_id not in rows:
            return []
        item, state = rows[doc_id]
        insight = _insight(session, item.supplier_gstin)
    blocks = [b.to_dict() for b in approval_dm_blocks(item, state, insight, services.tz)]
    reached = []
    for user in services.approvers.user_ids():
        if user == state.requested_by_id:
            continue
        try:
            channel, ts = direct_message(client, user, text=REQUEST_TEXT, blocks=blocks)
        except SlackApiError as exc:
            logger.warning("could not send an approval request by DM: %s", exc.response.get("error"))
            continue
        _track(services, channel, ts, doc_id)
        reached.append(user)
    return reached


def tell_requester(client: WebClient, requester_id: str, text: str) -> None:
    """The person who asked for the rejection hears the answer by DM (a Slack user only)."""
    if requester_id[:1] not in ("U", "W"):
        return
    try:
        direct_message(client, requester_id, text=text)
    except SlackApiError as exc:
        logger.warning("could not tell the requester the outcome: %s", exc.response.get("error"))


def request_channels(services: Services, waiting: WaitingApproval) -> list[str]:
    """Where a request is escalated: the channels it was posted in, else the channels subscribed to
    its registration's digest."""
    with services.session() as session:
        posted = session.execute(
            select(DecisionMessageRef.channel_id)
            .where(DecisionMessageRef.portal_document_id == waiting.portal_document_id,
                   DecisionMessageRef.kind == "approval")
            .order_by(DecisionMessageRef.id)
        ).scalars()
        channels = [c for c in dict.fromkeys(posted) if not is_direct(c)]
        if channels:
            return channels
        schedules = channel_schedules(session)
    return [c for c, (gstins, _days, _time) in schedules.items() if waiting.recipient_gstin in gstins]


Job = tuple[str, str, Callable[[], str]]  # (job, period, work) for the scheduler's single-runner guard


def due_escalations(services: Services, client: WebClient) -> list[Job]:
    """The escalations due now, one job per request: the request's time is the job's period, so each
    request is escalated once, and a new request for the same record once again."""
    hours = services.settings.ims_approval_escalate_hours
    with services.session() as session:
        waiting = waiting_approvals(session, asked_before=clock.now() - dt.timedelta(hours=hours))
    jobs: list[Job] = []
    for request in waiting:
        asked = request.requested_at.replace(tzinfo=None) if request.requested_at else None
        period = asked.isoformat(timespec="seconds") if asked else "unknown"

        def work(request: WaitingApproval = request) -> str:
            return escalate(services, client, request, hours)

        jobs.append((f"escalate:{request.portal_document_id}", period, work))
    return jobs


def escalate(services: Services, client: WebClient, request: WaitingApproval, hours: float) -> str:
    """Post the request again, with its buttons, in its channels; the posts are redrawn on the answer."""
    with services.session() as session:
        rows = load_rows(session, [request.portal_document_id])
    if request.portal_document_id not in rows:
        return "record gone"
    item, state = rows[request.portal_document_id]
    text = escalation_text(item, request, hours, services.tz)
    blocks = [SectionBlock(text=MarkdownTextObject(text=text)).to_dict(),
              *[b.to_dict() for b in approval_blocks(item, state, services.tz)]]
    channels = request_channels(services, request)
    for channel in channels:
        response = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        _track(services, channel, response["ts"], request.portal_document_id)
    return f"escalated to {len(channels)} channel(s)"
