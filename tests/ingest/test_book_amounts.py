"""Books amounts beyond one column per field (issue 20): Zoho Books' tax named per line, a file whose
tax would read as zero refused in one line, and a negative invoice amount pointed out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ims_core.ingest.book_amounts import head_of
from ims_core.ingest.books import parse_books
from ims_core.ingest.document import IngestError
from tests.ingest.test_books import BOOKS, EXPECTED, GOOD, RECIPIENT, as_tuples, write_csv

ZOHO_HEADER = ["Bill Date", "Bill ID", "Bill Number", "Bill Status", "Vendor Name",
               "GST Identification Number (GSTIN)", "Source of Supply", "Destination of Supply",
               "Item Total", "Item Tax", "Item Tax %", "Item Tax Type", "Item Tax Amount", "SubTotal",
               "Total"]
SHARMA = ["Sharma Traders", "27AHQPA7588L1ZJ", "MH", "MH"]
AARAV = ["Aarav Chemicals", "24AAQCA8719H1ZC", "GJ", "MH"]


def _zoho(path: Path, lines: list[list[str]], header: list[str] = ZOHO_HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *lines])
    return path


def test_both_zoho_layouts_give_the_same_tax_heads():
    """The Bills export with a column per head, and the layout naming each line's tax (GST18 a tax group:
    CGST and SGST halves; IGST18 interstate): the same documents, head by head."""
    per_head = parse_books(BOOKS / "zoho_bills.csv", recipient_gstin=RECIPIENT)
    named = parse_books(BOOKS / "zoho_bills_tax_names.csv", recipient_gstin=RECIPIENT)
    expected = [e for e in EXPECTED if e[0] == "INV"]
    assert as_tuples(per_head.frame) == expected
    # the tax-name layout has no cess line: SC/2526/051's ₹960.00 cess is not in it
    assert as_tuples(named.frame) == [e[:7] + (0,) + e[8:] if e[1] == "SC/2526/051" else e for e in expected]
    first = named.frame.iloc[0]  # SH/25-26/0141: GST18 lines of 11,111.08 and 11,111.10
    assert (first["cgst_paise"], first["sgst_paise"], first["igst_paise"]) == (11_111_09, 11_111_09, 0)
    assert any("12 line rows combined into 10 documents" in w for w in named.warnings)


def test_a_tax_group_splits_an_odd_paisa_to_cgst(tmp_path):
    path = _zoho(tmp_path / "odd.csv", [
        ["2025-04-02", "1", "A-1", "Open", *SHARMA, "100.00", "GST 18", "18", "Tax Group", "18.01", "100.00",
         "118.01"],
        ["2025-04-03", "2", "A-2", "Open", *AARAV, "100.00", "IGST 0", "0", "Item Amount", "0.00", "100.00",
         "100.00"],
        ["2025-04-03", "2", "A-2", "Open", *AARAV, "200.00", "IGST5", "5", "Item Amount", "10.00", "300.00",
         "310.00"]])
    frame = parse_books(path, recipient_gstin=RECIPIENT).frame
    assert frame[["doc_number", "igst_paise", "cgst_paise", "sgst_paise"]].values.tolist() == [
        ["A-1", 0, 9_01, 9_00], ["A-2", 10_00, 0, 0]]


@pytest.mark.parametrize(("name", "head"), [("GST18", "group"), ("IGST18", "igst"), ("IGST 0", "igst"),
                                            ("CGST9", "cgst"), ("SGST 9", "sgst"), ("UTGST9", "sgst"),
                                            ("CESS", "cess"), ("Exempt", None), ("VAT5", None)])
def test_tax_names(name, head):
    assert head_of(name) == head


def test_a_tax_amount_under_another_name_is_refused(tmp_path):
    path = _zoho(tmp_path / "vat.csv", [
        ["2025-04-02", "1", "A-1", "Open", *SHARMA, "100.00", "VAT5", "5", "Item Amount", "5.00", "100.00",
         "105.00"]])
    with pytest.raises(IngestError) as caught:
        parse_books(path, recipient_gstin=RECIPIENT)
    assert ("row 2, field 'Item Tax': a tax amount under a name that is not a GST tax (got 'VAT5'); expected "
            "a GST tax name such as GST18") in str(caught.value)


def test_no_tax_column_is_refused_in_one_line_naming_the_columns_and_map(tmp_path):
    header = ["Bill Date", "Bill Number", "Vendor Name", "GST Identification Number (GSTIN)", "SubTotal",
              "Input Tax", "Total"]
    lines = [["2025-04-02", f"A-{i}", "Sharma Traders", "27AHQPA7588L1ZJ", "100.00", "18.00", "118.00"]
             for i in range(3)]
    path = _zoho(tmp_path / "bills.csv", lines, header)
    with pytest.raises(IngestError) as caught:
        parse_books(path, preset="zoho", recipient_gstin=RECIPIENT)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert "no tax column found" in message and "--map 'Column name=igst'" in message
    assert "'Input Tax'" in message and "'SubTotal'" in message
    mapped = parse_books(path, preset="zoho", recipient_gstin=RECIPIENT, column_map={"input tax": "igst"})
    assert mapped.frame["igst_paise"].tolist() == [18_00] * 3


def test_tax_columns_that_hold_no_tax_while_invoices_exceed_taxable_are_refused(tmp_path):
    rows = [dict(GOOD, doc_number=f"SH/{i}", cgst="0", sgst="0") for i in range(4)]
    rows.append(dict(GOOD, doc_number="SH/9", cgst="0", sgst="0", invoice_value="1,000.00"))
    with pytest.raises(IngestError) as caught:
        parse_books(write_csv(tmp_path / "zero.csv", rows))
    assert "hold no tax, yet invoice value exceeds taxable value on 4 of 5 rows" in str(caught.value)


def test_a_register_without_tax_whose_values_equal_taxable_value_imports(tmp_path):
    """Exempt purchases: no tax column and nothing to find, so nothing to refuse."""
    header = ["Bill Date", "Bill Number", "Vendor Name", "GST Identification Number (GSTIN)", "SubTotal",
              "Total"]
    line = ["2025-04-02", "A-1", *SHARMA[:2], "100.00", "100.00"]
    path = _zoho(tmp_path / "exempt.csv", [line], header)
    frame = parse_books(path, preset="zoho", recipient_gstin=RECIPIENT).frame
    assert frame["taxable_paise"].tolist() == [100_00] and frame["cgst_paise"].tolist() == [0]


def test_a_negative_amount_on_an_invoice_is_pointed_out(tmp_path):
    rows = [GOOD, dict(GOOD, doc_number="SH/2", taxable_value="(500)", cgst="-45", sgst="-45",
                       invoice_value="(590)")]
    parsed = parse_books(write_csv(tmp_path / "negative.csv", rows))
    assert parsed.frame["taxable_paise"].tolist() == [1000_00, -500_00]  # stored as stated
    [warning] = [w for w in parsed.warnings if "negative" in w]
    assert warning.startswith("4 negative amount(s) on invoices or debit notes, stored as negative: "
                              "row 3 cgst -₹45.00; row 3 invoice_value -₹590.00; row 3 sgst -₹45.00; "
                              "row 3 taxable_value -₹500.00")
    credit = [GOOD, dict(GOOD, doc_number="CN/1", doc_type="CRN", taxable_value="(500)")]
    warnings = parse_books(write_csv(tmp_path / "credit.csv", credit)).warnings
    assert not [w for w in warnings if "negative" in w]
