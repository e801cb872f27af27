"""Where a record's decision is kept and read: the user-facing state, the resolution of a GSTR-2B
record to its IMS twin, the rule context, and the compare-and-set write.

:func:`state_of` is the one definition of a record's decision state; :func:`current_decision` reads it
for one record and :func:`decision_states` for many in one query (the bot redraws whole digest pages).

``engine`` builds the decisions on top of this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ims_core.decisions.errors import ActionRefused, CompareAndSetMissed
from ims_core.decisions.locks import filed_lock_for, record_is_filed, record_landing
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
    the user's decision, else the portal's, else N (deemed accepted); ``version`` 0 = no decision yet.

    ``decided_by``/``requested_by`` are the people's names; the ``_id`` and ``_source`` fields say who
    they are where they acted (a Slack user ID with source ``slack``), so a message can mention them.
    """

    portal_document_id: int
    action: str
    version: int
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    from_portal: bool = True
    pending_approval: bool = False
    requested_by: str = ""
    itc_reduction: str = ""
    decided_by_id: str = ""
    decided_by_source: str = ""
    requested_by_id: str = ""
    requested_at: dt.datetime | None = None
    request_reason: str = ""

    @property
    def action_word(self) -> str:
        return Action.of(self.action).word

    @property
    def undecided(self) -> bool:
        """No decision of the user's holds (none yet, or set back to No action) and no rejection awaits
        approval: the record still wants a person, as the worklist counts it."""
        return (self.from_portal or self.action == "N") and not self.pending_approval


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
    """The state of ``doc`` (an IMS record) given its decision row, if any."""
    user = row is not None and bool(row.action)
    requested = row is not None and bool(row.requested_action)
    return DecisionState(
        portal_document_id=doc.id,
        action=effective_action(doc, row),
        version=row.version if row else 0,
        decided_by=row.decided_by_name if user else "",
        decided_at=row.decided_at if user else None,
        from_portal=not user,
        pending_approval=requested,
        requested_by=row.requested_by_name if row else "",
        itc_reduction=row.itc_reduction if row else "",
        decided_by_id=row.decided_by_id if user else "",
        decided_by_source=row.decided_by_source if user else "",
        requested_by_id=row.requested_by_id if requested else "",
        requested_at=row.requested_at if requested else None,
        request_reason=row.request_reason if requested else "",
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


def _states_query() -> Select:
    """``decision_states``'s statement, built once (aliased entities are slow to build per call)."""
    asked, twin = aliased(PortalDocument, name="asked"), aliased(PortalDocument, name="twin")
    twin_id = (
        select(twin.id)
        .where(
            twin.source == "ims",
            twin.recipient_gstin == asked.recipient_gstin,
            twin.supplier_gstin == asked.supplier_gstin,
            twin.doc_type == asked.doc_type,
            twin.doc_number == asked.doc_number,
            twin.fy == asked.fy,
        )
        .order_by(twin.id)
        .limit(1)
        .correlate(asked)
        .scalar_subquery()
    )
    target_id = case((asked.source == "ims", asked.id), else_=func.coalesce(twin_id, asked.id))
    resolved = (
        select(asked.id.label("asked_id"), target_id.label("target_id"))
        .where(asked.id.in_(bindparam("ids", expanding=True)))
        .subquery("resolved")
    )
    return (
        select(resolved.c.asked_id, PortalDocument, ImsDecision)
        .join(PortalDocument, PortalDocument.id == resolved.c.target_id)
        .outerjoin(ImsDecision, ImsDecision.portal_document_id == resolved.c.target_id)
        .execution_options(populate_existing=True)
    )


_STATES = _states_query()


def decision_states(session: Session, portal_document_ids: Iterable[int]) -> dict[int, DecisionState]:
    """The states of many records in one query, keyed by the ids asked for (unknown ids are absent).

    As in :func:`current_decision`, a GSTR-2B/2A record reads the decision of its IMS twin; one with
    no twin has the state of a record nobody decided (decisions are kept on IMS records only). The
    twin is looked up only for records that are not IMS ones (a lazily evaluated ``CASE``), so a page
    of IMS records costs a primary-key lookup each.
    """
    ids = sorted(set(portal_document_ids))
    if not ids:
        return {}
    rows = session.execute(_STATES, {"ids": ids}).all()
    return {asked_id: state_of(doc, row) for asked_id, doc, row in rows}


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
            original_filed = record_is_filed(session, original)
    recipient = session.get(Recipient, doc.recipient_gstin)
    settings = get_settings()
    landing = record_landing(session, doc)  # its GSTR-2B period: the October 2025 rules go by it
    return RuleContext(
        doc=doc,
        current=effective_action(doc, row),
        original=original,
        original_action=original_action,
        original_period_filed=original_filed,
        filed_lock=filed_lock_for(session, doc, landing),
        today=today,
        gstr2b_period=landing.natural if landing is not None else "",
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
