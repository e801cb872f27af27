"""Sending a follow-up by email: claim it, talk SMTP outside any transaction, record what happened.

The follow-up is claimed first (compare-and-set on ``attempts``, committed), so two people clicking
Send at once send one email. No database transaction is held over the SMTP conversation. Success
marks it ``sent``; any failure marks it ``failed`` with the reason, writes a ``followup_failed`` audit
event and re-raises the :class:`~ims_core.mailer.MailError`: nothing is ever marked sent that was not.
"""

from __future__ import annotations

import ssl

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
from ims_core.suppliers.followups import audit, claim, get, items, state
from ims_core.suppliers.mailer import Attachment, MailError, OutgoingMail, documents_xlsx, send_mail


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


def send(engine: Engine, followup_id: int, *, actor: Actor, to: list[str] | None = None,
         attach_xlsx: bool = True, tls_context: ssl.SSLContext | None = None) -> FollowUp:
    """Email the follow-up and return it as sent; on failure record it and raise ``MailError``."""
    with session_scope(engine) as session:
        followup = get(session, followup_id)
        addresses = addresses_for(session, followup, to)
        claim(session, followup)
        mail = OutgoingMail(to=addresses, subject=followup.subject, body=followup.body,
                            attachments=[attachment_for(session, followup)] if attach_xlsx else [])
    try:
        message_id = send_mail(mail, tls_context=tls_context)
    except MailError as exc:
        with session_scope(engine) as session:
            followup = get(session, followup_id)
            before = state(followup)
            followup.status, followup.last_error = FollowUpState.FAILED, str(exc)
            session.flush()
            audit(session, "followup_failed", followup, actor, before=before,
                  after={**state(followup), "to": addresses}, reason=str(exc))
        raise
    with session_scope(engine) as session:
        followup = get(session, followup_id)
        before = state(followup)
        followup.status, followup.sent_at, followup.sent_via = FollowUpState.SENT, clock.now(), "email"
        followup.sent_by, followup.sent_to = actor.name or actor.id, ", ".join(addresses)
        followup.last_error = ""
        session.flush()
        audit(session, "followup_sent", followup, actor, before=before,
              after={**state(followup), "to": addresses, "message_id": message_id,
                     "attachment": bool(mail.attachments)})
        return followup
