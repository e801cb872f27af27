"""Turning what a user types (``27AHQPA7588L1ZJ/INV-12`` or a document id) into portal documents."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.models import PortalDocument


def find_documents(
    session: Session,
    ref: str,
    *,
    doc_type: str | None = None,
    period: str | None = None,
    recipient: str | None = None,
) -> list[PortalDocument]:
    """Every portal document (any source) the reference names; exact number first, then any case."""
    text = ref.strip()
    if text.lstrip("#").isdigit():
        doc = session.get(PortalDocument, int(text.lstrip("#")))
        return [doc] if doc is not None else []
    gstin, sep, number = text.partition("/")
    if not sep or not number.strip():
        raise UserFacingError(
            f"'{ref}': expected SUPPLIER_GSTIN/DOC_NUMBER (e.g. 27AHQPA7588L1ZJ/INV-12) or a document id"
        )
    query = select(PortalDocument).where(PortalDocument.supplier_gstin == gstin.strip().upper())
    if doc_type:
        query = query.where(PortalDocument.doc_type == doc_type.strip().upper())
    if period:
        query = query.where(PortalDocument.return_period == period.strip())
    if recipient:
        query = query.where(PortalDocument.recipient_gstin == recipient.strip().upper())
    number = number.strip()
    found = list(
        session.execute(
            query.where(PortalDocument.doc_number == number).order_by(PortalDocument.id)
        ).scalars()
    )
    if not found:
        found = list(
            session.execute(
                query.where(func.upper(PortalDocument.doc_number) == number.upper()).order_by(
                    PortalDocument.id
                )
            ).scalars()
        )
    return found


def resolve_reference(
    session: Session,
    ref: str,
    *,
    doc_type: str | None = None,
    period: str | None = None,
    recipient: str | None = None,
) -> PortalDocument:
    """The one document a decision is about (its IMS record when there is one); ambiguity is an error
    that lists the candidates and the option that tells them apart."""
    found = find_documents(session, ref, doc_type=doc_type, period=period, recipient=recipient)
    ims = [d for d in found if d.source == "ims"]
    candidates = ims or found
    if not candidates:
        raise UserFacingError(
            f"no document matches '{ref}'"
            + (f" (type {doc_type})" if doc_type else "")
            + (f" (period {period})" if period else "")
        )
    if len(candidates) > 1:
        listed = "; ".join(
            f"#{d.id} {d.source} {d.doc_type} {d.doc_number} period {d.return_period}"
            for d in candidates[:10]
        )
        raise UserFacingError(
            f"'{ref}' matches {len(candidates)} documents ({listed}); "
            "narrow it with --type, --period or --recipient, or pass the id"
        )
    return candidates[0]
