"""The reconciliation export: DESIGN.md's columns, exact rupees, and an accountant's workbook."""

from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pytest
from support.matching import S1, book, insert_documents, portal

from ims_core.errors import UserFacingError
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports.export import EXPORT_COLUMNS, RUPEE_FORMAT, export_reconciliation

DESIGN_COLUMNS = [
    "status",
    "reasons",
    "recommended_action",
    "score",
    "book_supplier_gstin",
    "book_doc_type",
    "book_doc_number",
    "book_doc_date",
    "book_taxable_value",
    "book_tax",
    "portal_supplier_gstin",
    "portal_doc_type",
    "portal_doc_number",
    "portal_doc_date",
    "portal_taxable_value",
    "portal_tax",
    "portal_source",
]


@pytest.fixture
def reconciled(engine):
    insert_documents(
        engine,
        [
            book(1, "inv/0007/25-26", taxable=1_234_567_89, cgst=11_111_11, sgst=11_111_11),
            book(2, "CN-3", doc_type="CRN", taxable=50_000, cgst=4_500, sgst=4_500),
            book(3, "X-1", date="2025-05-01"),
        ],
        [
            portal(101, "INV-7", taxable=1_234_567_89, cgst=11_111_11, sgst=11_111_11),
            portal(102, "CN-3", doc_type="CRN", taxable=40_000, cgst=3_600, sgst=3_600, source="gstr2b"),
            portal(103, "Z-99", date="2025-05-28", taxable=1_05),
        ],
    )
    run_reconciliation(engine, tolerances=Tolerances())
    return engine


def test_csv_has_the_design_columns_and_exact_values(reconciled, tmp_path):
    path = tmp_path / "reco.csv"
    summary = export_reconciliation(reconciled, path)
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0].keys())[: len(DESIGN_COLUMNS)] == DESIGN_COLUMNS
    assert list(rows[0].keys()) == EXPORT_COLUMNS
    assert summary.rows == len(rows) == 4 and summary.counts["matched"] == 1
    first = next(r for r in rows if r["book_document_id"] == "1")
    assert first["book_doc_number"] == "inv/0007/25-26" and first["portal_doc_number"] == "INV-7"
    assert first["book_taxable_value"] == "1234567.89" and first["book_tax"] == "22222.22"
    assert first["book_doc_date"] == "2025-05-10" and first["status"] == "matched"
    assert first["book_supplier_gstin"] == S1 and first["portal_source"] == "ims"
    note = next(r for r in rows if r["book_document_id"] == "2")
    assert (
        note["book_doc_type"] == "CRN" and note["portal_doc_type"] == "CRN" and note["status"] == "mismatch"
    )
    assert "taxable_value: books ₹500.00 vs portal ₹400.00 (-₹100.00)" in note["reasons"]
    lone = next(r for r in rows if r["portal_document_id"] == "103")
    assert lone["status"] == "missing_in_books" and lone["book_doc_number"] == "" and lone["book_tax"] == ""
    assert lone["portal_taxable_value"] == "1.05" and lone["portal_doc_date"] == "2025-05-28"


def test_xlsx_is_formatted_for_an_accountant(reconciled, tmp_path):
    path = tmp_path / "reco.xlsx"
    export_reconciliation(reconciled, path)
    book_ = openpyxl.load_workbook(path)
    assert book_.sheetnames == ["All", "matched", "mismatch", "missing_in_portal", "missing_in_books"]
    sheet = book_["All"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:W{sheet.max_row}"
    header = [c.value for c in sheet[1]]
    assert header == EXPORT_COLUMNS and sheet["A1"].font.bold
    taxable = header.index("book_taxable_value") + 1
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[header.index("book_doc_number")].value == "inv/0007/25-26"
    )
    cell = row[taxable - 1]
    assert Decimal(str(cell.value)) == Decimal("1234567.89") and cell.number_format == RUPEE_FORMAT
    date_cell = row[header.index("book_doc_date")]
    assert date_cell.value.date().isoformat() == "2025-05-10" and date_cell.number_format == "yyyy-mm-dd"
    assert book_["missing_in_books"].max_row == 2


def test_export_refuses_unknown_suffix_and_missing_run(engine, tmp_path):
    with pytest.raises(UserFacingError, match="no reconciliation yet"):
        export_reconciliation(engine, tmp_path / "x.csv")
    with pytest.raises(UserFacingError, match=r"\.csv or \.xlsx"):
        export_reconciliation(engine, tmp_path / "x.pdf")
    with pytest.raises(UserFacingError, match="no such folder"):
        export_reconciliation(engine, tmp_path / "missing" / "x.csv")
