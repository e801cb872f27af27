"""The few, narrow selects behind the deadline report.

The report used to load every portal document and book of a registration as ORM objects and sort
them out in Python (seconds at 100,000 documents). Each kind of deadline needs only a small slice:
per-period counts and totals, the pending records, the itcavl N rows, the unfiled suppliers, the
books near or past day 180. So the database filters and groups, and Python gets only those rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.engine import Row
from sqlmodel import Session

from ims_core.itc.rows import raw_date
from ims_core.matching.current import current_results
from ims_core.models import ImsDecision, MatchResult, PortalDocument, PurchaseDocument
from ims_core.models.base import net_tax_sum, tax_sum
from ims_core.models.vocabulary import Action

P, D, B = PortalDocument, ImsDecision, PurchaseDocument
TAX, BOOK_TAX = tax_sum(P), tax_sum(B)
NET_TAX = net_tax_sum(P)  # a credit note reduces: every total is net


def _action() -> ColumnElement:
    """The action that counts, as ``decisions.store.effective_action`` has it, in SQL: the user's
    decision, else the portal's IMS action, else No action. Constants are written inline so
    PostgreSQL sees the same expression in the select list and the GROUP BY."""
    blank = literal_column("''")
    decided, portal = func.nullif(D.action, blank), func.nullif(P.ims_action, blank)
    return func.coalesce(decided, portal, literal_column(f"'{Action.NO_ACTION}'"))


def _portal(recipient_gstin: str, *columns: ColumnElement) -> Select:
    return (
        select(*columns)
        .select_from(P)
        .outerjoin(D, and_(D.portal_document_id == P.id, D.recipient_gstin == recipient_gstin))
        .where(P.recipient_gstin == recipient_gstin)
    )


def _all(session: Session, query: Select) -> list[Row]:
    return list(session.connection().execute(query).all())


def ims_period_actions(session: Session, recipient_gstin: str) -> list[Row]:
    """(return_period, action, records, net tax) for the IMS records of every period."""
    action = _action()
    query = _portal(recipient_gstin, P.return_period, action, func.count(), func.sum(NET_TAX)).where(
        P.source == "ims", P.return_period != ""
    ).group_by(P.return_period, action)
    return _all(session, query)


def ims_ids_by_period(session: Session, recipient_gstin: str, periods: Iterable[str]) -> list[Row]:
    """(return_period, id) of the IMS records of some periods, by id."""
    periods = list(periods)
    if not periods:
        return []
    query = select(P.return_period, P.id).where(
        P.recipient_gstin == recipient_gstin, P.source == "ims", P.return_period.in_(periods)
    )
    return _all(session, query.order_by(P.id))


def itc_not_available(session: Session, recipient_gstin: str) -> list[Row]:
    """GSTR-2B rows marked itcavl N, by id, with their net tax."""
    query = select(
        P.id, P.return_period, P.itc_unavailable_reason, NET_TAX.label("tax"),
    ).where(P.recipient_gstin == recipient_gstin, P.source == "gstr2b", P.itc_available == "N")
    return _all(session, query.order_by(P.id))


def books_missing_in_portal(session: Session, recipient_gstin: str) -> list[Row]:
    """(id, fy, tax) of the invoices and debit notes in the books that the current reconciliation
    found no portal record for, by id."""
    missing = current_results(
        select(MatchResult.purchase_document_id).where(
            MatchResult.status == "missing_in_portal", MatchResult.portal_document_id.is_(None)),
        recipients=[recipient_gstin])
    query = select(B.id, B.fy, BOOK_TAX.label("tax")).where(
        B.id.in_(missing), B.doc_type.in_(("INV", "DBN")))
    return _all(session, query.order_by(B.id))


def gstr3b_unfiled(session: Session, recipient_gstin: str) -> list[Row]:
    """Portal rows (any source) whose supplier has not filed GSTR-3B, by id."""
    query = select(P.id, P.supplier_gstin, P.fy, TAX.label("tax")).where(
        P.recipient_gstin == recipient_gstin, P.gstr3b_filed == "N"
    )
    return _all(session, query.order_by(P.id))


def rule_37_candidates(
    session: Session, recipient_gstin: str, *, unpaid_dated_up_to: dt.date, days: int
) -> list[Row]:
    """Forward-charge invoices and debit notes that may need a Rule 37 line: unpaid and dated on or
    before ``unpaid_dated_up_to``, or paid ``days`` or more days after their date; none at all when
    no such book of the registration carries a payment date. The caller applies the exact rule."""
    scope = and_(B.recipient_gstin == recipient_gstin, B.doc_type != "CRN", B.reverse_charge.is_(False))
    dated = select(B.id).where(scope, B.payment_date.is_not(None)).limit(1)
    if session.connection().execute(dated).first() is None:
        return []
    late = _days_between(session, B.payment_date, B.doc_date) >= days
    query = select(
        B.id, B.doc_type, B.doc_number, B.supplier_gstin, raw_date(B.doc_date), raw_date(B.payment_date),
        BOOK_TAX.label("tax"),
    ).where(
        scope,
        or_(and_(B.payment_date.is_(None), B.doc_date <= unpaid_dated_up_to),
            and_(B.payment_date.is_not(None), late)),
    )
    return _all(session, query.order_by(B.id))


def _days_between(session: Session, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """Whole days from one date column to another, in the connected database's own arithmetic."""
    if session.connection().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier
