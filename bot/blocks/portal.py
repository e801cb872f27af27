"""The GST portal in Slack: the approvers' upload button, its confirmation (records by action and their
net tax), and the outcomes the bot posts to the channel. Pure builders; the work is ``ims_core.portal``'s.
"""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks.common import clip, esc, rupees
from ims_core.models.base import NET_NOTE
from ims_core.portal.pull import PullResult
from ims_core.portal.push import ACTION_WORDS, PushPreview, PushResult

PORTAL_UPLOAD, PORTAL_VIEW = "ims_portal_upload", "ims_portal_upload_confirm"
TITLE = "Upload to the portal"
STATUS_WORDS = {"P": "processed", "PE": "processed with errors", "ER": "refused as a whole"}
REFUSALS_SHOWN = 15


def upload_button() -> ButtonElement:
    return ButtonElement(text="Upload decisions to the portal", action_id=PORTAL_UPLOAD, value="upload")


def upload_confirm_view(previews: list[PushPreview]) -> View:
    """Per GSTIN, what an upload would send; Upload only when something would go."""
    due = [p for p in previews if p.records or p.in_flight]
    total = sum(p.records for p in previews)
    tax = sum(p.tax_paise for p in previews)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"*{total} decision(s) not yet on the portal* · {rupees(tax)} net tax"))]
    for preview in previews:
        actions = ", ".join(f"{ACTION_WORDS[a]} {n}" for a, n in preview.by_action.items() if n)
        flight = "".join(f"\nUpload {esc(r)} is still in flight: its outcome is collected first."
                         for r in preview.in_flight)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(
            f"*{preview.gstin}*: {actions or 'nothing to send'}"
            + (f" · {rupees(preview.tax_paise)}" if preview.records else "") + flight, 3000))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(
        text=f"{NET_NOTE} The outcome, with any record the portal refuses, is posted to the channel.")]))
    return View(type="modal", callback_id=PORTAL_VIEW, title=TITLE, close="Cancel",
                submit=f"Upload {total}" if due else None,
                private_metadata=json.dumps([p.gstin for p in due]), blocks=blocks)


def push_outcome_text(result: PushResult) -> str:
    """The channel's line on an upload: the portal's verdict, the counts, each refused record."""
    if not result.parts:
        return f":white_check_mark: Nothing to upload for {result.gstin}: the portal has every decision."
    emoji = {"P": ":white_check_mark:", "PE": ":warning:", "ER": ":x:"}.get(result.status, ":grey_question:")
    lines = [f"{emoji} Upload to the GST portal for {result.gstin}: "
             f"{STATUS_WORDS.get(result.status, result.status)}; {result.uploaded} uploaded, "
             f"{result.refused} refused."]
    for refusal in result.refusals[:REFUSALS_SHOWN]:
        lines.append(f"• {esc(refusal.section)} {refusal.supplier_gstin}/{esc(refusal.doc_number)}: "
                     f"{esc(refusal.code)} {esc(refusal.message)}")
    if len(result.refusals) > REFUSALS_SHOWN:
        lines.append(f"…and {len(result.refusals) - REFUSALS_SHOWN} more (`ims portal status`)")
    if result.refusals:
        lines.append("Refused records stay un-uploaded: fix or decide again, and the next upload sends them.")
    return clip("\n".join(lines), 3000)


def pull_outcome_text(result: PullResult) -> str:
    """The channel's line on a scheduled pull that brought something new."""
    ims = result.ims
    text = (f":inbox_tray: Pulled IMS for {result.gstin} from the portal: {ims.added} new, "
            f"{ims.updated} changed, {ims.unchanged} unchanged.")
    if result.gstr2b is not None:
        gstr2b = result.gstr2b
        text += f" GSTR-2B {result.gstr2b_period}: {gstr2b.added} new, {gstr2b.updated} changed."
    return text


def portal_problem_text(what: str, error: Exception) -> str:
    """A pull or an upload that could not run, and what to do (a lost session names who must log in)."""
    return f":key: I could not {what}: {esc(str(error))}"
