"""A supplier's scorecard in Block Kit: the figures ``ims vendor`` prints, for ``/ims scorecard``
(and for ``/ims vendor`` to include). Pure: a ``SupplierInsight`` in, blocks out."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.common import esc
from bot.blocks.followups import draft_button
from ims_core.gst.dates import period_label
from ims_core.gst.money import format_inr
from ims_core.models.base import NET_NOTE
from ims_core.suppliers.scorecard import SCORE_LEGEND, SupplierInsight

TREND_SHOWN = 6


def scorecard_blocks(insight: SupplierInsight) -> list[Block]:
    """Head line with the score, figures by status, filing behaviour and the recent trend."""
    head = (
        f"*{esc(insight.name or insight.key)}* ({', '.join(insight.gstins)}): score *{insight.score}*/100\n"
        f"ITC booked {format_inr(insight.itc_booked_paise)}, "
        f"at risk *{format_inr(insight.itc_at_risk_paise)}* (net)"
    )
    by_status = (
        ", ".join(
            f"{status.replace('_', ' ')} {f.count} ({format_inr(f.tax_paise)} net tax)"
            for status, f in insight.by_status.items()
        )
        or "no reconciled documents"
    )
    facts = [f"Documents: {by_status}"]
    if insight.missing_in_portal:
        facts.append(
            f"Missing from the portal: {insight.missing_in_portal}, oldest {insight.oldest_missing_days} days"
        )
    if insight.mismatch_reasons:
        facts.append(
            "Mismatches by field: " + ", ".join(f"{k} {v}" for k, v in insight.mismatch_reasons.items())
        )
    facts.append(
        f"Filing: {insight.filed_late} of {insight.filed_with_date} filed after the GSTR-1 due date"
        + (f" (worst {insight.worst_delay_days} days)" if insight.filed_late else "")
        + f"; rejected in IMS {insight.rejected}"
    )
    accessory = draft_button(insight.key) if len(insight.key) == 15 and insight.itc_at_risk_paise else None
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head), accessory=accessory),
        SectionBlock(text=MarkdownTextObject(text=esc("\n".join(facts)))),
    ]
    if insight.trend:
        trend = " · ".join(
            f"{period_label(t.period)}: {t.score} ({t.at_risk_documents} at risk)"
            for t in insight.trend[-TREND_SHOWN:]
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Trend: {trend}")]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"{NET_NOTE} {esc(SCORE_LEGEND)}")]))
    return blocks
