"""The documents: the user's registrations and suppliers, each imported file, the purchase register
(the books), the portal's records (IMS, GSTR-2B, GSTR-2A) and the history of their changes.

Document numbers are kept exactly as the source wrote them; normalised forms are the matching
engine's business. Schema changes go through alembic migrations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from ims_core import clock
from ims_core.models.base import DocumentMoney, paise


class Recipient(SQLModel, table=True):
    """A registration of the user's company (a company can hold one GSTIN per state)."""

    gstin: str = Field(primary_key=True, max_length=15)
    legal_name: str = ""
    state_code: str = Field(default="", max_length=2)
    filing_frequency: str = Field(default="monthly", description="FilingFrequency: monthly or quarterly")
    created_at: dt.datetime = Field(default_factory=clock.now)


class Supplier(SQLModel, table=True):
    """A supplier GSTIN as seen in any import; ``pan`` links one legal entity's GSTINs."""

    gstin: str = Field(primary_key=True, max_length=15)
    pan: str = Field(default="", index=True, max_length=10)
    name: str = ""
    state_code: str = Field(default="", max_length=2)
    gstin_problem: str | None = Field(default=None, description="why the GSTIN is invalid, if it is")
    updated_at: dt.datetime = Field(default_factory=clock.now)


class ImportBatch(SQLModel, table=True):
    """One imported file (or one multi-file return): what, when, by whom, and what it changed."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True, description="books, gstr2b, ims or gstr2a")
    file_name: str
    content_hash: str = Field(index=True, max_length=64)
    recipient_gstin: str = Field(default="", index=True)
    return_period: str = Field(default="", max_length=6)
    imported_at: dt.datetime = Field(default_factory=clock.now)
    imported_by: str = ""
    documents_total: int = 0
    documents_added: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    taxable_paise: int = paise()
    tax_paise: int = paise()
    summary_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class PurchaseDocument(DocumentMoney, table=True):
    """A document of the user's own purchase register (the books)."""

    __tablename__ = "purchase_document"
    __table_args__ = (
        Index("uq_purchase_document_key", "recipient_gstin", "supplier_gstin", "doc_type", "doc_number", "fy",
              "occurrence", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_gstin: str = Field(max_length=15)
    supplier_gstin: str = Field(index=True, max_length=15)
    supplier_pan: str = Field(default="", max_length=10)
    supplier_name: str = ""
    supplier_gstin_problem: str | None = None
    doc_type: str = Field(max_length=3, description="INV, CRN or DBN")
    doc_number: str = Field(description="exactly as in the source file")
    doc_date: dt.date
    fy: int = Field(description="start year of the April-March financial year")
    occurrence: int = Field(default=1, description="nth row with this key in one file: duplicates kept")
    place_of_supply: str = Field(default="", max_length=2)
    reverse_charge: bool = False
    payment_date: dt.date | None = None
    ledger: str = ""
    itc_eligible: bool | None = None
    source_file: str = ""
    source_row: int = 0
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    content_hash: str = Field(default="", max_length=32)
    created_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)


class PortalDocument(DocumentMoney, table=True):
    """A document as the GST portal reports it (IMS, GSTR-2B or GSTR-2A), one row per source.

    Field names follow DOMAIN.md §6: ``itc_available``/``itc_unavailable_reason`` are 2B's
    ``itcavl``/``rsn``; ``ims_action`` and ``pending_action_blocked`` are IMS's ``action`` and
    ``ispendactblocked``; ``original_*`` link an amendment to what it amends.
    """

    __tablename__ = "portal_document"
    __table_args__ = (
        Index("uq_portal_document_key", "recipient_gstin", "source", "section", "rejected_in_ims",
              "supplier_gstin", "doc_type", "doc_number", "fy", unique=True),
        Index("ix_portal_document_recipient_period", "recipient_gstin", "period_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=8, description="ims, gstr2b or gstr2a")
    section: str = Field(max_length=12, description="b2b, b2ba, cdnr, b2bcn, impg, docRej:b2b, …")
    recipient_gstin: str = Field(max_length=15)
    return_period: str = Field(default="", max_length=6, description="MMYYYY")
    period_key: int = Field(default=0, description="YYYYMM of return_period, for sorting and ranges")
    supplier_gstin: str = Field(index=True, max_length=15)
    supplier_pan: str = Field(default="", max_length=10)
    supplier_name: str = ""
    supplier_gstin_problem: str | None = None
    doc_type: str = Field(max_length=3, description="INV, CRN, DBN or BOE (bill of entry)")
    doc_number: str
    doc_date: dt.date
    fy: int
    original_doc_type: str = Field(default="", max_length=3)
    original_doc_number: str = ""
    original_doc_date: dt.date | None = None
    invoice_type: str = Field(default="", description="R, SEZWP, SEZWOP, DE, CBW…")
    place_of_supply: str = Field(default="", max_length=2)
    reverse_charge: bool = False
    itc_available: str = Field(default="", max_length=1, description="itcavl: Y, N or T")
    itc_unavailable_reason: str = Field(default="", description="rsn: P (place of supply), C (late)…")
    diff_percent: str = ""
    supplier_filing_date: dt.date | None = None
    supplier_return_period: str = Field(default="", max_length=6)
    supplier_filing_status: str = Field(default="", description="srcfilstatus / cfs")
    gstr3b_filed: str = Field(default="", max_length=1, description="GSTR-2A cfs3b: Y or N")
    src_form: str = Field(default="", description="R1, IFF, R1A…")
    irn: str = ""
    irn_date: dt.date | None = None
    ims_action: str = Field(default="", max_length=1, description="portal's IMS action: A, R, P or N")
    pending_action_blocked: bool | None = None
    itc_reduction_blocked: bool | None = Field(default=None, description="IMS isItcRedReqBlocked")
    remarks_blocked: bool | None = Field(default=None, description="IMS isRemarksBlocked")
    itc_reduction_required: str = Field(default="", max_length=1)
    decl_igst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_cgst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_sgst_paise: int | None = Field(default=None, sa_type=BigInteger)
    decl_cess_paise: int | None = Field(default=None, sa_type=BigInteger)
    remarks: str = ""
    ims_hash: str = ""
    rejected_in_ims: bool = Field(default=False, description="from GSTR-2B docRejdata")
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    content_hash: str = Field(default="", max_length=32)
    created_at: dt.datetime = Field(default_factory=clock.now)
    updated_at: dt.datetime = Field(default_factory=clock.now)


class DocumentHistory(SQLModel, table=True):
    """The previous values of a document that a newer import changed: nothing is silently lost."""

    __tablename__ = "document_history"

    id: int | None = Field(default=None, primary_key=True)
    document_kind: str = Field(max_length=6, description="book or portal")
    document_id: int = Field(index=True)
    batch_id: int = Field(foreign_key="import_batch.id")
    recorded_at: dt.datetime = Field(default_factory=clock.now)
    previous_json: str = Field(sa_column=Column(Text, nullable=False))
