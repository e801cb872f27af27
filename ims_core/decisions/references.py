"""Turning what a user types (``27AHQPA7588L1ZJ/INV-12`` or a document id) into portal documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from ims_core.errors import UserFacingError
from ims_core.models import PortalDocument


@dataclass(frozen=True)
class Reference:
    """A document as a user names it: by id (``42`` or ``#42``), or by supplier GSTIN and number."""

    document_id: int | None = None
    supplier_gstin: str = ""
    doc_number: str = ""


def parse_reference(text: str) -> Reference:
    """``27AHQPA7588L1ZJ/INV-12`` (the number as written, ``/`` and all: only the first ``/`` ends
    the GSTIN), or a document id; anything else is a :class:`UserFacingError` showing both forms."""
    ref = text.strip()
    if ref.lstrip("#").isdigit():
        return Reference(document_id=int(ref.lstrip("#")))
    gstin, sep, number = ref.partition("/")
    if not sep or not gstin.strip() or not number.strip():
        raise UserFacingError(
            f"'{text}': expected SUPPLIER_GSTIN/DOC_NUMBER (e.g. 27AHQPA7588L1ZJ/INV-12) or a document id"
        )
    return Reference(supplier_gstin=gstin.strip().upper(), doc_number=number.strip())


def supplier_and_number(session: Session, text: str) -> Reference:
    """The reference with its supplier GSTIN and number, looked up when it names a document by id."""
    named = parse_reference(text)
    if named.document_id is None:
        return named
    doc = session.get(PortalDocument, named.document_id)
    if doc is None:
        raise UserFacingError(f"there is no portal document #{named.document_id}")
    return Reference(doc.id, doc.supplier_gstin, doc.doc_number)


def find_documents(
    session: Session,
    ref: str,
    *,
    doc_type: str | None = None,
    period: str | None = None,
    recipient: str | None = None,
) -> list[PortalDocument]:
    """Every portal document (any source) the reference names; exact number first, then any case."""
    named = parse_reference(ref)
    if named.document_id is not None:
        doc = session.get(PortalDocument, named.document_id)
        return [doc] if doc is not None else []
    query = select(PortalDocument).where(PortalDocument.supplier_gstin == named.supplier_gstin)
    if doc_type:
        query = query.where(PortalDocument.doc_type == doc_type.strip().upper())
    if period:
        query = query.where(PortalDocument.return_period == period.strip())
    if recipient:
        query = query.where(PortalDocument.recipient_gstin == recipient.strip().upper())
    number = named.doc_number
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
