"""Bulk decisions from the current reconciliation (``ims_core.matching.current``): accept every
``matched`` record of a period, or apply the engine's recommended actions. A preview first shows how
many records and how much tax; the apply step takes each record through the same rules,
compare-and-set and audit as a single decision.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.decisions.engine import decide_in_transaction
from ims_core.decisions.errors import ActionRefused, CompareAndSetMissed, RuleRefusal
from ims_core.decisions.rules import describe, refusal
from ims_core.decisions.store import Decision, resolve_ims_document, rule_context, state_row
from ims_core.matching.current import NoReconciliation, current_results
from ims_core.models import MatchResult, PortalDocument
from ims_core.models.base import net_tax_paise
from ims_core.models.vocabulary import Action, Status

WHICH = {"matched": "every matched record: accept", "recommended": "the recommended action of every record"}
DECIDING = (Action.ACCEPT, Action.REJECT, Action.PENDING)  # a recommendation of one of these is applied


@dataclass
class BulkItem:
    portal_document_id: int
    action: Action  # accept, reject or pending
    tax_paise: int  # net (a credit note's negative: ims_core.models.base), so the preview's sums are net
    label: str


@dataclass
class BulkPreview:
    which: str
    items: list[BulkItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (record, why)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def tax_paise(self) -> int:
        return sum(item.tax_paise for item in self.items)

    def by_action(self) -> dict[str, tuple[int, int]]:
        """``{"accepted": (records, tax paise), …}``"""
        out: dict[str, tuple[int, int]] = {}
        for item in self.items:
            count, tax = out.get(item.action.word, (0, 0))
            out[item.action.word] = (count + 1, tax + item.tax_paise)
        return out


@dataclass
class BulkResult:
    decisions: list[Decision] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(1 for d in self.decisions if d.changed)

    @property
    def awaiting_approval(self) -> int:
        return sum(1 for d in self.decisions if d.pending_approval)


def _current(session: Session, recipient_gstin: str, period: str | None, which: str) -> list[MatchResult]:
    """The current results of the recipient (and period) that the choice acts on, in result order."""
    scope = current_results(select(MatchResult), recipients=[recipient_gstin], period=period)
    if session.execute(scope.limit(1)).first() is None:
        raise NoReconciliation(recipient_gstin, period)
    query = scope.where(MatchResult.portal_document_id.is_not(None))
    if which == "matched":
        query = query.where(MatchResult.status == Status.MATCHED)
    else:
        query = query.where(MatchResult.recommended_action.in_(DECIDING))
    return list(session.execute(query.order_by(MatchResult.id)).scalars())


def preview_bulk(
    session: Session, *, recipient_gstin: str, period: str | None, which: str, today: dt.date | None = None
) -> BulkPreview:
    """What a bulk apply would do, record by record, without changing anything."""
    if which not in WHICH:
        raise ActionRefused(f"'{which}' is not a bulk choice; use matched or recommended.")
    preview = BulkPreview(which=which)
    seen: set[int] = set()
    day = today or clock.today()
    for result in _current(session, recipient_gstin, period, which):
        code = Action.ACCEPT if which == "matched" else Action(result.recommended_action)
        source = session.get(PortalDocument, result.portal_document_id)
        if source is None or source.recipient_gstin != recipient_gstin:
            continue
        try:
            doc = resolve_ims_document(session, source.id)
        except ActionRefused as exc:
            preview.skipped.append((describe(source), exc.reason))
            continue
        if doc.id in seen:
            continue
        seen.add(doc.id)
        row = state_row(session, doc.id)
        ctx = rule_context(session, doc, row, day)
        if ctx.current == code and not (row and row.requested_action):
            continue
        why = refusal(code, ctx)
        if why:
            preview.skipped.append((describe(doc), why))
            continue
        preview.items.append(BulkItem(doc.id, code, net_tax_paise(doc), describe(doc)))
    return preview


def apply_bulk(
    session: Session,
    *,
    recipient_gstin: str,
    period: str | None,
    which: str,
    actor: Actor,
    today: dt.date | None = None,
) -> BulkResult:
    """Apply the preview in the caller's transaction; each record gets its own audit event, all
    sharing one request id. Records refused or changed by someone else meanwhile are skipped."""
    preview = preview_bulk(session, recipient_gstin=recipient_gstin, period=period, which=which, today=today)
    result = BulkResult(skipped=list(preview.skipped))
    request_id = f"bulk-{uuid.uuid4().hex[:12]}"
    day = today or clock.today()
    for item in preview.items:
        try:
            decision = decide_in_transaction(
                session,
                portal_document_id=item.portal_document_id,
                code=item.action,
                actor=actor,
                expected_version=None,
                reason=f"bulk: {WHICH[which]}",
                itc_reduction=None,
                request_id=request_id,
                today=day,
            )
        except RuleRefusal as exc:  # raised before anything of this record was written
            result.skipped.append((item.label, exc.reason))
            continue
        except CompareAndSetMissed:
            result.skipped.append((item.label, "changed by someone else meanwhile; left as they set it"))
            continue
        result.decisions.append(decision)
    return result
