"""Follow-up views and messages: the editable draft modal, the thread message, due follow-ups.

Pure builders: data in, slack_sdk model objects out (so ``to_dict()`` checks Slack's limits). The
modal's ``private_metadata`` carries the follow-up id and the channel it was opened from, so the
submission knows what to send and where to post the thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.common import clip, esc, time_label
from bot.blocks.modals import notice_view
from ims_core.gst.money import format_inr
from ims_core.suppliers.followups import ClosedFollowUp, DueFollowUp

TITLE = "Supplier follow-up"
DRAFT_BUTTON = "followup_draft"
MARK_SENT = "followup_mark_sent"
FOLLOWUP_VIEW = "followup_modal"
TO_BLOCK, TO_INPUT = "followup_to", "followup_to_input"
SUBJECT_BLOCK, SUBJECT_INPUT = "followup_subject", "followup_subject_input"
BODY_BLOCK, BODY_INPUT = "followup_body", "followup_body_input"
CHAT_BLOCK, CHAT_INPUT = "followup_chat", "followup_chat_input"
ATTACH_BLOCK, ATTACH_INPUT = "followup_attach", "followup_attach_input"
INPUT_LIMIT = 3000  # Slack's maximum for a plain-text input
LEVEL_WORDS = {1: "first request", 2: "reminder", 3: "final notice"}


@dataclass(frozen=True)
class FollowUpContext:
    followup_id: int
    channel_id: str = ""

    def dumps(self) -> str:
        return json.dumps({"followup_id": self.followup_id, "channel_id": self.channel_id})

    @classmethod
    def loads(cls, text: str) -> FollowUpContext:
        data = json.loads(text or "{}")
        return cls(int(data["followup_id"]), data.get("channel_id", ""))


@dataclass(frozen=True)
class DraftShown:
    """What the modal shows of a drafted follow-up (read from the database by the listener)."""

    followup_id: int
    supplier_gstin: str
    supplier_name: str
    level: int
    documents: int
    itc_held_paise: int
    subject: str
    body: str
    chat_text: str
    to: str


def draft_button(supplier_gstin: str) -> ButtonElement:
    """The "Draft follow-up" button a digest record can carry (value: the supplier GSTIN)."""
    return ButtonElement(text="Draft follow-up", action_id=DRAFT_BUTTON, value=supplier_gstin)


def loading_view() -> View:
    return View(
        type="modal",
        callback_id=FOLLOWUP_VIEW,
        title=TITLE,
        blocks=[SectionBlock(text="Preparing the draft…")],
    )


def message_view(text: str) -> View:
    """A closed-ended modal: the outcome, or why there is nothing to draft."""
    return notice_view(TITLE, text)


def _text_input(
    block_id: str, action_id: str, label: str, value: str, *, multiline: bool, optional: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=action_id, multiline=multiline, initial_value=value, max_length=INPUT_LIMIT
        ),
    )


def draft_view(draft: DraftShown, channel_id: str) -> View:
    """The editable draft: recipients, subject, email body, chat message, XLSX, and Mark as sent."""
    head = (
        f"*{esc(draft.supplier_name or draft.supplier_gstin)}* ({draft.supplier_gstin}): "
        f"{LEVEL_WORDS[draft.level]}, {draft.documents} document{'s' if draft.documents != 1 else ''}, "
        f"ITC held up {format_inr(draft.itc_held_paise)}"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        _text_input(
            TO_BLOCK, TO_INPUT, "Email to (comma-separated)", draft.to, multiline=False, optional=True
        ),
        _text_input(
            SUBJECT_BLOCK, SUBJECT_INPUT, "Subject", clip(draft.subject, INPUT_LIMIT), multiline=False
        ),
    ]
    if len(draft.body) <= INPUT_LIMIT:
        blocks.append(_text_input(BODY_BLOCK, BODY_INPUT, "Email", draft.body, multiline=True))
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"The email lists {draft.documents} documents and is too long to edit here; "
                        "it is sent as drafted (edit it with `ims followup draft` on the command line)."
                    )
                ]
            )
        )
    blocks += [
        _text_input(
            CHAT_BLOCK,
            CHAT_INPUT,
            "Chat message",
            clip(draft.chat_text, INPUT_LIMIT),
            multiline=True,
            optional=True,
        ),
        InputBlock(
            block_id=ATTACH_BLOCK,
            label="Attachment",
            optional=True,
            element=CheckboxesElement(
                action_id=ATTACH_INPUT,
                options=[Option(value="xlsx", label="Attach the documents as XLSX")],
                initial_options=[Option(value="xlsx", label="Attach the documents as XLSX")],
            ),
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Mark as sent (sent another way)", action_id=MARK_SENT, value=str(draft.followup_id)
                )
            ]
        ),
    ]
    return View(
        type="modal",
        callback_id=FOLLOWUP_VIEW,
        title=TITLE,
        submit="Send email",
        close="Cancel",
        private_metadata=FollowUpContext(draft.followup_id, channel_id).dumps(),
        blocks=blocks,
    )


def thread_message(
    *,
    followup_id: int,
    supplier: str,
    level: int,
    documents: int,
    itc_held_paise: int,
    how: str,
    user_id: str,
) -> tuple[str, list[Block]]:
    """The channel message a sent follow-up lives in; replies land in its thread. The supplier's
    name comes from a file: escaped in the fallback text too (``<!channel>`` in it would ping)."""
    words = (
        f"Follow-up #{followup_id} to {esc(supplier)} ({LEVEL_WORDS[level]}, {documents} "
        f"document{'s' if documents != 1 else ''}, ITC held up {format_inr(itc_held_paise)}) {esc(how)} by "
        f"<@{user_id}>."
    )
    return words, [SectionBlock(text=MarkdownTextObject(text=words))]


def closed_message(closed: ClosedFollowUp) -> tuple[str, list[Block]]:
    """What the follow-up's message becomes once a newer import shows everything fixed."""
    text = (
        f"✅ Follow-up #{closed.followup_id} to {esc(closed.supplier_name or closed.supplier_gstin)} is "
        f"closed: {closed.documents} document{'s' if closed.documents != 1 else ''} filed or corrected."
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=text))]


def due_blocks(due: list[DueFollowUp], *, limit: int = 10) -> list[Block]:
    """The digest's "follow-ups due" section: each with its wait, open ITC and a draft button."""
    if not due:
        return []
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Supplier follow-ups due ({len(due)})*"))
    ]
    for d in due[:limit]:
        state = "send failed" if d.status == "failed" else f"waiting {d.days_waiting} days"
        since = f", sent {time_label(d.sent_at_local)}" if d.sent_at_local else ""
        line = (
            f"*{esc(d.supplier_name or d.supplier_gstin)}* ({d.supplier_gstin}): {state}{since}; "
            f"{d.open_documents} open, ITC held up {format_inr(d.itc_held_paise)}; next: "
            f"{LEVEL_WORDS[d.next_level]}"
        )
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=line), accessory=draft_button(d.supplier_gstin))
        )
    if len(due) > limit:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"… and {len(due) - limit} more")]))
    return blocks


def state_text(values: dict, block_id: str, action_id: str) -> str:
    entry = values.get(block_id, {}).get(action_id, {})
    return (entry.get("value") or "").strip()


def state_checked(values: dict, block_id: str, action_id: str) -> bool:
    entry = values.get(block_id, {}).get(action_id, {})
    return bool(entry.get("selected_options"))
