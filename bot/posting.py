"""Posting to Slack without posting twice.

``chat.postMessage`` has no idempotency key: a call that fails *after* Slack posted the message (an
HTTP 5xx, a dropped connection, a timeout) leaves the caller not knowing whether it is there, and
posting again at once may post it twice. So the Web client retries only what is safe to repeat
(:class:`SafeConnectionRetries`: reads and updates after a connection error, any call after a 429,
which Slack did not process), and a post that matters carries a key in its message metadata: after
an unclear failure, :func:`post_once` looks the key up in the channel's recent history before it
says the post failed (:class:`UnclearPost`), and a later attempt looks again before posting anew.
Reading that history needs the ``channels:history`` (and ``groups:history``) scopes.
"""

from __future__ import annotations

import http.client
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from ims_core import clock
from ims_core.errors import UserFacingError

logger = logging.getLogger(__name__)

METADATA_TYPE = "ims_post"
# Web API methods that create something each time they are called: never repeated blindly
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.meMessage", "chat.scheduleMessage",
                  "files.upload", "files.completeUploadExternal", "conversations.create")
LOOKBACK_SECONDS = 2 * 3600  # how far back a keyed post is looked for
HISTORY_PAGES = 5
AGAIN = "try again in a minute: I look for it before posting it again"


class UnclearPost(UserFacingError):
    """A post failed in a way that leaves unknown whether Slack has it, and it was not found: try
    again in a minute (the next attempt looks it up before posting)."""


class SafeConnectionRetries(ConnectionErrorRetryHandler):
    """slack_sdk's retry on connection errors, except for calls that would create a second message."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if request.url.rstrip("/").rsplit("/", 1)[-1] in NOT_IDEMPOTENT:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def unclear(error: BaseException) -> bool:
    """Whether a failed call may still have been carried out by Slack: a 5xx, or the connection lost
    or timed out after the request left (a refusal such as ``not_in_channel`` is clear)."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        return status >= 500
    return isinstance(error, OSError | http.client.HTTPException | TimeoutError)


def metadata(key: str) -> dict:
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def find_posted(client: WebClient, channel: str, key: str, *, lookback: float = LOOKBACK_SECONDS) -> str:
    """The ``ts`` of the bot's message carrying ``key`` in the channel's recent history, or ""."""
    cursor = ""
    oldest = f"{clock.now().timestamp() - lookback:.6f}"
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(channel=channel, oldest=oldest, limit=200, cursor=cursor or None,
                                            include_all_metadata=True)
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_TYPE and payload.get("key") == key:
                return message["ts"]
        cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or ""
        if not cursor:
            break
    return ""


def post_once(client: WebClient, *, channel: str, key: str, **message: object) -> str:
    """Post ``message`` with ``key`` in its metadata and return its ``ts``. After an unclear failure
    the key is looked up: found, its ``ts`` is returned; not found, :class:`UnclearPost` is raised
    (try again later, through :func:`find_posted` first). Clear failures are raised as they are."""
    try:
        return client.chat_postMessage(channel=channel, metadata=metadata(key), **message)["ts"]
    except Exception as error:
        if not unclear(error):
            raise
        logger.warning("posting %s to %s failed unclearly (%s); looking it up", key, channel, error)
        try:
            found = find_posted(client, channel, key)
        except Exception as lookup:
            raise UnclearPost(f"Slack did not confirm a post ({type(error).__name__}) and looking for it "
                              f"failed too ({type(lookup).__name__}); {AGAIN}") from error
        if found:
            return found
        raise UnclearPost(f"Slack did not confirm a post ({type(error).__name__}) and it is not in the "
                          f"channel yet; {AGAIN}") from error
