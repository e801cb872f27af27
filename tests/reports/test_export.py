"""The reconciliation export: DESIGN.md's columns, exact rupees, and an accountant's workbook."""

from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from support.matching import S1, book, insert_documents, portal

from ims_core.errors import UserFacingError
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports.export import EXPORT_COLUMNS, RUPEE_FORMAT, export_reconciliation
from ims_core.reports.export_columns import COLUMNS, rupees_text

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
    assert book_.sheetnames == ["Summary", "All", "Matched", "Mismatch", "Not on portal", "Not in books"]
    sheet = book_["All"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    header = [c.value for c in sheet[1]]
    assert header == [column.title for column in COLUMNS] and sheet["A1"].font.bold
    assert header[4] == "Supplier GSTIN — books" and header[-1] == "Cess difference (portal − books)"
    at = {column.name: i for i, column in enumerate(COLUMNS)}
    row = next(r for r in sheet.iter_rows(min_row=2) if r[at["book_doc_number"]].value == "inv/0007/25-26")
    cell = row[at["book_taxable_value"]]
    assert Decimal(str(cell.value)) == Decimal("1234567.89") and cell.number_format == RUPEE_FORMAT
    assert cell.data_type == "n"
    date_cell = row[at["book_doc_date"]]
    assert date_cell.value.date().isoformat() == "2025-05-10" and date_cell.number_format == "dd-mm-yyyy"
    assert row[at["status"]].value == "Matched" and row[at["recommended_action"]].value == "Accepted"
    assert Decimal(str(row[at["book_cgst"]].value)) == Decimal("11111.11")
    assert row[at["book_igst"]].value == 0 and row[at["difference_cgst"]].value == 0
    note = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[at["book_doc_number"]] == "CN-3")
    # portal less books, as the reasons say it: 400.00 - 500.00 taxable, 36.00 - 45.00 CGST
    assert Decimal(str(note[at["difference_taxable_value"]])) == Decimal("-100")
    assert Decimal(str(note[at["difference_cgst"]])) == Decimal("-9")
    assert book_["Not in books"].max_row == 2


def test_the_summary_sheet_comes_first_with_counts_and_net_tax(reconciled, tmp_path):
    """Per status: documents, and net tax (a credit note negative) in the books and on the portal."""
    path = tmp_path / "reco.xlsx"
    export_reconciliation(reconciled, path)
    rows = list(openpyxl.load_workbook(path)["Summary"].iter_rows(values_only=True))
    def exact(values):
        return tuple(Decimal(str(value)) for value in values)

    per_status = {row[0]: exact(row[1:4]) for row in rows[2:7]}
    # matched: 22,222.22 both sides; the credit note (mismatch) -90.00 books, -72.00 portal;
    # X-1 1,800.00 in books only; Z-99 1,800.00 on the portal only
    assert per_status["Matched"] == (1, Decimal("22222.22"), Decimal("22222.22"))
    assert per_status["Mismatch"] == (1, Decimal("-90"), Decimal("-72"))
    assert per_status["Not on portal"] == (1, Decimal("1800"), 0)
    assert per_status["Not in books"] == (1, 0, Decimal("1800"))
    assert per_status["Total"] == (4, Decimal("23932.22"), Decimal("23950.22"))
    suppliers = [row for row in rows if row[0] == S1]
    assert len(suppliers) == 1 and exact(suppliers[0][2:5]) == (4, 3, Decimal("3690"))


def test_export_refuses_unknown_suffix_and_missing_run(engine, tmp_path):
    with pytest.raises(UserFacingError, match="no reconciliation yet"):
        export_reconciliation(engine, tmp_path / "x.csv")
    with pytest.raises(UserFacingError, match=r"\.csv or \.xlsx"):
        export_reconciliation(engine, tmp_path / "x.pdf")
    with pytest.raises(UserFacingError, match="no such folder"):
        export_reconciliation(engine, tmp_path / "missing" / "x.csv")


def test_a_second_reader_reads_the_workbook_alike(reconciled, tmp_path):
    """The sheet XML is written by our own code (``xlsx_stream``): calamine (Rust), which shares nothing
    with openpyxl, reads the same sheets, headers, dates and amounts."""
    from python_calamine import CalamineWorkbook

    path = tmp_path / "reco.xlsx"
    export_reconciliation(reconciled, path)
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["Summary", "All", "Matched", "Mismatch", "Not on portal", "Not in books"]
    rows = workbook.get_sheet_by_name("All").to_python()
    assert rows[0] == [column.title for column in COLUMNS] and len(rows) == 5
    at = {column.name: i for i, column in enumerate(COLUMNS)}
    first = next(row for row in rows if row[at["book_doc_number"]] == "inv/0007/25-26")
    assert first[at["book_doc_date"]].isoformat() == "2025-05-10"
    assert Decimal(str(first[at["book_taxable_value"]])) == Decimal("1234567.89")
    assert first[at["status"]] == "Matched"


@given(st.lists(st.one_of(st.none(), st.integers(min_value=-10**15, max_value=10**15))))
def test_rupee_text_is_the_exact_amount_in_rupees(paise):
    """Paise to rupees by integer arithmetic: the text read back as a Decimal is the amount exactly
    (two decimals always; a missing amount is the ``missing`` given)."""
    texts = rupees_text(paise, missing="")
    assert [None if value is None else Decimal(value) / 100 for value in paise] == [
        None if text == "" else Decimal(text) for text in texts]
    assert all(text == "" or text.split(".")[1].isdigit() and len(text.split(".")[1]) == 2 for text in texts)
    assert rupees_text([0, 5, -5, 100, -100_07, None]) == ["0.00", "0.05", "-0.05", "1.00", "-100.07", None]
