"""A small, hand-checkable month: books and GSTR-2B files loaded through the real loader and reconciled
by the real matching engine, so follow-ups and scorecards are tested on what production would store.

Supplier A (Maharashtra) has one invoice that matches, one missing from the portal and one reported
with a higher taxable value; supplier B (Karnataka, same PAN as A2 in Maharashtra) files late;
``NEXT_2B`` is the supplier's later GSTR-2B that reports the missing invoice and amends the wrong one.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from ims_core.ingest.document import BOOK_COLUMNS, PORTAL_COLUMNS, ParsedImport, complete_frame
from ims_core.ingest.loader import load
from ims_core.matching.run import run_reconciliation
from ims_core.models import Recipient

RECIPIENT = "27AADCD4821K1ZM"
A = "27AHQPA7588L1ZJ"
B = "29AAFCC9980M1ZR"
B_SISTER = "27AAFCC9980M1ZV"  # B's PAN, registered in Maharashtra
NAMES = {A: "Shree Polymers", B: "Kaveri Chemicals", B_SISTER: "Kaveri Chemicals"}


def doc(supplier: str, number: str, date: str, taxable_rupees: int, doc_type: str = "INV", **extra) -> dict:
    """One document; intra-state suppliers charge CGST+SGST at 9 % each, others IGST at 18 %."""
    taxable = taxable_rupees * 100
    intra = supplier[:2] == RECIPIENT[:2]
    cgst = sgst = taxable * 9 // 100 if intra else 0
    igst = 0 if intra else taxable * 18 // 100
    row = {
        "recipient_gstin": RECIPIENT,
        "supplier_gstin": supplier,
        "supplier_name": NAMES[supplier],
        "doc_type": doc_type,
        "doc_number": number,
        "doc_date": pd.Timestamp(date),
        "taxable_paise": taxable,
        "igst_paise": igst,
        "cgst_paise": cgst,
        "sgst_paise": sgst,
        "cess_paise": 0,
        "invoice_value_paise": taxable + igst + cgst + sgst,
        "place_of_supply": "27",
    }
    row.update(extra)
    return row


BOOKS = [
    doc(A, "A-101", "2025-10-03", 100_000),
    doc(A, "A-102", "2025-10-10", 50_000),
    doc(A, "A-103", "2025-10-15", 20_000),
    doc(B, "B-7", "2025-10-05", 10_000),
    doc(B_SISTER, "BS-1", "2025-10-06", 5_000),
]

FIRST_2B = [
    doc(
        A,
        "A-101",
        "2025-10-03",
        100_000,
        supplier_filing_date=pd.Timestamp("2025-11-10"),
        supplier_return_period="102025",
    ),
    doc(
        A,
        "A-103",
        "2025-10-15",
        22_000,
        supplier_filing_date=pd.Timestamp("2025-11-10"),
        supplier_return_period="102025",
    ),
    doc(
        B,
        "B-7",
        "2025-10-05",
        10_000,
        supplier_filing_date=pd.Timestamp("2025-11-20"),
        supplier_return_period="102025",
    ),
    doc(
        B_SISTER,
        "BS-1",
        "2025-10-06",
        5_000,
        supplier_filing_date=pd.Timestamp("2025-11-09"),
        supplier_return_period="102025",
    ),
]

NEXT_2B = [
    doc(
        A,
        "A-102",
        "2025-10-10",
        50_000,
        supplier_filing_date=pd.Timestamp("2025-12-05"),
        supplier_return_period="112025",
    ),
    doc(
        A,
        "A-103",
        "2025-10-15",
        20_000,
        section="b2ba",
        original_doc_number="A-103",
        original_doc_date=pd.Timestamp("2025-10-15"),
        original_doc_type="INV",
        supplier_filing_date=pd.Timestamp("2025-12-05"),
        supplier_return_period="112025",
    ),
]


def _hash(rows: list[dict]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def books_import(rows: list[dict] = BOOKS) -> ParsedImport:
    frame = complete_frame(pd.DataFrame(rows), BOOK_COLUMNS)
    frame["source_row"] = range(2, len(frame) + 2)
    return ParsedImport("books", frame, "books.csv", _hash(rows), RECIPIENT)


def gstr2b_import(rows: list[dict], period: str) -> ParsedImport:
    frame = pd.DataFrame(
        [
            {
                "section": "b2b",
                "original_doc_type": "",
                "original_doc_number": "",
                "original_doc_date": pd.NaT,
                "supplier_return_period": "",
                **r,
            }
            for r in rows
        ]
    )
    frame["source"] = "gstr2b"
    frame["return_period"] = period
    return ParsedImport(
        "gstr2b", complete_frame(frame, PORTAL_COLUMNS), f"2b-{period}.json", _hash(rows), RECIPIENT, period
    )


def first_month(engine: Engine) -> None:
    """Books and October's GSTR-2B loaded, and reconciled."""
    with engine.begin() as conn:
        conn.execute(
            insert(Recipient.__table__).values(
                gstin=RECIPIENT,
                legal_name="Deccan Polymers Pvt Ltd",
                state_code="27",
                filing_frequency="monthly",
            )
        )
    load(engine, books_import())
    load(engine, gstr2b_import(FIRST_2B, "102025"))
    run_reconciliation(engine, RECIPIENT)


def next_month(engine: Engine) -> None:
    """November's GSTR-2B, which shows the missing invoice and the corrected one, and a new run."""
    load(engine, gstr2b_import(NEXT_2B, "112025"))
    run_reconciliation(engine, RECIPIENT)
