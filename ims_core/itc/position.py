"""The ITC position of a period: a GSTR-2B preview from the current decisions, what GSTR-3B Table 4
would show, and what is blocked or at risk, each figure with the documents behind it.

Which action counts for a record: the user's decision where one exists, else the portal's IMS
action, else No action (deemed accepted). Accepted credit notes reduce ITC by the user's reduction
choice (full: the note's tax; partial: the declared amounts; nil: nothing). All figures are integer
paise per head. GSTR-2B-only records (not in IMS) count as the portal put them (rejected if they came
from its rejected list); reverse-charge records are left out (their ITC follows the tax paid, 4A(3)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.engine import Row
from sqlmodel import Session

from ims_core import clock
from ims_core.decisions.rules import oct_2025_rules_apply
from ims_core.gst.codes import UNAVAILABLE_REASONS
from ims_core.gst.dates import parse_period, period_key
from ims_core.gst.due_dates import filing_of, pending_credit_note_limit, section_16_4_limit
from ims_core.itc.rows import (
    BLOCKED,
    DATE,
    DECISION_ACTION,
    DECISION_REDUCTION,
    DECLARED,
    DOC_TYPE,
    FILING_STATUS,
    FY,
    GSTR3B_FILED,
    ID,
    IMS_ACTION,
    ITC_AVAILABLE,
    KEY,
    MONEY,
    NUMBER,
    PERIOD,
    REJECTED,
    REVERSE_CHARGE,
    SOURCE,
    SUPPLIER,
    UNAVAILABLE_REASON,
    as_date,
    match_rows,
    missing_in_portal_rows,
    portal_rows,
)
from ims_core.models import Recipient
from ims_core.models.vocabulary import Action, Status
from ims_core.reports.current import current_run_id

RISKY_STATUSES = {
    Status.MISMATCH: "amounts or details differ from your books",
    Status.PROBABLE: "paired with a book entry only probably",
    Status.MISSING_IN_BOOKS: "not in your books",
}


@dataclass
class Heads:
    igst: int = 0
    cgst: int = 0
    sgst: int = 0
    cess: int = 0

    @property
    def total(self) -> int:
        return self.igst + self.cgst + self.sgst + self.cess

    def add(self, other: Heads, sign: int = 1) -> None:
        self.igst += sign * other.igst
        self.cgst += sign * other.cgst
        self.sgst += sign * other.sgst
        self.cess += sign * other.cess

    @classmethod
    def of(cls, doc: object) -> Heads:
        """The heads of anything with ``igst_paise``…``cess_paise`` (a document, a row); NULL is 0."""
        return cls(int(doc.igst_paise or 0), int(doc.cgst_paise or 0),
                   int(doc.sgst_paise or 0), int(doc.cess_paise or 0))


@dataclass
class ItcLine:
    """One document behind a figure."""

    supplier_gstin: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    heads: Heads
    action: str = ""
    note: str = ""
    portal_document_id: int | None = None
    purchase_document_id: int | None = None


@dataclass
class ItcFigure:
    heads: Heads = field(default_factory=Heads)
    documents: list[ItcLine] = field(default_factory=list)

    def add(self, line: ItcLine) -> None:
        self.heads.add(line.heads)
        self.documents.append(line)


@dataclass
class ItcPosition:
    recipient_gstin: str
    period: str
    available: ItcFigure = field(default_factory=ItcFigure)  # invoices and debit notes, 4A(5)
    imports: ItcFigure = field(default_factory=ItcFigure)  # bills of entry, 4A(1)
    credit_notes: ItcFigure = field(default_factory=ItcFigure)  # ITC reduced by accepted notes, 4B(2)
    rejected: ItcFigure = field(default_factory=ItcFigure)
    pending: ItcFigure = field(default_factory=ItcFigure)  # left out of GSTR-2B, carried forward
    pending_credit_notes: ItcFigure = field(default_factory=ItcFigure)  # reductions deferred, not blocked
    not_available: ItcFigure = field(default_factory=ItcFigure)  # itcavl N: in 2B, not claimable, 4D(2)
    missing_in_portal: ItcFigure = field(default_factory=ItcFigure)  # in the books, not reported
    at_risk: ItcFigure = field(default_factory=ItcFigure)  # counted as available, but shaky

    @property
    def blocked(self) -> Heads:
        total = Heads()
        total.add(self.pending.heads)
        total.add(self.missing_in_portal.heads)
        return total

    def table_4(self) -> dict[str, Heads]:
        """What GSTR-3B Table 4 would show: 4A(1) imports, 4A(5) all other ITC, 4B(2) reversals
        (credit notes here), 4C net ITC, 4D(2) ineligible ITC."""
        net = Heads()
        net.add(self.imports.heads)
        net.add(self.available.heads)
        net.add(self.credit_notes.heads, -1)
        return {
            "4A(1)": self.imports.heads,
            "4A(5)": self.available.heads,
            "4B(2)": self.credit_notes.heads,
            "4C": net,
            "4D(2)": self.not_available.heads,
        }


def _heads(doc: tuple) -> Heads:
    igst, cgst, sgst, cess = doc[MONEY]
    return Heads(igst or 0, cgst or 0, sgst or 0, cess or 0)


def _line(doc: tuple, action: str, note: str = "", heads: Heads | None = None) -> ItcLine:
    """One document behind a figure; rows are read by position (see ``itc_rows.PORTAL``) because
    that is several times faster than by name over a whole period's documents."""
    return ItcLine(
        doc[SUPPLIER], doc[DOC_TYPE], doc[NUMBER], as_date(doc[DATE]), heads or _heads(doc),
        Action(action).word, note, portal_document_id=doc[ID],
    )


def _reduction(doc: tuple) -> tuple[Heads, str]:
    """The reduction an accepted credit note makes, from the decision joined into its row."""
    mode = doc[DECISION_REDUCTION] or ""
    if mode == "nil":
        return Heads(), "nil ITC reduction chosen"
    if mode == "partial":
        return Heads(*(int(amount or 0) for amount in doc[DECLARED])), "partial reduction"
    return _heads(doc), ""


def itc_position(
    session: Session, *, recipient_gstin: str, period: str, today: dt.date | None = None
) -> ItcPosition:
    """The position for one recipient GSTIN and return period (MMYYYY)."""
    period = parse_period(period)
    day = today or clock.today()
    pos = ItcPosition(recipient_gstin, period)
    docs = portal_rows(
        session, recipient_gstin, sources=("ims", "gstr2b"), up_to_period_key=period_key(period)
    )
    ims_keys = {d[KEY] for d in docs if d[SOURCE] == "ims"}
    in_2b = {d[KEY]: d for d in docs if d[SOURCE] == "gstr2b"}
    run_id = current_run_id(session, recipient_gstin, period)  # its verdicts flag risks and unreported books
    statuses = match_rows(session, run_id, reasons_for=RISKY_STATUSES) if run_id is not None else {}
    filing = filing_of(recipient_gstin, session.get(Recipient, recipient_gstin))
    limits: dict[int, dt.date] = {}
    for doc in docs:
        # Read by position (see ``itc_rows``): several times faster than by name here.
        source, doc_type, fy, doc_period = doc[SOURCE], doc[DOC_TYPE], doc[FY], doc[PERIOD]
        if source == "ims":
            action = Action.of(doc[DECISION_ACTION] or doc[IMS_ACTION])  # as decisions.store decides
        elif doc[REVERSE_CHARGE] or doc[KEY] in ims_keys:
            continue
        else:
            action = Action.REJECT if doc[REJECTED] else Action.ACCEPT
        if action == Action.PENDING:
            if doc_period != period or doc_type == "CRN":
                _add_pending(pos, doc, period, day, filing)
            else:
                pos.pending.add(_line(doc, action))
            continue
        if doc_period != period:
            continue
        if action == Action.REJECT:
            pos.rejected.add(_line(doc, action))
            continue
        twin = in_2b.get(doc[KEY], doc)
        if twin[ITC_AVAILABLE] == "N":
            reason = UNAVAILABLE_REASONS.get(twin[UNAVAILABLE_REASON], twin[UNAVAILABLE_REASON])
            pos.not_available.add(_line(doc, action, f"ITC not available: {reason}".rstrip(": ")))
            continue
        if doc_type == "CRN":
            heads, note = _reduction(doc)
            pos.credit_notes.add(_line(doc, action, note, heads))
            continue
        (pos.imports if doc_type == "BOE" else pos.available).add(_line(doc, action))
        if fy not in limits:
            limits[fy] = section_16_4_limit(fy)
        risks = _risks(doc, twin, statuses, day, limits[fy])
        if risks:
            pos.at_risk.add(_line(doc, action, "; ".join(risks)))
    if run_id is not None:
        _missing_in_portal(session, pos, run_id)
    return pos


def _add_pending(pos: ItcPosition, doc: tuple, period: str, day: dt.date, filing: dict) -> None:
    """A pending credit note defers a reduction (it blocks no ITC); anything else pending from an
    earlier period is carried forward and still blocked."""
    doc_period = doc[PERIOD]
    notes = [f"carried forward from {doc_period}"] if doc_period != period else []
    if doc[DOC_TYPE] == "CRN":
        limit = pending_credit_note_limit(doc_period, **filing)
        blocked = doc[BLOCKED] is None or bool(doc[BLOCKED])  # unknown counts as blocked; may be 0/1
        if oct_2025_rules_apply(doc_period) and blocked and day > limit:
            notes.append(f"pending option lapsed on {limit:%d-%m-%Y}: the portal now treats it as accepted")
        pos.pending_credit_notes.add(_line(doc, Action.PENDING, "; ".join(notes)))
    else:
        pos.pending.add(_line(doc, Action.PENDING, "; ".join(notes)))


def _risks(
    doc: tuple, twin: tuple, statuses: dict[int, Row], day: dt.date, limit: dt.date
) -> list[str]:
    risks = []
    result = statuses.get(doc[ID]) or statuses.get(twin[ID])
    if result is not None and result[1] in RISKY_STATUSES:
        _, status, reasons = result
        risks.append(RISKY_STATUSES[status] + (f" ({reasons})" if reasons else ""))
    if doc[FILING_STATUS].strip().lower() in ("not filed", "n"):
        risks.append("supplier has not filed the return that reports it yet")
    if twin[GSTR3B_FILED] == "N" or doc[GSTR3B_FILED] == "N":
        risks.append("supplier has not filed GSTR-3B for it (Rule 37A)")
    if day > limit:
        risks.append(f"Section 16(4) limit passed on {limit:%d-%m-%Y}")
    return risks


def _missing_in_portal(session: Session, pos: ItcPosition, run_id: int) -> None:
    for book in missing_in_portal_rows(session, run_id, pos.period):
        pos.missing_in_portal.add(
            ItcLine(
                book.supplier_gstin,
                book.doc_type,
                book.doc_number,
                as_date(book.doc_date),
                Heads.of(book),
                "",
                "in your books, not reported by the supplier",
                purchase_document_id=book.id,
            )
        )
