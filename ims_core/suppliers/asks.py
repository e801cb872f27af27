"""What to ask a supplier about: the documents only the supplier can fix, what is wrong with each, and
the fix still possible on the day.

A document needs the supplier when the current reconciliation says so: ``missing_in_portal`` (booked,
never reported), ``mismatch`` / ``probable`` (reported differently from the books) or
``missing_in_books`` (reported to us, unknown to us). The fix is worked out from the two documents'
figures here, in Python, so templates only arrange text and never decide GST matters.

ITC held up = the booked tax of the invoices and debit notes among them that are missing or reported
differently (a credit note reduces ITC, so it holds none up), while the credit can still be saved. Each
document's remedy and its last day are the ones still possible on the day of the draft
(:mod:`ims_core.suppliers.remedies`); the letter's date is the nearest of those days, never a past one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ims_core.gst.dates import financial_year, period_label, period_of
from ims_core.gst.due_dates import filing_of
from ims_core.gst.gstin import STATES
from ims_core.gst.money import format_inr, to_paise
from ims_core.matching.current import current_results
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, Recipient
from ims_core.models.base import tax_paise
from ims_core.models.vocabulary import Status
from ims_core.settings import get_settings
from ims_core.suppliers import remedies
from ims_core.suppliers.remedies import Route
from ims_core.suppliers.scorecard import AT_RISK, CLAIMING_TYPES

PROBLEMS = (*AT_RISK, Status.MISSING_IN_BOOKS)  # what only the supplier can fix
KIND_WORDS = {"INV": "invoice", "CRN": "credit note", "DBN": "debit note"}
_FIELD_WORDS = {
    "taxable_value": "taxable value",
    "igst": "IGST",
    "cgst": "CGST",
    "sgst": "SGST",
    "cess": "cess",
    "doc_date": "date",
    "place_of_supply": "place of supply",
    "supplier_gstin": "GSTIN",
    "doc_number": "number",
}


@dataclass
class DocumentAsk:
    """One document to raise with the supplier: as we hold it, what is wrong, and what we need."""

    purchase_document_id: int | None
    portal_document_id: int | None
    problem: str
    recipient_gstin: str
    return_period: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    taxable_paise: int
    tax_paise: int
    invoice_value_paise: int
    itc_held_paise: int  # credit the supplier can still save for us
    what_is_wrong: str
    what_we_need: str
    route: Route | None = None
    itc_lost_paise: int = 0  # credit no action of the supplier can save any more


def _doc_columns(table: object) -> list:
    return [
        table.id,
        table.supplier_gstin,
        table.doc_type,
        table.doc_number,
        table.doc_date,
        table.taxable_paise,
        table.igst_paise,
        table.cgst_paise,
        table.sgst_paise,
        table.cess_paise,
        table.invoice_value_paise,
        table.place_of_supply,
    ]


def documents_needing_action(session: Session, supplier_gstin: str,
                             today: dt.date | None = None) -> list[DocumentAsk]:
    """The supplier's documents in the current reconciliation that only the supplier can fix, each with
    the remedy still open on ``today`` (the clock's by default)."""
    from ims_core import clock

    today = today or clock.today()
    book, portal = aliased(PurchaseDocument), aliased(PortalDocument)
    query = select(
        MatchResult.status,
        MatchResult.reasons,
        MatchResult.recipient_gstin,
        MatchResult.return_period,
        portal.return_period,
        *_doc_columns(book),
        *_doc_columns(portal),
    ).select_from(MatchResult)
    query = (
        current_results(query)
        .outerjoin(book, book.id == MatchResult.purchase_document_id)
        .outerjoin(portal, portal.id == MatchResult.portal_document_id)
        .where(MatchResult.supplier_gstin == supplier_gstin, MatchResult.status.in_(PROBLEMS))
        # a letter lists documents as the supplier's own register would: by period, date and number
        .order_by(MatchResult.return_period, func.coalesce(book.doc_date, portal.doc_date),
                  func.coalesce(book.doc_number, portal.doc_number), MatchResult.id)
    )
    registrations = {r.gstin: r for r in session.execute(select(Recipient)).scalars()}
    width = len(_doc_columns(book))
    asks = []
    for row in session.execute(query):
        status, reasons, recipient, period, portal_period = row[:5]
        b = _Doc(*row[5 : 5 + width]) if row[5] is not None else None
        p = _Doc(*row[5 + width :]) if row[5 + width] is not None else None
        shown = b or p
        stake = credit_at_stake(status, shown.doc_type, b, p)
        route = remedies.route_for(
            period=portal_period or period_of(shown.doc_date), fy=financial_year(shown.doc_date),
            credit_at_stake=stake > 0, today=today, gstr1a_possible=status != Status.MISSING_IN_BOOKS,
            filing_frequency=filing_of(recipient, registrations.get(recipient))["filing_frequency"])
        held = b.tax if b is not None and b.doc_type in CLAIMING_TYPES and status in AT_RISK else 0
        lost = route.kind == remedies.CREDIT_LOST
        if route.last_day is None:  # nothing the supplier does changes our credit any more
            held = 0
        asks.append(
            DocumentAsk(
                purchase_document_id=b.id if b else None,
                portal_document_id=p.id if p else None,
                problem=status,
                recipient_gstin=recipient,
                return_period=period,
                doc_type=shown.doc_type,
                doc_number=shown.doc_number,
                doc_date=shown.doc_date,
                taxable_paise=shown.taxable_paise,
                tax_paise=shown.tax,
                invoice_value_paise=shown.invoice_value_paise,
                itc_held_paise=held,
                what_is_wrong=what_is_wrong(status, reasons, shown.doc_type),
                what_we_need=what_we_need(status, shown.doc_type, recipient, b, p, route, stake),
                route=route,
                itc_lost_paise=stake if lost else 0,
            )
        )
    return asks


@dataclass(frozen=True)
class _Doc:
    id: int
    supplier_gstin: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    taxable_paise: int
    igst_paise: int
    cgst_paise: int
    sgst_paise: int
    cess_paise: int
    invoice_value_paise: int
    place_of_supply: str

    @property
    def tax(self) -> int:
        return tax_paise(self)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _supplier_words(reason: str) -> str:
    """An engine reason (``taxable_value: books ₹1 vs portal ₹2 (+₹1)``) in a supplier's terms, with
    dates as DD-MM-YYYY."""
    field, _, rest = reason.partition(":")
    rest = rest.strip().replace("books ", "our books ", 1).replace(" vs portal ", " vs your return ", 1)
    rest = _ISO_DATE.sub(r"\3-\2-\1", rest)
    return f"{_FIELD_WORDS.get(field.strip(), field.strip())}: {rest}"


def what_is_wrong(problem: str, reasons: str, doc_type: str) -> str:
    kind = KIND_WORDS.get(doc_type, "document")
    if problem == Status.MISSING_IN_PORTAL:
        return f"this {kind} is not on the GST portal: it is missing from your GSTR-1 / IFF"
    if problem == Status.MISSING_IN_BOOKS:
        return f"you reported this {kind} to us, but we have no record of it"
    parts = [
        p
        for p in (reasons or "").split("; ")
        if ":" in p and "within tolerance" not in p and not p.startswith(("portal:", "doc_number format"))
    ]
    if not parts:
        return f"your return reports this {kind} differently from our books"
    return "; ".join(_supplier_words(p) for p in parts)


def _tolerance() -> int:
    return to_paise(get_settings().ims_amount_tolerance)


def credit_at_stake(problem: str, doc_type: str, book: _Doc | None, portal: _Doc | None) -> int:
    """The credit (paise) that depends on the supplier acting: all of an invoice or debit note missing
    from the portal or reported from another GSTIN or with another place of supply (in another
    registration's GSTR-2B, or not available in ours); the shortfall of one reported with less tax."""
    if book is None or doc_type not in CLAIMING_TYPES:
        return 0
    if problem == Status.MISSING_IN_PORTAL:
        return book.tax
    if problem not in AT_RISK or portal is None:
        return 0
    moved = book.supplier_gstin != portal.supplier_gstin or (
        book.place_of_supply and portal.place_of_supply and book.place_of_supply != portal.place_of_supply)
    if moved:
        return book.tax
    shortfall = book.tax - portal.tax
    return shortfall if shortfall > _tolerance() else 0


def what_we_need(problem: str, doc_type: str, recipient: str, book: _Doc | None, portal: _Doc | None,
                 route: Route, stake_paise: int = 0) -> str:
    """The fix, in the supplier's vocabulary, by the route still open (:mod:`remedies`): a correction or
    report in GSTR-1A or the next GSTR-1 / IFF with its last day; once the credit is lost, the tax made
    good; once no return can be corrected, a written confirmation."""
    kind = KIND_WORDS.get(doc_type, "document")
    if route.kind == remedies.CREDIT_LOST:
        return (f"a correction can no longer reach a GSTR-2B in time for us to claim its credit (Section "
                f"16(4)): please make good the {format_inr(stake_paise)} of tax we cannot claim, by a "
                "financial credit note or a refund")
    if problem == Status.MISSING_IN_BOOKS:
        if route.kind == remedies.CLOSED:
            return (f"please send us a copy of this {kind}, or confirm in writing that it was not meant for "
                    "us (your return can no longer be amended for it)")
        return (f"please send us a copy of this {kind}; if it was not meant for us, amend it in your next "
                f"GSTR-1 / IFF (GSTR-1A cannot change the recipient) or issue a credit note, by "
                f"{route.last_day:%d-%m-%Y}")
    if route.kind == remedies.CLOSED:
        if problem == Status.MISSING_IN_PORTAL and doc_type == "CRN":
            return ("it can no longer be declared in a return (Section 34(2)): please tell us in writing "
                    "how it is settled")
        return ("your return can no longer be amended for it (Section 37(3)): please confirm the correct "
                "details to us in writing")
    if problem == Status.MISSING_IN_PORTAL:
        fixes = [f"report this {kind} against our GSTIN {recipient}"]
    elif book is None or portal is None:
        fixes = [f"check this {kind} and correct it"]
    elif problem == Status.PROBABLE:
        fixes = [f"confirm the number (our books have '{book.doc_number}', you reported "
                 f"'{portal.doc_number}') and, if yours is wrong, correct it"]
    else:
        fixes = _corrections(kind, doc_type, book, portal) or [f"correct this {kind}"]
    return f"please {'; '.join(fixes)} — {_where(route)}"


def _where(route: Route) -> str:
    later = f"in your next GSTR-1 / IFF, filed by {route.last_day:%d-%m-%Y}"
    if route.kind == remedies.GSTR1A:
        return (f"in GSTR-1A for {period_label(route.period)} by {route.gstr1a_until:%d-%m-%Y} (before you "
                f"file your GSTR-3B for that month), or else {later}")
    return later


def _corrections(kind: str, doc_type: str, book: _Doc, portal: _Doc) -> list[str]:
    tol = _tolerance()
    needs = []
    if book.supplier_gstin != portal.supplier_gstin:
        needs.append(
            f"report it from your GSTIN {book.supplier_gstin}, which billed us "
            f"(you reported it from {portal.supplier_gstin})"
        )
    if book.doc_date != portal.doc_date:
        needs.append(f"correct the date to {book.doc_date:%d-%m-%Y}")
    if book.place_of_supply and portal.place_of_supply and book.place_of_supply != portal.place_of_supply:
        state = STATES.get(book.place_of_supply, book.place_of_supply)
        needs.append(f"correct the place of supply to {book.place_of_supply} ({state})")
    value_diff = portal.taxable_paise - book.taxable_paise
    heads_differ = any(
        abs(getattr(portal, h) - getattr(book, h)) > tol
        for h in ("igst_paise", "cgst_paise", "sgst_paise", "cess_paise")
    )
    if abs(value_diff) > tol and doc_type == "CRN":
        needs.append(
            f"amend the credit note to a taxable value of "
            f"{format_inr(book.taxable_paise)} and tax of {format_inr(book.tax)}"
        )
    elif value_diff > tol:
        needs.append(
            f"issue a credit note for {format_inr(value_diff)} of taxable value "
            f"(and the tax on it), or amend the {kind} to {format_inr(book.taxable_paise)}"
        )
    elif value_diff < -tol:
        needs.append(
            f"amend the {kind} to {format_inr(book.taxable_paise)} of taxable value, "
            f"or issue a debit note for {format_inr(-value_diff)}"
        )
    elif heads_differ:
        needs.append(
            f"correct the tax to IGST {format_inr(book.igst_paise)}, "
            f"CGST {format_inr(book.cgst_paise)}, SGST {format_inr(book.sgst_paise)}, "
            f"cess {format_inr(book.cess_paise)}"
        )
    return needs


def need_by(asks: list[DocumentAsk]) -> tuple[dt.date | None, str]:
    """The nearest last day among the documents' remedies (each on or after the draft's day), and why
    that day; (None, "") when no remedy has a date any more."""
    dated = [a.route.first_date() for a in asks if a.route is not None and a.route.last_day is not None]
    return min(dated, key=lambda pair: pair[0]) if dated else (None, "")
