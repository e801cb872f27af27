"""Tables of supplier follow-ups: who to write to, what was asked, and what became of it.

A follow-up keeps the exact text that was (or will be) sent, and its items keep a snapshot of each
document as it was when asked about, so a later import that changes the document does not rewrite what
the supplier was told. Items point back at the live documents so a newer reconciliation can close them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

from ims_core import clock
from ims_core.models.vocabulary import FollowUpState


class SupplierContact(SQLModel, table=True):
    """Where to reach a supplier: imported from the user's contacts CSV, one row per GSTIN."""

    __tablename__ = "supplier_contact"

    gstin: str = Field(primary_key=True, max_length=15)
    name: str = ""
    email: str = Field(default="", description="one or more addresses, comma-separated")
    phone: str = ""
    slack_channel: str = Field(default="", max_length=80)
    updated_at: dt.datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))


class FollowUp(SQLModel, table=True):
    """One request to one supplier at one escalation level, with the text as drafted or sent."""

    __tablename__ = "followup"
    __table_args__ = (Index("ix_followup_supplier_status", "supplier_gstin", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_gstin: str = Field(max_length=15)
    recipient_gstin: str = Field(default="", max_length=15, description="whose documents these are")
    level: int = Field(default=1, description="1 first request, 2 reminder, 3 final notice")
    status: str = Field(default=FollowUpState.DRAFTED, max_length=12, description="a FollowUpState")
    subject: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    chat_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    itc_held_paise: int = Field(default=0, sa_type=BigInteger)
    need_by: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))
    created_by: str = ""
    sent_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_by: str = ""
    sent_via: str = Field(default="", max_length=12, description="email, or 'other' when marked as sent")
    sent_to: str = ""
    attempts: int = 0
    claimed_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True),
                                           description="when the send in progress (status sending) began")
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    closed_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_reason: str = Field(default="", max_length=12, description="resolved, superseded or manual")
    slack_channel: str = Field(default="", max_length=32)
    slack_ts: str = Field(default="", max_length=32, description="the thread the follow-up was posted in")


class FollowUpItem(SQLModel, table=True):
    """One document a follow-up asks about: the snapshot shown to the supplier, and its resolution."""

    __tablename__ = "followup_item"

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int = Field(foreign_key="followup.id", index=True)
    purchase_document_id: int | None = Field(default=None, index=True)
    portal_document_id: int | None = Field(default=None, index=True)
    problem: str = Field(max_length=20, description="the reconciliation status that needs the supplier")
    recipient_gstin: str = Field(default="", max_length=15)
    return_period: str = Field(default="", max_length=6)
    doc_type: str = Field(max_length=3)
    doc_number: str
    doc_date: dt.date
    taxable_paise: int = Field(default=0, sa_type=BigInteger)
    tax_paise: int = Field(default=0, sa_type=BigInteger)
    invoice_value_paise: int = Field(default=0, sa_type=BigInteger)
    itc_held_paise: int = Field(default=0, sa_type=BigInteger)
    what_is_wrong: str = ""
    what_we_need: str = ""
    resolved_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolution: str = Field(default="", description="the reconciliation status that resolved it")
