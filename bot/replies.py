"""Telling the person behind a request something (an error, a refusal), where they are looking.

Errors take one path to people, :func:`tell_error` (what it says: :func:`error_text`; where:
:func:`reply`). bolt's ``@app.error`` calls it for errors in middleware and for errors a listener
raises before its ``ack()``. An error raised *after* the ack is told by :func:`tells_errors`, which
wraps every listener: if it reached bolt instead, bolt's thread runner would set the request's ack
response back to ``None`` (slack_bolt ``ThreadListenerRunner``, listener raised after ``ack()``), and
unless the request thread had already sent the ack, Slack would get a 404 after three seconds.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.common import esc
from bot.blocks.modals import notice_view
from ims_core.decisions.errors import ActionConflict, ActionRefused
from ims_core.errors import UserFacingError

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "IMS assistant"
LISTENER_ARGS = ("ack", "body", "client", "respond", "action", "view", "command", "event")
SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."


def tell_error(client: WebClient, body: dict, error: Exception, respond: Respond | None) -> None:
    """The one path of errors to people: what :func:`error_text` says, where :func:`reply` puts it."""
    reply(client, body, error_text(error), respond)


def tells_errors(listener: Callable[..., None]) -> Callable[..., None]:
    """Wrap a listener so that an error it raises after its ``ack()`` is told by :func:`tell_error`.

    bolt passes a listener the arguments its parameters name; the wrapper names all those a listener
    of this bot may take, and passes the listener only its own.
    """
    wanted = list(inspect.signature(listener).parameters)
    if unknown := set(wanted) - set(LISTENER_ARGS):
        raise TypeError(f"{listener.__qualname__} takes {sorted(unknown)}; listeners take {LISTENER_ARGS}")

    def run(ack, body, client, respond, action, view, command, event) -> None:  # bolt's
        values = (ack, body, client, respond, action, view, command, event)
        given = dict(zip(LISTENER_ARGS, values, strict=True))
        try:
            listener(**{name: given[name] for name in wanted})
        except Exception as error:  # told here, or by bolt if nothing was acknowledged
            if ack.response is None:
                raise
            tell_error(client, body, error, respond)

    run.__name__, run.__qualname__, run.__doc__ = listener.__name__, listener.__qualname__, listener.__doc__
    return run


def error_text(error: Exception) -> str:
    """An error as the user reads it: a ``UserFacingError`` as written (plain text, so escaped for
    mrkdwn; a decision refused or lost to someone quicker marked as such), anything else as an
    apology, its traceback logged for the operator (no invoice data is logged at INFO)."""
    if isinstance(error, ActionConflict):
        return f":warning: {esc(str(error))}"
    if isinstance(error, ActionRefused):
        return f":no_entry: {esc(str(error))}"
    if isinstance(error, UserFacingError):
        return esc(str(error))
    logger.error("unhandled error in a Slack listener", exc_info=error)
    return SORRY


def reply(client: WebClient, body: dict, text: str, respond: Respond | None = None) -> None:
    """Tell the user of ``body`` ``text``; never raises. Where:

    - a click inside a modal: that modal now shows the note (``views.update``; not the Home tab);
    - a request that carries a ``response_url`` (a slash command, a click in a message): an ephemeral
      reply through it, which works even in a channel the bot was never invited to;
    - a modal submission (the modal is closed by then): an ephemeral note in the channel the modal
      was opened from (every modal of the bot keeps ``channel_id`` in its ``private_metadata``);
    - anything else (a click in App Home): a direct message from the app.
    """
    user_id = (body.get("user") or {}).get("id") or body.get("user_id", "")
    view = body.get("view") or {}
    try:
        if body.get("type") == "block_actions" and view.get("type") == "modal" and view.get("id"):
            title = (view.get("title") or {}).get("text") or DEFAULT_TITLE
            client.views_update(view_id=view["id"], view=notice_view(title, text).to_dict())
        elif respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif channel := _channel(body):
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, SlackClientError, OSError) as exc:
        logger.warning("could not tell a user: %s", getattr(exc, "response", {}) or exc)


def _channel(body: dict) -> str:
    """The channel a request came from, or the one its modal was opened from."""
    channel = (
        (body.get("container") or {}).get("channel_id")
        or (body.get("channel") or {}).get("id")
        or body.get("channel_id")
    )
    if channel:
        return channel
    try:
        metadata = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return ""
    return metadata.get("channel_id", "") if isinstance(metadata, dict) else ""
