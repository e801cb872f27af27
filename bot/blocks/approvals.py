"""Maker-checker: a rejection above the threshold waits for a second approver's Approve / Decline.

The request goes to the channel it was asked in and, by direct message, to every approver but the
person who asked (with the supplier's recent record). Approve asks for confirmation in Slack's own
dialog; Decline opens a modal that requires a reason. App Home lists what waits for whom.
"""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.common import clip, esc, local_time, rupees
from bot.blocks.modals import REASON_BLOCK, REASON_INPUT, ModalContext
from bot.blocks.records import button_value, decision_line, person, record_text, requester
from ims_core.decisions.store import DecisionState
from ims_core.gst.dates import period_label
from ims_core.reports.approvals import WaitingApproval
from ims_core.reports.worklist import WorkItem
from ims_core.suppliers.scorecard import SupplierInsight

APPROVE, DECLINE = "ims_approve_reject", "ims_decline_reject"
DECLINE_VIEW = "ims_decline_reject_modal"
HISTORY_PERIODS = 3  # the supplier's recent periods shown to the approver
LISTED = 5  # requests named in each App Home list; the rest counted


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
                    ButtonElement(
                        text="Approve rejection",
                        action_id=APPROVE,
                        value=value,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Approve the rejection?",
                            text=clip(f"{item.doc_type} {item.doc_number} will be rejected "
                                      f"({rupees(item.tax_paise)} of tax).", 300),
                            confirm="Approve",
                            deny="Cancel",
                        ),
                    ),
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


def history_line(insight: SupplierInsight | None) -> str:
    """The supplier's recent record in one line: score, ITC at risk, IMS rejections, the last periods."""
    if insight is None:
        return "No earlier history with this supplier."
    recent = " · ".join(f"{period_label(t.period)} {t.score}" for t in insight.trend[-HISTORY_PERIODS:])
    return (
        f"Supplier's record: score *{insight.score}*/100 · ITC at risk {rupees(insight.itc_at_risk_paise)} "
        f"(net) · {insight.rejected} of {insight.portal_documents} portal document(s) rejected in IMS"
        + (f" · by period: {recent}" if recent else "")
    )


def approval_dm_blocks(
    item: WorkItem, state: DecisionState, insight: SupplierInsight | None, tz: dt.tzinfo
) -> list[Block]:
    """The request as an approver receives it by direct message: the record, who asked and why, the
    supplier's recent history, and the buttons."""
    blocks = approval_blocks(item, state, tz)
    blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=clip(history_line(insight), 3000))]))
    return blocks


def escalation_text(item: WorkItem, waiting: WaitingApproval, hours: float, tz: dt.tzinfo) -> str:
    """The channel's one reminder of a request no approver answered in time."""
    asked = local_time(waiting.requested_at, tz) if waiting.requested_at else "earlier"
    return (
        f":rotating_light: A rejection of {item.doc_type} {esc(item.doc_number)} "
        f"({rupees(item.tax_paise)} of tax) "
        f"asked for by {person(waiting.requested_by_id, waiting.requested_by_name)} on {asked} has "
        f"waited more than {hours:g} hours for a second approver."
    )


def decline_modal(item: WorkItem, ctx: ModalContext) -> View:
    """Decline needs a reason: it goes to the person who asked and into the audit trail."""
    return View(
        type="modal",
        callback_id=DECLINE_VIEW,
        title="Decline rejection",
        submit="Decline",
        close="Cancel",
        private_metadata=ctx.dumps(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=record_text(item))),
            InputBlock(
                block_id=REASON_BLOCK,
                label="Why not reject it? (told to the person who asked)",
                element=PlainTextInputElement(action_id=REASON_INPUT, multiline=True, max_length=500),
            ),
        ],
    )


def waiting_lists_blocks(
    mine: list[tuple[WaitingApproval, WorkItem]], theirs: list[tuple[WaitingApproval, WorkItem]]
) -> list[Block]:
    """App Home's "Waiting for my approval" and "Waiting for others", each with its count (each record
    with its tax as it states it; no total, which would have to net credit notes)."""
    blocks: list[Block] = []
    for title, rows, empty in (
        ("Waiting for my approval", mine, "Nothing waits for your approval."),
        ("Waiting for others", theirs, "None of your rejections waits for a second approver."),
    ):
        lines = [
            f"• {esc(item.supplier_name or item.supplier_gstin)} · {item.doc_type} {esc(item.doc_number)} · "
            f"{rupees(item.tax_paise)} · asked by {person(w.requested_by_id, w.requested_by_name)}"
            for w, item in rows[:LISTED]
        ]
        if len(rows) > LISTED:
            lines.append(f"…and {len(rows) - LISTED} more")
        head = f"*{title}: {len(rows)}*"
        body = "\n".join(lines) if lines else empty
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f"{head}\n{body}", 3000))))
    return blocks
