"""Who may decide: ``IMS_APPROVERS`` user IDs, plus the members of the user groups it names.

Group membership is read through ``usergroups.users.list`` and cached for a while (a click must not
wait on the Web API, and Slack rate-limits that method). If Slack cannot be reached and nothing is
cached, the group grants nobody: refusing a click is recoverable, a wrong decision is not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0
RETRY_SECONDS = 30.0


def is_group_id(entry: str) -> bool:
    """Slack user-group IDs start with ``S``; user IDs with ``U`` or ``W``."""
    return entry.startswith("S")


@dataclass(frozen=True)
class _Members:
    users: frozenset[str]
    expires: float  # on the directory's clock: after this, answer from here and refresh behind


class ApproverDirectory:
    """Answers "may this Slack user decide?" from configured IDs and cached group members.

    The answer is needed before a click is acknowledged (the check is listener middleware), so it
    never waits on Slack once a group has been read: :meth:`warm` reads every group at start, and a
    stale entry is still answered from while a background thread reads the group again. Only a group
    never read yet (Slack was down at start) is read in the request. A failed read is retried after
    ``retry`` seconds, keeping what was known.
    """

    def __init__(
        self,
        client: WebClient,
        approvers: Iterable[str],
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        retry: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        entries = {a.strip() for a in approvers if a.strip()}
        self._users = frozenset(e for e in entries if not is_group_id(e))
        self._groups = tuple(sorted(e for e in entries if is_group_id(e)))
        self._client = client
        self._ttl = ttl
        self._retry = retry
        self._clock = clock
        self._cache: dict[str, _Members] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self._users or self._groups)

    def is_approver(self, user_id: str) -> bool:
        if user_id in self._users:
            return True
        return any(user_id in self.group_members(group) for group in self._groups)

    def user_ids(self) -> list[str]:
        """Everyone who may decide: the configured users and the members of the configured groups
        (as cached), sorted, each once; who to ask when a request needs an approver."""
        people = set(self._users)
        for group in self._groups:
            people |= self.group_members(group)
        return sorted(people)

    def warm(self) -> None:
        """Read every configured group now (at start, so that no click waits for Slack)."""
        for group in self._groups:
            self._read(group)

    def group_members(self, group_id: str) -> frozenset[str]:
        """Members of one user group: cached, refreshed in the background once stale."""
        with self._lock:
            known = self._cache.get(group_id)
        if known is None:
            return self._read(group_id)
        if self._clock() >= known.expires:
            self._refresh_behind(group_id)
        return known.users

    def _read(self, group_id: str) -> frozenset[str]:
        now = self._clock()
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
            members = _Members(frozenset(response.get("users") or ()), now + self._ttl)
        except (SlackApiError, SlackClientError, OSError) as exc:  # OSError: Slack unreachable
            logger.warning("cannot list members of user group %s: %s", group_id, exc)
            with self._lock:
                known = self._cache.get(group_id)
            members = _Members(known.users if known else frozenset(), now + self._retry)
        with self._lock:
            self._cache[group_id] = members
        return members.users

    def _refresh_behind(self, group_id: str) -> None:
        """Read the group again on a thread of its own; one read per group at a time."""
        with self._lock:
            if group_id in self._refreshing:
                return
            self._refreshing.add(group_id)

        def refresh() -> None:
            try:
                self._read(group_id)
            finally:
                with self._lock:
                    self._refreshing.discard(group_id)

        threading.Thread(target=refresh, name=f"approvers-{group_id}", daemon=True).start()

    def forget(self) -> None:
        """Drop cached memberships (e.g. after a ``subteam_members_changed`` event)."""
        with self._lock:
            self._cache.clear()
