"""Bulk decisions from the current reconciliation (``ims_core.matching.current``): accept every
``matched`` record of a period, or apply the engine's recommended actions.

What every caller (the command line, Slack) gets from here, not from its own code:

- **Bulk never overwrites a person.** It decides only records nobody has decided: no decision of a
  user's (none, or set back to No action), the portal's own state standing. A record someone decided,
  or whose rejection waits for a second approver, is skipped and the preview says why. With
  ``include_decided`` (and a reason) it may replace people's decisions, and names each one it replaces;
  a rejection awaiting approval is never overridden by bulk.
- **Compare-and-set against the preview.** The preview keeps each record's version; the apply writes
  only where the version is still the one previewed, so a click made while a preview is on screen is
  kept, and the record reported as changed since the preview.
- **One lock order.** The apply takes the audit trail's append lock first, as a single decision does,
  then the records' rows: a click during a bulk apply waits for it instead of deadlocking with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.engine import decide_in_transaction
from ims_core.decisions.errors import ActionRefused, CompareAndSetMissed, RuleRefusal
from ims_core.decisions.rules import describe, refusal
from ims_core.decisions.store import (
    Decision,
    DecisionState,
    resolve_ims_document,
    rule_context,
    state_of,
    state_row,
)
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
    version: int = 0  # the record's decision version when previewed: the apply's compare-and-set
    overwrites: str = ""  # with include_decided: the person's decision this replaces, in words


@dataclass
class BulkPreview:
    which: str
    items: list[BulkItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (record, why)
    include_decided: bool = False
    reason: str = ""

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def tax_paise(self) -> int:
        return sum(item.tax_paise for item in self.items)

    @property
    def overwriting(self) -> list[BulkItem]:
        """The items that replace a person's decision (only with ``include_decided``)."""
        return [item for item in self.items if item.overwrites]

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
    overwritten: list[tuple[str, str]] = field(default_factory=list)  # (record, the decision replaced)

    @property
    def count(self) -> int:
        return sum(1 for d in self.decisions if d.changed)

    @property
    def awaiting_approval(self) -> int:
        return sum(1 for d in self.decisions if d.pending_approval)


def _as_shown(preview: BulkPreview, versions: Mapping[int, int], result: BulkResult) -> BulkPreview:
    """``preview``'s items at the versions the user was shown; those not shown go to the skipped."""
    items = []
    for item in preview.items:
        if item.portal_document_id in versions:
            items.append(replace(item, version=versions[item.portal_document_id]))
        else:
            result.skipped.append((item.label, "not in the preview that was confirmed; left as it is"))
    return replace(preview, items=items)


def decided_by_a_person(state: DecisionState) -> str:
    """The decision of a person that ``state`` holds, in words ("accepted by Asha on 05-11-2025"), or
    "" when nobody decided it (no decision, set back to No action, or only the portal's state)."""
    if state.pending_approval:
        return f"rejection requested by {state.requested_by}, waiting for a second approver"
    if state.undecided:
        return ""
    when = f" on {clock.local_time(state.decided_at):%d-%m-%Y}" if state.decided_at else ""
    return f"{state.action_word} by {state.decided_by}{when}"


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
    session: Session,
    *,
    recipient_gstin: str,
    period: str | None,
    which: str,
    today: dt.date | None = None,
    include_decided: bool = False,
    reason: str = "",
) -> BulkPreview:
    """What a bulk apply would do, record by record, and what it skips and why, changing nothing.
    ``include_decided`` (which needs a ``reason``) also takes records people decided, each named."""
    if which not in WHICH:
        raise ActionRefused(f"'{which}' is not a bulk choice; use matched or recommended.")
    if include_decided and not reason.strip():
        raise ActionRefused("Overwriting people's decisions in bulk needs a reason (--reason).")
    preview = BulkPreview(which=which, include_decided=include_decided, reason=reason.strip())
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
        item = _preview_item(session, doc, code, day, preview)
        if item is not None:
            preview.items.append(item)
    return preview


def _preview_item(session: Session, doc: PortalDocument, code: Action, day: dt.date,
                  preview: BulkPreview) -> BulkItem | None:
    """One record's line of the preview, or None (skipped with its reason, or nothing to do)."""
    row = state_row(session, doc.id)
    state = state_of(doc, row)
    person = decided_by_a_person(state)
    if person and (state.pending_approval or not preview.include_decided):
        preview.skipped.append((describe(doc), f"{person}; bulk decides only records nobody has decided"
                                if not state.pending_approval else f"{person}; answer it first"))
        return None
    ctx = rule_context(session, doc, row, day)
    if ctx.current == code:
        return None  # already so: nothing to change
    why = refusal(code, ctx)
    if why:
        preview.skipped.append((describe(doc), why))
        return None
    return BulkItem(doc.id, code, net_tax_paise(doc), describe(doc), state.version, person)


def apply_bulk(
    session: Session,
    *,
    recipient_gstin: str,
    period: str | None,
    which: str,
    actor: Actor,
    today: dt.date | None = None,
    preview: BulkPreview | None = None,
    include_decided: bool = False,
    reason: str = "",
    expected_versions: Mapping[int, int] | None = None,
) -> BulkResult:
    """Apply a preview in the caller's transaction: the one the user saw (``preview``), or one made
    now. Each record is written only if its version is still the previewed one (else skipped and
    reported); each gets its own audit event, all sharing one request id.

    ``expected_versions`` (``{portal_document_id: version}`` of the items a user was shown, for a
    caller that cannot keep the preview object, e.g. across two Slack requests): the preview made now
    is applied against those versions, and a record the user was not shown is skipped."""
    audit.hold_append_lock(session)  # the trail first, then rows: a single decision's lock order
    if preview is None:
        preview = preview_bulk(session, recipient_gstin=recipient_gstin, period=period, which=which,
                               today=today, include_decided=include_decided, reason=reason)
    result = BulkResult(skipped=list(preview.skipped))
    if expected_versions is not None:
        preview = _as_shown(preview, expected_versions, result)
    request_id = f"bulk-{uuid.uuid4().hex[:12]}"
    day = today or clock.today()
    why = f"bulk: {WHICH[preview.which]}" + (f"; overwriting decisions: {preview.reason}"
                                             if preview.include_decided else "")
    for item in preview.items:
        try:
            decision = decide_in_transaction(
                session,
                portal_document_id=item.portal_document_id,
                code=item.action,
                actor=actor,
                expected_version=item.version,
                reason=why,
                itc_reduction=None,
                request_id=request_id,
                today=day,
            )
        except RuleRefusal as exc:  # raised before anything of this record was written
            result.skipped.append((item.label, exc.reason))
            continue
        except CompareAndSetMissed as lost:
            now = state_of(lost.doc, state_row(session, lost.doc.id))
            who = decided_by_a_person(now) or f"now {now.action_word}"
            result.skipped.append((item.label, f"changed since the preview ({who}); left as it is"))
            continue
        result.decisions.append(decision)
        if item.overwrites and decision.changed:
            result.overwritten.append((item.label, item.overwrites))
    return result
