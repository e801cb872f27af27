"""Which portal records a decision can be taken on, as SQL expressions over ``portal_document`` (the
worklist, the digest and App Home list by them): the record in IMS (a GSTR-2B/2A record decides through
its IMS twin), in no period marked filed, and not decided yet. The engine's own rules are in
``ims_core.decisions``; these say the same in queries, so a record shown with buttons is one the
buttons can decide.
"""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ims_core.models import ImsDecision, PeriodLock, PortalDocument
from ims_core.models.vocabulary import Action

DECIDED_CODES = (Action.ACCEPT, Action.REJECT, Action.PENDING)


def _ims_twin_id():  # a scalar subquery
    """The id of the IMS record a GSTR-2B/2A record's decision is kept on (see
    ``ims_core.decisions.store.resolve_ims_document``): same recipient, supplier, type, number, year."""
    twin = aliased(PortalDocument, name="ims_twin")
    return (select(twin.id).where(
        twin.source == "ims", twin.recipient_gstin == PortalDocument.recipient_gstin,
        twin.supplier_gstin == PortalDocument.supplier_gstin, twin.doc_type == PortalDocument.doc_type,
        twin.doc_number == PortalDocument.doc_number, twin.fy == PortalDocument.fy,
    ).order_by(twin.id).limit(1).correlate(PortalDocument).scalar_subquery())


def decided_on():  # a column expression
    """The record a decision on this row is kept on: itself in IMS, else its IMS twin (None if none)."""
    return case((PortalDocument.source == "ims", PortalDocument.id), else_=_ims_twin_id())


def in_ims():  # a column expression
    """True where a decision can be taken: the portal acts only on records in IMS."""
    return or_(PortalDocument.source == "ims", _ims_twin_id().is_not(None))


def locked():  # a column expression
    """True where the record's period is marked filed (``ims period filed``; a lock closes every
    earlier period too), unless the portal holds it pending: a pending record is in no GSTR-2B and
    carries forward (``ims_core.decisions.locks``). Read by return period: a record's GSTR-2B month is
    never earlier, so a record shown as open is never one the engine refuses as filed."""
    newest_lock = (select(func.max(PeriodLock.period_key))
                   .where(PeriodLock.recipient_gstin == PortalDocument.recipient_gstin)
                   .correlate(PortalDocument).scalar_subquery())
    return and_(PortalDocument.period_key <= func.coalesce(newest_lock, 0),
                func.coalesce(PortalDocument.ims_action, "") != Action.PENDING)


def undecided(document_id):  # a column expression
    """True where the action engine holds no decision (nor a rejection awaiting approval)."""
    return ~exists().where(
        ImsDecision.portal_document_id == document_id,
        or_(ImsDecision.action.in_(DECIDED_CODES), ImsDecision.requested_action != ""),
    )
