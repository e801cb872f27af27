"""The tables: one SQLModel class each, the single description of its columns and indexes.

Money is integer paise (``*_paise``, BIGINT) so sums are exact and the matching engine can read whole
columns into int64 arrays. Document numbers are kept exactly as the source wrote them; normalised
forms are the matching engine's business. Schema changes go through alembic migrations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from ims_core import clock


def paise(**kwargs) -> object:  # noqa: ANN003 - forwards Field options
    """A BIGINT money column in paise."""
    return Field(default=0, sa_type=BigInteger, **kwargs)


class Recipient(SQLModel, table=True):
    """A registration of the user's company (a company can hold one GSTIN per state)."""

    gstin: str = Field(primary_key=True, max_length=15)
    legal_name: str = ""
    state_code: str = Field(default="", max_length=2)
    filing_frequency: str = Field(default="monthly", description="monthly or qrmp")
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


class PurchaseDocument(SQLModel, table=True):
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
    taxable_paise: int = paise()
    igst_paise: int = paise()
    cgst_paise: int = paise()
    sgst_paise: int = paise()
    cess_paise: int = paise()
    invoice_value_paise: int = paise()
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


class PortalDocument(SQLModel, table=True):
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
    taxable_paise: int = paise()
    igst_paise: int = paise()
    cgst_paise: int = paise()
    sgst_paise: int = paise()
    cess_paise: int = paise()
    invoice_value_paise: int = paise()
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


# Other areas keep their tables in their own modules; importing them here keeps one metadata for alembic.
from ims_core import bot_models as _bot_models  # noqa: E402, F401
from ims_core import decision_models as _decision_models  # noqa: E402, F401
from ims_core import followup_models as _followup_models  # noqa: E402, F401
