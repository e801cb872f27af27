"""Bulk decisions from Slack: the approvers' buttons, the confirmation that shows how many records and
how much tax (net: credit notes count negative), and what was done. Pure builders."""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks.common import clip, esc, rupees
from ims_core.decisions.bulk import BulkPreview, BulkResult
from ims_core.gst.dates import period_label
from ims_core.models.base import NET_NOTE

BULK_MATCHED, BULK_RECOMMENDED, BULK_VIEW = "ims_bulk_matched", "ims_bulk_recommended", "ims_bulk_confirm"
CHOICES = {BULK_MATCHED: "matched", BULK_RECOMMENDED: "recommended"}
TITLES = {"matched": "Accept all matched", "recommended": "Apply recommended"}
NEVER_OVERWRITE = "Records someone has already decided are left as they are."
SKIPS_SHOWN = 10


@dataclass(frozen=True)
class Scope:
    """One registration and the period a bulk choice acts on."""

    gstin: str
    period: str


def bulk_buttons() -> list[ButtonElement]:
    """The safe bulk actions, for approvers (App Home and the digest)."""
    return [
        ButtonElement(text=TITLES["matched"], action_id=BULK_MATCHED, value="matched"),
        ButtonElement(text=TITLES["recommended"], action_id=BULK_RECOMMENDED, value="recommended"),
    ]


def _scope_line(scope: Scope) -> str:
    return f"*{scope.gstin}* · {period_label(scope.period)}"


def bulk_confirm_view(which: str, previews: list[tuple[Scope, BulkPreview]]) -> View:
    """What the bulk action would do, by registration and action; Apply only when there is something."""
    count = sum(p.count for _, p in previews)
    tax = sum(p.tax_paise for _, p in previews)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"*{count} record(s)* · {rupees(tax)} net tax\n{NEVER_OVERWRITE}"))]
    for scope, preview in previews:
        actions = ", ".join(f"{word} {n} ({rupees(t)})" for word, (n, t) in preview.by_action().items())
        skipped = f"; {len(preview.skipped)} skipped" if preview.skipped else ""
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=clip(f"{_scope_line(scope)}: {actions or 'nothing to do'}{skipped}", 3000))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=NET_NOTE)]))
    metadata = json.dumps({"which": which, "scope": [[s.gstin, s.period] for s, p in previews if p.count],
                           "count": count, "tax_paise": tax})
    return View(
        type="modal",
        callback_id=BULK_VIEW,
        title=clip(TITLES[which], 24),
        submit=f"Apply to {count}" if count else None,
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def bulk_result_view(which: str, results: list[tuple[Scope, BulkResult]]) -> View:
    """What was decided, and each record left alone with why (the first few)."""
    decided = sum(r.count for _, r in results)
    waiting = sum(r.awaiting_approval for _, r in results)
    skipped = [(label, why) for _, r in results for label, why in r.skipped]
    lines = [f"*{decided} record(s) decided*"
             + (f"; {waiting} rejection(s) wait for approval" if waiting else "")]
    if skipped:
        lines.append(f"{len(skipped)} left as they were:")
        lines += [f"• {esc(label)}: {esc(why)}" for label, why in skipped[:SKIPS_SHOWN]]
        if len(skipped) > SKIPS_SHOWN:
            lines.append(f"…and {len(skipped) - SKIPS_SHOWN} more")
    return View(type="modal", title=clip(TITLES[which], 24), close="Close",
                blocks=[SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000)))])


def parse_metadata(text: str) -> tuple[str, list[Scope]]:
    """The choice and the registrations a confirmation was shown for."""
    data = json.loads(text or "{}")
    which = data.get("which", "")
    if which not in TITLES:
        raise ValueError(f"not a bulk choice: {which!r}")
    return which, [Scope(str(g), str(p)) for g, p in data.get("scope", [])]
