"""What to ask a supplier, and the words: the documents that need them, the fix each needs, the text.

A document needs the supplier when the current reconciliation says so: ``missing_in_portal`` (booked,
never reported), ``mismatch`` / ``probable`` (reported differently from the books) or
``missing_in_books`` (reported to us, unknown to us). The fix is worked out from the two documents'
figures here, in Python, so templates only arrange text and never decide GST matters.

ITC held up = the booked tax of the invoices and debit notes among them that are missing or reported
differently (a credit note reduces ITC, so it holds none up). The date we need the fix by is the
nearest GSTR-3B due date, not yet past, of the periods the documents belong to.
"""

from __future__ import annotations

import datetime as dt
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.gst.dates import next_period, period_of
from ims_core.gst.due_dates import filing_of, gstr3b_due_date
from ims_core.gst.gstin import STATES
from ims_core.gst.money import format_inr, to_paise
from ims_core.matching.current import current_results
from ims_core.models import MatchResult, PortalDocument, PurchaseDocument, Recipient
from ims_core.models.base import tax_paise
from ims_core.models.vocabulary import Status
from ims_core.settings import get_settings
from ims_core.suppliers.scorecard import AT_RISK, CLAIMING_TYPES

# The templates live in the project's templates/ folder; an installed (non-editable) copy of the
# package finds them where pyproject's data-files put them, under the environment's share/. A team's
# own wording (IMS_TEMPLATES_DIR) comes before both: see ``environment``.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INSTALLED_TEMPLATES = Path(sysconfig.get_path("data")) / "share" / "ims-assistant" / "templates"
PROBLEMS = (*AT_RISK, Status.MISSING_IN_BOOKS)  # what only the supplier can fix
LEVELS = {1: "first_request", 2: "reminder", 3: "final_notice"}
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
CHAT_LISTED = 5


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
    itc_held_paise: int
    what_is_wrong: str
    what_we_need: str


@dataclass(frozen=True)
class DraftText:
    subject: str
    body: str
    chat_text: str


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


def documents_needing_action(session: Session, supplier_gstin: str) -> list[DocumentAsk]:
    """The supplier's documents in the current reconciliation that only the supplier can fix."""
    book, portal = aliased(PurchaseDocument), aliased(PortalDocument)
    query = select(
        MatchResult.status,
        MatchResult.reasons,
        MatchResult.recipient_gstin,
        MatchResult.return_period,
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
    width = len(_doc_columns(book))
    asks = []
    for row in session.execute(query):
        status, reasons, recipient, period = row[:4]
        b = _Doc(*row[4 : 4 + width]) if row[4] is not None else None
        p = _Doc(*row[4 + width :]) if row[4 + width] is not None else None
        shown = b or p
        held = b.tax if b is not None and b.doc_type in CLAIMING_TYPES and status in AT_RISK else 0
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
                what_we_need=what_we_need(status, shown.doc_type, recipient, b, p),
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


def _supplier_words(reason: str) -> str:
    """An engine reason (``taxable_value: books ₹1 vs portal ₹2 (+₹1)``) in a supplier's terms."""
    field, _, rest = reason.partition(":")
    rest = rest.strip().replace("books ", "our books ", 1).replace(" vs portal ", " vs your return ", 1)
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


def what_we_need(problem: str, doc_type: str, recipient: str, book: _Doc | None, portal: _Doc | None) -> str:
    """The fix, in the supplier's vocabulary: report, amend in GSTR-1A, or issue a credit/debit note."""
    kind = KIND_WORDS.get(doc_type, "document")
    if problem == Status.MISSING_IN_PORTAL:
        return f"please report this {kind} in your GSTR-1 / IFF (or GSTR-1A) against our GSTIN {recipient}"
    if problem == Status.MISSING_IN_BOOKS:
        return (
            f"please send us a copy of this {kind}; if it was not meant for us, amend it in GSTR-1A "
            f"or issue a credit note"
        )
    if book is None or portal is None:
        return f"please check this {kind} and correct it in GSTR-1A"
    if problem == Status.PROBABLE:
        return (
            f"please confirm the number: our books have '{book.doc_number}', you reported "
            f"'{portal.doc_number}'; if yours is wrong, correct it in GSTR-1A"
        )
    return "; ".join(_corrections(kind, doc_type, book, portal)) or f"please correct this {kind} in GSTR-1A"


def _corrections(kind: str, doc_type: str, book: _Doc, portal: _Doc) -> list[str]:
    tol = _tolerance()
    needs = []
    if book.supplier_gstin != portal.supplier_gstin:
        needs.append(
            f"please report it from your GSTIN {book.supplier_gstin}, which billed us "
            f"(you reported it from {portal.supplier_gstin})"
        )
    if book.doc_date != portal.doc_date:
        needs.append(f"please correct the date to {book.doc_date:%d-%m-%Y} in GSTR-1A")
    if book.place_of_supply and portal.place_of_supply and book.place_of_supply != portal.place_of_supply:
        state = STATES.get(book.place_of_supply, book.place_of_supply)
        needs.append(f"please correct the place of supply to {book.place_of_supply} ({state}) in GSTR-1A")
    value_diff = portal.taxable_paise - book.taxable_paise
    heads_differ = any(
        abs(getattr(portal, h) - getattr(book, h)) > tol
        for h in ("igst_paise", "cgst_paise", "sgst_paise", "cess_paise")
    )
    if abs(value_diff) > tol and doc_type == "CRN":
        needs.append(
            f"please amend the credit note in GSTR-1A to a taxable value of "
            f"{format_inr(book.taxable_paise)} and tax of {format_inr(book.tax)}"
        )
    elif value_diff > tol:
        needs.append(
            f"please issue a credit note for {format_inr(value_diff)} of taxable value "
            f"(and the tax on it), or amend the {kind} in GSTR-1A to {format_inr(book.taxable_paise)}"
        )
    elif value_diff < -tol:
        needs.append(
            f"please amend the {kind} in GSTR-1A to {format_inr(book.taxable_paise)} of taxable value, "
            f"or issue a debit note for {format_inr(-value_diff)}"
        )
    elif heads_differ:
        needs.append(
            f"please correct the tax in GSTR-1A to IGST {format_inr(book.igst_paise)}, "
            f"CGST {format_inr(book.cgst_paise)}, SGST {format_inr(book.sgst_paise)}, "
            f"cess {format_inr(book.cess_paise)}"
        )
    return needs


def need_by(session: Session, asks: list[DocumentAsk], today: dt.date) -> dt.date | None:
    """The nearest GSTR-3B due date, on or after ``today``, of the periods the documents belong to."""
    registrations = {r.gstin: r for r in session.execute(select(Recipient)).scalars()}
    best = None
    for ask in asks:
        period = ask.return_period or period_of(ask.doc_date)
        filing = filing_of(ask.recipient_gstin, registrations.get(ask.recipient_gstin))
        due = gstr3b_due_date(period, **filing)
        while due < today:
            period = next_period(period)
            due = gstr3b_due_date(period, **filing)
        best = due if best is None or due < best else best
    return best


class TemplateProblem(UserFacingError):
    """A follow-up template that cannot be rendered (a syntax error, an unknown name): nothing is
    drafted, and the message names the file and line to fix."""


@lru_cache
def environment(own_folder: str = "") -> Environment:
    """The follow-up templates: ``own_folder`` (``IMS_TEMPLATES_DIR``) first, so a team can word its
    own letters under the same names, then the project's templates/, then an installed copy's."""
    folders = [Path(own_folder)] if own_folder else []
    return Environment(
        loader=FileSystemLoader([*folders, TEMPLATES, INSTALLED_TEMPLATES]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _render_template(name: str, context: dict) -> str:
    """One template rendered; a broken one raises :class:`TemplateProblem` naming its file and line."""
    env = environment(get_settings().ims_templates_dir)
    try:
        template = env.get_template(name)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"follow-up template {exc.filename or name}, line {exc.lineno}: {exc.message}"
        ) from None
    try:
        return template.render(context).strip()
    except TemplateError as exc:  # an unknown name under StrictUndefined, a failing filter, …
        raise TemplateProblem(f"follow-up template {template.filename or name}: {exc}") from None


def document_lines(asks: list[DocumentAsk]) -> list[dict]:
    """The documents as the templates show them: words and formatted rupees, nothing to compute."""
    return [
        {
            "kind": KIND_WORDS.get(a.doc_type, "document"),
            "number": a.doc_number,
            "date": f"{a.doc_date:%d-%m-%Y}",
            "value": format_inr(a.invoice_value_paise),
            "taxable": format_inr(a.taxable_paise),
            "tax": format_inr(a.tax_paise),
            "wrong": a.what_is_wrong,
            "need": a.what_we_need,
        }
        for a in asks
    ]


def render(
    level: int,
    *,
    supplier_name: str,
    supplier_gstin: str,
    contact_name: str,
    company: str,
    asks: list[DocumentAsk],
    need_by_date: dt.date | None,
    previous_requests: list[dt.date],
) -> DraftText:
    """The email subject, body and chat message for one escalation level (StrictUndefined templates)."""
    if level not in LEVELS:
        raise ValueError(f"escalation level {level} is not one of {sorted(LEVELS)}")
    lines = document_lines(asks)
    context = {
        "supplier_name": supplier_name or supplier_gstin,
        "supplier_gstin": supplier_gstin,
        "contact_name": contact_name,
        "company": company,
        "documents": lines,
        "document_count": len(lines),
        "chat_documents": lines[:CHAT_LISTED],
        "more_documents": max(0, len(lines) - CHAT_LISTED),
        "itc_held": format_inr(sum(a.itc_held_paise for a in asks)),
        "need_by": f"{need_by_date:%d %B %Y}" if need_by_date else "",
        "previous_requests": [f"{d:%d %B %Y}" for d in previous_requests],
        "final_action": get_settings().ims_followup_final_action,
    }
    name = LEVELS[level]
    return DraftText(
        *(_render_template(f"followups/{name}.{part}.j2", context) for part in ("subject", "body", "chat"))
    )


def company_name(session: Session, asks: list[DocumentAsk]) -> str:
    """Whose documents these are, for the signature: the recipient's legal name, else its GSTIN(s)."""
    recipients = sorted({a.recipient_gstin for a in asks})
    names = dict(
        session.execute(
            select(Recipient.gstin, Recipient.legal_name).where(Recipient.gstin.in_(recipients))
        ).all()
    )
    return next((names[g] for g in recipients if names.get(g)), "") or ", ".join(recipients)
