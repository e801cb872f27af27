"""Deadlines a registration should see, each with its date, its records and their net tax, by date.

Kinds (``Deadline.kind``, also the ``kind`` of ``ims deadlines --json``):

- ``deemed_acceptance``, ``pending_lapse``, ``gstr2b_recompute`` and the pending part of
  ``section_16_4``: the radar (:mod:`ims_core.itc.radar`), from the ITC position's own placement;
- ``gstr3b``: each period whose GSTR-3B is not marked filed; once overdue, until when its ITC can still
  be claimed, and once past Section 16(4), that it is lost;
- ``section_16_4`` for invoices and debit notes in the books that no supplier reported: the last day a
  supplier's filing still reaches a claimable GSTR-2B, then "lost";
- ``itc_not_available`` (GSTR-2B's itcavl N, per period), ``rule_37a`` (suppliers who have not filed
  GSTR-3B), ``rule_37`` (unpaid 180 days after the invoice; only when the books carry payment dates).

Every amount is net tax: a credit note's tax counts negative. Dates are the registration's, by its
filing frequency (monthly, or quarterly under QRMP).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session

from ims_core import clock
from ims_core.decisions.locks import filed_periods
from ims_core.gst.codes import UNAVAILABLE_REASONS
from ims_core.gst.dates import financial_year, fy_label, period_key, period_label, period_of
from ims_core.gst.due_dates import (
    RULE_37_DAYS,
    gstr3b_due_date,
    rule_37_due,
    rule_37a_dates,
    section_16_4_limit,
)
from ims_core.gst.money import format_inr, to_rupees
from ims_core.itc import deadline_rows as rows
from ims_core.itc import radar
from ims_core.itc.calendar import last_filing_day_for_credit
from ims_core.itc.registrations import Filing, registration_filing
from ims_core.itc.rows import as_date
from ims_core.models.vocabulary import Action

RULE_37_WARNING_DAYS = 30  # unpaid invoices are listed from this many days before day 180


@dataclass
class Deadline:
    kind: str
    due: dt.date
    title: str  # what it means, in plain words: "overdue", "lost" once the date has passed
    documents: list[int] = field(default_factory=list)  # portal (books, for rule_37 and 16(4)) ids
    amount_paise: int = 0  # net tax of the documents
    registration: str = ""
    period: str = ""  # MMYYYY; "" for a financial year's date (see ``fy``) or a supplier's
    fy: int | None = None

    @property
    def records(self) -> int:
        return len(self.documents)

    def to_json(self) -> dict:
        """One entry of ``ims deadlines --json``: a contract for scripts."""
        out = {"date": self.due.isoformat(), "kind": self.kind, "registration": self.registration,
               "period": self.period, "records": self.records, "tax": f"{to_rupees(self.amount_paise):.2f}",
               "what": self.title}
        if self.fy is not None:
            out["fy"] = fy_label(self.fy)
        return out


def _when(due: dt.date, today: dt.date) -> str:
    if due < today:
        return f"overdue since {due:%d-%m-%Y}"
    return "due today" if due == today else f"due {due:%d-%m-%Y}"


def deadlines(session: Session, *, recipient_gstin: str, today: dt.date | None = None) -> list[Deadline]:
    """The registration's deadlines as of ``today`` (default: the clock's), by date."""
    today = today or clock.today()
    filing = registration_filing(session, recipient_gstin)
    filed = set(filed_periods(session, recipient_gstin))
    out = [_radar_line(group, today) for group in radar.radar(session, recipient_gstin, today)]
    out += _gstr3b(session, recipient_gstin, filed, filing, today)
    out += _books_missing(session, recipient_gstin, filing, today)
    out += _itc_not_available(session, recipient_gstin, filed, filing)
    out += _rule_37a(session, recipient_gstin, today)
    out += _rule_37(session, recipient_gstin, today)
    for deadline in out:
        deadline.registration = recipient_gstin
    return sorted(out, key=lambda d: (d.due, d.kind, period_key(d.period), d.fy or 0, d.title))


def _records(count: int, credit_notes: int) -> str:
    others = count - credit_notes
    if not credit_notes:
        return f"{count} record{'s' * (count != 1)}"
    if not others:
        return f"{count} credit note{'s' * (count != 1)}"
    return f"{count} records ({others} invoices and debit notes, {credit_notes} credit notes)"


def _radar_line(group: radar.RadarGroup, today: dt.date) -> Deadline:
    records, tax = _records(len(group.documents), group.credit_notes), format_inr(group.heads.total)
    label = period_label(group.period)
    if group.kind == radar.DEEMED:
        what = (f"{records} with no action ({tax} net tax) will be deemed accepted when the GSTR-2B for "
                f"{label} is generated on {group.due:%d-%m-%Y}, unless someone acts")
    elif group.kind == radar.LAPSE:
        what = (f"{records} kept pending since the GSTR-2B for {label} may stay pending only until "
                f"{group.due:%d-%m-%Y}; then they are deemed accepted in the next GSTR-2B ({tax} net tax)")
    elif group.kind == radar.RECOMPUTE:
        what = (f"{records} decided after the GSTR-2B for {label} was generated: recompute it on the portal "
                f"before filing GSTR-3B ({_when(group.due, today)})")
    else:  # pending invoices and debit notes against Section 16(4)
        what = _pending_16_4_words(records, tax, group.fy, group.due, today)
    return Deadline(group.kind, group.due, what, list(group.documents), group.heads.total,
                    period=group.period, fy=group.fy)


def _pending_16_4_words(records: str, tax: str, fy: int, last: dt.date, today: dt.date) -> str:
    limit = section_16_4_limit(fy)
    if today <= last:
        return (f"{records} of FY {fy_label(fy)} kept pending ({tax}): accept them by {last:%d-%m-%Y} for "
                f"their credit to reach a GSTR-2B you can still claim (Section 16(4) limit {limit:%d-%m-%Y})")
    return (f"{records} of FY {fy_label(fy)} kept pending ({tax}): their credit is lost, no GSTR-2B they "
            f"can still reach is claimable within the Section 16(4) limit of {limit:%d-%m-%Y}")


def _gstr3b(session: Session, recipient_gstin: str, filed: set[str], filing: Filing,
            today: dt.date) -> list[Deadline]:
    """One deadline per period with IMS records whose GSTR-3B is not marked filed (a later period
    marked filed closes it: returns are filed in sequence)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    taxes: dict[str, int] = defaultdict(int)
    for period, action, records, tax in rows.ims_period_actions(session, recipient_gstin):
        counts[period][Action(action).word] += records
        if action in (Action.ACCEPT, Action.NO_ACTION):
            taxes[period] += int(tax or 0)
    open_periods = sorted(
        (p for p in counts if not any(period_key(f) >= period_key(p) for f in filed)), key=period_key
    )
    ids: dict[str, list[int]] = defaultdict(list)
    for period, doc_id in rows.ims_ids_by_period(session, recipient_gstin, open_periods):
        ids[period].append(doc_id)
    out = []
    for period in open_periods:
        due = gstr3b_due_date(period, filing_frequency=filing.frequency, state_code=filing.state_code)
        summary = ", ".join(f"{n} {word}" for word, n in sorted(counts[period].items()))
        out.append(Deadline("gstr3b", due, _gstr3b_words(period, due, summary, taxes[period], today),
                            ids[period], taxes[period], period=period))
    return out


def _gstr3b_words(period: str, due: dt.date, summary: str, net: int, today: dt.date) -> str:
    fy = financial_year(due.replace(day=1) - dt.timedelta(days=1))  # the FY of the period's own month
    limit = section_16_4_limit(fy)
    itc = f"{format_inr(net)} net tax in accepted and no-action records"
    if due >= today:
        return f"GSTR-3B for {period} {_when(due, today)} ({summary}; {itc})"
    if today <= limit:
        return (f"GSTR-3B for {period} {_when(due, today)} ({summary}; {itc}): late fee and interest run; "
                f"file it by {limit:%d-%m-%Y} at the latest or its ITC of FY {fy_label(fy)} is lost "
                "(Section 16(4))")
    return (f"GSTR-3B for {period} was due {due:%d-%m-%Y} and is not marked filed ({summary}): its ITC "
            f"({itc}) is lost, the Section 16(4) limit for FY {fy_label(fy)} passed on {limit:%d-%m-%Y}; "
            "the return is still owed, with late fee and interest (if it was filed: ims period filed)")


def _books_missing(session: Session, recipient_gstin: str, filing: Filing, today: dt.date) -> list[Deadline]:
    """Section 16(4) for invoices and debit notes no supplier reported: their credit needs the supplier
    to file by the last day that still reaches a claimable GSTR-2B."""
    by_fy: dict[int, list] = defaultdict(list)
    for book in rows.books_missing_in_portal(session, recipient_gstin):
        by_fy[int(book.fy)].append(book)
    out = []
    for fy, members in sorted(by_fy.items()):
        last, tax = last_filing_day_for_credit(fy, filing.frequency), sum(int(b.tax) for b in members)
        records = f"{len(members)} invoices and debit notes of FY {fy_label(fy)} in your books"
        if today <= last:
            what = (f"{records} are not reported by their suppliers ({format_inr(tax)}): a supplier must "
                    f"file them by {last:%d-%m-%Y} for the credit to reach a GSTR-2B you can claim within "
                    "Section 16(4) (ims followup draft asks them)")
        else:
            what = (f"{records} were never reported by their suppliers ({format_inr(tax)}): their credit is "
                    "lost (Section 16(4)); ask the suppliers to make good the tax (ims followup draft)")
        out.append(Deadline("section_16_4", last, what, [b.id for b in members], tax, fy=fy))
    return out


def _itc_not_available(session: Session, recipient_gstin: str, filed: set[str],
                       filing: Filing) -> list[Deadline]:
    """GSTR-2B's itcavl N, per open period: leave them out of that GSTR-3B."""
    by_period: dict[str, list] = defaultdict(list)
    for doc in rows.itc_not_available(session, recipient_gstin):
        if not any(period_key(f) >= period_key(doc.return_period) for f in filed):
            by_period[doc.return_period].append(doc)
    out = []
    for period, members in sorted(by_period.items(), key=lambda item: period_key(item[0])):
        reasons = sorted({UNAVAILABLE_REASONS.get(d.itc_unavailable_reason, d.itc_unavailable_reason
                                                  or "no reason given") for d in members})
        tax = sum(int(d.tax) for d in members)
        due = gstr3b_due_date(period, filing_frequency=filing.frequency, state_code=filing.state_code)
        what = (f"{len(members)} GSTR-2B records of {period} are marked ITC not available "
                f"({'; '.join(reasons)}; {format_inr(tax)}): leave them out of GSTR-3B")
        out.append(Deadline("itc_not_available", due, what, [d.id for d in members], tax, period=period))
    return out


def _rule_37a(session: Session, recipient_gstin: str, today: dt.date) -> list[Deadline]:
    by_supplier: dict[tuple[str, int], list] = defaultdict(list)
    for doc in rows.gstr3b_unfiled(session, recipient_gstin):
        by_supplier[(doc.supplier_gstin, doc.fy)].append(doc)
    out = []
    for (supplier, fy), members in sorted(by_supplier.items()):
        check, reverse_by = rule_37a_dates(fy)
        if today <= check:
            title = (f"{supplier} has not filed GSTR-3B for {len(members)} document(s) of FY {fy_label(fy)}; "
                     f"if still unfiled on {check:%d-%m-%Y}, reverse that ITC by {reverse_by:%d-%m-%Y} "
                     "(Rule 37A)")
            due = check
        else:
            title = (f"{supplier} had not filed GSTR-3B by {check:%d-%m-%Y}: reverse the ITC of "
                     f"{len(members)} document(s) by {reverse_by:%d-%m-%Y} (Rule 37A; "
                     f"{_when(reverse_by, today)})")
            due = reverse_by
        out.append(Deadline("rule_37a", due, title, [d.id for d in members], sum(int(d.tax) for d in members),
                            fy=fy))
    return out


def _rule_37(session: Session, recipient_gstin: str, today: dt.date) -> list[Deadline]:
    """Only when the books carry payment dates at all: otherwise "unpaid" cannot be told from "unknown".
    One line per day 180 falls on, unpaid and paid late apart."""
    groups: dict[tuple[dt.date, bool], list] = defaultdict(list)
    candidates = rows.rule_37_candidates(
        session, recipient_gstin,
        unpaid_dated_up_to=today - dt.timedelta(days=RULE_37_DAYS - RULE_37_WARNING_DAYS), days=RULE_37_DAYS)
    for book in candidates:
        due, paid = rule_37_due(as_date(book.doc_date)), as_date(book.payment_date)
        if paid is None and (due - today).days > RULE_37_WARNING_DAYS or paid is not None and paid <= due:
            continue
        groups[(due, paid is not None)].append(book)
    out = []
    for (due, paid_late), members in sorted(groups.items()):
        tax = sum(int(b.tax) for b in members)
        which = (f"{members[0].doc_type} {members[0].doc_number} from {members[0].supplier_gstin}"
                 if len(members) == 1 else f"{len(members)} invoices")
        if paid_late:
            paid = (f"was paid on {as_date(members[0].payment_date):%d-%m-%Y}, after 180 days"
                    if len(members) == 1 else "were paid more than 180 days after the invoice date")
            title = (f"{which} {paid} ({format_inr(tax)}): the ITC should have been reversed by "
                     f"{due:%d-%m-%Y}, with interest, and is re-availed on payment (Rule 37)")
        else:
            title = (f"{which} unpaid 180 days after the invoice date on {due:%d-%m-%Y} ({format_inr(tax)}): "
                     f"pay the supplier or reverse the ITC (Rule 37; {_when(due, today)})")
        out.append(Deadline("rule_37", due, title, [b.id for b in members], tax, period=period_of(due)))
    return out
