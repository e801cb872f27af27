"""Accept / Reject / Pending / Details buttons on a record.

Accept, Reject and Pending are for approvers only (``bot.permissions`` middleware, before the listener).
Order of work, always: ``ack()``; open a modal at once if one is needed (``trigger_id`` lives ~3 s);
decide through the action engine with the Slack user as actor and the version the button carried
(compare-and-set); then redraw every message showing the record. Refusals and conflicts go to the
clicker alone, in plain words.
"""

from __future__ import annotations

import logging
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.blocks.modals import (
    ModalContext,
    credit_note_accept_modal,
    details_modal,
    gone_view,
    loading_view,
    reject_modal,
)
from bot.blocks.records import ACCEPT, DETAILS, PENDING, REJECT, parse_button_value
from bot.outcomes import actor_from, run_decision
from bot.permissions import DECIDE, approvers_only, record_on_button
from bot.replies import tells_errors
from ims_core.reports.worklist import explain_story, items_by_id, needs_itc_reduction_choice

logger = logging.getLogger(__name__)


def _origin(body: dict) -> tuple[str, str]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
    return channel, ts


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=DECIDE, target=record_on_button)

    @app.action(ACCEPT, middleware=[only(action="accept")])
    @tells_errors
    def on_accept(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _decide_or_open(services, body, action, client, "accept")

    @app.action(PENDING, middleware=[only(action="pending")])
    @tells_errors
    def on_pending(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _decide_or_open(services, body, action, client, "pending")

    @app.action(REJECT, middleware=[only(action="reject")])
    @tells_errors
    def on_reject(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _decide_or_open(services, body, action, client, "reject")

    @app.action(DETAILS)
    @tells_errors
    def on_details(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        """A loading modal first (``trigger_id`` expires fast), then the story, which takes a re-run."""
        ack()
        doc_id, _ = parse_button_value(action["value"])
        opened = client.views_open(
            trigger_id=body["trigger_id"], view=loading_view("Record details").to_dict()
        )
        with services.session() as session:
            item = items_by_id(session, [doc_id]).get(doc_id)
            story = explain_story(session, doc_id) if item else ""
        view = details_modal(item, story) if item else gone_view()
        client.views_update(view_id=opened["view"]["id"], view=view.to_dict())


def _decide_or_open(services: Services, body: dict, action: dict, client: WebClient, verb: str) -> None:
    channel, ts = _origin(body)
    doc_id, version = parse_button_value(action["value"])
    actor = actor_from(body["user"])
    if verb in ("reject", "accept"):
        with services.session() as session:
            item = items_by_id(session, [doc_id]).get(doc_id)
            wants_modal = item is not None and (
                verb == "reject" or needs_itc_reduction_choice(session, doc_id)
            )
        if wants_modal:
            ctx = ModalContext(doc_id, version, channel, ts)
            view = reject_modal(item, ctx) if verb == "reject" else credit_note_accept_modal(item, ctx)
            client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())
            return
    run_decision(
        services,
        client,
        actor=actor,
        channel=channel,
        message_ts=ts,
        doc_id=doc_id,
        verb=verb,
        version=version,
        request_id=body.get("trigger_id", ""),
    )
