"""Who may decide: ``IMS_APPROVERS`` user IDs, plus the members of the user groups it names.

Group membership is read through ``usergroups.users.list`` and cached for a while (a click must not
wait on the Web API each time, and Slack rate-limits that method). If Slack cannot be reached and
nothing is cached, the group grants nobody: refusing a click is recoverable, a wrong decision is not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0


def is_group_id(entry: str) -> bool:
    """Slack user-group IDs start with ``S``; user IDs with ``U`` or ``W``."""
    return entry.startswith("S")


class ApproverDirectory:
    """Answers "may this Slack user decide?" from configured IDs and cached group members."""

    def __init__(
        self,
        client: WebClient,
        approvers: Iterable[str],
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        entries = {a.strip() for a in approvers if a.strip()}
        self._users = frozenset(e for e in entries if not is_group_id(e))
        self._groups = tuple(sorted(e for e in entries if is_group_id(e)))
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self._users or self._groups)

    def is_approver(self, user_id: str) -> bool:
        if user_id in self._users:
            return True
        return any(user_id in self.group_members(group) for group in self._groups)

    def group_members(self, group_id: str) -> frozenset[str]:
        """Members of one user group, from the cache while it is fresh."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group_id)
            if cached and now - cached[0] < self._ttl:
                return cached[1]
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
            members = frozenset(response.get("users") or ())
        except (SlackApiError, SlackClientError) as exc:
            logger.warning("cannot list members of user group %s: %s", group_id, exc)
            return cached[1] if cached else frozenset()
        with self._lock:
            self._cache[group_id] = (now, members)
        return members

    def forget(self) -> None:
        """Drop cached memberships (e.g. after a ``subteam_members_changed`` event)."""
        with self._lock:
            self._cache.clear()
