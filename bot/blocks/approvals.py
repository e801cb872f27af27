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

from bot.blocks.common import clip, esc
from bot.blocks.records import button_value, decision_line, record_text, requester
from ims_core.decisions.store import DecisionState
from ims_core.reports.worklist import WorkItem

APPROVE, DECLINE = "ims_approve_reject", "ims_decline_reject"


def approval_blocks(item: WorkItem, state: DecisionState, tz: dt.tzinfo) -> list[Block]:
    """The request with Approve / Decline while it waits; the outcome once someone answered."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(":scales: *Rejection needs a second approver*\n" + record_text(item), 3000)
            )
        )
    ]
    if state.pending_approval:
        reason = f": “{esc(clip(state.request_reason, 500))}”" if state.request_reason else ""
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(f"Requested by {requester(state)}{reason}", 3000)
                    )
                ]
            )
        )
        value = button_value(item.portal_document_id, state.version)
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
            "↩️ Rejection declined: the record is open again"
            if state.undecided
            else decision_line(state, tz)
        )
        blocks.append(
            ContextBlock(block_id=f"apr:{item.portal_document_id}", elements=[MarkdownTextObject(text=line)])
        )
    return blocks
