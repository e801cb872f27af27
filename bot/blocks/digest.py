"""The digest as one or more messages: summary first, then the records that need a decision.

Slack refuses a message above 50 blocks, and in practice above roughly 13k characters of blocks even
when every block is within its own limit; the pager closes a page before either limit is reached.
Every page carries a plain ``text`` fallback for notifications and screen readers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.bulk import bulk_buttons
from bot.blocks.common import clip, day_label, rupees
from bot.blocks.figures import deadline_section, itc_section, status_section
from bot.blocks.radar import radar_section
from bot.blocks.records import record_blocks
from ims_core.decisions.store import DecisionState
from ims_core.gst.dates import period_label
from ims_core.reports.digest import DigestData, apart_lines, later_lines
from ims_core.reports.worklist import WorkItem

MAX_BLOCKS = 50
DEADLINES_SHOWN = 6
MAX_BLOCK_CHARS = 12_000


@dataclass(frozen=True)
class Page:
    """One message: fallback text, blocks, and the records it shows (in order)."""

    text: str
    head: list[Block]
    body: list[Block]
    document_ids: list[int]

    @property
    def blocks(self) -> list[Block]:
        return [*self.head, *self.body]

    def head_json(self) -> str:
        return json.dumps([b.to_dict() for b in self.head], ensure_ascii=False)


def _size(blocks: list[Block]) -> int:
    return len(json.dumps([b.to_dict() for b in blocks], ensure_ascii=False))


def summary_blocks(data: DigestData) -> list[Block]:
    who = ", ".join(data.recipients) or "all registrations"
    period = period_label(data.period) if data.period else "no reconciliation yet"
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"GST digest · {day_label(data.day)}", 150)),
        ContextBlock(elements=[MarkdownTextObject(text=clip(f"Period *{period}* · {who}", 3000))]),
        radar_section(data.radar),
    ]
    if data.counts:
        blocks.append(status_section(data.counts, "Reconciliation"))
    if data.itc:
        blocks.append(itc_section(data.itc))
    if data.deadlines:
        blocks.append(deadline_section(data.deadlines, limit=DEADLINES_SHOWN))
    for note in data.notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(note, 3000))]))
    shown = len(data.records)
    if data.open_total:
        more = f" (the {shown} largest below)" if shown < data.open_total else ""
        need = (
            f"*{data.open_total} record(s) need a decision*, {rupees(data.open_tax_paise)} net tax{more}. "
            "Most rupees first."
        )
    else:
        need = "Nothing needs a decision right now. :white_check_mark:"
    blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=need))]
    aside = [*later_lines(data), *apart_lines(data)]  # information: no buttons
    if aside:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip("\n".join(aside), 3000))]))
    if data.counts:  # a reconciliation to act on: the safe bulk actions (approvers only, confirmed first)
        blocks.append(ActionsBlock(block_id="bulk", elements=bulk_buttons()))
    return blocks


def fallback_text(data: DigestData, page: int, pages: int) -> str:
    head = f"GST digest {day_label(data.day)}: {data.open_total} record(s) need a decision"
    if data.open_total:
        head += f", {rupees(data.open_tax_paise)} net tax"
    return head + (f" (part {page + 1} of {pages})" if pages > 1 else "")


def continuation_head(data: DigestData) -> list[Block]:
    return [
        ContextBlock(elements=[MarkdownTextObject(text=f"GST digest · {day_label(data.day)} · continued")])
    ]


def records_blocks(rows: list[tuple[WorkItem, DecisionState]], tz: dt.tzinfo) -> list[Block]:
    """Records drawn from their current state, each after a divider."""
    blocks: list[Block] = []
    for item, decision in rows:
        blocks += [DividerBlock(), *record_blocks(item, decision, tz)]
    return blocks


def build_pages(data: DigestData, states: Mapping[int, DecisionState], tz: dt.tzinfo) -> list[Page]:
    """Split the digest into pages within Slack's block-count and size limits.

    A page is a *head* (the summary on the first page, a "continued" line after) and its records,
    each drawn from its decision state in ``states`` (its buttons carry the version to compare-and-set
    against); a re-render after a decision keeps the head as posted and redraws the records.
    """
    pages: list[tuple[list[Block], list[Block], list[int]]] = []
    head, body, ids = summary_blocks(data), [], []
    size = _size(head)
    for item in data.records:
        chunk = records_blocks([(item, states[item.portal_document_id])], tz)
        chunk_size = _size(chunk)
        if len(head) + len(body) + len(chunk) > MAX_BLOCKS or size + chunk_size > MAX_BLOCK_CHARS:
            pages.append((head, body, ids))
            head, body, ids = continuation_head(data), [], []
            size = _size(head)
        body += chunk
        ids.append(item.portal_document_id)
        size += chunk_size
    pages.append((head, body, ids))
    return [Page(fallback_text(data, n, len(pages)), h, b, i) for n, (h, b, i) in enumerate(pages)]
