"""Supplier follow-ups in Slack: "Draft follow-up" and ``/ims followup <GSTIN>`` open the editable
draft; Send emails it, "Mark as sent" records another channel; the follow-up's message gets a thread
reply when a newer import shows everything fixed (:func:`announce_resolved`). ``/ims scorecard
<GSTIN or PAN>`` shows the supplier's scorecard. Both sub-commands are listed in the ``/ims`` table
(``bot.listeners.commands.SUBCOMMANDS``), so its ack, help and error handling apply to them too.

Every click is acked first; a "loading" modal is opened at once (a ``trigger_id`` lives about 3 s)
and replaced by the draft once it is built. Send claims the follow-up at once (a second Send is
refused) and hands the SMTP conversation to the mail pool (``Services.mail_executor``): a slow mail
server never holds a listener thread. All GST logic is in ``ims_core.suppliers``; sending and
marking, and drafting (the button, ``/ims followup``), are for approvers (``IMS_APPROVERS``) only,
since they speak for the company: the ``bot.permissions`` middleware refuses anyone else before these
listeners run.
"""

from __future__ import annotations

import logging
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, SectionBlock

from bot.app import Services
from bot.blocks import followups as fb
from bot.blocks.common import esc
from bot.blocks.scorecard import scorecard_blocks
from bot.outcomes import actor_from
from bot.permissions import SEND_FOLLOWUP, Target, approvers_only
from bot.replies import tell_error, tells_errors
from ims_core.audit import Actor
from ims_core.errors import UserFacingError
from ims_core.suppliers import followups
from ims_core.suppliers.contacts import EMAIL, contact_for, split_emails
from ims_core.suppliers.names import supplier_names
from ims_core.suppliers.scorecard import supplier_insight
from ims_core.suppliers.send import Claimed, claim_send, deliver

logger = logging.getLogger(__name__)


def followup_in_modal(body: dict) -> Target:
    """The follow-up a draft modal shows (its ``private_metadata``), for the audit of a refusal."""
    ctx = fb.FollowUpContext.loads((body.get("view") or {}).get("private_metadata", ""))
    return Target(details={"followup_id": ctx.followup_id})


def supplier_on_button(body: dict) -> Target:
    """The supplier a "Draft follow-up" button is for, for the audit of a refusal."""
    return Target(details={"supplier_gstin": ((body.get("actions") or [{}])[0]).get("value", "")})


def followup_command(
    services: Services, args: list[str], command: dict, client: WebClient
) -> tuple[str, list[Block]]:
    """``/ims followup <GSTIN>``: open the draft in a modal while the ``trigger_id`` is fresh."""
    if not args:
        raise UserFacingError("Name the supplier: /ims followup <GSTIN>")
    opened = client.views_open(trigger_id=command["trigger_id"], view=fb.loading_view())
    shown = _draft_into(
        services,
        client,
        opened["view"]["id"],
        args[0],
        command.get("user_id", ""),
        command.get("user_name", ""),
        command.get("channel_id", ""),
    )
    return shown, [SectionBlock(text=shown)]


def scorecard_command(
    services: Services, args: list[str], command: dict, client: WebClient
) -> tuple[str, list[Block]]:
    """``/ims scorecard <GSTIN or PAN>``: the figures ``ims vendor`` prints."""
    if not args:
        raise UserFacingError("Name the supplier: /ims scorecard <GSTIN or PAN>")
    with services.session() as session:
        insight = supplier_insight(session, args[0])
    return f"Scorecard of {esc(insight.name or insight.key)}: {insight.score}/100", scorecard_blocks(insight)


def register(app: App, services: Services) -> None:
    only = partial(approvers_only, services, what=SEND_FOLLOWUP, target=followup_in_modal)

    @app.action(
        fb.DRAFT_BUTTON,
        middleware=[approvers_only(services, action="draft_followup", what=SEND_FOLLOWUP,
                                   target=supplier_on_button)],
    )
    @tells_errors
    def on_draft_button(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        opened = client.views_open(trigger_id=body["trigger_id"], view=fb.loading_view())
        user = body.get("user", {})
        channel = (body.get("channel") or {}).get("id", "")
        _draft_into(
            services,
            client,
            opened["view"]["id"],
            action.get("value", ""),
            user.get("id", ""),
            user.get("name") or user.get("username", ""),
            channel,
        )

    @app.view(fb.FOLLOWUP_VIEW, middleware=[only(action="send_followup")])
    @tells_errors
    def on_send(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        values = view["state"]["values"]
        to = split_emails(fb.state_text(values, fb.TO_BLOCK, fb.TO_INPUT))
        wrong = [a for a in to if not EMAIL.match(a)]
        if wrong:
            ack(response_action="errors", errors={fb.TO_BLOCK: f"Not an email address: {', '.join(wrong)}"})
            return
        actor = actor_from(body["user"])
        ack()
        ctx = fb.FollowUpContext.loads(view.get("private_metadata", ""))
        _save_edits(services, ctx.followup_id, values, actor)
        claimed = claim_send(  # a refusal (already being sent) is told by the wrapper, in ctx's channel
            services.engine,
            ctx.followup_id,
            to=to or None,
            attach_xlsx=fb.state_checked(values, fb.ATTACH_BLOCK, fb.ATTACH_INPUT),
        )
        services.mail_executor.submit(_deliver, services, client, body, claimed, actor, ctx.channel_id)

    @app.action(fb.MARK_SENT, middleware=[only(action="mark_followup_sent")])
    @tells_errors
    def on_mark_sent(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        ctx = fb.FollowUpContext.loads(view.get("private_metadata", ""))
        actor = actor_from(body["user"])
        _save_edits(services, ctx.followup_id, (view.get("state") or {}).get("values", {}), actor)
        with services.session() as session:  # an error is shown in this modal by the error handler
            followups.mark_sent(session, ctx.followup_id, actor=actor, note="marked as sent in Slack")
        client.views_update(
            view_id=view["id"],
            view=fb.message_view(
                f"Follow-up #{ctx.followup_id} is recorded as sent. It comes back in the digest if the "
                "supplier has not fixed the documents by then."
            ),
        )
        _post_thread(services, client, ctx.channel_id, ctx.followup_id, "marked as sent", actor.id)


def _deliver(
    services: Services, client: WebClient, body: dict, claimed: Claimed, actor: Actor, channel: str
) -> None:
    """On the mail pool: email the claimed follow-up, then post its thread; a failure (recorded on
    the follow-up by ``deliver``) is told to the sender where the modal was opened."""
    try:
        sent = deliver(services.engine, claimed, actor=actor)
        _post_thread(services, client, channel, sent.id, f"emailed to {sent.sent_to}", actor.id)
    except Exception as error:  # nobody else would hear of it on this thread
        tell_error(client, body, error, None)


def _draft_into(
    services: Services,
    client: WebClient,
    view_id: str,
    gstin: str,
    user_id: str,
    user_name: str,
    channel: str,
) -> str:
    """Draft for ``gstin`` and show it in the modal ``view_id``; returns a line for the requester."""
    actor = Actor(id=user_id, name=user_name or user_id, source="slack")
    try:
        with services.session() as session:
            followups.close_resolved(session)
            f = followups.draft(session, gstin, actor=actor)
            contact = contact_for(session, f.supplier_gstin)
            name = supplier_names(session, [f.supplier_gstin]).get(f.supplier_gstin, "")
            shown = fb.DraftShown(
                f.id,
                f.supplier_gstin,
                name,
                f.level,
                len(followups.items(session, f.id)),
                f.itc_held_paise,
                f.subject,
                f.body,
                f.chat_text,
                contact.email if contact else "",
            )
    except UserFacingError as exc:
        client.views_update(view_id=view_id, view=fb.message_view(str(exc)))  # escaped by the view
        return esc(str(exc))
    client.views_update(view_id=view_id, view=fb.draft_view(shown, channel))
    return (
        f"Draft follow-up #{shown.followup_id} for {shown.supplier_gstin} is open for you to edit and send."
    )


def _save_edits(services: Services, followup_id: int, values: dict, actor: Actor) -> None:
    """Keep what the person changed in the modal (only what is there and differs)."""
    with services.session() as session:
        f = followups.get(session, followup_id)
        subject = fb.state_text(values, fb.SUBJECT_BLOCK, fb.SUBJECT_INPUT) or f.subject
        body = fb.state_text(values, fb.BODY_BLOCK, fb.BODY_INPUT) or f.body
        chat = fb.state_text(values, fb.CHAT_BLOCK, fb.CHAT_INPUT) if fb.CHAT_BLOCK in values else f.chat_text
        if (subject, body, chat) != (f.subject, f.body, f.chat_text) and f.status in followups.SENDABLE:
            followups.edit(session, followup_id, subject=subject, body=body, chat_text=chat, actor=actor)


def _post_thread(
    services: Services, client: WebClient, channel: str, followup_id: int, how: str, user_id: str
) -> None:
    """Post the follow-up's message and remember it: its thread hears about the resolution later."""
    if not channel:
        return
    with services.session() as session:
        f = followups.get(session, followup_id)
        name = supplier_names(session, [f.supplier_gstin]).get(f.supplier_gstin, "") or f.supplier_gstin
        documents = len(followups.items(session, followup_id))
    text, blocks = fb.thread_message(
        followup_id=followup_id,
        supplier=name,
        level=f.level,
        documents=documents,
        itc_held_paise=f.itc_held_paise,
        how=how,
        user_id=user_id,
    )
    try:
        posted = client.chat_postMessage(channel=channel, text=text, blocks=[b.to_dict() for b in blocks])
    except SlackApiError as exc:
        logger.warning("could not post a follow-up message: %s", exc.response.get("error"))
        return
    with services.session() as session:
        followups.attach_thread(session, followup_id, channel=channel, ts=posted["ts"])


def announce_resolved(services: Services, client: WebClient | None = None) -> list[followups.ClosedFollowUp]:
    """Close the follow-ups a newer reconciliation resolved and say so in their Slack threads.

    Call after each import + reconciliation, or before each digest; safe to call any number of times.
    """
    client = client or services.client
    with services.session() as session:
        closed = followups.close_resolved(session)
    for c in closed:
        if not (c.slack_channel and c.slack_ts):
            continue
        text, blocks = fb.closed_message(c)
        try:
            client.chat_postMessage(channel=c.slack_channel, thread_ts=c.slack_ts, text=esc(c.text))
            client.chat_update(
                channel=c.slack_channel, ts=c.slack_ts, text=text, blocks=[b.to_dict() for b in blocks]
            )
        except SlackApiError as exc:
            logger.warning("could not update a follow-up thread: %s", exc.response.get("error"))
    return closed
