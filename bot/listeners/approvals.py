"""Approve / Decline on a maker-checker request: a second approver settles a large rejection.

Approve carries Slack's own confirmation dialog and decides on the click; Decline opens a modal that
requires a reason, and declines on its submission. Either way the person who asked hears the outcome
by DM. Both are for approvers only (``bot.permissions`` middleware, before the listener).
"""

from __future__ import annotations

from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.approval_requests import tell_requester
from bot.blocks.approvals import APPROVE, DECLINE, DECLINE_VIEW, decline_modal
from bot.blocks.modals import REASON_BLOCK, REASON_INPUT, ModalContext, gone_view, input_value
from bot.blocks.records import parse_button_value
from bot.outcomes import actor_from
from bot.permissions import ANSWER_APPROVAL, approvers_only, record_in_modal, record_on_button
from bot.render import load_rows, refresh
from bot.replies import tells_errors
from ims_core.decisions.engine import approve_rejection, decline_rejection


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=ANSWER_APPROVAL, target=record_on_button)
    only_modal = partial(approvers_only, services, what=ANSWER_APPROVAL, target=record_in_modal)

    @app.action(APPROVE, middleware=[only(action="approve")])
    @tells_errors
    def on_approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        container = body.get("container") or {}
        doc_id, _ = parse_button_value(action["value"])
        _answer(services, body, client, doc_id, container.get("channel_id", ""),
                container.get("message_ts", ""), approve=True)

    @app.action(DECLINE, middleware=[only(action="decline")])
    @tells_errors
    def on_decline(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        container = body.get("container") or {}
        doc_id, version = parse_button_value(action["value"])
        with services.session() as session:
            row = load_rows(session, [doc_id]).get(doc_id)
        ctx = ModalContext(doc_id, version, container.get("channel_id", ""), container.get("message_ts", ""))
        view = decline_modal(row[0], ctx) if row else gone_view()
        client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())

    @app.view(DECLINE_VIEW, middleware=[only_modal(action="decline")])
    @tells_errors
    def on_decline_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        reason = input_value(view["state"]["values"], REASON_BLOCK, REASON_INPUT)
        if not reason:
            ack(response_action="errors",
                errors={REASON_BLOCK: "Say why: the person who asked is told, and the audit trail keeps it."})
            return
        ack()
        ctx = ModalContext.loads(view.get("private_metadata", ""))
        _answer(services, body, client, ctx.portal_document_id, ctx.channel_id, ctx.message_ts,
                approve=False, reason=reason)


def _answer(services: Services, body: dict, client: WebClient, doc_id: int, channel: str, ts: str, *,
            approve: bool, reason: str = "") -> None:
    """Answer the request, redraw every message showing it, and tell the person who asked."""
    actor = actor_from(body["user"])
    request_id = body.get("trigger_id", "") or (body.get("view") or {}).get("id", "")
    with services.session() as session:
        row = load_rows(session, [doc_id]).get(doc_id)
    requester_id = row[1].requested_by_id if row else ""
    try:
        with services.session() as session:
            if approve:
                decision = approve_rejection(session, portal_document_id=doc_id, approver=actor,
                                             request_id=request_id)
            else:
                decision = decline_rejection(session, portal_document_id=doc_id, approver=actor,
                                             reason=reason, request_id=request_id)
    finally:  # refused or not, the request shows the record as it now stands (the error handler tells why)
        with services.session() as session:
            refresh(client, session, doc_id, services.tz, also=[(channel, ts)])
    told = decision.message + (f" Their reason: “{reason}”" if reason else "")
    tell_requester(client, requester_id, told)
