"""``subteam_members_changed``: a user group's members changed, so the approvers' cache follows at once
(``bot.approvers``): someone taken out of an approver group stops deciding now, not when the cache
would have expired."""

from __future__ import annotations

from slack_bolt import App

from bot.app import Services
from bot.replies import tells_errors


def register(app: App, services: Services) -> None:
    @app.event("subteam_members_changed")
    @tells_errors
    def on_members_changed(event: dict) -> None:
        services.approvers.members_changed(
            event.get("subteam_id", ""),
            added=event.get("added_users") or (),
            removed=event.get("removed_users") or (),
        )
