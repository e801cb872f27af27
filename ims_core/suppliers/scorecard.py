"""Supplier insight: how each supplier's documents reconcile, what ITC they hold up, how they file.

Figures come from the *current* reconciliation (``ims_core.matching.current``) and from the portal's
own records (filing dates, IMS rejections). A supplier is one GSTIN, or one PAN across its state
registrations.

The money figures are net (``ims_core.models.base``): a credit note's tax counts negative. ``ITC
booked`` is the tax of the supplier's documents in the books (duplicates left out); ``ITC at risk`` the
part of it on documents missing from the portal or reported differently, so a credit note the supplier
has not reported offsets an invoice it has not reported; the figures by status net each status's tax.

The score (0-100, higher is better) is deliberately simple so a user can check it by hand::

    score = 100 - 40 * missing - 30 * mismatched - 20 * late - 10 * rejected

``missing``: share of the tax on the supplier's invoices and debit notes in the books whose documents
are not on the portal (of their number, when that tax is nil); ``mismatched``: share of that tax on
documents the portal reports differently (``mismatch`` or ``probable``); ``late``: share of the
documents with a filing date that were filed after the GSTR-1 due date; ``rejected``: share of the
supplier's portal documents rejected in IMS. The shares are of invoices and debit notes, not of the
net ITC, which credit notes can bring to nil or below. Each share is 0 when there is nothing to divide
by; the result is rounded half up. :data:`SCORE_LEGEND` says this to the user.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import or_, select
from sqlmodel import Session

from ims_core import clock
from ims_core.errors import UserFacingError
from ims_core.gst import gstin as gstin_rules
from ims_core.gst.dates import period_key
from ims_core.gst.due_dates import gstr1_due_date
from ims_core.matching.current import current_results
from ims_core.models import ImsDecision, MatchResult, PortalDocument, PurchaseDocument
from ims_core.models.base import net_paise, tax_sum
from ims_core.models.reconciliation import result_doc_type
from ims_core.models.vocabulary import Action, Status
from ims_core.suppliers.names import supplier_names

# Statuses of documents the portal reports differently from the books
REPORTED_DIFFERENTLY = (Status.MISMATCH, Status.PROBABLE)
# Statuses whose booked ITC cannot be claimed as booked until the supplier acts
AT_RISK = (Status.MISSING_IN_PORTAL, *REPORTED_DIFFERENTLY)
# Document types that carry ITC for the recipient (a credit note reduces it instead)
CLAIMING_TYPES = ("INV", "DBN")
WEIGHTS = {"missing": 40, "mismatched": 30, "late": 20, "rejected": 10}
SCORE_LEGEND = (  # under every table or card that shows the score: what it means, true to score_of
    "Score = 100 - {missing} x missing - {mismatched} x mismatched - {late} x late - {rejected} x rejected, "
    "each a share from 0 to 1; 100 = none.\n"
    "Shares of its booked invoices' and debit notes' tax (missing from the portal, reported differently), "
    "of its filings (after the GSTR-1 due date), of its records (rejected in IMS)."
).format(**WEIGHTS)


@dataclass
class StatusFigure:
    count: int = 0
    tax_paise: int = 0  # net: credit notes count negative


@dataclass
class PeriodTrend:
    """One return period of a supplier: documents, what is at risk, and the score for that period."""

    period: str
    documents: int
    at_risk_documents: int
    itc_at_risk_paise: int  # net
    score: int


@dataclass
class SupplierInsight:
    """The scorecard of one supplier GSTIN (``key`` = GSTIN) or one PAN (``key`` = PAN)."""

    key: str
    gstins: list[str]
    name: str
    by_status: dict[str, StatusFigure] = field(default_factory=dict)
    itc_booked_paise: int = 0  # net: credit notes count negative
    itc_at_risk_paise: int = 0  # net
    missing_in_portal: int = 0
    oldest_missing_days: int | None = None
    mismatch_reasons: dict[str, int] = field(default_factory=dict)
    filed_with_date: int = 0
    filed_late: int = 0
    worst_delay_days: int = 0
    gstr3b_not_filed: int = 0
    gstr1_not_filed: int = 0
    portal_documents: int = 0
    rejected: int = 0
    score: int = 100
    trend: list[PeriodTrend] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(f.count for f in self.by_status.values())


@dataclass(frozen=True)
class _Result:
    supplier_gstin: str
    status: str
    reasons: str
    return_period: str
    tax_paise: int
    doc_type: str
    book_doc_type: str | None
    book_doc_date: dt.date | None
    book_tax_paise: int | None


@dataclass(frozen=True)
class _Portal:
    supplier_gstin: str
    key: tuple
    return_period: str
    filing_date: dt.date | None
    supplier_period: str
    src_form: str
    filing_status: str
    gstr3b_filed: str
    rejected: bool


def _results(session: Session, gstins: Iterable[str] | None) -> list[_Result]:
    query = select(
        MatchResult.supplier_gstin,
        MatchResult.status,
        MatchResult.reasons,
        MatchResult.return_period,
        MatchResult.tax_paise,
        result_doc_type(),
        PurchaseDocument.doc_type,
        PurchaseDocument.doc_date,
        tax_sum(PurchaseDocument),
    ).select_from(MatchResult)
    query = (
        current_results(query)
        .outerjoin(PurchaseDocument, PurchaseDocument.id == MatchResult.purchase_document_id)
        .outerjoin(PortalDocument, PortalDocument.id == MatchResult.portal_document_id)
    )
    if gstins is not None:
        query = query.where(MatchResult.supplier_gstin.in_(list(gstins)))
    return [_Result(*row) for row in session.execute(query)]


def _portal(session: Session, gstins: Iterable[str] | None) -> list[_Portal]:
    decided_r = select(ImsDecision.portal_document_id).where(ImsDecision.action == Action.REJECT)
    query = select(
        PortalDocument.supplier_gstin,
        PortalDocument.doc_type,
        PortalDocument.doc_number,
        PortalDocument.fy,
        PortalDocument.return_period,
        PortalDocument.supplier_filing_date,
        PortalDocument.supplier_return_period,
        PortalDocument.src_form,
        PortalDocument.supplier_filing_status,
        PortalDocument.gstr3b_filed,
        or_(PortalDocument.rejected_in_ims, PortalDocument.id.in_(decided_r)),
    )
    if gstins is not None:
        query = query.where(PortalDocument.supplier_gstin.in_(list(gstins)))
    merged: dict[tuple, _Portal] = {}
    for row_values in session.execute(query):
        g, doc_type, number, fy, period, filed, sup_period, form, status, cfs3b, rejected = row_values
        key = (g, doc_type, number.upper(), fy)
        seen = merged.get(key)
        row = _Portal(
            g, key, period, filed, sup_period or period, form or "", status or "", cfs3b or "", bool(rejected)
        )
        if seen is None:
            merged[key] = row
        else:  # the same document from IMS, GSTR-2B and GSTR-2A: keep every fact any copy has
            merged[key] = _Portal(
                g,
                key,
                seen.return_period or period,
                seen.filing_date or filed,
                seen.supplier_period or row.supplier_period,
                seen.src_form or row.src_form,
                seen.filing_status or row.filing_status,
                seen.gstr3b_filed or row.gstr3b_filed,
                seen.rejected or row.rejected,
            )
    return list(merged.values())


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def score_of(*, missing: Fraction, mismatched: Fraction, late: Fraction, rejected: Fraction) -> int:
    """The module docstring's formula, exact until the final half-up rounding."""
    value = (
        100
        - WEIGHTS["missing"] * missing
        - WEIGHTS["mismatched"] * mismatched
        - WEIGHTS["late"] * late
        - WEIGHTS["rejected"] * rejected
    )
    return int(value + Fraction(1, 2)) if value >= 0 else 0


def _reason_field(reason: str) -> str:
    return reason.split(":", 1)[0].strip() if ":" in reason else reason.strip()


@dataclass
class _Booked:
    """The books' side of a supplier's results: net ITC booked and at risk (the figures shown), and
    the tax and number of its invoices and debit notes, all of them and those missing or mismatched
    (the score's shares)."""

    net: int = 0
    net_at_risk: int = 0
    tax: Counter[str] = field(default_factory=Counter)  # "all", "missing", "mismatched"
    docs: Counter[str] = field(default_factory=Counter)

    def add(self, r: _Result) -> None:
        if r.book_doc_type is None or r.status == Status.DUPLICATE:
            return
        tax = int(r.book_tax_paise or 0)
        at_risk = r.status in AT_RISK
        self.net += net_paise(tax, r.book_doc_type)
        self.net_at_risk += net_paise(tax, r.book_doc_type) if at_risk else 0
        if r.book_doc_type in CLAIMING_TYPES:
            missing = r.status == Status.MISSING_IN_PORTAL
            for kind in ("all", *(("missing",) if missing else ("mismatched",) if at_risk else ())):
                self.tax[kind] += tax
                self.docs[kind] += 1

    def share(self, kind: str) -> Fraction:
        """``missing`` or ``mismatched``, of the invoices' and debit notes' tax (of their number, when
        that tax is nil)."""
        whole = self.tax if self.tax["all"] > 0 else self.docs
        return _share(whole[kind], whole["all"])


def _figures(insight: SupplierInsight, results: list[_Result], portal: list[_Portal], today: dt.date) -> None:
    """Fill ``insight``'s figures (not its trend) from its results and portal documents."""
    booked = _Booked()
    reasons: Counter[str] = Counter()
    for r in results:
        figure = insight.by_status.setdefault(r.status, StatusFigure())
        figure.count += 1
        figure.tax_paise += net_paise(int(r.tax_paise or 0), r.doc_type)
        booked.add(r)
        if r.status == Status.MISSING_IN_PORTAL:
            insight.missing_in_portal += 1
            if r.book_doc_date is not None:
                age = (today - r.book_doc_date).days
                insight.oldest_missing_days = max(insight.oldest_missing_days or 0, age)
        if r.status in REPORTED_DIFFERENTLY:
            for part in (r.reasons or "").split("; "):
                if part and "within tolerance" not in part and not part.startswith("portal:"):
                    reasons[_reason_field(part)] += 1
    insight.itc_booked_paise = booked.net
    insight.itc_at_risk_paise = booked.net_at_risk
    insight.mismatch_reasons = dict(reasons.most_common())
    for p in portal:
        insight.portal_documents += 1
        insight.rejected += p.rejected
        insight.gstr3b_not_filed += p.gstr3b_filed == "N"
        insight.gstr1_not_filed += p.filing_status.upper() == "N"
        if p.filing_date is not None and len(p.supplier_period) == 6:
            insight.filed_with_date += 1
            delay = (p.filing_date - gstr1_due_date(p.supplier_period, p.src_form)).days
            if delay > 0:
                insight.filed_late += 1
                insight.worst_delay_days = max(insight.worst_delay_days, delay)
    insight.score = score_of(
        missing=booked.share("missing"),
        mismatched=booked.share("mismatched"),
        late=_share(insight.filed_late, insight.filed_with_date),
        rejected=_share(insight.rejected, insight.portal_documents),
    )


def _trend(results: list[_Result], portal: list[_Portal], today: dt.date) -> list[PeriodTrend]:
    periods = {r.return_period for r in results if r.return_period} | {
        p.return_period for p in portal if p.return_period
    }
    trend = []
    for period in sorted(periods, key=period_key):
        one = SupplierInsight(key=period, gstins=[], name="")
        _figures(
            one,
            [r for r in results if r.return_period == period],
            [p for p in portal if p.return_period == period],
            today,
        )
        at_risk = sum(one.by_status.get(s, StatusFigure()).count for s in AT_RISK)
        trend.append(PeriodTrend(period, one.documents, at_risk, one.itc_at_risk_paise, one.score))
    return trend


def _build(
    session: Session,
    groups: dict[str, list[str]],
    results: list[_Result],
    portal: list[_Portal],
    today: dt.date,
    with_trend: bool,
) -> list[SupplierInsight]:
    names = supplier_names(session, {g for members in groups.values() for g in members})
    member_of = {g: key for key, members in groups.items() for g in members}
    by_key_results: dict[str, list[_Result]] = defaultdict(list)
    by_key_portal: dict[str, list[_Portal]] = defaultdict(list)
    for r in results:
        by_key_results[member_of[r.supplier_gstin]].append(r)
    for p in portal:
        by_key_portal[member_of[p.supplier_gstin]].append(p)
    out = []
    for key, members in groups.items():
        name = next((names[g] for g in members if names.get(g)), "")
        insight = SupplierInsight(key=key, gstins=sorted(members), name=name)
        _figures(insight, by_key_results[key], by_key_portal[key], today)
        if with_trend:
            insight.trend = _trend(by_key_results[key], by_key_portal[key], today)
        out.append(insight)
    return out


def _known_gstins(session: Session) -> set[str]:
    gstins = set(session.execute(select(MatchResult.supplier_gstin).distinct()).scalars())
    gstins |= set(session.execute(select(PortalDocument.supplier_gstin).distinct()).scalars())
    return {g for g in gstins if g}


def list_suppliers(
    session: Session, *, by: str = "gstin", sort: str = "name", today: dt.date | None = None
) -> list[SupplierInsight]:
    """Every supplier's scorecard (``by`` ``gstin`` or ``pan``), sorted by name or by ``risk``.

    ``risk`` puts the most ITC at risk first, then the lowest score.
    """
    if by not in ("gstin", "pan") or sort not in ("name", "risk", "score"):
        raise UserFacingError(
            f"cannot list suppliers by '{by}' sorted by '{sort}' "
            "(expected by gstin|pan, sort name|risk|score)"
        )
    today = today or clock.today()
    gstins = _known_gstins(session)
    groups: dict[str, list[str]] = defaultdict(list)
    for g in gstins:
        groups[(gstin_rules.pan_of(g) or g) if by == "pan" else g].append(g)
    insights = _build(session, dict(groups), _results(session, None), _portal(session, None), today, False)
    if sort == "risk":
        insights.sort(key=lambda i: (-i.itc_at_risk_paise, i.score, i.key))
    elif sort == "score":
        insights.sort(key=lambda i: (i.score, -i.itc_at_risk_paise, i.key))
    else:
        insights.sort(key=lambda i: (i.name.lower() or "~", i.key))
    return insights


def supplier_insight(session: Session, gstin_or_pan: str, *, today: dt.date | None = None) -> SupplierInsight:
    """One supplier's scorecard with its trend: a GSTIN alone, or every GSTIN of a PAN."""
    text = gstin_rules.normalise(gstin_or_pan)
    today = today or clock.today()
    known = _known_gstins(session)
    if gstin_rules.PAN_PATTERN.match(text):
        members = sorted(g for g in known if gstin_rules.pan_of(g) == text)
    else:
        members = [text] if text in known else []
    if not members:
        raise UserFacingError(
            f"no documents from supplier {text or gstin_or_pan}: check the GSTIN or PAN, "
            "or import and reconcile first"
        )
    return _build(
        session, {text: members}, _results(session, members), _portal(session, members), today, True
    )[0]


def other_registrations(session: Session, gstin: str) -> list[str]:
    """The supplier's other GSTINs (same PAN, other states) that appear in the data."""
    pan = gstin_rules.pan_of(gstin)
    return sorted(g for g in _known_gstins(session) if g != gstin and gstin_rules.pan_of(g) == pan)
