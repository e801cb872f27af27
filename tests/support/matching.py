"""Put documents into a test database with Core inserts, deriving what the loader would derive."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from ims_core.gst.dates import financial_year, period_key
from ims_core.gst.gstin import pan_of
from ims_core.ingest.document import MONEY
from ims_core.models import PortalDocument, PurchaseDocument

R1 = "27AADCD4821K1ZM"  # a recipient of the tests
S1 = "24AABCR6898M1ZN"  # a supplier in Gujarat
S1_SISTER = "27AABCR6898M1ZH"  # the same PAN in Maharashtra
R2 = "29AADCD4821K1ZI"  # the same company in Karnataka


def book(
    id: int,
    number: str,
    date: str = "2025-05-10",
    taxable: int = 1_000_000,
    igst: int = 0,
    cgst: int = 90_000,
    sgst: int = 90_000,
    supplier: str = S1,
    doc_type: str = "INV",
    recipient: str = R1,
    **extra: object,
) -> dict:
    """One purchase_document row (amounts in paise) with ``fy`` and ``supplier_pan`` derived."""
    day = dt.date.fromisoformat(date)
    row = dict(
        id=id,
        recipient_gstin=recipient,
        supplier_gstin=supplier,
        supplier_pan=pan_of(supplier),
        supplier_name=f"Supplier {supplier[2:7]}",
        doc_type=doc_type,
        doc_number=number,
        doc_date=day,
        fy=financial_year(day),
        taxable_paise=taxable,
        igst_paise=igst,
        cgst_paise=cgst,
        sgst_paise=sgst,
        cess_paise=0,
        invoice_value_paise=taxable + igst + cgst + sgst,
        place_of_supply="27",
        reverse_charge=False,
        occurrence=1,
    )
    row.update(extra)
    return row


def portal(
    id: int, number: str, source: str = "ims", section: str = "b2b", period: str = "052025", **kwargs: object
) -> dict:
    """One portal_document row; the book fields plus source, section and return period."""
    row = book(id, number, **kwargs)
    row.pop("occurrence")
    row.update(source=source, section=section, return_period=period, period_key=period_key(period))
    for key in (
        "original_doc_type",
        "original_doc_number",
        "original_doc_date",
        "itc_available",
        "ims_action",
        "pending_action_blocked",
        "rejected_in_ims",
    ):
        if key in kwargs:
            row[key] = kwargs[key]
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as the engine's input frame (dates as datetime64, the columns frames.py reads)."""
    out = pd.DataFrame(rows)
    out["doc_date"] = pd.to_datetime(out["doc_date"])
    for column in (
        "original_doc_type",
        "original_doc_number",
        "itc_available",
        "itc_unavailable_reason",
        "ims_action",
    ):
        if column not in out:
            out[column] = ""
        out[column] = out[column].fillna("")
    for column, default in (
        ("original_doc_date", pd.NaT),
        ("pending_action_blocked", None),
        ("rejected_in_ims", False),
    ):
        if column not in out:
            out[column] = default
    for column in MONEY:
        out[column] = out[column].astype("int64")
    return out


def insert_documents(engine: Engine, books: list[dict], portals: list[dict]) -> None:
    """Bulk-insert rows (explicit ids) into purchase_document and portal_document."""
    with engine.begin() as conn:
        if books:
            conn.execute(insert(PurchaseDocument.__table__), [_clean(r, PurchaseDocument) for r in books])
        if portals:
            conn.execute(insert(PortalDocument.__table__), [_clean(r, PortalDocument) for r in portals])


def _clean(row: dict, model: type) -> dict:
    columns = model.__table__.columns
    out = {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items() if k in columns}
    for key in ("original_doc_date",):
        if key in out and (out[key] is None or out[key] is pd.NaT):
            out[key] = None
    return out
