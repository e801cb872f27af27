"""Deadlines a recipient should see, per period and per document, sorted by date.

Kinds: ``gstr3b`` (each open period with records), ``pending_credit_note`` (notes about to lose the
pending option), ``section_16_4`` (pending or unreported documents of a financial year),
``rule_37`` (suppliers unpaid 180 days after the invoice; only when the books carry payment dates),
``rule_37a`` (suppliers who have not filed GSTR-3B), ``itc_not_available`` (GSTR-2B's itcavl N).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from ims_core.action_rules import OCT_2025, STATE_WORDS, period_key_of, tax_paise
from ims_core.dates import fy_label
from ims_core.deadlines import (
    gstr3b_due_date,
    pending_credit_note_limit,
    rule_37_due,
    rule_37a_dates,
    section_16_4_limit,
)
from ims_core.decision_models import ImsDecision
from ims_core.itc import UNAVAILABLE_REASONS
from ims_core.models import PortalDocument, PurchaseDocument, Recipient
from ims_core.money import format_inr
from ims_core.period_locks import filed_periods

RULE_37_WARNING_DAYS = 30  # unpaid invoices are listed from this many days before day 180


@dataclass
class Deadline:
    kind: str
    due: dt.date
    title: str  # plain words, with "overdue" when the date has passed
    documents: list[int] = field(default_factory=list)  # portal (or, for rule_37, purchase) document ids
    amount_paise: int = 0


def _when(due: dt.date, today: dt.date) -> str:
    if due < today:
        return f"overdue since {due:%d-%m-%Y}"
    return "due today" if due == today else f"due {due:%d-%m-%Y}"


def deadlines(session: Session, *, recipient_gstin: str, today: dt.date) -> list[Deadline]:
    recipient = session.get(Recipient, recipient_gstin)
    freq = recipient.filing_frequency if recipient else "monthly"
    state = recipient.state_code if recipient and recipient.state_code else recipient_gstin[:2]
    filed = set(filed_periods(session, recipient_gstin))
    docs = list(
        session.execute(
            select(PortalDocument)
            .where(PortalDocument.recipient_gstin == recipient_gstin)
            .order_by(PortalDocument.id)
        ).scalars()
    )
    decisions = {
        d.portal_document_id: d.action
        for d in session.execute(
            select(ImsDecision).where(ImsDecision.recipient_gstin == recipient_gstin)
        ).scalars()
        if d.action
    }
    action = {d.id: decisions.get(d.id) or d.ims_action or "N" for d in docs if d.source == "ims"}
    out: list[Deadline] = []

    by_period: dict[str, list[PortalDocument]] = defaultdict(list)
    for doc in docs:
        if doc.source == "ims" and doc.return_period:
            by_period[doc.return_period].append(doc)
    for period, members in sorted(by_period.items(), key=lambda kv: period_key_of(kv[1][0])):
        if any(p == period or _later(p, period) for p in filed):
            continue
        due = gstr3b_due_date(period, filing_frequency=freq, state_code=state)
        counts = defaultdict(int)
        for doc in members:
            counts[STATE_WORDS[action[doc.id]]] += 1
        summary = ", ".join(f"{n} {word}" for word, n in sorted(counts.items()))
        out.append(
            Deadline(
                "gstr3b",
                due,
                f"GSTR-3B for {period} {_when(due, today)} ({summary})",
                [d.id for d in members],
                sum(tax_paise(d) for d in members),
            )
        )

    for doc in docs:
        if (
            doc.source == "ims"
            and doc.doc_type == "CRN"
            and action[doc.id] == "P"
            and period_key_of(doc) >= OCT_2025
            and doc.pending_action_blocked is not False
        ):
            due = pending_credit_note_limit(doc.return_period, filing_frequency=freq, state_code=state)
            out.append(
                Deadline(
                    "pending_credit_note",
                    due,
                    f"Credit note {doc.doc_number} from {doc.supplier_gstin} can stay pending only "
                    f"until {due:%d-%m-%Y} ({_when(due, today)}); then it counts as accepted",
                    [doc.id],
                    tax_paise(doc),
                )
            )
        if doc.source == "gstr2b" and doc.itc_available == "N":
            due = gstr3b_due_date(doc.return_period, filing_frequency=freq, state_code=state)
            reason = UNAVAILABLE_REASONS.get(
                doc.itc_unavailable_reason, doc.itc_unavailable_reason or "no reason"
            )
            out.append(
                Deadline(
                    "itc_not_available",
                    due,
                    f"{doc.doc_type} {doc.doc_number} from {doc.supplier_gstin}: GSTR-2B says ITC "
                    f"is not available ({reason}); leave it out of GSTR-3B for {doc.return_period}",
                    [doc.id],
                    tax_paise(doc),
                )
            )

    by_fy: dict[int, list[PortalDocument]] = defaultdict(list)
    for doc in docs:
        if doc.source == "ims" and action[doc.id] == "P" and doc.doc_type in ("INV", "DBN"):
            by_fy[doc.fy].append(doc)
    for fy, members in sorted(by_fy.items()):
        due = section_16_4_limit(fy)
        out.append(
            Deadline(
                "section_16_4",
                due,
                f"{len(members)} pending document(s) of FY {fy_label(fy)} "
                f"({format_inr(sum(tax_paise(d) for d in members))} of tax) lose their ITC after "
                f"{due:%d-%m-%Y} (Section 16(4); {_when(due, today)})",
                [d.id for d in members],
                sum(tax_paise(d) for d in members),
            )
        )

    by_supplier: dict[tuple[str, int], list[PortalDocument]] = defaultdict(list)
    for doc in docs:
        if doc.gstr3b_filed == "N":
            by_supplier[(doc.supplier_gstin, doc.fy)].append(doc)
    for (supplier, fy), members in sorted(by_supplier.items()):
        check, reverse_by = rule_37a_dates(fy)
        if today <= check:
            title = (
                f"{supplier} has not filed GSTR-3B for {len(members)} document(s) of FY {fy_label(fy)}; "
                f"if still unfiled on {check:%d-%m-%Y}, reverse that ITC by {reverse_by:%d-%m-%Y} (Rule 37A)"
            )
            due = check
        else:
            title = (
                f"{supplier} had not filed GSTR-3B by {check:%d-%m-%Y}: reverse the ITC of "
                f"{len(members)} document(s) by {reverse_by:%d-%m-%Y} (Rule 37A; {_when(reverse_by, today)})"
            )
            due = reverse_by
        out.append(
            Deadline("rule_37a", due, title, [d.id for d in members], sum(tax_paise(d) for d in members))
        )

    out.extend(_rule_37(session, recipient_gstin, today))
    return sorted(out, key=lambda d: (d.due, d.kind, d.title))


def _later(filed: str, period: str) -> bool:
    return int(filed[2:]) * 100 + int(filed[:2]) > int(period[2:]) * 100 + int(period[:2])


def _rule_37(session: Session, recipient_gstin: str, today: dt.date) -> list[Deadline]:
    """Only when the books carry payment dates at all: otherwise "unpaid" cannot be told from "unknown"."""
    books = list(
        session.execute(
            select(PurchaseDocument).where(
                PurchaseDocument.recipient_gstin == recipient_gstin,
                PurchaseDocument.doc_type != "CRN",
                PurchaseDocument.reverse_charge.is_(False),
            )
        ).scalars()
    )
    if not any(b.payment_date for b in books):
        return []
    out = []
    for book in books:
        due = rule_37_due(book.doc_date)
        tax = sum(int(getattr(book, f"{h}_paise") or 0) for h in ("igst", "cgst", "sgst", "cess"))
        label = f"{book.doc_type} {book.doc_number} from {book.supplier_gstin}"
        if book.payment_date is None and (due - today).days <= RULE_37_WARNING_DAYS:
            out.append(
                Deadline(
                    "rule_37",
                    due,
                    f"{label} is unpaid: reverse its ITC if not paid by "
                    f"{due:%d-%m-%Y} (Rule 37, 180 days; {_when(due, today)})",
                    [book.id],
                    tax,
                )
            )
        elif book.payment_date is not None and book.payment_date > due:
            out.append(
                Deadline(
                    "rule_37",
                    due,
                    f"{label} was paid on {book.payment_date:%d-%m-%Y}, after 180 "
                    "days: its ITC should have been reversed, with interest, then re-availed "
                    "(Rule 37)",
                    [book.id],
                    tax,
                )
            )
    return out
