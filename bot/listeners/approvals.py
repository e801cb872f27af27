"""Approve / Decline on a maker-checker request: a second approver settles a large rejection.

Both buttons are for approvers only (``bot.permissions`` middleware, before the listener)."""

from __future__ import annotations

from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.blocks.approvals import APPROVE, DECLINE
from bot.blocks.records import parse_button_value
from bot.outcomes import actor_from
from bot.permissions import ANSWER_APPROVAL, approvers_only, record_on_button
from bot.render import refresh
from bot.replies import tells_errors
from ims_core.decisions.engine import approve_rejection, decline_rejection


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=ANSWER_APPROVAL, target=record_on_button)

    @app.action(APPROVE, middleware=[only(action="approve")])
    @tells_errors
    def on_approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _answer(services, body, action, client, approve=True)

    @app.action(DECLINE, middleware=[only(action="decline")])
    @tells_errors
    def on_decline(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _answer(services, body, action, client, approve=False)


def _answer(services: Services, body: dict, action: dict, client: WebClient, *, approve: bool) -> None:
    actor = actor_from(body["user"])
    container = body.get("container") or {}
    channel, ts = container.get("channel_id", ""), container.get("message_ts", "")
    doc_id, _ = parse_button_value(action["value"])
    answer = approve_rejection if approve else decline_rejection
    try:
        with services.session() as session:
            answer(session, portal_document_id=doc_id, approver=actor, request_id=body.get("trigger_id", ""))
    finally:  # refused or not, the request shows the record as it now stands (the error handler tells why)
        with services.session() as session:
            refresh(client, session, doc_id, services.tz, also=[(channel, ts)])
