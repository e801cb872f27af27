"""Maker-checker: a rejection above the threshold waits for a second approver's Approve / Decline."""

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

from bot.blocks.common import IST, clip, esc, user_ref
from bot.blocks.records import DecisionView, button_value, decision_line, record_text
from ims_core.reports.worklist import WorkItem

APPROVE, DECLINE = "ims_approve_reject", "ims_decline_reject"


def approval_blocks(item: WorkItem, decision: DecisionView, tz: dt.tzinfo = IST) -> list[Block]:
    """The request with Approve / Decline while it waits; the outcome once someone answered."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(":scales: *Rejection needs a second approver*\n" + record_text(item), 3000)
            )
        )
    ]
    if decision.awaiting_approval:
        reason = f": “{esc(clip(decision.reason, 500))}”" if decision.reason else ""
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(f"Requested by {user_ref(decision.decided_by)}{reason}", 3000)
                    )
                ]
            )
        )
        value = button_value(item.portal_document_id, decision.version)
        blocks.append(
            ActionsBlock(
                block_id=f"apr:{item.portal_document_id}",
                elements=[
                    ButtonElement(text="Approve rejection", action_id=APPROVE, value=value, style="danger"),
                    ButtonElement(text="Decline", action_id=DECLINE, value=value),
                ],
            )
        )
    else:
        line = (
            decision_line(decision, tz)
            if not decision.open
            else "↩️ Rejection declined: the record is open again"
        )
        blocks.append(
            ContextBlock(block_id=f"apr:{item.portal_document_id}", elements=[MarkdownTextObject(text=line)])
        )
    return blocks
