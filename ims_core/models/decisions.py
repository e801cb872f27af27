"""Tables of the user's IMS decisions and of the periods whose GSTR-3B is filed.

The portal's own view of a record (``portal_document.ims_action``) is never overwritten; the user's
decision lives here, with a ``version`` for compare-and-set.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ImsDecision(SQLModel, table=True):
    """The user's current decision on one IMS record, plus a reject awaiting a second approver.

    ``action`` is ``A``/``R``/``P``/``N`` (``N`` = set back to No action) or ``""`` before any decision.
    ``exported_signature`` remembers what the last IMS save request told the portal, so the next export
    carries only what changed since. The ``upload_*`` columns hold the portal's answer to the last
    upload through the connector (``ims_core.portal``): when it took the record, or the code and
    message with which it refused it (the record then stays un-uploaded).
    """

    __tablename__ = "ims_decision"
    __table_args__ = (Index("ix_ims_decision_recipient_period", "recipient_gstin", "return_period"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_document_id: int = Field(foreign_key="portal_document.id", unique=True)
    recipient_gstin: str = Field(max_length=15)
    return_period: str = Field(default="", max_length=6)
    action: str = Field(default="", max_length=1)
    version: int = 0
    decided_by_id: str = ""
    decided_by_name: str = ""
    decided_by_source: str = Field(default="", max_length=8)
    decided_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reason: str = ""
    itc_reduction: str = Field(default="", max_length=8, description="full, partial or nil (credit notes)")
    decl_igst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_cgst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_sgst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_cess_paise: int | None = Field(default=None, sa_type=BigInteger)
    requested_action: str = Field(default="", max_length=1, description="R while a reject awaits approval")
    requested_by_id: str = ""
    requested_by_name: str = ""
    requested_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    request_reason: str = ""
    exported_signature: str = ""
    exported_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    uploaded_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    upload_reference_id: str = Field(default="", max_length=64)
    upload_error_code: str = Field(default="", max_length=20)
    upload_error_message: str = ""


class PeriodLock(SQLModel, table=True):
    """A return period whose GSTR-3B the user has marked filed: its decisions are closed."""

    __tablename__ = "period_lock"
    __table_args__ = (UniqueConstraint("recipient_gstin", "period", name="uq_period_lock"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_gstin: str = Field(max_length=15)
    period: str = Field(max_length=6)
    period_key: int
    filed_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    filed_by_id: str = ""
    filed_by_name: str = ""
    claimed_json: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True),
        description="GSTR-3B Table 4 as filed: {box: {igst, cgst, sgst, cess}} in paise, when recorded")
    # a request to reopen the period (filed by mistake), waiting for a second person's reopen
    reopen_requested_by_id: str = ""
    reopen_requested_by_name: str = ""
    reopen_requested_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reopen_reason: str = ""
