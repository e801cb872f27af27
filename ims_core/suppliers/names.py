"""A supplier's display name, worked out in one place for every list, letter and message.

The supplier register's name (the first one an import gave for the GSTIN), else the name the books
use, else the portal's trade name (GSTR-2B's ``trdnm``; IMS records carry none); ``""`` when no
source names the supplier. The reconciliation export shows each row's own document name instead:
there a row is one document, as its source wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session

from ims_core.models import PortalDocument, PurchaseDocument, Supplier

# Where a name is looked for, in order: the register, the books, the portal
_SOURCES = (
    (Supplier.gstin, Supplier.name),
    (PurchaseDocument.supplier_gstin, PurchaseDocument.supplier_name),
    (PortalDocument.supplier_gstin, PortalDocument.supplier_name),
)


def supplier_names(session: Session, gstins: Iterable[str] | None = None) -> dict[str, str]:
    """``{GSTIN: display name}`` for every GSTIN in ``gstins`` (default: every supplier the register
    or any document knows); ``""`` for one no source names."""
    wanted = None if gstins is None else sorted(set(gstins))
    names: dict[str, str] = dict.fromkeys(wanted or (), "")
    for gstin, name in _SOURCES:
        unnamed = None if wanted is None else [g for g in wanted if not names[g]]
        if unnamed == []:
            break
        query = select(gstin, func.max(name)).group_by(gstin)
        if unnamed is not None:
            query = query.where(gstin.in_(unnamed))
        for found, text in session.execute(query):
            if found and not names.get(found):
                names[found] = text or ""
    return names
