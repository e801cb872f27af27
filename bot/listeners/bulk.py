"""Bulk decisions from App Home (and the digest): approvers only, behind a confirmation showing the count
and the net tax. The core's bulk (``ims_core.decisions.bulk``) decides, under the same rules, compare-
and-set and audit as the command line's ``ims action apply-recommended``; this module only asks and tells.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.approval_requests import send_approval_dms
from bot.blocks.bulk import (
    BULK_MATCHED,
    BULK_RECOMMENDED,
    BULK_VIEW,
    CHOICES,
    TITLES,
    Scope,
    bulk_confirm_view,
    bulk_result_view,
    parse_metadata,
)
from bot.blocks.modals import loading_view, notice_view
from bot.outcomes import actor_from
from bot.permissions import DECIDE, Target, approvers_only
from bot.render import messages_showing, refresh
from bot.replies import tells_errors
from ims_core.decisions.bulk import apply_bulk, preview_bulk
from ims_core.reports.worklist import latest_period, recipients


def bulk_target(body: dict) -> Target:
    """A bulk request is about many records: the audit event names the choice."""
    actions = body.get("actions") or [{}]
    return Target(None, {"bulk": actions[0].get("value") or "confirm"})


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=DECIDE, target=bulk_target)

    for action_id in (BULK_MATCHED, BULK_RECOMMENDED):

        @app.action(action_id, middleware=[only(action=f"bulk_{CHOICES[action_id]}")])
        @tells_errors
        def on_bulk(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
            ack()
            _confirm(services, body, client, CHOICES[action["action_id"]])

    @app.view(BULK_VIEW, middleware=[only(action="bulk")])
    @tells_errors
    def on_confirmed(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        which, scopes = parse_metadata(view.get("private_metadata", ""))
        ack(response_action="update", view=notice_view(TITLES[which], "Applying…").to_dict())
        _apply(services, body, view, client, which, scopes)


def _scopes(services: Services) -> list[Scope]:
    """Every registration with a reconciliation, at its latest period."""
    with services.session() as session:
        found = [(gstin, latest_period(session, [gstin])) for gstin in recipients(session)]
    return [Scope(gstin, period) for gstin, period in found if period]


def _confirm(services: Services, body: dict, client: WebClient, which: str) -> None:
    """A loading modal at once (``trigger_id`` expires), then the preview to confirm."""
    opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view(TITLES[which]).to_dict())
    previews = []
    with services.session() as session:
        for scope in _scopes(services):
            previews.append((scope, preview_bulk(session, recipient_gstin=scope.gstin, period=scope.period,
                                                 which=which)))
    client.views_update(view_id=opened["view"]["id"], view=bulk_confirm_view(which, previews).to_dict())


def _apply(services: Services, body: dict, view: dict, client: WebClient, which: str,
           scopes: list[Scope]) -> None:
    """Apply, one transaction per registration; tell the outcome in the modal; redraw the messages."""
    actor = actor_from(body["user"])
    results = []
    for scope in scopes:
        with services.session() as session:
            results.append((scope, apply_bulk(session, recipient_gstin=scope.gstin, period=scope.period,
                                              which=which, actor=actor)))
    services.warmer.nudge()
    client.views_update(view_id=view["id"], view=bulk_result_view(which, results).to_dict())
    for doc_id in [d.portal_document_id for _, r in results for d in r.decisions if d.pending_approval]:
        send_approval_dms(services, client, doc_id)  # a recommended rejection above the threshold
    decided = [d.portal_document_id for _, r in results for d in r.decisions if d.changed]
    if decided:
        with services.session() as session:
            shown = list(dict.fromkeys(m for doc in decided for m in messages_showing(session, doc)))
            refresh(client, session, decided[0], services.tz, also=shown)
