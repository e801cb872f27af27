"""A registration's portal records as the ITC position reads them: light objects, one per IMS record
and per GSTR-2B record, with the user's decision and the history of its actions.

Read with a handful of selects straight from the driver (ORM objects cost seconds at 100,000 documents).
A document is identified across IMS and GSTR-2B by :attr:`Record.item`: whether it is an amendment, the
supplier, the document type, number and financial year (an amendment may keep the original's number,
so it is its own item).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from sqlalchemy import Select, String, and_, or_, select, type_coerce
from sqlmodel import Session

from ims_core.gst.dates import financial_year, period_key
from ims_core.itc.heads import Heads
from ims_core.models import AuditEvent, ImportBatch, ImsDecision, PeriodLock, PortalDocument

# IMS and GSTR-2B sections that amend an earlier record (DOMAIN.md section 6)
AMENDMENT_SECTIONS = frozenset({"b2ba", "b2bcna", "b2bdna", "cdnra", "ecoma", "isda", "impga", "impgseza"})
ITC_REVERSAL = "itcrev"  # GSTR-2B's Rule 37A section, imported as "itcrev:<section>"
NOT_FILED = {"not filed", "n", "saved"}  # IMS srcfilstatus for a record the supplier saved but has not filed
Item = tuple[bool, str, str, str, int]  # (amendment, supplier, doc type, number, financial year)


@dataclass(slots=True)
class Record:
    """One IMS or GSTR-2B record of a registration."""

    id: int
    source: str
    section: str
    supplier: str
    doc_type: str
    number: str
    fy: int
    doc_date: dt.date
    period: str  # IMS: the supplier's return period; GSTR-2B: the GSTR-2B's own period
    heads: Heads
    original_type: str = ""
    original_number: str = ""
    original_date: dt.date | None = None
    portal_action: str = ""
    decision: str = ""
    reduction: str = ""
    declared: Heads | None = None
    decided_at: dt.datetime | None = None
    pending_blocked: bool | None = None
    filed: bool = True
    itc_available: str = ""
    unavailable_reason: str = ""
    rejected: bool = False
    reverse_charge: bool = False
    name: str = ""

    @property
    def amendment(self) -> bool:
        return self.section in AMENDMENT_SECTIONS or bool(self.original_number)

    @property
    def item(self) -> Item:
        return (self.amendment, self.supplier, self.doc_type, self.number, self.fy)

    @property
    def original_item(self) -> Item | None:
        """The item an amendment amends (an original, or an earlier amendment's item is not tracked)."""
        if not self.original_number:
            return None
        day = self.original_date or self.doc_date
        return (False, self.supplier, self.original_type or self.doc_type, self.original_number,
                financial_year(day))

    @property
    def action(self) -> str:
        """The action that counts now: the user's decision, else the portal's; No action by default. A
        GSTR-2B record stands as the portal put it: rejected when it came from its rejected list."""
        if self.source == "gstr2b":
            return "R" if self.rejected else "A"
        return self.decision or self.portal_action or "N"

    def label(self) -> str:
        return f"{self.doc_type} {self.number} from {self.supplier}"


@dataclass
class RegistrationRecords:
    """Everything the position needs of one registration up to one period."""

    recipient_gstin: str = ""
    ims: dict[Item, Record] = field(default_factory=dict)
    gstr2b: dict[Item, list[Record]] = field(default_factory=lambda: defaultdict(list))
    reversals: list[Record] = field(default_factory=list)  # GSTR-2B ITC reversal (Rule 37A) records
    imported_2b: set[str] = field(default_factory=set)  # periods whose GSTR-2B was imported
    filed: dict[str, dt.datetime] = field(default_factory=dict)  # period -> when its GSTR-3B was filed
    claimed: dict[str, dict] = field(default_factory=dict)  # period -> Table 4 as filed (paise per head)
    history: dict[int, list[tuple[dt.datetime, str]]] = field(default_factory=dict)

    def twin_2b(self, item: Item) -> list[Record]:
        return self.gstr2b.get(item, [])

    def filed_at(self, period: str) -> dt.datetime | None:
        """When the GSTR-3B covering ``period`` was filed: returns are filed in sequence, so a later
        period marked filed closes it too."""
        key = period_key(period)
        later = [(period_key(p), when) for p, when in self.filed.items() if period_key(p) >= key]
        return min(later)[1] if later else None


def _raw(column: object) -> object:
    """A column read as the driver gives it (no SQLAlchemy per-row type processing)."""
    return type_coerce(column, String).label(column.key)


P, D = PortalDocument, ImsDecision
_COLUMNS = [
    P.id, P.source, P.section, P.supplier_gstin, P.doc_type, P.doc_number, P.fy, _raw(P.doc_date),
    P.return_period, P.igst_paise, P.cgst_paise, P.sgst_paise, P.cess_paise, P.original_doc_type,
    P.original_doc_number, _raw(P.original_doc_date), P.ims_action, P.pending_action_blocked,
    P.supplier_filing_status, P.itc_available, P.itc_unavailable_reason, P.rejected_in_ims, P.reverse_charge,
    P.supplier_name, D.action, D.itc_reduction, D.decl_igst_paise, D.decl_cgst_paise, D.decl_sgst_paise,
    D.decl_cess_paise, _raw(D.decided_at),
]


COLUMN_NAMES = [column.key for column in _COLUMNS]


def read_rows(session: Session, recipient_gstin: str, up_to_period: str | None) -> list[tuple]:
    """The registration's IMS and GSTR-2B records of periods up to ``up_to_period`` (a record never
    lands in a GSTR-2B before its own period; None: all), as driver tuples in ``COLUMN_NAMES`` order."""
    query = _select(recipient_gstin)
    if up_to_period is not None:
        query = query.where(P.period_key <= period_key(up_to_period))
    return _driver_rows(session, query.order_by(P.period_key, P.id))


def read_records(session: Session, recipient_gstin: str, up_to_period: str) -> RegistrationRecords:
    """Those records (see :func:`read_rows`) as objects, with the registration's imported GSTR-2B
    periods, filed periods and the history of its decisions."""
    return gathered(session, recipient_gstin, read_rows(session, recipient_gstin, up_to_period))


def read_record(session: Session, portal_document_id: int) -> tuple[Record, RegistrationRecords] | None:
    """One IMS record with what its landing needs: its GSTR-2B twins, the record it amends, the
    registration's imported GSTR-2B periods, filed periods and decision history."""
    doc = session.get(PortalDocument, portal_document_id)
    if doc is None or doc.source not in ("ims", "gstr2b"):
        return None
    numbers = [doc.doc_number] + ([doc.original_doc_number] if doc.original_doc_number else [])
    query = _select(doc.recipient_gstin).where(P.supplier_gstin == doc.supplier_gstin,
                                               or_(*(P.doc_number == number for number in numbers)))
    rows = _driver_rows(session, query.order_by(P.period_key, P.id))
    found = gathered(session, doc.recipient_gstin, rows, only=[row[0] for row in rows])
    record = next((r for r in [*found.ims.values(), *(t for ts in found.gstr2b.values() for t in ts)]
                   if r.id == portal_document_id), None)
    return (record, found) if record is not None else None


def _select(recipient_gstin: str) -> Select:
    return (
        select(*_COLUMNS)
        .outerjoin(D, and_(D.portal_document_id == P.id, D.recipient_gstin == recipient_gstin))
        .where(P.recipient_gstin == recipient_gstin, or_(P.source == "ims", P.source == "gstr2b"))
    )


def gathered(session: Session, recipient_gstin: str, rows: list[tuple],
             only: list[int] | None = None) -> RegistrationRecords:
    """Rows (in ``COLUMN_NAMES`` order) as records, with the registration's facts (``only``: read the
    decision history of these records alone)."""
    found = RegistrationRecords(recipient_gstin)
    decided: list[int] = []
    for row in rows:
        record = _record(row)
        if record.section.startswith(ITC_REVERSAL):
            found.reversals.append(record)
        elif record.source == "ims":
            found.ims[record.item] = record
            if record.decision:
                decided.append(record.id)
        else:
            found.gstr2b[record.item].append(record)
    found.imported_2b = set(session.execute(
        select(ImportBatch.return_period).where(ImportBatch.kind == "gstr2b",
                                                ImportBatch.recipient_gstin == recipient_gstin)).scalars())
    locks = select(PeriodLock).where(PeriodLock.recipient_gstin == recipient_gstin)
    for lock in session.execute(locks).scalars():
        found.filed[lock.period] = _utc(lock.filed_at)
        if lock.claimed_json:
            found.claimed[lock.period] = orjson.loads(lock.claimed_json)
    if decided:
        found.history = decision_history(session, recipient_gstin, only)
    return found


def _record(row: tuple) -> Record:
    (id_, source, section, supplier, doc_type, number, fy, doc_date, period, igst, cgst, sgst, cess,
     original_type, original_number, original_date, ims_action, blocked, filing_status, itc_available,
     reason, rejected, reverse, name, decision, reduction, d_igst, d_cgst, d_sgst, d_cess, decided_at) = row
    declared = None
    if reduction == "partial":
        declared = Heads(int(d_igst or 0), int(d_cgst or 0), int(d_sgst or 0), int(d_cess or 0))
    return Record(
        id=id_, source=source, section=section, supplier=supplier, doc_type=doc_type, number=number, fy=fy,
        doc_date=_date(doc_date), period=period, heads=Heads(int(igst or 0), int(cgst or 0), int(sgst or 0),
                                                             int(cess or 0)),
        original_type=original_type or "", original_number=original_number or "",
        original_date=_date(original_date), portal_action=ims_action or "", decision=decision or "",
        reduction=reduction or "", declared=declared, decided_at=_moment(decided_at),
        pending_blocked=None if blocked is None else bool(blocked),
        filed=(filing_status or "").strip().lower() not in NOT_FILED,
        itc_available=itc_available or "", unavailable_reason=reason or "", rejected=bool(rejected),
        reverse_charge=bool(reverse), name=name or "",
    )


def decision_history(session: Session, recipient_gstin: str,
                     document_ids: list[int] | None = None) -> dict[int, list[tuple[dt.datetime, str]]]:
    """For every record a user decided (of ``document_ids``, when given: a few): (when, action after
    it) of each decision event, oldest first. A record's action at a given moment (what a GSTR-2B
    generated then saw) is the last one before it."""
    query = (
        select(AuditEvent.document_id, _raw(AuditEvent.occurred_at), AuditEvent.after_json)
        .where(AuditEvent.recipient_gstin == recipient_gstin,
               or_(AuditEvent.kind == "decision", AuditEvent.kind == "reject_approved"),
               AuditEvent.document_id.is_not(None))
        .order_by(AuditEvent.id)
    )
    if document_ids is not None:
        query = query.where(or_(*(AuditEvent.document_id == i for i in document_ids)))
    history: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for document_id, occurred_at, after in _driver_rows(session, query):
        action = orjson.loads(after).get("action", "") if after else ""
        if action:
            history[document_id].append((_moment(occurred_at), action))
    return dict(history)


def action_at(record: Record, history: dict[int, list[tuple[dt.datetime, str]]],
              moment: dt.datetime) -> str:
    """The record's action at ``moment``: the last decision before it, else the portal's own."""
    action = record.portal_action or "N"
    for when, after in history.get(record.id, ()):
        if when >= moment:
            break
        action = after
    return action


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _moment(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _utc(value)
    return _utc(dt.datetime.fromisoformat(str(value).replace(" ", "T")))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _driver_rows(session: Session, query: Select) -> list[tuple]:
    """The driver's own tuples for a select on the session's connection (no per-row Row objects);
    IN lists are rendered as one parameter each."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()
