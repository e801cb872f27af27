"""One portal record as blocks: what it is, why it is flagged, and either buttons or who decided it.

Buttons carry ``"<portal_document_id>:<version>"`` so a click is a compare-and-set against the decision
version the clicker saw: of two simultaneous clicks one wins and the other is told who was first.
"""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.common import clip, esc, local_time, rupees, user_ref
from ims_core.decisions.store import DecisionState
from ims_core.models.vocabulary import status_label
from ims_core.reports.worklist import WorkItem

ACCEPT, REJECT, PENDING, DETAILS = "ims_accept", "ims_reject", "ims_pending", "ims_details"
DECISION_ACTIONS = (ACCEPT, REJECT, PENDING)

_DONE = {
    "A": ("✅", "Accepted"),
    "R": ("⛔", "Rejected"),
    "P": ("⏸️", "Kept pending"),
    "N": ("↩️", "Reset"),
}


def button_value(portal_document_id: int, version: int) -> str:
    return f"{portal_document_id}:{version}"


def parse_button_value(value: str) -> tuple[int, int]:
    """``"42:3"`` → ``(42, 3)``; raises ``ValueError`` on anything else."""
    doc, _, version = value.partition(":")
    return int(doc), int(version or 0)


def record_text(item: WorkItem) -> str:
    """The record in one or two lines of mrkdwn."""
    name = esc(item.supplier_name) or item.supplier_gstin
    head = (
        f"*{clip(name, 80)}* `{item.supplier_gstin}` · {item.doc_type} *{esc(item.doc_number)}* · "
        f"{item.doc_date:%d-%m-%Y} · tax *{rupees(item.tax_paise)}*"
    )
    why = f"{status_label(item.status)}"
    if item.reasons:
        why += f": {esc(clip(item.reasons, 600))}"
    if item.recommended_action:
        why += f" · suggested: {_RECOMMENDED.get(item.recommended_action, item.recommended_action)}"
    return clip(f"{head}\n{why}", 3000)


_RECOMMENDED = {"A": "Accept", "R": "Reject", "P": "Pending"}


def person(user_id: str, name: str, source: str = "slack") -> str:
    """Who acted, as a message shows them: a Slack user as a mention, anyone else by name."""
    return user_ref(user_id) if source == "slack" and user_id else esc(name or user_id)


def requester(state: DecisionState) -> str:
    return person(state.requested_by_id, state.requested_by)


def decision_line(state: DecisionState, tz: dt.tzinfo) -> str:
    """Who decided what and when, or who asked for a rejection that waits for a second approver."""
    if state.pending_approval:
        return f"⏳ Rejection requested by {requester(state)} · waiting for a second approver"
    emoji, verb = _DONE.get(state.action, ("•", state.action_word.capitalize()))
    who = person(state.decided_by_id, state.decided_by, state.decided_by_source)
    when = f" · {local_time(state.decided_at, tz)}" if state.decided_at else ""
    return f"{emoji} {verb} by {who}{when}"


def record_buttons(item: WorkItem, state: DecisionState) -> ActionsBlock:
    value = button_value(item.portal_document_id, state.version)
    elements = [
        ButtonElement(text="Accept", action_id=ACCEPT, value=value, style="primary"),
        ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"),
    ]
    if item.pending_action_blocked is not True:
        elements.append(ButtonElement(text="Pending", action_id=PENDING, value=value))
    elements.append(ButtonElement(text="Details", action_id=DETAILS, value=value))
    return ActionsBlock(block_id=f"rec:{item.portal_document_id}", elements=elements)


def record_blocks(item: WorkItem, state: DecisionState, tz: dt.tzinfo) -> list[Block]:
    """The record's section, then its buttons (undecided) or a line saying who decided and when."""
    section = SectionBlock(
        block_id=f"doc:{item.portal_document_id}", text=MarkdownTextObject(text=record_text(item))
    )
    if state.undecided:
        return [section, record_buttons(item, state)]
    return [
        section,
        ContextBlock(
            block_id=f"rec:{item.portal_document_id}",
            elements=[MarkdownTextObject(text=decision_line(state, tz))],
        ),
    ]
