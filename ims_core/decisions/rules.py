"""The portal's rules for IMS actions (DOMAIN.md §3), as pure functions of a record and its context.

:func:`refusal` returns ``None`` when an action is allowed, else the reason in words a user
understands. Nothing here touches the database: ``actions.py`` gathers the context (the record, its
original if it is an amendment, the current decisions, the filed periods) and writes the outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ims_core.gst.dates import period_key
from ims_core.gst.due_dates import pending_credit_note_limit, section_16_4_limit
from ims_core.gst.money import format_inr
from ims_core.models.base import TAX_HEADS, tax_paise
from ims_core.models.vocabulary import Action

REDUCTION_MODES = ("full", "partial", "nil")
OCT_2025 = period_key("102025")  # the first period of the October 2025 changes (oct_2025_rules_apply)
AMENDMENT_SECTIONS = {"b2ba", "b2bcna", "b2bdna", "ecoma", "impga", "impgseza"}


@dataclass
class ItcReduction:
    """How much ITC the recipient reduces when accepting a credit note (October 2025 onwards)."""

    mode: str  # "full" | "partial" | "nil"
    igst_paise: int | None = None
    cgst_paise: int | None = None
    sgst_paise: int | None = None
    cess_paise: int | None = None

    def declared(self) -> dict[str, int | None]:
        return {head: getattr(self, f"{head}_paise") for head in TAX_HEADS}


@dataclass(frozen=True)
class RuleContext:
    """Everything the rules look at for one decision on one IMS record."""

    doc: object  # PortalDocument (or a row with the same attributes)
    current: str  # the record's effective action now: A, R, P or N (an ``Action``)
    original: object | None = None  # the document an amendment amends, when it is in the data
    original_action: str = Action.NO_ACTION
    original_period_filed: bool = False
    filed_lock: str = ""  # "102025 by Asha on 18-11-2025" when a filed period closes this record
    today: dt.date = dt.date.min
    filing_frequency: str = "monthly"
    state_code: str = ""
    gstr2b_period: str = ""  # the GSTR-2B period it is (or will be) in; "" = its own return period
    require_remarks_for_reduced_itc: bool = True


def describe(doc: object) -> str:
    """``CRN CN-7 from 27AHQPA7588L1ZJ (period 102025)``: how a user recognises a record."""
    return f"{doc.doc_type} {doc.doc_number} from {doc.supplier_gstin} (period {doc.return_period})"


def is_amendment(doc: object) -> bool:
    return doc.section in AMENDMENT_SECTIONS or bool(doc.original_doc_number)


def is_import(doc: object) -> bool:
    return doc.doc_type == "BOE" or doc.section.startswith("impg")


def oct_2025_rules_apply(period: str) -> bool:
    """Whether the IMS changes of October 2025 (credit notes kept pending for one tax period, the
    ITC-reduction choice) apply to a record of this return period: prospectively, from the October
    2025 period on (GSTN's FAQ on the IMS changes, 17 Oct 2025; DOMAIN.md §3)."""
    return period_key(period) >= OCT_2025


def amendment_direction(doc: object, original: object | None) -> str | None:
    """``up``, ``down`` or ``same`` by tax; None when the original is unknown."""
    if original is None:
        return None
    return direction_by_tax(tax_paise(doc), tax_paise(original))


def direction_by_tax(amended_tax: int, original_tax: int) -> str:
    """Whether an amendment raises (``up``), lowers (``down``) or keeps (``same``) the tax of what it
    amends: the portal's words for the cases its pending rules name (GSTN advisory on IMS, September
    2024; FAQ on the IMS changes from the October 2025 tax period, 17 October 2025, Q1)."""
    if amended_tax == original_tax:
        return "same"
    return "up" if amended_tax > original_tax else "down"


def one_period_pending(doc_type: str, amended: bool, direction: str | None, original_action: str,
                       original_filed: bool) -> bool | None:
    """Whether a record is of the kinds whose Pending option the portal restricts: credit notes, upward
    credit-note amendments, downward credit-note amendments whose original was rejected, and downward
    invoice/debit-note amendments whose original was accepted (or deemed accepted) and filed. Before the
    October 2025 period they may not be kept pending at all (GSTN advisory on IMS, September 2024); from
    it, for one tax period only (GSTN FAQ of 17 October 2025, Q1). None when it cannot be told: a
    credit-note amendment whose original is not in the data."""
    if doc_type == "BOE":
        return False
    if not amended:
        return doc_type == "CRN"
    if doc_type == "CRN":
        if direction is None:
            return None
        return direction == "up" or (direction == "down" and original_action == Action.REJECT)
    return (direction == "down" and original_action in (Action.ACCEPT, Action.NO_ACTION)
            and original_filed)


def reduction_applies(ctx: RuleContext) -> bool:
    """From October 2025, accepting a credit note, an upward credit-note amendment, or a downward
    invoice/debit-note amendment asks how much ITC is reduced."""
    doc = ctx.doc
    if not oct_2025_rules_apply(ctx.gstr2b_period or doc.return_period):
        return False
    if doc.doc_type == "CRN":
        return not is_amendment(doc) or amendment_direction(doc, ctx.original) in ("up", None)
    if doc.doc_type in ("INV", "DBN") and is_amendment(doc):
        return amendment_direction(doc, ctx.original) == "down"
    return False


def refusal(
    action: str, ctx: RuleContext, *, reduction: ItcReduction | None = None, reason: str = ""
) -> str | None:
    """Why ``action`` (A, R, P or N) may not be taken on ``ctx.doc``; None when it may."""
    doc = ctx.doc
    if ctx.filed_lock and ctx.current != Action.PENDING:
        return (
            f"{describe(doc)} can no longer be changed: GSTR-3B for {ctx.filed_lock} is marked filed. "
            "A wrongly decided record can now be corrected only by the supplier re-reporting it."
        )
    if action == Action.REJECT and is_import(doc):
        return (
            f"{describe(doc)} is a bill of entry for imports: the portal allows only Accept or Pending on it."
        )
    if action == Action.PENDING:
        why = _pending_refusal(ctx)
        if why:
            return why
    if action != Action.NO_ACTION:
        why = _amendment_order_refusal(ctx)
        if why:
            return why
    if reduction is not None:
        return _reduction_refusal(action, ctx, reduction, reason)
    return None


def _pending_refusal(ctx: RuleContext) -> str | None:
    """Pending is refused when the portal blocks it, when the record's kind may not be kept pending
    (before October 2025) or only for one tax period that has ended, and for an invoice or debit note
    past Section 16(4). The portal's flag ``ispendactblocked`` = N (pending open) is trusted over our
    fallback rules of kind, but not over a date: it says what was true when the file was downloaded."""
    doc = ctx.doc
    if doc.pending_action_blocked is True:
        return f"The portal does not allow Pending on {describe(doc)} (it marks Pending as blocked)."
    open_on_portal = doc.pending_action_blocked is False
    kind = one_period_pending(doc.doc_type, is_amendment(doc), amendment_direction(doc, ctx.original),
                              ctx.original_action, ctx.original_period_filed)
    if kind is None and not open_on_portal:
        return (
            f"Pending on {describe(doc)} cannot be checked: it amends credit note "
            f"{doc.original_doc_number}, which is not in the data. Import the latest IMS file "
            "(it carries the portal's own Pending flag) and try again."
        )
    period = ctx.gstr2b_period or doc.return_period
    if kind and not oct_2025_rules_apply(period) and not open_on_portal:
        return f"Pending is not allowed on {describe(doc)}: {_restricted_words(doc)}."
    if kind and oct_2025_rules_apply(period):
        limit = pending_credit_note_limit(period, filing_frequency=ctx.filing_frequency,
                                          state_code=ctx.state_code)
        if ctx.today > limit:
            return (
                f"Pending is no longer possible on {describe(doc)}: a record of this kind may stay pending "
                f"for one tax period only, which ended on {limit:%d-%m-%Y}. Accept or reject it."
            )
    if doc.doc_type in ("INV", "DBN") and ctx.today > section_16_4_limit(doc.fy):
        return (
            f"Pending is pointless on {describe(doc)}: the Section 16(4) time limit for its ITC "
            f"passed on {section_16_4_limit(doc.fy):%d-%m-%Y}."
        )
    return None


def _restricted_words(doc: object) -> str:
    if doc.doc_type == "CRN":
        return ("before the October 2025 period the portal does not let credit notes of this kind be kept "
                "pending")
    return ("it lowers an invoice that was accepted and whose GSTR-3B is filed, which before the October "
            "2025 period may not be kept pending")


def _amendment_order_refusal(ctx: RuleContext) -> str | None:
    doc, original = ctx.doc, ctx.original
    if original is None or not is_amendment(doc) or original.return_period == doc.return_period:
        return None
    if ctx.original_action == Action.PENDING or not ctx.original_period_filed:
        return (
            f"Act on the original {original.doc_type} {original.doc_number} (period "
            f"{original.return_period}) first and file that period's GSTR-3B: the portal takes an "
            f"amendment only after its original, when they fall in different periods."
        )
    return None


def _reduction_refusal(action: str, ctx: RuleContext, reduction: ItcReduction, reason: str) -> str | None:
    doc = ctx.doc
    if action != Action.ACCEPT:
        return "An ITC-reduction choice goes with Accept only."
    if not reduction_applies(ctx):
        return (
            f"{describe(doc)} takes no ITC-reduction choice: it applies to credit notes (and to "
            "amendments that lower an invoice or debit note) from the October 2025 period."
        )
    if reduction.mode not in REDUCTION_MODES:
        return f"ITC reduction '{reduction.mode}' is not one of full, partial or nil."
    if reduction.mode != "full" and getattr(doc, "itc_reduction_blocked", None) is True:
        # IMS records carry isItcRedReqBlocked: the portal then takes no declaration (GSTN FAQ of 17
        # October 2025 on the ITC-reduction option); the full reduction is all it will accept
        return (f"The portal does not let you declare the ITC reduction on {describe(doc)}: accepting it "
                "reduces the full tax. Accept without a reduction choice, or reject it.")
    declared = reduction.declared()
    if reduction.mode != "partial":
        if any(value is not None for value in declared.values()):
            return f"Amounts are declared only with a partial ITC reduction, not with '{reduction.mode}'."
    else:
        if all(value is None for value in declared.values()):
            return "A partial ITC reduction needs the amount reduced for at least one tax head."
        for head, value in declared.items():
            if value is None:
                continue
            limit = int(getattr(doc, f"{head}_paise") or 0)
            if value < 0:
                return f"The declared {head.upper()} reduction cannot be negative ({format_inr(value)})."
            if value > limit:
                return (
                    f"The declared {head.upper()} reduction {format_inr(value)} is more than the "
                    f"note's {head.upper()} of {format_inr(limit)}."
                )
    if (reduction.mode in ("partial", "nil") and ctx.require_remarks_for_reduced_itc and not reason.strip()
            and getattr(doc, "remarks_blocked", None) is not True):
        return f"Give a reason (remarks) for a {reduction.mode} ITC reduction."
    return None
