"""The tables, one SQLModel class each: the single description of its columns and indexes.

Importing this package registers every table on one metadata, which the alembic migrations are
checked against (``tests/db/test_schema.py``).
"""

from ims_core.models.audit import AuditEvent
from ims_core.models.decisions import ImsDecision, PeriodLock
from ims_core.models.documents import (
    DocumentHistory,
    ImportBatch,
    PortalDocument,
    PurchaseDocument,
    Recipient,
    Supplier,
)
from ims_core.models.messages import ChannelSubscription, DecisionMessageRef, DigestMessage, JobRun
from ims_core.models.portal import PortalPull, PortalPush, PortalSession
from ims_core.models.reconciliation import MatchResult, ReconciliationRun
from ims_core.models.snapshots import FigureSnapshot
from ims_core.models.suppliers import FollowUp, FollowUpItem, SupplierContact

__all__ = [
    "AuditEvent", "ChannelSubscription", "DecisionMessageRef", "DigestMessage", "DocumentHistory",
    "FigureSnapshot", "FollowUp", "FollowUpItem", "ImportBatch", "ImsDecision", "JobRun", "MatchResult",
    "PeriodLock", "PortalDocument", "PortalPull", "PortalPush", "PortalSession", "PurchaseDocument",
    "Recipient", "ReconciliationRun", "Supplier", "SupplierContact",
]
