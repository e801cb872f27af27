"""The App Home tab: a user's dashboard, and the list modals its buttons open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.answers import list_blocks
from bot.blocks.approvals import waiting_lists_blocks
from bot.blocks.bulk import bulk_buttons
from bot.blocks.common import clip, local_time, rupees
from bot.blocks.figures import deadline_section, itc_section, status_section
from bot.blocks.portal import upload_button
from bot.blocks.radar import radar_section
from ims_core.gst.dates import period_label
from ims_core.reports.approvals import WaitingApproval
from ims_core.reports.digest import DeadlineLine, ItcFigures
from ims_core.reports.radar import RadarLine
from ims_core.reports.worklist import StatusCount, WorkItem

OPEN_PENDING, OPEN_MISMATCHES = "ims_home_pending", "ims_home_mismatches"


@dataclass(frozen=True)
class HomeData:
    user_id: str
    is_approver: bool
    recipients: list[str]
    period: str | None
    counts: list[StatusCount]
    open_total: int
    open_tax_paise: int
    itc: ItcFigures | None
    deadlines: list[DeadlineLine]
    generated_at: dt.datetime
    # rejection requests waiting for this user's approval, and this user's own waiting for someone else
    waiting_mine: list[tuple[WaitingApproval, WorkItem]] = field(default_factory=list)
    waiting_theirs: list[tuple[WaitingApproval, WorkItem]] = field(default_factory=list)
    radar: Sequence[RadarLine] = ()


def home_view(data: HomeData, tz: dt.tzinfo) -> View:
    role = "You can decide on records." if data.is_approver else "You can read; only approvers decide."
    blocks: list[Block] = [
        HeaderBlock(text="IMS assistant"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=clip(
                        f"{', '.join(data.recipients) or 'No registrations yet'} · "
                        f"period {period_label(data.period) if data.period else '—'} · {role}",
                        3000,
                    )
                )
            ]
        ),
        radar_section(data.radar),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{data.open_total} record(s) need a decision* · "
                f"{rupees(data.open_tax_paise)} net tax at stake"
            )
        ),
    ]
    if data.counts:
        blocks.append(status_section(data.counts))
    if data.itc:
        blocks.append(itc_section(data.itc))
    blocks += [
        DividerBlock(),
        *([deadline_section(data.deadlines)] if data.deadlines or not data.radar else []),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Pending decisions", action_id=OPEN_PENDING, value="pending", style="primary"
                ),
                ButtonElement(text="Mismatches", action_id=OPEN_MISMATCHES, value="mismatch"),
            ]
        ),
    ]
    if data.is_approver:  # what only approvers can do: the approval lists, bulk and the portal upload
        blocks += [DividerBlock(), *waiting_lists_blocks(data.waiting_mine, data.waiting_theirs),
                   ActionsBlock(block_id="approver_tools", elements=[*bulk_buttons(), upload_button()])]
    blocks += [
        ContextBlock(elements=[MarkdownTextObject(text=f"Updated {local_time(data.generated_at, tz)}")]),
    ]
    return View(type="home", blocks=blocks)


def list_modal(title: str, items: list[WorkItem], total: int, total_tax_paise: int) -> View:
    blocks = list_blocks(title, items, total, total_tax_paise)
    return View(type="modal", title=clip(title, 24), close="Close", blocks=blocks[:100])
