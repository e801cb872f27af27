"""The audit trail's table: append-only (database triggers refuse UPDATE and DELETE, see migration
0002) and hash-chained (see ``ims_core.audit``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    """One append-only, hash-chained event: who did what to which document, when, and why.

    ``hash`` = sha256(``prev_hash`` + canonical JSON of the event's content); see ``ims_core.audit``.
    ``recipient_gstin``, ``supplier_gstin`` and ``return_period`` are copied so an auditor's export
    can filter without joins.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_recipient_period", "recipient_gstin", "return_period"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    kind: str = Field(max_length=32)
    actor_id: str = ""
    actor_name: str = ""
    actor_source: str = Field(default="", max_length=8)
    document_id: int | None = Field(default=None, index=True)
    recipient_gstin: str = Field(default="", max_length=15)
    supplier_gstin: str = Field(default="", index=True, max_length=15)
    return_period: str = Field(default="", max_length=6)
    before_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str = ""
    request_id: str = ""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
