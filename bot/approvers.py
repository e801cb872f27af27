"""Who may decide: ``IMS_APPROVERS`` user IDs, plus the members of the user groups it names.

Group membership is read through ``usergroups.users.list`` and cached (a click must not wait on the
Web API, and Slack rate-limits that method). The cache **fails closed**: an entry is never used once
expired; a group that cannot be read grants nobody until it can (refusing a click is recoverable, a
wrong decision is not); and Slack's ``subteam_members_changed`` event takes a removed member out at
once, without waiting for the entry to expire.
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
REFRESH_AHEAD = 0.8  # read a group again in the background once this share of its lifetime has passed


def is_group_id(entry: str) -> bool:
    """Slack user-group IDs start with ``S``; user IDs with ``U`` or ``W``."""
    return entry.startswith("S")


@dataclass(frozen=True)
class _Members:
    users: frozenset[str]
    expires: float  # on the directory's clock: from then on, never answered from
    refresh_at: float  # from then on, answered from while a background read replaces it


class ApproverDirectory:
    """Answers "may this Slack user decide?" from configured IDs and cached group members.

    The answer is needed before a click is acknowledged (the check is listener middleware), so a click
    rarely waits on Slack: :meth:`warm` reads every group at start, and an entry is read again in the
    background before it expires. An expired entry (or a group never read) is read in the request; if
    that read fails, the group grants nobody for ``retry`` seconds, then the next check tries again.
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
        """Members of one user group: from the cache while it holds, else read now (none on failure)."""
        now = self._clock()
        with self._lock:
            known = self._cache.get(group_id)
        if known is None or now >= known.expires:
            return self._read(group_id)
        if now >= known.refresh_at:
            self._refresh_behind(group_id)
        return known.users

    def _read(self, group_id: str) -> frozenset[str]:
        """Read a group from Slack. A failure keeps what was known only until it expires, and a group
        with nothing valid known grants nobody until ``retry`` seconds have passed."""
        now = self._clock()
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
            members = _Members(frozenset(response.get("users") or ()), now + self._ttl,
                               now + self._ttl * REFRESH_AHEAD)
        except (SlackApiError, SlackClientError, OSError) as exc:  # OSError: Slack unreachable
            logger.warning("cannot list members of user group %s: %s", group_id, exc)
            with self._lock:
                known = self._cache.get(group_id)
            if known is not None and now < known.expires:  # still valid: keep it, try again later
                members = _Members(known.users, known.expires, min(known.expires, now + self._retry))
            else:
                members = _Members(frozenset(), now + self._retry, now + self._retry)
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

    def members_changed(self, group_id: str, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
        """Slack's ``subteam_members_changed``: apply the change now (a removed member stops deciding at
        once), then read the group again behind, in case events were missed or came out of order."""
        if group_id not in self._groups:
            return
        with self._lock:
            known = self._cache.get(group_id)
            if known is not None:
                users = (known.users - frozenset(removed)) | frozenset(added)
                self._cache[group_id] = _Members(users, known.expires, known.refresh_at)
        self._refresh_behind(group_id)

    def forget(self) -> None:
        """Drop cached memberships: the next check reads each group again."""
        with self._lock:
            self._cache.clear()
