"""One portal record as blocks: what it is, why it is flagged, and either buttons or who decided it.

Buttons carry ``"<portal_document_id>:<version>"`` so a click is a compare-and-set against the decision
version the clicker saw: of two simultaneous clicks one wins and the other is told who was first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.common import IST, clip, esc, local_time, rupees, user_ref
from ims_core.models.vocabulary import status_label
from ims_core.reports.worklist import WorkItem

ACCEPT, REJECT, PENDING, DETAILS = "ims_accept", "ims_reject", "ims_pending", "ims_details"
DECISION_ACTIONS = (ACCEPT, REJECT, PENDING)

_DONE = {
    "accept": ("✅", "Accepted"),
    "reject": ("⛔", "Rejected"),
    "pending": ("⏸️", "Kept pending"),
    "reset": ("↩️", "Reset"),
}


@dataclass(frozen=True)
class DecisionView:
    """The part of a record's decision state a message shows."""

    action: str = ""
    version: int = 0
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    awaiting_approval: bool = False
    reason: str = ""

    @property
    def open(self) -> bool:
        """Undecided (or reset): buttons are shown."""
        return self.action in ("", "reset") and not self.awaiting_approval


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


def decision_line(decision: DecisionView, tz: dt.tzinfo = IST) -> str:
    if decision.awaiting_approval:
        return f"⏳ Rejection requested by {user_ref(decision.decided_by)} · waiting for a second approver"
    emoji, verb = _DONE.get(decision.action, ("•", decision.action.capitalize()))
    when = f" · {local_time(decision.decided_at, tz)}" if decision.decided_at else ""
    return f"{emoji} {verb} by {user_ref(decision.decided_by)}{when}"


def record_buttons(item: WorkItem, decision: DecisionView) -> ActionsBlock:
    value = button_value(item.portal_document_id, decision.version)
    elements = [
        ButtonElement(text="Accept", action_id=ACCEPT, value=value, style="primary"),
        ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger"),
    ]
    if item.pending_action_blocked is not True:
        elements.append(ButtonElement(text="Pending", action_id=PENDING, value=value))
    elements.append(ButtonElement(text="Details", action_id=DETAILS, value=value))
    return ActionsBlock(block_id=f"rec:{item.portal_document_id}", elements=elements)


def record_blocks(item: WorkItem, decision: DecisionView, tz: dt.tzinfo = IST) -> list[Block]:
    """The record's section, then its buttons (open) or a line saying who decided and when."""
    section = SectionBlock(
        block_id=f"doc:{item.portal_document_id}", text=MarkdownTextObject(text=record_text(item))
    )
    if decision.open:
        return [section, record_buttons(item, decision)]
    return [
        section,
        ContextBlock(
            block_id=f"rec:{item.portal_document_id}",
            elements=[MarkdownTextObject(text=decision_line(decision, tz))],
        ),
    ]
