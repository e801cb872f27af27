"""The figures every surface shows (the digest, App Home, ``/ims`` answers), each built in one place:
counts by status, the ITC position, and the deadlines coming up. The core computes them
(``ims_core.reports``); these only lay them out, so the same figure reads the same everywhere.
"""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.common import SECTION_TEXT_LIMIT, clip, esc, rupees
from ims_core.models.vocabulary import status_label
from ims_core.reports.digest import DeadlineLine, ItcFigures
from ims_core.reports.worklist import StatusCount


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)))


def status_section(counts: list[StatusCount], title: str = "") -> SectionBlock:
    """One line per status: how many records and how much net tax (credit notes count negative)."""
    lines = [f"• {status_label(c.status)}: *{c.count}* ({rupees(c.tax_paise)} net tax)" for c in counts]
    return _section("\n".join([f"*{title}*", *lines] if title else lines))


def itc_section(figures: ItcFigures, title: str = "ITC") -> SectionBlock:
    """Claimable, blocked and at-risk ITC side by side under ``title``."""
    fields = [
        ("Claimable", figures.claimable_paise),
        ("Blocked", figures.blocked_paise),
        ("At risk", figures.at_risk_paise),
    ]
    return SectionBlock(
        text=MarkdownTextObject(text=clip(f"*{title}*", SECTION_TEXT_LIMIT)),
        fields=[MarkdownTextObject(text=f"*{label}*\n{rupees(paise)}") for label, paise in fields],
    )


def deadline_section(deadlines: list[DeadlineLine], limit: int = 15) -> SectionBlock:
    """The next ``limit`` due dates, soonest first (as the core sorted them)."""
    if not deadlines:
        return _section("No deadlines in the coming weeks.")
    lines = [f"• *{d.due:%a %d %b %Y}*: {esc(d.title)}" for d in deadlines[:limit]]
    return _section("*Coming up*\n" + "\n".join(lines))
