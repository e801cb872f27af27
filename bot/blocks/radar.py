"""The radar section every surface leads with (the digest, App Home, ``/ims deadlines``): what costs
money soonest, one line each, as ``ims_core.reports.radar`` words and orders it."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.common import SECTION_TEXT_LIMIT, clip, esc
from ims_core.reports.radar import RadarLine

RADAR_SHOWN = 6  # in the digest and App Home
RADAR_ALL = 20  # in /ims deadlines, within a section's 3,000 characters
NOTHING = "Nothing on the radar: no record will be deemed accepted, lapse or need a recompute soon."


def radar_section(lines: Sequence[RadarLine], limit: int = RADAR_SHOWN) -> SectionBlock:
    """The first ``limit`` lines under a heading, and how many more ``/ims deadlines`` lists."""
    if not lines:
        return SectionBlock(text=MarkdownTextObject(text=NOTHING))
    shown = [f"• {esc(line.text)}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"_…and {len(lines) - limit} more: `/ims deadlines`_")
    text = "*:rotating_light: What costs money soonest*\n" + "\n".join(shown)
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)))
