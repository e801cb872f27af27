"""The user's registrations and how each files GSTR-3B: monthly, or quarterly under the QRMP scheme
(Section 39(1) CGST Act proviso and Rule 61A; Notification 84/2020-Central Tax). A quarterly filer's
due dates are the 22nd or 24th after the quarter, and its "one tax period" for pending credit notes is a
quarter (see ``ims_core.gst.due_dates``)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from ims_core import audit
from ims_core.audit import Actor
from ims_core.errors import UserFacingError
from ims_core.gst import gstin as gst
from ims_core.gst.due_dates import filing_of
from ims_core.models import PortalDocument, Recipient
from ims_core.models.vocabulary import FilingFrequency


@dataclass(frozen=True, slots=True)
class Filing:
    """How a registration files GSTR-3B: what "one tax period" and the due dates mean for it."""

    frequency: str = "monthly"
    state_code: str = ""


def registration_filing(session: Session, recipient_gstin: str) -> Filing:
    """The registration's filing (``ims_core.gst.due_dates.filing_of``: monthly, in the state its GSTIN
    names, when it is not registered here)."""
    filing = filing_of(recipient_gstin, session.get(Recipient, recipient_gstin))
    return Filing(filing["filing_frequency"], filing["state_code"])


def set_registration(session: Session, gstin: str, *, frequency: str, legal_name: str | None = None,
                     by: str = "") -> str:
    """Create or change a registration (the caller commits); an audit event records the change.
    Returns a sentence saying what changed."""
    value = gst.normalise(gstin)
    if not gst.has_valid_shape(value):
        raise UserFacingError(f"'{gstin}' is not a GSTIN (expected 15 characters such as 27AADCD4821K1ZM)")
    try:
        wanted = FilingFrequency(frequency.strip().lower())
    except ValueError:
        raise UserFacingError(f"--frequency '{frequency}': use monthly or quarterly") from None
    name = (by or "").strip() or getpass.getuser()
    actor = Actor(id=name, name=name, source="cli")
    row = session.get(Recipient, value)
    before = None if row is None else {"filing_frequency": row.filing_frequency, "legal_name": row.legal_name}
    if row is None:
        row = Recipient(gstin=value, state_code=value[:2], legal_name=legal_name or "",
                        filing_frequency=wanted)
    else:
        row.filing_frequency = wanted
        if legal_name is not None:
            row.legal_name = legal_name
    after = {"filing_frequency": str(wanted), "legal_name": row.legal_name}
    if before == after:
        return f"{value} already files {wanted}; nothing changed."
    session.add(row)
    session.flush()
    audit.record(session, kind="registration", actor=actor, document_id=None, before=before, after=after,
                 recipient_gstin=value)
    return f"{value} now files GSTR-3B {wanted} (recorded for {actor.name})."


def registrations(session: Session) -> list[Recipient]:
    return list(session.execute(select(Recipient).order_by(Recipient.gstin)).scalars())


def known_registrations(session: Session) -> list[str]:
    """Every registration the data knows: registered here, or named by an imported portal record."""
    registered = set(session.execute(select(Recipient.gstin)).scalars())
    imported = set(session.execute(select(PortalDocument.recipient_gstin).distinct()).scalars())
    return sorted(registered | imported)
