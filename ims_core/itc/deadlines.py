"""Deadlines a recipient should see, per period and per document, sorted by date.

Kinds: ``gstr3b`` (each open period with records), ``pending_credit_note`` (notes about to lose the
pending option), ``section_16_4`` (pending or unreported documents of a financial year),
``rule_37`` (suppliers unpaid 180 days after the invoice; only when the books carry payment dates),
``rule_37a`` (suppliers who have not filed GSTR-3B), ``itc_not_available`` (GSTR-2B's itcavl N).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Row
from sqlmodel import Session

from ims_core import clock
from ims_core.decisions.locks import filed_periods
from ims_core.decisions.rules import oct_2025_rules_apply
from ims_core.gst.codes import UNAVAILABLE_REASONS
from ims_core.gst.dates import fy_label, period_key
from ims_core.gst.due_dates import (
    RULE_37_DAYS,
    filing_of,
    gstr3b_due_date,
    pending_credit_note_limit,
    rule_37_due,
    rule_37a_dates,
    section_16_4_limit,
)
from ims_core.gst.money import format_inr
from ims_core.itc import deadline_rows as rows
from ims_core.itc.rows import as_date
from ims_core.models import Recipient
from ims_core.models.vocabulary import Action

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


def deadlines(session: Session, *, recipient_gstin: str, today: dt.date | None = None) -> list[Deadline]:
    """Due dates per period and per document, as of ``today`` (default: the clock's)."""
    today = today or clock.today()
    filing = filing_of(recipient_gstin, session.get(Recipient, recipient_gstin))
    filed = set(filed_periods(session, recipient_gstin))
    due_3b = _Memo(lambda p: gstr3b_due_date(p, **filing))
    due_note = _Memo(lambda p: pending_credit_note_limit(p, **filing))
    out = _gstr3b(session, recipient_gstin, filed, due_3b, today)

    pending = rows.pending_ims(session, recipient_gstin)
    for doc in pending:
        if (
            doc.doc_type == "CRN"
            and oct_2025_rules_apply(doc.return_period)
            and doc.pending_action_blocked is not False
        ):
            due = due_note(doc.return_period)
            out.append(
                Deadline(
                    "pending_credit_note",
                    due,
                    f"Credit note {doc.doc_number} from {doc.supplier_gstin} can stay pending only "
                    f"until {due:%d-%m-%Y} ({_when(due, today)}); then it counts as accepted",
                    [doc.id],
                    int(doc.tax),
                )
            )
    for doc in rows.itc_not_available(session, recipient_gstin):
        due = due_3b(doc.return_period)
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
                int(doc.tax),
            )
        )

    by_fy: dict[int, list[Row]] = defaultdict(list)
    for doc in pending:
        if doc.doc_type in ("INV", "DBN"):
            by_fy[doc.fy].append(doc)
    for fy, members in sorted(by_fy.items()):
        due = section_16_4_limit(fy)
        tax = sum(int(d.tax) for d in members)
        out.append(
            Deadline(
                "section_16_4",
                due,
                f"{len(members)} pending document(s) of FY {fy_label(fy)} "
                f"({format_inr(tax)} of tax) lose their ITC after "
                f"{due:%d-%m-%Y} (Section 16(4); {_when(due, today)})",
                [d.id for d in members],
                tax,
            )
        )

    by_supplier: dict[tuple[str, int], list[Row]] = defaultdict(list)
    for doc in rows.gstr3b_unfiled(session, recipient_gstin):
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
            Deadline("rule_37a", due, title, [d.id for d in members], sum(int(d.tax) for d in members))
        )

    out.extend(_rule_37(session, recipient_gstin, today))
    return sorted(out, key=lambda d: (d.due, d.kind, d.title))


def _gstr3b(
    session: Session, recipient_gstin: str, filed: set[str], due_3b: _Memo, today: dt.date
) -> list[Deadline]:
    """One deadline per open period with IMS records: counts by action and tax from one grouped
    select, the record ids from a second one limited to the open periods."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    taxes: dict[str, int] = defaultdict(int)
    for period, action, records, tax in rows.ims_period_actions(session, recipient_gstin):
        counts[period][Action(action).word] += records
        taxes[period] += int(tax or 0)
    open_periods = sorted(
        (p for p in counts if not any(period_key(f) >= period_key(p) for f in filed)), key=period_key
    )
    ids: dict[str, list[int]] = defaultdict(list)
    for period, doc_id in rows.ims_ids_by_period(session, recipient_gstin, open_periods):
        ids[period].append(doc_id)
    out = []
    for period in open_periods:
        due = due_3b(period)
        summary = ", ".join(f"{n} {word}" for word, n in sorted(counts[period].items()))
        out.append(
            Deadline(
                "gstr3b",
                due,
                f"GSTR-3B for {period} {_when(due, today)} ({summary})",
                ids[period],
                taxes[period],
            )
        )
    return out


class _Memo:
    """A due date per period, worked out once: the report asks for the same few periods per document."""

    def __init__(self, compute: Callable[[str], dt.date]) -> None:
        self.compute, self.known = compute, {}

    def __call__(self, period: str) -> dt.date:
        if period not in self.known:
            self.known[period] = self.compute(period)
        return self.known[period]


def _rule_37(session: Session, recipient_gstin: str, today: dt.date) -> list[Deadline]:
    """Only when the books carry payment dates at all: otherwise "unpaid" cannot be told from "unknown"."""
    out = []
    candidates = rows.rule_37_candidates(
        session,
        recipient_gstin,
        unpaid_dated_up_to=today - dt.timedelta(days=RULE_37_DAYS - RULE_37_WARNING_DAYS),
        days=RULE_37_DAYS,
    )
    for book in candidates:
        due = rule_37_due(as_date(book.doc_date))
        paid = as_date(book.payment_date)
        if paid is None and (due - today).days > RULE_37_WARNING_DAYS or paid is not None and paid <= due:
            continue
        label = f"{book.doc_type} {book.doc_number} from {book.supplier_gstin}"
        if paid is None:
            title = (f"{label} is unpaid: reverse its ITC if not paid by "
                     f"{due:%d-%m-%Y} (Rule 37, 180 days; {_when(due, today)})")
        else:
            title = (f"{label} was paid on {paid:%d-%m-%Y}, after 180 "
                     "days: its ITC should have been reversed, with interest, then re-availed (Rule 37)")
        out.append(Deadline("rule_37", due, title, [book.id], int(book.tax)))
    return out
