"""Who may act: the approver check, as bolt listener middleware, in one place.

Deciding on a record, answering a request to approve a rejection, drafting and sending a follow-up
to a supplier, and changing a channel's digest schedule speak for the company or change what others
receive, so only ``IMS_APPROVERS`` may do them; reading stays open to everyone. Their listeners are registered
with ``middleware=[approvers_only(...)]``; nobody else's click reaches them.

bolt runs listener middleware in the request thread, *before* the listener and its ``ack()``, and the
HTTP answer leaves only when the middleware returns. So the check itself must be cheap (configured IDs
are a set; group members come from :class:`bot.approvers.ApproverDirectory`'s cache, never a Web API
call once warm), and a refusal is acknowledged first: the ack goes back at once (for a modal
submission the ack itself turns the modal into the note), and the audit event and the note to the
person (``bot.replies``) are written afterwards on the listener executor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import Ack, BoltResponse, Respond
from slack_sdk import WebClient

from bot.app import Services
from bot.blocks.modals import ModalContext, notice_view
from bot.blocks.records import parse_button_value
from bot.outcomes import actor_from
from bot.replies import DEFAULT_TITLE, reply
from ims_core import audit

logger = logging.getLogger(__name__)

REFUSED_REASON = "not an approver (IMS_APPROVERS)"  # the audit event's reason
# What only approvers may do, as the refusal says it ("Only the people set up as approvers can …")
DECIDE = "decide on IMS records"
ANSWER_APPROVAL = "approve or decline a rejection"
SEND_FOLLOWUP = "send follow-ups to suppliers"
CHANGE_SCHEDULE = "change a channel's digest schedule"


@dataclass(frozen=True)
class Target:
    """What a refused request was about: the record, if any, and details for the audit event."""

    document_id: int | None = None
    details: dict = field(default_factory=dict)


def not_approver(what: str) -> str:
    """The polite refusal: what only approvers may do, and what the person can do instead."""
    return (
        f"Only the people set up as approvers can {what}. You can still read everything here; "
        "ask an approver, or your admin to add you to IMS_APPROVERS."
    )


def approvers_only(
    services: Services, *, action: str, what: str, target: Callable[[dict], Target]
) -> Callable[..., BoltResponse | None]:
    """Listener middleware: approvers go on to the listener; anyone else is refused and audited.

    ``action`` is what the audit event says was attempted (``accept``, ``approve``, ``send_followup``),
    ``what`` completes the sentence "Only the people set up as approvers can …", and ``target`` reads
    the record or follow-up from the request body.
    """

    def check(
        ack: Ack, body: dict, client: WebClient, respond: Respond | None, next_: Callable[[], None]
    ) -> BoltResponse | None:
        if services.approvers.is_approver(_user(body)["id"]):
            next_()
            return None
        note = not_approver(what)
        if body.get("type") == "view_submission":
            title = ((body.get("view") or {}).get("title") or {}).get("text") or DEFAULT_TITLE
            response = ack(response_action="update", view=notice_view(title, note).to_dict())
        else:
            response = ack()
        services.listener_executor.submit(_refuse, services, client, respond, body, action, target, note)
        return response

    return check


def _refuse(
    services: Services,
    client: WebClient,
    respond: Respond | None,
    body: dict,
    action: str,
    target: Callable[[dict], Target],
    note: str,
) -> None:
    """After the ack: keep the refusal in the audit trail, then tell the person where they clicked
    (a modal submission was told in its ack)."""
    try:
        actor = actor_from(_user(body))
        about = target(body)
        with services.session() as session:
            audit.record(
                session,
                kind="refused",
                actor=actor,
                document_id=about.document_id,
                before=None,
                after={"action": action, **about.details},
                reason=REFUSED_REASON,
                request_id=body.get("trigger_id", ""),
            )
        if body.get("type") != "view_submission":
            reply(client, body, note, respond)
    except Exception:  # after the ack nobody else would hear of it
        logger.exception("could not record or report a refused request")


def _user(body: dict) -> dict:
    """The person behind a request: ``user`` of an interaction, ``user_id``/``user_name`` of a command."""
    return body.get("user") or {"id": body.get("user_id", ""), "name": body.get("user_name", "")}


def record_on_button(body: dict) -> Target:
    """The record a button is about (its value is ``"<portal_document_id>:<version>"``)."""
    return Target(parse_button_value(body["actions"][0]["value"])[0])


def record_in_modal(body: dict) -> Target:
    """The record a decision modal was opened for (its ``private_metadata``)."""
    return Target(ModalContext.loads((body.get("view") or {}).get("private_metadata", "")).portal_document_id)
