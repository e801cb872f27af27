"""'Upload decisions to the portal' from App Home: approvers only, behind a confirmation with the counts
and the net tax; the outcome goes to the channel (``bot.portal_jobs``) and into the modal."""

from __future__ import annotations

import json
import logging
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks.modals import loading_view, notice_view
from bot.blocks.portal import PORTAL_UPLOAD, PORTAL_VIEW, TITLE, push_outcome_text, upload_confirm_view
from bot.outcomes import actor_from
from bot.permissions import Target, approvers_only
from bot.portal_jobs import portal_gstins, upload
from bot.replies import tells_errors
from ims_core.audit import Actor
from ims_core.portal.push import preview_push

logger = logging.getLogger(__name__)

UPLOAD = "upload decisions to the GST portal"
NO_SESSION = "No GSTIN is logged in to the GST portal: log in with `ims portal login GSTIN --username NAME`."


def _target(body: dict) -> Target:
    """An upload is about a GSTIN's decisions, not one record."""
    return Target(None, {"portal": "push"})


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=UPLOAD, target=_target)

    @app.action(PORTAL_UPLOAD, middleware=[only(action="portal_push")])
    @tells_errors
    def on_upload(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view(TITLE).to_dict())
        previews = [preview_push(services.engine, gstin) for gstin in portal_gstins(services)]
        view = upload_confirm_view(previews) if previews else notice_view(TITLE, NO_SESSION)
        client.views_update(view_id=opened["view"]["id"], view=view.to_dict())

    @app.view(PORTAL_VIEW, middleware=[only(action="portal_push")])
    @tells_errors
    def on_confirmed(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        ack(response_action="update", view=notice_view(
            TITLE, "Uploading… the portal's answer will be posted to the channel.").to_dict())
        gstins = [str(g) for g in json.loads(view.get("private_metadata") or "[]")]
        # the portal is polled until it has processed the save (minutes at worst): not on a listener thread
        actor = actor_from(body["user"])
        services.portal_executor.submit(_upload, services, client, view["id"], gstins, actor)


def _upload(services: Services, client: WebClient, view_id: str, gstins: list[str], actor: Actor) -> None:
    try:
        results = upload(services, client, gstins, actor)
    except Exception as exc:  # the portal's own failures are told by upload(); anything else is logged
        logger.error("upload to the portal failed: %s", type(exc).__name__)
        results = []
    text = "\n".join(push_outcome_text(r) for r in results) or "Nothing was uploaded: see the channel."
    try:
        client.views_update(view_id=view_id, view=notice_view(TITLE, text).to_dict())
    except SlackApiError:  # the person closed the modal during a long upload: the channel has it
        pass
