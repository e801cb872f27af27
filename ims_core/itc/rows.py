"""Plain rows for the ITC position and the deadline report, read with a few set-based selects.

Both reports walk every portal document of a registration. Loading those as ORM objects (every
column, identity map, one decision object each) cost seconds at 100,000 documents; these selects
read only the columns the reports use, with the user's decision joined in, as light rows that still
answer ``row.doc_type`` and ``row.igst_paise`` like the documents they stand for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, String, and_, case, or_, select, type_coerce
from sqlalchemy.engine import Row
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session

from ims_core.models import ImsDecision, MatchResult, PortalDocument, PurchaseDocument
from ims_core.models.base import TAX_COLUMNS, TAX_HEADS


def raw_date(column: InstrumentedAttribute) -> ColumnElement:
    """A date column without SQLAlchemy's per-row parsing (slow on SQLite's ISO text); ``as_date``
    turns the few values a report shows into dates."""
    return type_coerce(column, String).label(column.key)


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A date read through ``raw_date``: PostgreSQL's driver already gives dates, SQLite gives text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


P, D = PortalDocument, ImsDecision
HEAD_COLUMNS = [getattr(P, column) for column in TAX_COLUMNS]
DECISION = [
    D.action.label("decision_action"),
    D.itc_reduction.label("decision_reduction"),
    *(getattr(D, f"decl_{head}_paise").label(f"decision_{head}_paise") for head in TAX_HEADS),
]
# The key columns come together so ``row[KEY]`` is a document's (supplier, type, number, FY) key.
PORTAL = [
    P.id, P.source, P.supplier_gstin, P.doc_type, P.doc_number, P.fy, raw_date(P.doc_date), P.return_period,
    P.reverse_charge, P.rejected_in_ims, P.ims_action, P.pending_action_blocked, P.itc_available,
    P.itc_unavailable_reason, P.supplier_filing_status, P.gstr3b_filed, *HEAD_COLUMNS,
]


# Positions in a portal row, for the hot loop (a Row reads several times faster by position than by
# name). Worked out from the column lists, so reordering them cannot misalign a reader.
_AT = {column.key: n for n, column in enumerate([*PORTAL, *DECISION])}
BLOCKED, DECISION_REDUCTION, UNAVAILABLE_REASON = (
    _AT[name] for name in ("pending_action_blocked", "decision_reduction", "itc_unavailable_reason")
)
DECLARED = slice(_AT["decision_igst_paise"], _AT["decision_cess_paise"] + 1)  # a partial reduction
ID, SOURCE, SUPPLIER, DOC_TYPE, NUMBER, FY, DATE, PERIOD = (
    _AT[name] for name in ("id", "source", "supplier_gstin", "doc_type", "doc_number", "fy", "doc_date",
                           "return_period")
)
REVERSE_CHARGE, REJECTED, IMS_ACTION, ITC_AVAILABLE, FILING_STATUS, GSTR3B_FILED, DECISION_ACTION = (
    _AT[name] for name in ("reverse_charge", "rejected_in_ims", "ims_action", "itc_available",
                           "supplier_filing_status", "gstr3b_filed", "decision_action")
)
KEY = slice(SUPPLIER, FY + 1)  # row[KEY]: (supplier_gstin, doc_type, doc_number, fy)
MONEY = slice(_AT["igst_paise"], _AT["cess_paise"] + 1)  # row[MONEY]: the four heads in paise
assert KEY.stop - KEY.start == 4 and MONEY.stop - MONEY.start == len(TAX_HEADS), "keep those columns together"


def portal_rows(
    session: Session,
    recipient_gstin: str,
    *,
    sources: Iterable[str] | None = None,
    up_to_period_key: int | None = None,
    by_period: bool = True,
) -> list[tuple]:
    """A registration's portal documents by period then id (or by id alone), optionally of some
    sources and up to a period, each with its decision's action, reduction mode and declared
    amounts (None when undecided). Plain driver tuples, read by position (``ID``, ``KEY``…):
    booleans may come as 0/1 and dates as ISO text (``as_date``)."""
    query = (
        select(*PORTAL, *DECISION)
        .outerjoin(D, and_(D.portal_document_id == P.id, D.recipient_gstin == recipient_gstin))
        .where(P.recipient_gstin == recipient_gstin)
    )
    if sources is not None:
        query = query.where(or_(*(P.source == source for source in sources)))
    if up_to_period_key is not None:
        query = query.where(P.period_key <= up_to_period_key)
    return _driver_rows(session, query.order_by(P.period_key, P.id) if by_period else query.order_by(P.id))


def match_rows(session: Session, run_id: int, *, reasons_for: Iterable[str]) -> dict[int, Row]:
    """One reconciliation run's (portal_document_id, status, reasons) rows by portal document (the
    last stored wins, as a re-run would). A row is never empty, so always truthy. Reasons are read
    only where the report shows them: for the statuses in ``reasons_for``."""
    shown = case((MatchResult.status.in_(list(reasons_for)), MatchResult.reasons), else_="")
    query = (
        select(MatchResult.portal_document_id, MatchResult.status, shown)
        .where(MatchResult.run_id == run_id, MatchResult.portal_document_id.is_not(None))
        .order_by(MatchResult.id)
    )
    return {row[0]: row for row in _rows(session, query)}


BOOK = [
    PurchaseDocument.id, PurchaseDocument.supplier_gstin, PurchaseDocument.doc_type,
    PurchaseDocument.doc_number, raw_date(PurchaseDocument.doc_date),
    raw_date(PurchaseDocument.payment_date),
    *(getattr(PurchaseDocument, column) for column in TAX_COLUMNS),
]


def missing_in_portal_rows(session: Session, run_id: int, period: str) -> list[Row]:
    """The books a run found no portal document for (of ``period``, or of no period), in id order.

    A sub-select rather than a list of ids: tens of thousands of bound ids overflow a driver's limit.
    """
    found = select(MatchResult.purchase_document_id).where(
        MatchResult.run_id == run_id,
        MatchResult.status == "missing_in_portal",
        MatchResult.portal_document_id.is_(None),
        MatchResult.return_period.in_(["", period]),
    )
    query = select(*BOOK).where(PurchaseDocument.id.in_(found)).order_by(PurchaseDocument.id)
    return _rows(session, query)


def _driver_rows(session: Session, query: Select) -> list[tuple]:
    """The driver's own tuples for a select, on the session's connection and transaction.

    For the one read that returns every document of a registration: SQLAlchemy's result rows
    cost about a third of the whole read there. The select must not use expanding IN lists.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def _rows(session: Session, query: Select) -> list[Row]:
    """Rows straight from the session's connection: Core rows, no ORM loading step in between."""
    return list(session.connection().execute(query).all())
