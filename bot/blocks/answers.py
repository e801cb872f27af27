"""Answers to ``/ims`` subcommands: help, summaries, lists, vendors, an invoice's story, ITC, deadlines.

Lists here are read-only snapshots sent ephemerally; deciding happens on the digest's buttons, whose
messages the bot can re-render for everybody.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.common import clip, esc, rupees
from bot.blocks.figures import itc_section, status_section
from bot.blocks.records import record_text
from ims_core.gst.dates import period_label
from ims_core.reports.digest import ItcFigures
from ims_core.reports.worklist import StatusCount, VendorMatch, WorkItem


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def _note(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 3000))])


def help_blocks(usages: Sequence[tuple[str, str]], problem: str = "") -> list[Block]:
    """``usages`` are (``"vendor <GSTIN or name>"``, what it does), from the command's own table."""
    blocks: list[Block] = []
    if problem:
        blocks.append(_section(f":grey_question: {esc(problem)}"))
    lines = "\n".join(f"• `/ims {esc(usage)}`: {esc(what)}" for usage, what in usages)
    blocks.append(_section(f"*What I can do*\n{lines}"))
    return blocks


def summary_blocks(period: str | None, recipients: list[str], counts: list[StatusCount]) -> list[Block]:
    if not counts:
        return [
            _section(
                "No reconciliation results yet. Import the books and the portal data, then run "
                "`ims reconcile`."
            )
        ]
    head = f"Reconciliation · {period_label(period) if period else 'all periods'}"
    total = sum(c.count for c in counts)
    return [
        HeaderBlock(text=clip(head, 150)),
        status_section(counts),
        _note(f"{total} record(s) · {', '.join(recipients) or 'all registrations'}"),
    ]


def list_blocks(title: str, items: list[WorkItem], total: int, total_tax_paise: int) -> list[Block]:
    if not items:
        return [_section(f"*{esc(title)}*: nothing to show. :white_check_mark:")]
    blocks: list[Block] = [
        _section(
            f"*{esc(title)}*: {total} record(s), {rupees(total_tax_paise)} net tax"
            + (f" (the {len(items)} largest)" if len(items) < total else "")
        )
    ]
    for item in items:
        blocks += [DividerBlock(), _section(record_text(item))]
    blocks.append(_note("Decide on the digest's buttons: `/ims digest now` posts it here."))
    return blocks


def vendor_blocks(query: str, matches: list[VendorMatch], open_items: list[WorkItem]) -> list[Block]:
    if not matches:
        return [_section(f"No supplier matches “{esc(query)}”. Try the GSTIN or another spelling.")]
    best = matches[0]
    blocks: list[Block] = [
        _section(
            f"*{esc(best.name) or best.gstin}* `{best.gstin}`\n"
            f"{best.open_items} open record(s), {rupees(best.open_tax_paise)} net tax"
        )
    ]
    for item in open_items:
        blocks += [DividerBlock(), _section(record_text(item))]
    others = [f"{esc(m.name) or m.gstin} `{m.gstin}`" for m in matches[1:]]
    if others:
        blocks.append(_note("Also similar: " + "; ".join(others)))
    return blocks


def invoice_blocks(number: str, found: list[tuple[WorkItem, str]]) -> list[Block]:
    if not found:
        return [_section(f"No portal record numbered “{esc(number)}”.")]
    blocks: list[Block] = []
    for item, story in found:
        if blocks:
            blocks.append(DividerBlock())
        blocks.append(_section(record_text(item)))
        if story:
            blocks.append(_section(f"```{esc(clip(story, 2900))}```"))
    return blocks


def itc_blocks(period: str | None, figures: ItcFigures | None) -> list[Block]:
    if figures is None:
        return [_section("No ITC position yet: no GSTR-2B or IMS data for this period.")]
    return [itc_section(figures, f"ITC · {period_label(period) if period else 'latest period'}")]


def plain(text: str) -> list[Block]:
    return [_section(text)]
