"""The IMS action engine: Accept / Reject / Pending / No action on IMS records, under the portal's
rules, with compare-and-set against lost updates, maker-checker for large rejections, and an audit
event for every change and every refusal.

The caller owns the unit of work (``ims_core.db.session_scope``): a decision and its audit event are
written in the caller's transaction and commit together. A refused action rolls that transaction
back and records the refusal in a transaction of its own, so the refusal survives while nothing else
changes. Rule texts live in ``rules``, the stored state in ``store``; bulk forms in ``bulk``; period
locks in ``locks``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from ims_core import audit, clock
from ims_core.audit import Actor
from ims_core.decisions.errors import ActionConflict, ActionRefused, CompareAndSetMissed, RuleRefusal
from ims_core.decisions.rules import (
    ItcReduction,
    describe,
    reduction_applies,
    refusal,
)
from ims_core.decisions.store import (
    NO_REQUEST,
    Decision,
    compare_and_set,
    effective_action,
    resolve_ims_document,
    rule_context,
    snapshot,
    state_of,
    state_row,
)
from ims_core.gst.money import format_inr, to_paise
from ims_core.models import ImsDecision, PortalDocument
from ims_core.models.base import TAX_HEADS, tax_paise
from ims_core.models.vocabulary import Action
from ims_core.settings import get_settings


@contextmanager
def _as_user_errors(session: Session, actor: Actor, request_id: str) -> Iterator[None]:
    """At the public edge: audit a refusal in its own transaction, explain a lost race."""
    try:
        yield
    except RuleRefusal as refused:
        bind = session.get_bind()
        session.rollback()
        with Session(bind) as own:
            audit.record(
                own,
                kind="refused",
                actor=actor,
                document_id=refused.doc.id if refused.doc else refused.document_id,
                before=refused.before,
                after=refused.attempted,
                reason=refused.reason,
                request_id=request_id,
            )
            own.commit()
        raise ActionRefused(refused.reason) from None
    except CompareAndSetMissed as lost:
        session.rollback()
        doc = lost.doc
        row = state_row(session, doc.id)
        who = (row.decided_by_name or row.requested_by_name) if row else ""
        now = effective_action(doc, row).word
        raise ActionConflict(
            f"{describe(doc)} was changed by {who or 'someone else'} a moment ago and is now {now}. "
            "Nothing was overwritten; look again and decide once more.",
            decided_by=who,
            current_action=now,
        ) from None


def _resolve(session: Session, portal_document_id: int, attempted: dict) -> PortalDocument:
    try:
        return resolve_ims_document(session, portal_document_id)
    except ActionRefused as exc:
        raise RuleRefusal(
            exc.reason, doc=None, document_id=portal_document_id, attempted=attempted, before=None
        ) from None


def decide(
    session: Session,
    *,
    portal_document_id: int,
    action: str,
    actor: Actor,
    expected_version: int | None = None,
    reason: str = "",
    itc_reduction: ItcReduction | None = None,
    request_id: str = "",
    today: dt.date | None = None,
) -> Decision:
    """Take ``action`` (accept, reject, pending or reset) on one record, or raise ActionRefused.

    ``expected_version`` is the version the user saw (a Slack button carries it); without it, the
    version read here is used, so a concurrent change still makes this call fail instead of being
    overwritten. A reject above the approval threshold becomes "reject requested". The caller commits.
    """
    code = Action.from_verb(action)
    if code is None:
        raise ActionRefused(f"'{action}' is not an action; use accept, reject, pending or reset.")
    with _as_user_errors(session, actor, request_id):
        return decide_in_transaction(
            session,
            portal_document_id=portal_document_id,
            code=code,
            actor=actor,
            expected_version=expected_version,
            reason=reason,
            itc_reduction=itc_reduction,
            request_id=request_id,
            today=today or clock.today(),
        )


def decide_in_transaction(
    session: Session,
    *,
    portal_document_id: int,
    code: str,
    actor: Actor,
    expected_version: int | None,
    reason: str,
    itc_reduction: ItcReduction | None,
    request_id: str,
    today: dt.date,
) -> Decision:
    """The decision itself. Raises RuleRefusal or CompareAndSetMissed without touching the transaction,
    so bulk callers can skip one record and go on (a refusal is raised before anything is written)."""
    attempted = {"action": code, **({"itc_reduction": itc_reduction.mode} if itc_reduction else {})}
    audit.hold_append_lock(session)  # first, as every decision does: one lock order, no deadlock
    doc = _resolve(session, portal_document_id, attempted)
    row = state_row(session, doc.id)
    before = snapshot(doc, row)
    version = row.version if row else 0
    ctx = rule_context(session, doc, row, today)
    why = refusal(code, ctx, reduction=itc_reduction, reason=reason)
    if why is None and row is not None and row.requested_action and code == Action.REJECT:
        why = (
            f"Rejecting {describe(doc)} was already requested by {row.requested_by_name}; it is waiting "
            "for a second person's approval."
        )
    if why:
        raise RuleRefusal(why, doc=doc, document_id=doc.id, attempted=attempted, before=before)
    expected = version if expected_version is None else expected_version
    reduction = itc_reduction or (
        ItcReduction("full") if code == Action.ACCEPT and reduction_applies(ctx) else None)
    values = _decision_values(code, actor, reason, reduction)
    unchanged = expected == version and ctx.current == code and (
        _unchanged(row, values) if row is not None else code == Action.NO_ACTION)
    threshold = to_paise(get_settings().ims_reject_approval_threshold)
    needs_approval = code == Action.REJECT and ctx.current != Action.REJECT and tax_paise(doc) > threshold
    if needs_approval:
        values = dict(requested_action=Action.REJECT, requested_by_id=actor.id, requested_by_name=actor.name,
                      requested_at=values["decided_at"], request_reason=reason)
    elif unchanged:
        return Decision(
            **vars(state_of(doc, row)),
            changed=False,
            message=f"{describe(doc)} is already {Action(code).word}; nothing changed.",
        )
    withdrawn = _withdrawn_request(row) if not needs_approval else None
    new_row = compare_and_set(session, doc, expected, values)
    after = snapshot(doc, new_row) | ({"withdrew_request": withdrawn} if withdrawn else {})
    audit.record(
        session,
        kind="reject_requested" if needs_approval else "decision",
        actor=actor,
        document_id=doc.id,
        before=before,
        after=after,
        reason=reason,
        request_id=request_id,
    )
    session.flush()
    if needs_approval:
        message = (
            f"Rejection of {describe(doc)} ({format_inr(tax_paise(doc))} of tax) requested by "
            f"{actor.name}; it takes effect when a second person approves it."
        )
    else:
        message = f"{describe(doc)} is now {Action(code).word} (by {actor.name})."
    if withdrawn:
        message += (f" This withdrew the rejection {withdrawn['by']} requested, which was waiting for a "
                    "second approver.")
    return Decision(**vars(state_of(doc, new_row)), changed=True, message=message)


def _decision_values(code: str, actor: Actor, reason: str, reduction: ItcReduction | None) -> dict:
    """The decision row's new values for a decision taken now (any open rejection request cleared)."""
    return dict(
        action=code,
        decided_by_id=actor.id,
        decided_by_name=actor.name,
        decided_by_source=actor.source,
        decided_at=clock.now(),
        reason=reason,
        itc_reduction=reduction.mode if reduction else "",
        **{f"decl_{h}_paise": (reduction.declared()[h] if reduction else None) for h in TAX_HEADS},
        **NO_REQUEST,
    )


def _withdrawn_request(row: ImsDecision | None) -> dict | None:
    """The rejection request a decision replaces (another decision clears it): said and recorded."""
    if row is None or not row.requested_action:
        return None
    return {"action": row.requested_action, "by": row.requested_by_name, "by_id": row.requested_by_id,
            "reason": row.request_reason}


def _unchanged(row: ImsDecision, values: dict) -> bool:
    keys = (
        "action",
        "itc_reduction",
        "decl_igst_paise",
        "decl_cgst_paise",
        "decl_sgst_paise",
        "decl_cess_paise",
    )
    return not row.requested_action and all(getattr(row, k) == values[k] for k in keys)


def _same_person_refusal(actor: Actor, maker: str, what: str) -> str:
    """Why a maker may not check their own request (the same name, or the same login at the CLI)."""
    if actor.name.strip().casefold() == maker.strip().casefold():
        return f"{actor.name} {what}; a different person must approve it."
    return (f"{maker} {what}, and {actor.name} acts from the same login ({actor.id}); a different person "
            "must approve it.")


def _open_request(session: Session, portal_document_id: int) -> tuple[PortalDocument, ImsDecision, dict]:
    doc = _resolve(session, portal_document_id, {"approval": "answer"})
    row = state_row(session, doc.id)
    before = snapshot(doc, row)
    if row is None or row.requested_action != Action.REJECT:
        raise RuleRefusal(
            f"No rejection of {describe(doc)} is waiting for approval.",
            doc=doc,
            document_id=doc.id,
            attempted={"approval": "answer"},
            before=before,
        )
    return doc, row, before


def approve_rejection(
    session: Session,
    *,
    portal_document_id: int,
    approver: Actor,
    request_id: str = "",
    today: dt.date | None = None,
) -> Decision:
    """The second person's approval: the requested reject takes effect (rules are checked again)."""
    with _as_user_errors(session, approver, request_id):
        audit.hold_append_lock(session)  # first, as every decision does: one lock order, no deadlock
        doc, row, before = _open_request(session, portal_document_id)
        attempted = {"approve": Action.REJECT}
        if approver.is_same_person(row.requested_by_id, row.requested_by_name):
            raise RuleRefusal(
                _same_person_refusal(approver, row.requested_by_name, "asked for this rejection"),
                doc=doc,
                document_id=doc.id,
                attempted=attempted,
                before=before,
            )
        why = refusal(Action.REJECT, rule_context(session, doc, row, today or clock.today()))
        if why:
            raise RuleRefusal(why, doc=doc, document_id=doc.id, attempted=attempted, before=before)
        requester = row.requested_by_name  # read now: the write below clears the request
        values = dict(
            action=Action.REJECT,
            decided_by_id=row.requested_by_id,
            decided_by_name=row.requested_by_name,
            decided_by_source=approver.source,
            decided_at=clock.now(),
            reason=row.request_reason,
            itc_reduction="",
            **{f"decl_{h}_paise": None for h in TAX_HEADS},
            **NO_REQUEST,
        )
        new_row = compare_and_set(session, doc, row.version, values)
        audit.record(
            session,
            kind="reject_approved",
            actor=approver,
            document_id=doc.id,
            before=before,
            after=snapshot(doc, new_row),
            reason=f"requested by {requester}",
            request_id=request_id,
        )
        session.flush()
        return Decision(
            **vars(state_of(doc, new_row)),
            changed=True,
            message=f"{describe(doc)} is now rejected (requested by {requester}, "
            f"approved by {approver.name}).",
        )


def decline_rejection(
    session: Session, *, portal_document_id: int, approver: Actor, reason: str = "", request_id: str = ""
) -> Decision:
    """The approver says no: the request is withdrawn and the record keeps its previous action."""
    with _as_user_errors(session, approver, request_id):
        audit.hold_append_lock(session)  # first, as every decision does: one lock order, no deadlock
        doc, row, before = _open_request(session, portal_document_id)
        requester = row.requested_by_name  # read now: the write below clears the request
        new_row = compare_and_set(session, doc, row.version, dict(NO_REQUEST))
        audit.record(
            session,
            kind="reject_declined",
            actor=approver,
            document_id=doc.id,
            before=before,
            after=snapshot(doc, new_row),
            reason=reason,
            request_id=request_id,
        )
        session.flush()
        word = effective_action(doc, new_row).word
        return Decision(
            **vars(state_of(doc, new_row)),
            changed=True,
            message=f"The rejection of {describe(doc)} requested by {requester} was "
            f"declined by {approver.name}; it stays {word}.",
        )
