"""Sending a follow-up by email: claim it, talk SMTP outside any transaction, record what happened.

:func:`claim_send` moves the follow-up to ``sending`` (compare-and-set, committed), so a second Send,
however soon after the first, is refused and one email goes out. :func:`deliver` then talks SMTP,
within the mail deadline and outside any transaction; the bot runs it on its own small mail pool,
never on a listener thread. Success marks the follow-up ``sent``; any failure (an address or subject
that cannot be a header included) marks it ``failed`` with the reason, writes a ``followup_failed``
audit event and re-raises a :class:`~ims_core.suppliers.mailer.MailError`: nothing is ever marked
sent that was not, and nothing is left ``sending``. :func:`send` is the two in a row (the CLI).
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ims_core import clock
from ims_core.audit import Actor
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.models import FollowUp
from ims_core.models.vocabulary import FollowUpState
from ims_core.suppliers.asks import KIND_WORDS
from ims_core.suppliers.contacts import contact_for, split_emails
from ims_core.suppliers.followups import audit, claim, get, items, state, still_claimed
from ims_core.suppliers.mailer import Attachment, MailError, OutgoingMail, documents_xlsx, send_mail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """A follow-up this caller owns for one send (``token``: its claim), and the email to send."""

    followup_id: int
    token: int
    mail: OutgoingMail


def attachment_for(session: Session, followup: FollowUp) -> Attachment:
    """The supplier's documents of this follow-up as an XLSX attachment."""
    rows = [{"kind": KIND_WORDS.get(i.doc_type, "document"), "number": i.doc_number, "date": i.doc_date,
             "value_paise": i.invoice_value_paise, "taxable_paise": i.taxable_paise, "tax_paise": i.tax_paise,
             "period": i.return_period, "wrong": i.what_is_wrong, "need": i.what_we_need}
            for i in items(session, followup.id)]
    title = f"Documents to report or correct: {followup.supplier_gstin} (follow-up #{followup.id})"
    name = f"gst-documents-{followup.supplier_gstin}-{followup.id}.xlsx"
    return Attachment(name, documents_xlsx(title, rows))


def addresses_for(session: Session, followup: FollowUp, to: list[str] | None) -> list[str]:
    """``to`` when given, else the supplier's imported contact addresses."""
    if to:
        return [a.strip() for a in to if a.strip()]
    contact = contact_for(session, followup.supplier_gstin)
    found = split_emails(contact.email) if contact else []
    if not found:
        raise UserFacingError(f"no email address for supplier {followup.supplier_gstin}: import contacts "
                              "(ims contacts import FILE) or give one with --to")
    return found


def claim_send(engine: Engine, followup_id: int, *, to: list[str] | None = None,
               attach_xlsx: bool = True) -> Claimed:
    """Claim the follow-up for one email (``sending``, committed) and build that email: fast, so the
    bot does it before the click's listener returns; a follow-up already claimed is refused."""
    with session_scope(engine) as session:
        followup = get(session, followup_id)
        addresses = addresses_for(session, followup, to)
        token = claim(session, followup, for_email=True)
        mail = OutgoingMail(to=addresses, subject=followup.subject, body=followup.body,
                            attachments=[attachment_for(session, followup)] if attach_xlsx else [])
    return Claimed(followup_id, token, mail)


def deliver(engine: Engine, claimed: Claimed, *, actor: Actor,
            tls_context: ssl.SSLContext | None = None) -> FollowUp:
    """Email a claimed follow-up and return it as sent; on any failure record it and raise
    ``MailError``. A claim taken over while this send waited (see ``followups.claim``) sends nothing."""
    with session_scope(engine) as session:
        if not still_claimed(session, claimed.followup_id, claimed.token):
            raise UserFacingError(f"follow-up #{claimed.followup_id} was taken over by another send while "
                                  "this one waited; nothing was sent from here")
    try:
        message_id = send_mail(claimed.mail, tls_context=tls_context)
    except Exception as exc:
        error = exc if isinstance(exc, MailError) else MailError(
            f"the email could not be sent ({type(exc).__name__}: {exc})")
        if not isinstance(exc, MailError):
            logger.exception("unexpected failure sending follow-up #%s", claimed.followup_id)
        _record(engine, claimed, actor, failed=str(error))
        raise error from exc
    return _record(engine, claimed, actor, message_id=message_id)


def _record(engine: Engine, claimed: Claimed, actor: Actor, *, message_id: str = "",
            failed: str = "") -> FollowUp:
    """The outcome of a send: ``sent`` with who, when and to whom, or ``failed`` with the reason."""
    addresses = claimed.mail.to
    with session_scope(engine) as session:
        followup = get(session, claimed.followup_id)
        before = state(followup)
        followup.claimed_at = None
        if failed:
            followup.status, followup.last_error = FollowUpState.FAILED, failed
            session.flush()
            audit(session, "followup_failed", followup, actor, before=before,
                  after={**state(followup), "to": addresses}, reason=failed)
            return followup
        followup.status, followup.sent_at, followup.sent_via = FollowUpState.SENT, clock.now(), "email"
        followup.sent_by, followup.sent_to = actor.name or actor.id, ", ".join(addresses)
        followup.last_error = ""
        session.flush()
        audit(session, "followup_sent", followup, actor, before=before,
              after={**state(followup), "to": addresses, "message_id": message_id,
                     "attachment": bool(claimed.mail.attachments)})
        return followup


def send(engine: Engine, followup_id: int, *, actor: Actor, to: list[str] | None = None,
         attach_xlsx: bool = True, tls_context: ssl.SSLContext | None = None) -> FollowUp:
    """Claim, then email the follow-up (:func:`claim_send`, :func:`deliver`) in this thread."""
    claimed = claim_send(engine, followup_id, to=to, attach_xlsx=attach_xlsx)
    return deliver(engine, claimed, actor=actor, tls_context=tls_context)
