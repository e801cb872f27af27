"""App Home: the user's dashboard on ``app_home_opened``, and the list modals its buttons open."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import Services
from bot.blocks.home import OPEN_MISMATCHES, OPEN_PENDING, HomeData, home_view, list_modal
from bot.blocks.modals import loading_view
from bot.replies import tells_errors
from ims_core import clock
from ims_core.reports.approvals import split_for, waiting_approvals
from ims_core.reports.digest import deadline_lines, itc_figures
from ims_core.reports.radar import RADAR_KINDS, radar_lines, registration_deadlines
from ims_core.reports.worklist import items_by_id, latest_period, needing_decision, recipients, status_counts

LIST_SIZE = 25


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    @tells_errors
    def on_home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        client.views_publish(
            user_id=user_id, view=home_view(_home_data(services, user_id), services.tz).to_dict()
        )

    @app.action(OPEN_PENDING)
    @tells_errors
    def on_open_pending(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        _open_list(services, body, client, "Pending decisions", None)

    @app.action(OPEN_MISMATCHES)
    @tells_errors
    def on_open_mismatches(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        _open_list(services, body, client, "Mismatches", ("mismatch",))


def _home_data(services: Services, user_id: str) -> HomeData:
    today = clock.today()
    with services.session() as session:
        scope = recipients(session)
        period = latest_period(session, scope)
        page = needing_decision(session, recipients=scope, limit=0)
        found = registration_deadlines(session, scope, today)
        return HomeData(
            user_id=user_id,
            is_approver=services.approvers.is_approver(user_id),
            recipients=scope,
            period=period,
            counts=status_counts(session, recipients=scope, period=period),
            open_total=page.total,
            open_tax_paise=page.total_tax_paise,
            itc=itc_figures(session, scope, period),
            deadlines=deadline_lines(session, scope, today, found=found, skip=RADAR_KINDS),
            generated_at=clock.now(),
            **_waiting_lists(session, user_id, scope),
            radar=radar_lines(found, today),
        )


def _waiting_lists(session, user_id: str, scope: list[str]) -> dict:  # a Session
    """Rejection requests waiting for ``user_id``'s approval, and those ``user_id`` asked for."""
    waiting = waiting_approvals(session, recipients=scope)
    items = items_by_id(session, [w.portal_document_id for w in waiting])
    mine, theirs = split_for(user_id, waiting)
    return {
        "waiting_mine": [(w, items[w.portal_document_id]) for w in mine if w.portal_document_id in items],
        "waiting_theirs": [(w, items[w.portal_document_id]) for w in theirs if w.portal_document_id in items],
    }


def _open_list(
    services: Services, body: dict, client: WebClient, title: str, statuses: tuple[str, ...] | None
) -> None:
    """Open a loading modal while ``trigger_id`` is fresh, then fill it in with ``views.update``."""
    opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view(title).to_dict())
    with services.session() as session:
        kwargs = {"statuses": statuses} if statuses else {}
        page = needing_decision(session, limit=LIST_SIZE, **kwargs)
    client.views_update(
        view_id=opened["view"]["id"],
        hash=opened["view"].get("hash"),
        view=list_modal(title, page.items, page.total, page.total_tax_paise).to_dict(),
    )
