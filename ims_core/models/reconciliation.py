"""What the matching engine stores: one row per run, and one per pair or unpaired document."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, func
from sqlalchemy.sql import ColumnElement
from sqlmodel import Field, SQLModel

from ims_core import clock
from ims_core.models.base import paise
from ims_core.models.documents import PortalDocument, PurchaseDocument


class ReconciliationRun(SQLModel, table=True):
    """One run of the matching engine: its scope, its tolerances and its counts."""

    __tablename__ = "reconciliation_run"

    id: int | None = Field(default=None, primary_key=True)
    recipient_gstin: str = Field(default="", index=True)
    period: str = Field(default="", max_length=6)
    started_at: dt.datetime = Field(default_factory=clock.now)
    finished_at: dt.datetime | None = None
    actor: str = ""
    settings_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    counts_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class MatchResult(SQLModel, table=True):
    """One row of a reconciliation: a pair, or a document left unpaired, with the why.

    ``recipient_gstin``, ``supplier_gstin``, ``return_period`` and ``tax_paise`` are copied from the
    documents so that the bot's lists (by supplier, by status, by period, most rupees first) are single
    indexed queries.
    """

    __tablename__ = "match_result"
    __table_args__ = (
        Index("ix_match_result_run_status", "run_id", "status"),
        Index("ix_match_result_run_supplier", "run_id", "supplier_gstin"),
        Index("ix_match_result_run_period", "run_id", "return_period"),
        # which run is current for each recipient and period (ims_core.matching.current), read from the
        # index alone instead of every result: every worklist, digest and count asks it
        Index("ix_match_result_current", "recipient_gstin", "return_period", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="reconciliation_run.id")
    purchase_document_id: int | None = Field(default=None, index=True)
    portal_document_id: int | None = Field(default=None, index=True)
    status: str = Field(max_length=20)
    reasons: str = Field(default="", description="'; '-separated, each naming a field and the difference")
    score: float = 0.0
    recommended_action: str = Field(default="", max_length=1, description="A, R, P or empty")
    recipient_gstin: str = ""
    supplier_gstin: str = ""
    return_period: str = Field(default="", max_length=6)
    tax_paise: int = paise()
    nearest_document_id: int | None = Field(default=None, description="best candidate not taken")
    nearest_note: str = Field(default="", description="why the nearest candidate was not taken")


def result_doc_type() -> ColumnElement:
    """A result's document type, in a query from ``match_result`` outer-joined to both its documents:
    its portal record's, else its book's (an invoice never pairs with a credit note). With
    :func:`ims_core.models.base.net_column` it makes a total of results net."""
    return func.coalesce(PortalDocument.doc_type, PurchaseDocument.doc_type)
