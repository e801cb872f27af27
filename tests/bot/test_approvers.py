"""The approver directory answers without waiting on Slack once warm, and keeps itself current."""

from __future__ import annotations

import time

import pytest
from e2e.slack_fake import FakeSlack
from slack_sdk import WebClient

from bot.approvers import ApproverDirectory


@pytest.fixture
def slack():
    fake = FakeSlack(groups={"S0FIN": ["U0RAVI"]})
    yield fake
    fake.close()


def _lookups(slack: FakeSlack) -> int:
    return len(slack.of("usergroups.users.list"))


def _eventually(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached in time")


def test_warm_groups_answer_from_the_cache_and_refresh_ahead_of_expiry(slack: FakeSlack):
    now = [0.0]
    directory = ApproverDirectory(
        WebClient(base_url=slack.url, token="xoxb-t"),
        ["U0ASHA", "S0FIN", "S0GONE"],
        ttl=60,
        retry=10,
        clock=lambda: now[0],
    )
    directory.warm()
    assert _lookups(slack) == 2  # each group once, at start
    assert directory.is_approver("U0ASHA") and directory.is_approver("U0RAVI")
    assert not directory.is_approver("U0GUEST")  # S0GONE could not be read: it grants nobody
    assert _lookups(slack) == 2  # no request waited for Slack, not even for the failed group

    slack.groups["S0FIN"] = []  # Ravi leaves the group
    now[0] = 50.0  # past 80% of the minute: still valid, answered at once; a read starts behind
    assert directory.is_approver("U0RAVI")
    _eventually(lambda: not directory.is_approver("U0RAVI"))
    assert slack.of("usergroups.users.list")[2].args["usergroup"] == "S0FIN"


def test_an_expired_entry_is_never_used_and_a_failed_read_grants_nobody(slack: FakeSlack):
    now = [0.0]
    directory = ApproverDirectory(
        WebClient(base_url=slack.url, token="xoxb-t"), ["S0FIN"], ttl=60, retry=10, clock=lambda: now[0]
    )
    assert directory.is_approver("U0RAVI") and _lookups(slack) == 1  # not warmed: read now
    del slack.groups["S0FIN"]  # Slack now answers no_such_subteam
    now[0] = 61.0  # expired: read in the request, and the failure grants nobody
    assert not directory.is_approver("U0RAVI") and _lookups(slack) == 2
    now[0] = 65.0  # within the retry delay: refused at once, Slack is not asked again
    assert not directory.is_approver("U0RAVI") and _lookups(slack) == 2
    slack.groups["S0FIN"] = ["U0RAVI"]  # Slack answers again
    now[0] = 72.0
    assert directory.is_approver("U0RAVI") and _lookups(slack) == 3


def test_a_failed_refresh_keeps_members_only_until_they_expire(slack: FakeSlack):
    now = [0.0]
    directory = ApproverDirectory(
        WebClient(base_url=slack.url, token="xoxb-t"), ["S0FIN"], ttl=60, retry=5, clock=lambda: now[0]
    )
    directory.warm()
    del slack.groups["S0FIN"]
    now[0] = 50.0
    assert directory.is_approver("U0RAVI")  # still valid; the read behind fails
    _eventually(lambda: _lookups(slack) == 2)
    time.sleep(0.05)
    now[0] = 54.0
    assert directory.is_approver("U0RAVI")  # what was read at 0 holds until 60, never after
    now[0] = 60.0
    assert not directory.is_approver("U0RAVI")


def test_members_changed_takes_a_removed_member_out_at_once(slack: FakeSlack):
    directory = ApproverDirectory(WebClient(base_url=slack.url, token="xoxb-t"), ["S0FIN"], ttl=300)
    directory.warm()
    slack.groups["S0FIN"] = ["U0MEERA"]
    directory.members_changed("S0FIN", added=["U0MEERA"], removed=["U0RAVI"])
    assert not directory.is_approver("U0RAVI") and directory.is_approver("U0MEERA")
    directory.members_changed("S0OTHER", added=["U0GUEST"])  # not an approver group: ignored
    assert not directory.is_approver("U0GUEST")
    _eventually(lambda: _lookups(slack) == 2)  # and the group is read again behind
