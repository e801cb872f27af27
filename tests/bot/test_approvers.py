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


def test_warm_groups_answer_from_the_cache_and_refresh_behind_once_stale(slack: FakeSlack):
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
    now[0] = 61.0
    assert directory.is_approver("U0RAVI")  # stale, answered at once; a read starts behind
    _eventually(lambda: not directory.is_approver("U0RAVI"))
    assert slack.of("usergroups.users.list")[2].args["usergroup"] == "S0FIN"


def test_a_group_never_read_is_read_in_the_request_and_failures_keep_what_was_known(slack: FakeSlack):
    now = [0.0]
    directory = ApproverDirectory(
        WebClient(base_url=slack.url, token="xoxb-t"), ["S0FIN"], ttl=60, retry=10, clock=lambda: now[0]
    )
    assert directory.is_approver("U0RAVI") and _lookups(slack) == 1  # not warmed: read now
    del slack.groups["S0FIN"]  # Slack now answers no_such_subteam
    now[0] = 61.0
    directory.is_approver("U0RAVI")
    _eventually(lambda: _lookups(slack) == 2)
    time.sleep(0.05)
    assert directory.is_approver("U0RAVI")  # the failed read kept the members known before
    now[0] = 65.0  # within the retry delay: no new read
    directory.is_approver("U0RAVI")
    time.sleep(0.05)
    assert _lookups(slack) == 2
