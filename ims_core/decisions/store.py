"""Where a record's decision is kept and read: the user-facing state, the resolution of a GSTR-2B
record to its IMS twin, the rule context, and the compare-and-set write.

``engine`` builds the decisions on top of this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ims_core.decisions.errors import ActionRefused, CompareAndSetMissed
from ims_core.decisions.locks import filed_lock_for, is_filed
from ims_core.decisions.rules import RuleContext, describe
from ims_core.gst.due_dates import filing_of
from ims_core.models import ImsDecision, PortalDocument, Recipient
from ims_core.models.vocabulary import Action
from ims_core.settings import get_settings

_DECISION = ImsDecision.__table__
NO_REQUEST = dict(
    requested_action="", requested_by_id="", requested_by_name="", requested_at=None, request_reason=""
)


@dataclass
class DecisionState:
    """A record's decision as the user sees it. ``action`` is the effective code (A, R, P or N):
    the user's decision, else the portal's, else N (deemed accepted); ``version`` 0 = no decision yet."""

    portal_document_id: int
    action: str
    version: int
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    from_portal: bool = True
    pending_approval: bool = False
    requested_by: str = ""
    itc_reduction: str = ""

    @property
    def action_word(self) -> str:
        return Action.of(self.action).word


@dataclass
class Decision(DecisionState):
    """The outcome of one decide/approve/decline call; ``changed`` is False when nothing had to change."""

    changed: bool = True
    message: str = ""


def resolve_ims_document(session: Session, portal_document_id: int) -> PortalDocument:
    """The IMS record a decision applies to. A GSTR-2B/2A record is mapped to its IMS twin (same
    supplier, type, number and year); one with no IMS twin is refused, because the portal takes
    actions only on records in IMS."""
    doc = session.get(PortalDocument, portal_document_id)
    if doc is None:
        raise ActionRefused(f"There is no portal document #{portal_document_id}.")
    if doc.source == "ims":
        return doc
    twin = (
        session.execute(
            select(PortalDocument).where(
                PortalDocument.source == "ims",
                PortalDocument.recipient_gstin == doc.recipient_gstin,
                PortalDocument.supplier_gstin == doc.supplier_gstin,
                PortalDocument.doc_type == doc.doc_type,
                PortalDocument.doc_number == doc.doc_number,
                PortalDocument.fy == doc.fy,
            )
        )
        .scalars()
        .first()
    )
    if twin is None:
        raise ActionRefused(
            f"{describe(doc)} is in {doc.source.upper()} but not in your IMS data: actions can "
            "be taken only on IMS records. Import the latest IMS download and try again."
        )
    return twin


def state_row(session: Session, document_id: int) -> ImsDecision | None:
    return (
        session.execute(
            select(ImsDecision)
            .where(ImsDecision.portal_document_id == document_id)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )


def effective_action(doc: PortalDocument, row: ImsDecision | None) -> Action:
    """The user's decision, else the portal's IMS action, else No action (deemed accepted)."""
    if row is not None and row.action:
        return Action(row.action)
    return Action(doc.ims_action) if doc.ims_action in tuple(Action) else Action.NO_ACTION


def state_of(doc: PortalDocument, row: ImsDecision | None) -> DecisionState:
    user = row is not None and bool(row.action)
    return DecisionState(
        portal_document_id=doc.id,
        action=effective_action(doc, row),
        version=row.version if row else 0,
        decided_by=row.decided_by_name if user else "",
        decided_at=row.decided_at if user else None,
        from_portal=not user,
        pending_approval=bool(row and row.requested_action),
        requested_by=row.requested_by_name if row else "",
        itc_reduction=row.itc_reduction if row else "",
    )


def snapshot(doc: PortalDocument, row: ImsDecision | None) -> dict:
    snap = {"action": effective_action(doc, row), "version": row.version if row else 0}
    if row is not None:
        snap.update(
            itc_reduction=row.itc_reduction,
            requested_action=row.requested_action,
            requested_by=row.requested_by_name,
            declared={h: getattr(row, f"decl_{h}_paise") for h in ("igst", "cgst", "sgst", "cess")},
        )
    return snap


def current_decision(session: Session, portal_document_id: int) -> DecisionState:
    doc = resolve_ims_document(session, portal_document_id)
    return state_of(doc, state_row(session, doc.id))


def rule_context(
    session: Session, doc: PortalDocument, row: ImsDecision | None, today: dt.date
) -> RuleContext:
    """Gather what the rules need: the amended original, the filed periods, the recipient's filing."""
    original, original_action, original_filed = None, Action.NO_ACTION, False
    if doc.original_doc_number:
        original = (
            session.execute(
                select(PortalDocument).where(
                    PortalDocument.source == "ims",
                    PortalDocument.recipient_gstin == doc.recipient_gstin,
                    PortalDocument.supplier_gstin == doc.supplier_gstin,
                    PortalDocument.doc_number == doc.original_doc_number,
                    PortalDocument.doc_type == (doc.original_doc_type or doc.doc_type),
                    PortalDocument.id != doc.id,
                )
            )
            .scalars()
            .first()
        )
        if original is not None:
            original_action = effective_action(original, state_row(session, original.id))
            original_filed = is_filed(session, original.recipient_gstin, original.return_period)
    recipient = session.get(Recipient, doc.recipient_gstin)
    settings = get_settings()
    return RuleContext(
        doc=doc,
        current=effective_action(doc, row),
        original=original,
        original_action=original_action,
        original_period_filed=original_filed,
        filed_lock=filed_lock_for(session, doc),
        today=today,
        **filing_of(doc.recipient_gstin, recipient),
        require_remarks_for_reduced_itc=settings.ims_remarks_required_for_reduced_itc,
    )


def _ensure_row(session: Session, doc: PortalDocument) -> None:
    """Create the decision row at version 0 if absent; racing creators all end up with the same row."""
    values = dict(
        portal_document_id=doc.id,
        recipient_gstin=doc.recipient_gstin,
        return_period=doc.return_period,
        action="",
        version=0,
        decided_by_id="",
        decided_by_name="",
        decided_by_source="",
        reason="",
        itc_reduction="",
        requested_action="",
        requested_by_id="",
        requested_by_name="",
        request_reason="",
        exported_signature="",
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(_DECISION).values(**values).on_conflict_do_nothing(index_elements=["portal_document_id"])
    )


def compare_and_set(session: Session, doc: PortalDocument, expected: int, values: dict) -> ImsDecision:
    """UPDATE … SET version = version + 1 WHERE version = expected. A miss raises CompareAndSetMissed;
    nothing of the record is written then but the idempotent version-0 row."""
    _ensure_row(session, doc)
    result = session.execute(
        update(_DECISION)
        .where(_DECISION.c.portal_document_id == doc.id, _DECISION.c.version == expected)
        .values(version=_DECISION.c.version + 1, **values)
    )
    if result.rowcount != 1:
        raise CompareAndSetMissed(doc)
    return state_row(session, doc.id)
