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

from sqlalchemy import select
from sqlmodel import Session

from ims_core.action_bulk import latest_run
from ims_core.action_rules import HEADS, OCT_2025, STATE_WORDS, period_key_of
from ims_core.actions import ActionRefused, today_local
from ims_core.dates import parse_period, period_key
from ims_core.deadlines import pending_credit_note_limit, section_16_4_limit
from ims_core.decision_models import ImsDecision
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, Recipient

RISKY_STATUSES = {
    "mismatch": "amounts or details differ from your books",
    "probable": "paired with a book entry only probably",
    "missing_in_books": "not in your books",
}
UNAVAILABLE_REASONS = {
    "P": "place-of-supply rule: the supply is not eligible for ITC here",
    "C": "reported after the Section 16(4) cut-off",
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
        for head in HEADS:
            setattr(self, head, getattr(self, head) + sign * getattr(other, head))

    @classmethod
    def of(cls, doc: object) -> Heads:
        return cls(**{head: int(getattr(doc, f"{head}_paise") or 0) for head in HEADS})


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


def _key(doc: PortalDocument) -> tuple:
    return (doc.supplier_gstin, doc.doc_type, doc.doc_number, doc.fy)


def _line(doc: PortalDocument, action: str, note: str = "", heads: Heads | None = None) -> ItcLine:
    return ItcLine(
        doc.supplier_gstin,
        doc.doc_type,
        doc.doc_number,
        doc.doc_date,
        heads or Heads.of(doc),
        STATE_WORDS[action],
        note,
        portal_document_id=doc.id,
    )


def _reduction(doc: PortalDocument, decision: ImsDecision | None) -> tuple[Heads, str]:
    mode = decision.itc_reduction if decision is not None else ""
    if mode == "nil":
        return Heads(), "nil ITC reduction chosen"
    if mode == "partial":
        return Heads(
            **{h: int(getattr(decision, f"decl_{h}_paise") or 0) for h in HEADS}
        ), "partial reduction"
    return Heads.of(doc), ""


def itc_position(
    session: Session, *, recipient_gstin: str, period: str, today: dt.date | None = None
) -> ItcPosition:
    """The position for one recipient GSTIN and return period (MMYYYY)."""
    period = parse_period(period)
    day = today or today_local()
    pos = ItcPosition(recipient_gstin, period)
    docs = list(
        session.execute(
            select(PortalDocument).where(
                PortalDocument.recipient_gstin == recipient_gstin,
                PortalDocument.source.in_(["ims", "gstr2b"]),
                PortalDocument.period_key <= period_key(period),
            ).order_by(PortalDocument.period_key, PortalDocument.id)
        ).scalars()
    )
    decisions = {
        d.portal_document_id: d
        for d in session.execute(
            select(ImsDecision).where(ImsDecision.recipient_gstin == recipient_gstin)
        ).scalars()
    }
    ims_keys = {_key(d) for d in docs if d.source == "ims"}
    in_2b = {_key(d): d for d in docs if d.source == "gstr2b"}
    statuses = _reconciliation(session, recipient_gstin, period)
    recipient = session.get(Recipient, recipient_gstin)
    filing = {"filing_frequency": recipient.filing_frequency if recipient else "monthly",
              "state_code": (recipient.state_code if recipient else "") or recipient_gstin[:2]}
    for doc in docs:
        decision = decisions.get(doc.id)
        if doc.source == "ims":
            action = decision.action if decision is not None and decision.action else (doc.ims_action or "N")
        elif _key(doc) in ims_keys or doc.reverse_charge:
            continue
        else:
            action = "R" if doc.rejected_in_ims else "A"
        if action == "P":
            if doc.return_period != period or doc.doc_type == "CRN":
                _add_pending(pos, doc, period, day, filing)
            else:
                pos.pending.add(_line(doc, action))
            continue
        if doc.return_period != period:
            continue
        if action == "R":
            pos.rejected.add(_line(doc, action))
            continue
        twin = in_2b.get(_key(doc), doc)
        if twin.itc_available == "N":
            reason = UNAVAILABLE_REASONS.get(twin.itc_unavailable_reason, twin.itc_unavailable_reason)
            pos.not_available.add(_line(doc, action, f"ITC not available: {reason}".rstrip(": ")))
            continue
        if doc.doc_type == "CRN":
            heads, note = _reduction(doc, decision)
            pos.credit_notes.add(_line(doc, action, note, heads))
            continue
        (pos.imports if doc.doc_type == "BOE" else pos.available).add(_line(doc, action))
        risks = _risks(doc, twin, statuses, day)
        if risks:
            pos.at_risk.add(_line(doc, action, "; ".join(risks)))
    _missing_in_portal(session, pos, statuses)
    return pos


def _add_pending(pos: ItcPosition, doc: PortalDocument, period: str, day: dt.date, filing: dict) -> None:
    """A pending credit note defers a reduction (it blocks no ITC); anything else pending from an
    earlier period is carried forward and still blocked."""
    notes = [f"carried forward from {doc.return_period}"] if doc.return_period != period else []
    if doc.doc_type == "CRN":
        limit = pending_credit_note_limit(doc.return_period, **filing)
        if period_key_of(doc) >= OCT_2025 and doc.pending_action_blocked is not False and day > limit:
            notes.append(f"pending option lapsed on {limit:%d-%m-%Y}: the portal now treats it as accepted")
        pos.pending_credit_notes.add(_line(doc, "P", "; ".join(notes)))
    else:
        pos.pending.add(_line(doc, "P", "; ".join(notes)))


def _reconciliation(session: Session, recipient_gstin: str, period: str) -> dict[int, MatchResult]:
    """The latest reconciliation's rows by portal document (and book-only rows under negative ids)."""
    try:
        run = latest_run(session, recipient_gstin, period)
    except ActionRefused:
        return {}
    out: dict[int, MatchResult] = {}
    for result in session.execute(select(MatchResult).where(MatchResult.run_id == run.id)).scalars():
        if result.portal_document_id is not None:
            out[result.portal_document_id] = result
        elif result.status == "missing_in_portal" and result.purchase_document_id is not None:
            out[-result.purchase_document_id] = result
    return out


def _risks(
    doc: PortalDocument, twin: PortalDocument, statuses: dict[int, MatchResult], day: dt.date
) -> list[str]:
    risks = []
    result = statuses.get(doc.id) or statuses.get(twin.id)
    if result is not None and result.status in RISKY_STATUSES:
        risks.append(RISKY_STATUSES[result.status] + (f" ({result.reasons})" if result.reasons else ""))
    if doc.supplier_filing_status.strip().lower() in ("not filed", "n"):
        risks.append("supplier has not filed the return that reports it yet")
    if twin.gstr3b_filed == "N" or doc.gstr3b_filed == "N":
        risks.append("supplier has not filed GSTR-3B for it (Rule 37A)")
    if day > section_16_4_limit(doc.fy):
        risks.append(f"Section 16(4) limit passed on {section_16_4_limit(doc.fy):%d-%m-%Y}")
    return risks


def _missing_in_portal(session: Session, pos: ItcPosition, statuses: dict[int, MatchResult]) -> None:
    ids = [-key for key, result in statuses.items() if key < 0 and result.return_period in ("", pos.period)]
    if not ids:
        return
    for book in session.execute(
        select(PurchaseDocument).where(PurchaseDocument.id.in_(ids)).order_by(PurchaseDocument.id)
    ).scalars():
        pos.missing_in_portal.add(
            ItcLine(
                book.supplier_gstin,
                book.doc_type,
                book.doc_number,
                book.doc_date,
                Heads.of(book),
                "",
                "in your books, not reported by the supplier",
                purchase_document_id=book.id,
            )
        )


def deadlines(session: Session, *, recipient_gstin: str, today: dt.date) -> list:
    """Due dates per period and per document; see ``deadline_report``."""
    from ims_core.deadline_report import deadlines as build

    return build(session, recipient_gstin=recipient_gstin, today=today)
