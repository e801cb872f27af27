"""What needs a person: the current reconciliation's records that want a decision, counts, vendors.

The bot's digests, slash commands and App Home read these; the rules about *which* records need a
decision live here, not in Slack listeners. Which reconciliation is the current one is
``ims_core.matching.current``'s to say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from ims_core import clock
from ims_core.gst.dates import period_key
from ims_core.matching.current import current_result_ids, current_results
from ims_core.models import ImsDecision, MatchResult, PortalDocument, PurchaseDocument, Recipient
from ims_core.models.base import net_column
from ims_core.models.reconciliation import result_doc_type
from ims_core.models.vocabulary import Action, Status
from ims_core.reports.decidable import decided_on, in_ims, locked, undecided
from ims_core.suppliers.names import supplier_names

# Statuses whose portal record a person should look at before the 14th; ``matched`` records are
# fine as deemed-accepted and ``missing_in_portal`` has nothing on the portal to act on.
NEEDS_DECISION = (Status.MISMATCH, Status.PROBABLE, Status.MISSING_IN_BOOKS, Status.DUPLICATE)
# What a person must look at after a reconciliation: the records to decide, and the books' documents no
# supplier reported, whose ITC is blocked until the supplier files them (Section 16(2)(aa)).
NEEDS_ATTENTION = (*NEEDS_DECISION, Status.MISSING_IN_PORTAL)


@dataclass(frozen=True)
class WorkItem:
    """One portal record with its current reconciliation verdict."""

    portal_document_id: int
    recipient_gstin: str
    supplier_gstin: str
    supplier_name: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    return_period: str
    taxable_paise: int
    tax_paise: int
    status: str
    reasons: str
    recommended_action: str
    pending_action_blocked: bool | None
    source: str


@dataclass(frozen=True)
class WorkPage:
    """A page of work items, and the count and net tax of all of them (not only the page's)."""

    items: list[WorkItem]
    total: int
    total_tax_paise: int  # net: credit notes count negative


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int
    tax_paise: int  # net: credit notes count negative


@dataclass(frozen=True)
class VendorMatch:
    gstin: str
    name: str
    score: float
    open_items: int
    open_tax_paise: int  # net: credit notes count negative


_ITEM_COLUMNS = (  # a WorkItem's fields in order, less the supplier's name, which _items adds
    PortalDocument.id,
    PortalDocument.recipient_gstin,
    PortalDocument.supplier_gstin,
    PortalDocument.doc_type,
    PortalDocument.doc_number,
    PortalDocument.doc_date,
    PortalDocument.return_period,
    PortalDocument.taxable_paise,
    MatchResult.tax_paise,
    MatchResult.status,
    MatchResult.reasons,
    MatchResult.recommended_action,
    PortalDocument.pending_action_blocked,
    PortalDocument.source,
)


# Totals of results are net (ims_core.models.base): a credit note's tax counts negative
_COUNT_AND_NET_TAX = (func.count(),
                      func.coalesce(func.sum(net_column(MatchResult.tax_paise, result_doc_type())), 0))


def _with_documents(query: Select) -> Select:
    """``query`` (from ``match_result``) outer-joined to its documents, for ``result_doc_type``."""
    return query.outerjoin(PortalDocument, PortalDocument.id == MatchResult.portal_document_id).outerjoin(
        PurchaseDocument, PurchaseDocument.id == MatchResult.purchase_document_id)


def _items(session: Session, rows: Sequence) -> list[WorkItem]:
    """Result rows of ``_ITEM_COLUMNS`` as work items, each with its supplier's display name."""
    names = supplier_names(session, {row.supplier_gstin for row in rows})
    return [WorkItem(*row[:3], names[row.supplier_gstin], *row[3:len(_ITEM_COLUMNS)]) for row in rows]


def needing_decision(
    session: Session,
    *,
    recipients: Sequence[str] | None = None,
    period: str | None = None,
    statuses: Sequence[str] = NEEDS_DECISION,
    suppliers: Sequence[str] | None = None,
    exclude: Iterable[int] = (),
    undecided_only: bool = True,
    limit: int = 20,
    offset: int = 0,
    totals: tuple[int, int] | None = None,
) -> WorkPage:
    """Portal records of the current reconciliation that want a decision, most tax first, and their
    count and net tax (credit notes negative).

    ``undecided_only`` leaves out records the action engine already holds a decision for (on the
    record, or on its IMS twin). Only records a decision can still be taken on are listed: in IMS (a
    GSTR-2B record with an IMS twin counts), and not in a period marked filed; ``kept_apart`` counts
    the others. ``totals`` (count, net tax), when the caller already has them for the same records
    (the digest, from :func:`open_periods`), spare the counting pass.
    """
    base = _open_records(select(*_ITEM_COLUMNS).select_from(MatchResult), recipients, period, statuses,
                         suppliers, exclude, undecided_only)
    base = base.where(in_ims(), ~locked())
    if totals is None:
        listed = base.subquery("listed")
        net_tax = func.sum(net_column(listed.c.tax_paise, listed.c.doc_type))
        totals = session.execute(select(func.count(), func.coalesce(net_tax, 0))).one()
    rows = session.execute(
        base.order_by(MatchResult.tax_paise.desc(), PortalDocument.id).limit(limit).offset(offset)
    ).all()
    return WorkPage(items=_items(session, rows), total=int(totals[0]), total_tax_paise=int(totals[1]))


def _open_records(query: Select, recipients: Sequence[str] | None, period: str | None,
                  statuses: Sequence[str], suppliers: Sequence[str] | None = None,
                  exclude: Iterable[int] = (), undecided_only: bool = True) -> Select:
    """``query`` narrowed to the current results of those statuses (and suppliers) with a portal
    record, less ``exclude``, and (``undecided_only``) less what the action engine holds a decision for."""
    base = (
        current_results(query, recipients=recipients, period=period)
        .join(PortalDocument, PortalDocument.id == MatchResult.portal_document_id)
        .where(MatchResult.status.in_(list(statuses)))
    )
    if suppliers:
        base = base.where(MatchResult.supplier_gstin.in_(list(suppliers)))
    excluded = list(exclude)
    if excluded:
        base = base.where(PortalDocument.id.not_in(excluded))
    if undecided_only:
        base = base.where(undecided(decided_on()))
    return base


@dataclass(frozen=True)
class KeptApart:
    """Records that would need a decision but cannot take one, shown as information: in a period
    marked filed (``locked``), or only in GSTR-2B/2A, not in IMS (``not_in_ims``); each ``(count, net
    tax paise, the largest few)``."""

    locked: tuple[int, int, list[WorkItem]]
    not_in_ims: tuple[int, int, list[WorkItem]]


def _why():  # a column expression over an open record
    """Why a decision can or cannot be taken on an open record: ``open``, or ``not_in_ims``, ``locked``."""
    return case((~in_ims(), "not_in_ims"), (locked(), "locked"), else_="open").label("why")


def kept_apart(session: Session, *, recipients: Sequence[str] | None = None, period: str | None = None,
               statuses: Sequence[str] = NEEDS_DECISION, limit: int = 5,
               totals: Mapping[str, tuple[int, int]] | None = None) -> KeptApart:
    """The undecided records of those statuses that no button can decide, by why: one pass over the
    open records, each with its reason's count, net tax and rank by tax (window functions).
    ``totals`` (:attr:`OpenRecords.apart`, for the same records) saying there are none spare the pass."""
    if totals is not None and not any(count for count, _ in totals.values()):
        return KeptApart(locked=(0, 0, []), not_in_ims=(0, 0, []))
    why = _why()  # never "open" here: the records a button can decide are left out below
    base = _open_records(select(*_ITEM_COLUMNS, why).select_from(MatchResult), recipients, period,
                         statuses).where(or_(~in_ims(), locked())).subquery("apart")
    by_why = {"partition_by": base.c.why}
    largest_first = (base.c.tax_paise.desc(), base.c.id)
    ranked = select(base, func.count().over(**by_why).label("n"),
                    func.sum(net_column(base.c.tax_paise, base.c.doc_type)).over(**by_why).label("net"),
                    func.row_number().over(**by_why, order_by=largest_first).label("rank"),
                    ).subquery("ranked")
    rows = session.execute(select(ranked).where(ranked.c.rank <= max(limit, 1))
                           .order_by(ranked.c.why, ranked.c.rank)).all()
    parts: dict[str, tuple[int, int, list]] = {}
    for row in rows:
        count, tax, shown = parts.setdefault(row.why, (int(row.n), int(row.net), []))
        if len(shown) < limit:
            shown.append(row)
    found = {reason: (count, tax, _items(session, shown)) for reason, (count, tax, shown) in parts.items()}
    return KeptApart(locked=found.get("locked", (0, 0, [])), not_in_ims=found.get("not_in_ims", (0, 0, [])))


@dataclass(frozen=True)
class OpenRecords:
    """The undecided records of some statuses, counted in one pass: ``periods`` ``{period: (records,
    net tax paise)}`` of those a decision can still be taken on, oldest period first; ``apart``
    ``{"locked" | "not_in_ims": (records, net tax paise)}`` of those no button can decide
    (:func:`kept_apart` lists them)."""

    periods: dict[str, tuple[int, int]]
    apart: dict[str, tuple[int, int]]


def open_records(session: Session, recipients: Sequence[str] | None = None,
                 statuses: Sequence[str] = NEEDS_DECISION) -> OpenRecords:
    """The undecided records of those statuses, by period and by whether a decision can be taken."""
    why = _why()
    query = select(MatchResult.return_period, why, func.count(),
                   func.coalesce(func.sum(net_column(MatchResult.tax_paise, PortalDocument.doc_type)), 0))
    rows = session.execute(_open_records(query.select_from(MatchResult), recipients, None, statuses)
                           .group_by(MatchResult.return_period, why)).all()
    periods: dict[str, tuple[int, int]] = {}
    apart = {"locked": (0, 0), "not_in_ims": (0, 0)}
    for period, reason, count, tax in sorted(rows, key=lambda r: period_key(r[0])):
        if reason == "open":
            periods[period] = (int(count), int(tax))
        else:
            apart[reason] = (apart[reason][0] + int(count), apart[reason][1] + int(tax))
    return OpenRecords(periods=periods, apart=apart)


def open_periods(session: Session, recipients: Sequence[str] | None = None,
                 statuses: Sequence[str] = NEEDS_DECISION) -> dict[str, tuple[int, int]]:
    """``{period: (records, net tax paise)}`` of the records a decision can still be taken on, oldest
    period first: the digest works on the oldest and counts the rest."""
    return open_records(session, recipients, statuses).periods


def items_by_id(session: Session, portal_document_ids: Iterable[int]) -> dict[int, WorkItem]:
    """The current verdict for specific portal records (re-rendering a posted message)."""
    results = current_result_ids(session, portal_document_ids)
    if not results:
        return {}
    rows = session.execute(
        select(*_ITEM_COLUMNS)
        .select_from(MatchResult)
        .join(PortalDocument, PortalDocument.id == MatchResult.portal_document_id)
        .where(MatchResult.id.in_(list(results.values())))
    ).all()
    return {item.portal_document_id: item for item in _items(session, rows)}


def status_counts(
    session: Session, *, recipients: Sequence[str] | None = None, period: str | None = None
) -> list[StatusCount]:
    """Counts and net tax per status in the current reconciliation, in the vocabulary's order."""
    query = select(MatchResult.status, *_COUNT_AND_NET_TAX)
    rows = session.execute(
        _with_documents(current_results(query.select_from(MatchResult), recipients=recipients, period=period))
        .group_by(MatchResult.status)
    ).all()
    found = {status: StatusCount(status, int(n), int(tax)) for status, n, tax in rows}
    ordered = [found.pop(s) for s in Status if s in found]
    return ordered + sorted(found.values(), key=lambda c: c.status)


def recipients(session: Session) -> list[str]:
    """Every recipient GSTIN the database knows, registered or seen in portal data."""
    known = set(session.execute(select(Recipient.gstin)).scalars())
    known |= set(session.execute(select(MatchResult.recipient_gstin).distinct()).scalars())
    return sorted(g for g in known if g)


def latest_period(session: Session, recipients: Sequence[str] | None = None) -> str | None:
    """The newest return period that has reconciliation results (``MMYYYY``), if any."""
    query = select(MatchResult.return_period).distinct()
    if recipients:
        query = query.where(MatchResult.recipient_gstin.in_(list(recipients)))
    periods = [p for p in session.execute(query).scalars() if p and len(p) == 6]
    return max(periods, key=period_key) if periods else None


_GSTIN_LIKE = re.compile(r"^[0-9]{2}[A-Z0-9]{1,13}$")


def find_vendors(
    session: Session, query: str, *, limit: int = 5, min_score: float = 70.0
) -> list[VendorMatch]:
    """Suppliers by GSTIN (or its start) or by name, tolerant of typos in the name."""
    text = query.strip()
    if not text:
        return []
    names = supplier_names(session)
    if _GSTIN_LIKE.match(text.upper()):
        hits = [(g, n, 100.0) for g, n in names.items() if g.startswith(text.upper())]
    else:
        by_name: dict[str, list[str]] = {}
        for gstin, name in names.items():
            if name:
                by_name.setdefault(name, []).append(gstin)
        found = process.extract(
            text, list(by_name), scorer=fuzz.WRatio, processor=_fold, limit=limit, score_cutoff=min_score
        )
        hits = [(g, name, float(score)) for name, score, _ in found for g in by_name[name]]
    hits = sorted(hits, key=lambda h: (-h[2], h[1], h[0]))[:limit]
    open_figures = _open_figures(session, [g for g, _, _ in hits])
    return [VendorMatch(g, n, s, *open_figures.get(g, (0, 0))) for g, n, s in hits]


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower().replace("pvt", "private").replace("ltd", "limited"))


def _open_figures(session: Session, gstins: list[str]) -> dict[str, tuple[int, int]]:
    if not gstins:
        return {}
    query = select(MatchResult.supplier_gstin, *_COUNT_AND_NET_TAX)
    rows = session.execute(
        _with_documents(current_results(query.select_from(MatchResult)))
        .where(MatchResult.supplier_gstin.in_(gstins), MatchResult.status.in_(NEEDS_DECISION))
        .group_by(MatchResult.supplier_gstin)
    ).all()
    return {g: (int(n), int(t)) for g, n, t in rows}


_SEPARATORS = ("-", "/", " ", ".", "_", "\\")


def _number_key(number: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", number.upper()).lstrip("0")


def find_documents(session: Session, number: str, *, limit: int = 5) -> list[WorkItem]:
    """Portal records whose number is ``number`` up to case, separators and leading zeros."""
    key = _number_key(number)
    if not key:
        return []
    folded = func.upper(PortalDocument.doc_number)
    for separator in _SEPARATORS:
        folded = func.replace(folded, separator, "")
    candidates = session.execute(
        select(PortalDocument.id, PortalDocument.doc_number)
        .where(func.ltrim(folded, "0") == key)
        .order_by(PortalDocument.id)
        .limit(limit * 4)
    ).all()
    ids = [i for i, n in candidates if _number_key(n) == key][:limit]
    found = items_by_id(session, ids)
    return [found[i] for i in ids if i in found]


def needs_itc_reduction_choice(session: Session, portal_document_id: int) -> bool:
    """Whether accepting this record asks how much ITC is reduced (credit notes, from Oct 2025)."""
    from ims_core.decisions.errors import ActionRefused
    from ims_core.decisions.rules import reduction_applies
    from ims_core.decisions.store import resolve_ims_document, rule_context

    try:
        doc = resolve_ims_document(session, portal_document_id)
    except ActionRefused:
        return False
    row = (
        session.execute(select(ImsDecision).where(ImsDecision.portal_document_id == doc.id)).scalars().first()
    )
    return reduction_applies(rule_context(session, doc, row, clock.today()))


def explain_story(session: Session, portal_document_id: int) -> str:
    """The matching engine's story of a record (``ims explain``); the stored verdict if it cannot
    be told again (e.g. the document was re-imported under another number since)."""
    from ims_core.errors import UserFacingError
    from ims_core.matching.explain import explain

    doc = session.get(PortalDocument, portal_document_id)
    if doc is None:
        return ""
    try:
        return explain(session.get_bind(), doc.supplier_gstin, doc.doc_number)
    except UserFacingError as exc:
        return f"{stored_verdict(session, portal_document_id)}\n({exc})".strip()


def stored_verdict(session: Session, portal_document_id: int) -> str:
    """A record's current result: verdict, reasons, and the nearest miss."""
    result_id = current_result_ids(session, [portal_document_id]).get(portal_document_id)
    result = session.get(MatchResult, result_id) if result_id is not None else None
    if result is None:
        return ""
    lines = [f"Status: {result.status} (score {result.score:.2f}, run {result.run_id})"]
    lines += [f"- {reason.strip()}" for reason in result.reasons.split(";") if reason.strip()]
    if result.purchase_document_id is None and result.nearest_note:
        lines.append(f"Nearest book entry: {result.nearest_note}")
    if result.recommended_action:
        lines.append(f"Suggested action: {Action(result.recommended_action).verb.capitalize()}")
    return "\n".join(lines)


REMINDER_LEAD_DAYS = 2


def reminder_due(session: Session, gstins: Sequence[str], today: dt.date) -> tuple[str, str, str] | None:
    """The reminder to send today, as (kind, title, return period), or None.

    The day before the 14th, only when the radar finds records with no action that tomorrow's GSTR-2B
    will deem accepted (GSTN FAQ on IMS, 23 September 2024: "records with No action are deemed accepted
    at the time of GSTR-2B generation"; their net tax and count from ``ims_core.reports.radar``); up to
    two days before the GSTR-3B due date of the previous period (monthly 20th, QRMP 22nd/24th by state).
    """
    from ims_core.gst.dates import period_of
    from ims_core.gst.due_dates import GSTR2B_DAY, filing_of, gstr3b_due_date
    from ims_core.gst.money import format_inr
    from ims_core.reports.radar import deemed_on, radar_lines, registration_deadlines

    previous = period_of(today.replace(day=1) - dt.timedelta(days=1))
    label = f"{int(previous[:2]):02d}/{previous[2:]}"
    if today.day == GSTR2B_DAY - 1:
        found = registration_deadlines(session, gstins, today)
        deemed = deemed_on(radar_lines(found, today), today + dt.timedelta(days=1))
        if deemed:
            records, tax = sum(line.records for line in deemed), sum(line.tax_paise for line in deemed)
            return "gstr2b", (f"GSTR-2B for {label} is generated tomorrow: {format_inr(tax)} of tax in "
                              f"{records} record(s) will be deemed accepted unless someone acts"), previous
    registered = {
        r.gstin: r
        for r in session.execute(select(Recipient).where(Recipient.gstin.in_(list(gstins)))).scalars()
    }
    for gstin in gstins:
        due = gstr3b_due_date(previous, **filing_of(gstin, registered.get(gstin)))
        if 0 < (due - today).days <= REMINDER_LEAD_DAYS:
            return "gstr3b", f"GSTR-3B for {label} is due on {due:%d %b}", previous
    return None
