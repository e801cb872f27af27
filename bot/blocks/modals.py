"""Modals: reject (reason required), credit-note accept (ITC reduction), details, and a loading view.

A modal's ``private_metadata`` carries the record, the decision version the user saw, and the message
the click came from, so the submission can compare-and-set and then ``chat.update`` that message.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.common import clip, esc
from bot.blocks.records import record_text
from ims_core.models.base import TAX_HEADS
from ims_core.reports.worklist import WorkItem

REJECT_VIEW, CN_ACCEPT_VIEW, DETAILS_VIEW = "ims_reject_modal", "ims_cn_accept_modal", "ims_details_modal"
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"
REDUCTION_BLOCK, REDUCTION_INPUT = "itc_reduction", "itc_reduction_input"


@dataclass(frozen=True)
class ModalContext:
    """What a submission needs to finish the decision and refresh the message clicked in."""

    portal_document_id: int
    version: int
    channel_id: str = ""
    message_ts: str = ""

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> ModalContext:
        data = json.loads(text or "{}")
        return cls(
            int(data["portal_document_id"]),
            int(data.get("version", 0)),
            str(data.get("channel_id", "")),
            str(data.get("message_ts", "")),
        )


def loading_view(title: str = "IMS assistant") -> View:
    """Opened at once while ``trigger_id`` is fresh; ``views.update`` fills it in."""
    return View(
        type="modal",
        title=clip(title, 24),
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=":hourglass_flowing_sand: Loading…"))],
    )


def reject_modal(item: WorkItem, ctx: ModalContext) -> View:
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=record_text(item))),
        InputBlock(
            block_id=REASON_BLOCK,
            label="Reason (kept in the audit trail)",
            element=PlainTextInputElement(
                action_id=REASON_INPUT,
                multiline=True,
                max_length=500,
                placeholder="e.g. goods not received; amount differs from PO",
            ),
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Rejected records go to GSTR-2B's rejected section: no ITC for them this period."
                )
            ]
        ),
    ]
    return View(
        type="modal",
        callback_id=REJECT_VIEW,
        title="Reject record",
        submit="Reject",
        close="Cancel",
        private_metadata=ctx.dumps(),
        blocks=blocks,
    )


def credit_note_accept_modal(item: WorkItem, ctx: ModalContext) -> View:
    """Accepting a credit note asks how much ITC is reduced: full, partial (declared) or nil."""
    options = [
        Option(value="full", text="Full: reduce ITC by the credit note's tax"),
        Option(value="partial", text="Partial: reduce by the amounts below"),
        Option(value="nil", text="Nil: ITC was never claimed"),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=record_text(item))),
        InputBlock(
            block_id=REDUCTION_BLOCK,
            label="ITC reduction",
            element=RadioButtonsElement(
                action_id=REDUCTION_INPUT, options=options, initial_option=options[0]
            ),
        ),
    ]
    for head in TAX_HEADS:
        blocks.append(
            InputBlock(
                block_id=f"decl_{head}",
                optional=True,
                label=f"{head.upper()} to reduce (₹)",
                element=PlainTextInputElement(action_id=f"decl_{head}_input", placeholder="e.g. 1,234.50"),
            )
        )
    blocks.append(
        InputBlock(
            block_id=REASON_BLOCK,
            optional=True,
            label="Remarks",
            element=PlainTextInputElement(action_id=REASON_INPUT, multiline=True, max_length=500),
        )
    )
    return View(
        type="modal",
        callback_id=CN_ACCEPT_VIEW,
        title="Accept credit note",
        submit="Accept",
        close="Cancel",
        private_metadata=ctx.dumps(),
        blocks=blocks,
    )


def details_modal(item: WorkItem, story: str) -> View:
    """The record and the reconciliation's explanation of it."""
    text = f"```{esc(clip(story, 2900))}```" if story else "_No explanation stored for this record._"
    return View(
        type="modal",
        callback_id=DETAILS_VIEW,
        title="Record details",
        close="Close",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=record_text(item))),
            SectionBlock(text=MarkdownTextObject(text=text)),
        ],
    )


def gone_view() -> View:
    return notice_view("Record details", "That record is no longer in the database.")


def notice_view(title: str, text: str) -> View:
    """A modal that only tells something (an outcome, a refusal): plain text, a Close button."""
    return View(
        type="modal",
        title=clip(title, 24),
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(esc(text), 3000)))],
    )


def input_value(state_values: dict, block_id: str, action_id: str) -> str:
    """A text input's value from ``view.state.values`` (empty when not filled)."""
    entry = state_values.get(block_id, {}).get(action_id, {})
    if "selected_option" in entry:
        return (entry.get("selected_option") or {}).get("value", "")
    return (entry.get("value") or "").strip()
