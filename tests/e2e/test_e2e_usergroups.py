"""Approver groups fail closed over real HTTP: Slack's ``subteam_members_changed`` event takes a member
out of the approvers at once, and the event is in the app's manifest."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import APPROVER_GROUP, MEERA, RAVI, BotUnderTest
from .seed import seed
from .test_e2e_decisions import PENDING, decision_row, told, wait_until

DECIDE = "Only the people set up as approvers can decide on IMS records."


def test_a_member_taken_out_of_the_group_stops_deciding_at_once(bot: BotUnderTest, engine):
    first, second = seed(engine, count=2, statuses=("mismatch",))
    assert bot.click(PENDING, f"{first}:0", user=RAVI)[0] == 200
    wait_until(lambda: decision_row(engine, first) is not None)  # Ravi, a group member, decides

    bot.slack.groups[APPROVER_GROUP] = [MEERA]
    status, _ = bot.event({"type": "subteam_members_changed", "subteam_id": APPROVER_GROUP,
                           "team_id": "T0001", "added_users": [], "added_users_count": "0",
                           "removed_users": [RAVI], "removed_users_count": "1"})
    assert status == 200
    wait_until(lambda: bot.services.approvers.is_approver(RAVI) is False)
    assert bot.click(PENDING, f"{second}:0", user=RAVI)[0] == 200
    wait_until(lambda: any(DECIDE in text for text in told(bot, RAVI)))
    assert decision_row(engine, second) is None  # the cache's five minutes did not let him in


def test_the_manifest_subscribes_to_group_changes():
    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text(encoding="utf-8"))
    assert "subteam_members_changed" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "usergroups:read" in manifest["oauth_config"]["scopes"]["bot"]
