"""The life of a supplier follow-up: drafted, sent (or marked sent, or failed), closed.

Moves allowed (sending itself lives in ``ims_core.suppliers.send``)::

    drafted/failed ──claim──▶ sending ──sent──▶ sent     drafted/failed ──mark_sent──▶ marked_sent
                              sending ──send fails──▶ failed ──claim──▶ sending
    any open ──documents fixed──▶ closed (resolved)     drafted/failed ──new draft──▶ closed (superseded)
    any open ──close──▶ closed (manual)

The escalation level follows the supplier's history: 1 (first request), 2 (reminder) or 3 (final
notice) = 1 + the follow-ups that reached the supplier since the last one closed as resolved, at most
3. A follow-up closes itself when a newer reconciliation shows every document it asked about as
``matched`` (or ``manual``): :func:`close_resolved`, to be called after each reconciliation and before
a digest. :func:`due_for_digest` lists the open ones whose cadence has run out. Every draft, edit,
send, failure and closing lands in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import SYSTEM, Actor, record, utc
from ims_core.errors import UserFacingError
from ims_core.gst import gstin as gstin_rules
from ims_core.matching.current import current_result_ids
from ims_core.models import FollowUp, FollowUpItem, MatchResult
from ims_core.models.vocabulary import FollowUpState, Status
from ims_core.settings import get_settings
from ims_core.suppliers.asks import documents_needing_action, need_by
from ims_core.suppliers.contacts import contact_for
from ims_core.suppliers.drafts import LEVELS, company_name, render
from ims_core.suppliers.names import supplier_names

OPEN = (FollowUpState.DRAFTED, FollowUpState.SENDING, FollowUpState.SENT, FollowUpState.MARKED_SENT,
        FollowUpState.FAILED)
SENDABLE = (FollowUpState.DRAFTED, FollowUpState.FAILED)
RESOLVED_STATUSES = (Status.MATCHED, Status.MANUAL)  # paired as the same document: nothing left to ask
_ITEM_FIELDS = ("purchase_document_id", "portal_document_id", "problem", "recipient_gstin", "return_period",
                "doc_type", "doc_number", "doc_date", "taxable_paise", "tax_paise", "invoice_value_paise",
                "itc_held_paise", "what_is_wrong", "what_we_need")


@dataclass(frozen=True)
class ClosedFollowUp:
    """A follow-up :func:`close_resolved` just closed, and what to say in its Slack thread if it has one."""

    followup_id: int
    supplier_gstin: str
    supplier_name: str
    documents: int
    slack_channel: str
    slack_ts: str
    text: str


@dataclass(frozen=True)
class DueFollowUp:
    """An open follow-up back in the digest: sent long enough ago without a fix, or failed to send."""

    followup_id: int
    supplier_gstin: str
    supplier_name: str
    status: str
    level: int
    next_level: int
    sent_at_local: dt.datetime | None
    days_waiting: int
    open_documents: int
    itc_held_paise: int
    slack_channel: str
    slack_ts: str


def supplier_gstin(text: str) -> str:
    """A GSTIN as typed, upper-cased and checked for shape (portal GSTINs may fail the check digit)."""
    value = gstin_rules.normalise(text)
    if not gstin_rules.has_valid_shape(value):
        raise UserFacingError(f"'{text}' is not a GSTIN (expected 15 characters such as 27AHQPA7588L1ZJ)")
    return value


def _since_last_resolved(session: Session, gstin: str):  # a where clause
    last = session.execute(select(func.max(FollowUp.id)).where(
        FollowUp.supplier_gstin == gstin, FollowUp.closed_reason == "resolved")).scalar() or 0
    return (FollowUp.supplier_gstin == gstin) & (FollowUp.id > last) & FollowUp.sent_at.is_not(None)


def escalation_level(session: Session, supplier_gstin: str) -> int:
    """1 + follow-ups that reached the supplier since the last resolved one, capped at the final notice."""
    reached = session.execute(select(func.count()).select_from(FollowUp)
                              .where(_since_last_resolved(session, supplier_gstin))).scalar()
    return min(max(LEVELS), 1 + int(reached))


def _previous_requests(session: Session, gstin: str) -> list[dt.date]:
    sent = session.execute(select(FollowUp.sent_at).where(_since_last_resolved(session, gstin))
                           .order_by(FollowUp.id)).scalars()
    return [clock.local_time(moment).date() for moment in sent]


def audit(session: Session, kind: str, followup: FollowUp, actor: Actor, *, before: dict | None,
          after: dict | None, reason: str = "") -> None:
    """One follow-up event in the audit trail (supplier-level: no single portal document)."""
    record(session, kind=kind, actor=actor, document_id=None, before=before, after=after, reason=reason,
           recipient_gstin=followup.recipient_gstin, supplier_gstin=followup.supplier_gstin)


def state(followup: FollowUp) -> dict:
    return {"followup_id": followup.id, "status": followup.status, "level": followup.level,
            "attempts": followup.attempts}


def draft(session: Session, gstin: str, *, actor: Actor, today: dt.date | None = None,
          company: str = "") -> FollowUp:
    """Draft a follow-up for every document the supplier must fix, at the level its history calls for,
    signed by ``company`` (else the configured name: :func:`drafts.company_name`).

    An unsent draft (or a failed send) for the same supplier is superseded: one open draft at a time.
    """
    gstin = supplier_gstin(gstin)
    today = today or clock.today()
    asks = documents_needing_action(session, gstin, today)
    if not asks:
        raise UserFacingError(f"nothing to ask supplier {gstin} about: the current reconciliation has no "
                              "document of theirs missing or reported differently")
    signed_by = company_name(session, asks, company)
    for old in session.execute(select(FollowUp).where(FollowUp.supplier_gstin == gstin,
                                                      FollowUp.status.in_(SENDABLE))).scalars():
        before = state(old)
        old.status, old.closed_reason, old.closed_at = FollowUpState.CLOSED, "superseded", clock.now()
        audit(session, "followup_superseded", old, actor, before=before, after=state(old))
    level = escalation_level(session, gstin)
    contact = contact_for(session, gstin)
    name = supplier_names(session, [gstin])[gstin]
    due, why = need_by(asks)
    text = render(level, supplier_name=name, supplier_gstin=gstin,
                  contact_name=contact.name if contact else "",
                  company=signed_by, asks=asks, need_by_date=due, need_by_reason=why,
                  previous_requests=_previous_requests(session, gstin))
    followup = FollowUp(supplier_gstin=gstin, recipient_gstin=asks[0].recipient_gstin, level=level,
                        status=FollowUpState.DRAFTED, subject=text.subject, body=text.body,
                        chat_text=text.chat_text, itc_held_paise=sum(a.itc_held_paise for a in asks),
                        need_by=due, created_at=clock.now(), created_by=actor.name or actor.id,
                        slack_channel=contact.slack_channel if contact else "")
    session.add(followup)
    session.flush()
    for ask in asks:
        session.add(FollowUpItem(followup_id=followup.id, **{k: getattr(ask, k) for k in _ITEM_FIELDS}))
    session.flush()
    audit(session, "followup_drafted", followup, actor, before=None,
          after={**state(followup), "documents": len(asks), "itc_held_paise": followup.itc_held_paise,
                 "need_by": due.isoformat() if due else None, "subject": followup.subject})
    return followup


def get(session: Session, followup_id: int) -> FollowUp:
    followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise UserFacingError(f"there is no follow-up #{followup_id}")
    return followup


def latest(session: Session, gstin: str, *, open_only: bool = True) -> FollowUp | None:
    """The supplier's newest follow-up (open ones only, by default)."""
    query = select(FollowUp).where(FollowUp.supplier_gstin == supplier_gstin(gstin))
    if open_only:
        query = query.where(FollowUp.status.in_(OPEN))
    return session.execute(query.order_by(FollowUp.id.desc()).limit(1)).scalars().first()


def items(session: Session, followup_id: int) -> list[FollowUpItem]:
    return list(session.execute(select(FollowUpItem).where(FollowUpItem.followup_id == followup_id)
                                .order_by(FollowUpItem.id)).scalars())


def edit(session: Session, followup_id: int, *, subject: str, body: str, chat_text: str,
         actor: Actor) -> FollowUp:
    """Keep a person's changes to a draft (the Slack modal); only unsent drafts can change."""
    followup = get(session, followup_id)
    if followup.status not in SENDABLE:
        raise UserFacingError(f"follow-up #{followup_id} is {followup.status.replace('_', ' ')}; "
                              "it can no longer be edited")
    if not subject.strip() or not body.strip():
        raise UserFacingError("a follow-up needs a subject and a message")
    before = {"subject": followup.subject, "body": followup.body, "chat_text": followup.chat_text}
    followup.subject, followup.body, followup.chat_text = subject.strip(), body.strip(), chat_text.strip()
    session.flush()
    audit(session, "followup_edited", followup, actor, before=before,
          after={"subject": followup.subject, "body": followup.body, "chat_text": followup.chat_text})
    return followup


def stale_claim_seconds() -> float:
    """A ``sending`` claim older than this belongs to a send that surely ended without recording its
    outcome (its process died): the SMTP deadline, and two minutes for the rest of the work."""
    return get_settings().smtp_deadline_seconds + 120


def claim(session: Session, followup: FollowUp, *, for_email: bool = False) -> int:
    """Compare-and-set: the caller owns this follow-up, or someone else got there first.

    The claim counts an attempt and, for an email (``for_email``), moves the follow-up to ``sending``
    in the same statement, so a second Send, however soon after, finds it taken and is refused. A
    ``sending`` claim past :func:`stale_claim_seconds` may be taken over. Returns the claim's token
    (the new ``attempts``), which the send shows when it records the outcome.
    """
    now = clock.now()
    stale = now - dt.timedelta(seconds=stale_claim_seconds())
    abandoned = and_(FollowUp.status == FollowUpState.SENDING, FollowUp.claimed_at < stale)
    sending = followup.status == FollowUpState.SENDING
    if followup.status not in SENDABLE and not (sending and utc(followup.claimed_at or now) < stale):
        state = "being sent" if sending else followup.status.replace("_", " ")
        raise UserFacingError(f"follow-up #{followup.id} is already {state}")
    values = {"attempts": followup.attempts + 1}
    if for_email:
        values.update(status=FollowUpState.SENDING, claimed_at=now)
    claimed = session.execute(update(FollowUp).where(
        FollowUp.id == followup.id, or_(FollowUp.status.in_(SENDABLE), abandoned),
        FollowUp.attempts == followup.attempts).values(**values)
        .execution_options(synchronize_session=False)).rowcount  # refreshed below
    if claimed != 1:
        raise UserFacingError(f"follow-up #{followup.id} is being sent by someone else; refresh and check")
    session.refresh(followup)
    return followup.attempts


def still_claimed(session: Session, followup_id: int, token: int) -> bool:
    """Renew a ``sending`` claim just before the SMTP conversation starts; False if it was taken over
    (a send that waited in the queue past the stale time)."""
    return session.execute(update(FollowUp).where(
        FollowUp.id == followup_id, FollowUp.status == FollowUpState.SENDING, FollowUp.attempts == token)
        .values(claimed_at=clock.now()).execution_options(synchronize_session=False)).rowcount == 1


def mark_sent(session: Session, followup_id: int, *, actor: Actor, note: str = "") -> FollowUp:
    """The user sent it another way (phone, portal, WhatsApp): it counts for escalation all the same."""
    followup = get(session, followup_id)
    claim(session, followup)
    before = state(followup)
    followup.status, followup.sent_at, followup.sent_via = FollowUpState.MARKED_SENT, clock.now(), "other"
    followup.sent_by, followup.sent_to = actor.name or actor.id, note
    session.flush()
    audit(session, "followup_marked_sent", followup, actor, before=before, after=state(followup), reason=note)
    return followup


def attach_thread(session: Session, followup_id: int, *, channel: str, ts: str) -> None:
    """Remember the Slack message the follow-up lives in, so closing it can reply in that thread."""
    followup = get(session, followup_id)
    followup.slack_channel, followup.slack_ts = channel, ts
    session.flush()


def close(session: Session, followup_id: int, *, actor: Actor, reason: str = "") -> FollowUp:
    """Close by hand (the supplier answered some other way, or the matter is dropped)."""
    followup = get(session, followup_id)
    if followup.status == FollowUpState.CLOSED:
        raise UserFacingError(f"follow-up #{followup_id} is already closed")
    before = state(followup)
    followup.status, followup.closed_reason, followup.closed_at = FollowUpState.CLOSED, "manual", clock.now()
    session.flush()
    audit(session, "followup_closed", followup, actor, before=before, after=state(followup), reason=reason)
    return followup


def _current_status(session: Session, ids: list[int], *, books: bool) -> dict[int, str]:
    """Per document, the status of its current match result (ims_core.matching.current)."""
    results = current_result_ids(session, ids, books=books)
    if not results:
        return {}
    status = dict(session.execute(
        select(MatchResult.id, MatchResult.status).where(MatchResult.id.in_(list(results.values())))).all())
    return {doc: status[result] for doc, result in results.items()}


def close_resolved(session: Session, *, now: dt.datetime | None = None) -> list[ClosedFollowUp]:
    """Resolve the items a newer reconciliation shows fixed; close follow-ups with nothing left open."""
    now = utc(now) if now else clock.now()
    open_items = list(session.execute(
        select(FollowUpItem).join(FollowUp, FollowUp.id == FollowUpItem.followup_id)
        .where(FollowUp.status.in_(OPEN), FollowUpItem.resolved_at.is_(None))).scalars())
    books = [i.purchase_document_id for i in open_items if i.purchase_document_id]
    portal = [i.portal_document_id for i in open_items if i.portal_document_id and not i.purchase_document_id]
    by_book = _current_status(session, books, books=True)
    by_portal = _current_status(session, portal, books=False)
    touched: set[int] = set()
    for item in open_items:
        status = (by_book.get(item.purchase_document_id) if item.purchase_document_id
                  else by_portal.get(item.portal_document_id))
        if status in RESOLVED_STATUSES:
            item.resolved_at, item.resolution = now, status
            touched.add(item.followup_id)
    session.flush()
    closed = []
    for followup_id in sorted(touched):
        documents = items(session, followup_id)
        if any(i.resolved_at is None for i in documents):
            continue
        followup = get(session, followup_id)
        before = state(followup)
        followup.status, followup.closed_reason, followup.closed_at = FollowUpState.CLOSED, "resolved", now
        session.flush()
        audit(session, "followup_closed", followup, SYSTEM, before=before, after=state(followup),
              reason="a newer reconciliation shows every document filed or corrected")
        name = supplier_names(session, [followup.supplier_gstin]).get(followup.supplier_gstin, "")
        count = len(documents)
        what = "the document" if count == 1 else f"all {count} documents"
        text = (f"Resolved: {name or followup.supplier_gstin} has filed or corrected {what} of this "
                "follow-up; it is closed.")
        closed.append(ClosedFollowUp(followup_id, followup.supplier_gstin, name, count,
                                     followup.slack_channel, followup.slack_ts, text))
    return closed


def due_for_digest(session: Session, *, now: dt.datetime | None = None,
                   cadence_days: int | None = None) -> list[DueFollowUp]:
    """Open follow-ups the digest should bring back, oldest first: sent (or marked sent) ``cadence_days``
    or more ago and still unresolved (default: setting ``IMS_FOLLOWUP_CADENCE_DAYS``), and any whose
    send failed. Read-only: call :func:`close_resolved` first so fixed ones do not come back."""
    now = utc(now) if now else clock.now()
    days = get_settings().ims_followup_cadence_days if cadence_days is None else cadence_days
    cutoff = now - dt.timedelta(days=days)
    waiting = (FollowUpState.SENT, FollowUpState.MARKED_SENT, FollowUpState.FAILED)
    rows = list(session.execute(select(FollowUp).where(FollowUp.status.in_(waiting))
                                .order_by(FollowUp.sent_at, FollowUp.id)).scalars())
    names = supplier_names(session, {f.supplier_gstin for f in rows})
    due = []
    for f in rows:
        sent_at = utc(f.sent_at) if f.sent_at else None
        if f.status != FollowUpState.FAILED and (sent_at is None or sent_at > cutoff):
            continue
        pending = [i for i in items(session, f.id) if i.resolved_at is None]
        due.append(DueFollowUp(
            followup_id=f.id, supplier_gstin=f.supplier_gstin, supplier_name=names.get(f.supplier_gstin, ""),
            status=f.status, level=f.level, next_level=min(max(LEVELS), f.level + 1),
            sent_at_local=clock.local_time(sent_at) if sent_at else None,
            days_waiting=(now - sent_at).days if sent_at else 0, open_documents=len(pending),
            itc_held_paise=sum(i.itc_held_paise for i in pending), slack_channel=f.slack_channel,
            slack_ts=f.slack_ts))
    return due
