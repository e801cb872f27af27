"""The purchase-register importer: each export's shape, and a clear refusal for each kind of bad input."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ims_core.ingest.books import parse_books
from ims_core.ingest.document import BOOK_COLUMNS, IngestError

BOOKS = Path(__file__).resolve().parent.parent / "fixtures" / "books"
RECIPIENT = "27AADCD4821K1ZM"
COLUMNS = [
    "supplier_gstin",
    "supplier_name",
    "doc_type",
    "doc_number",
    "doc_date",
    "taxable_value",
    "igst",
    "cgst",
    "sgst",
    "cess",
    "invoice_value",
    "place_of_supply",
    "reverse_charge",
    "recipient_gstin",
]
GOOD = {
    "supplier_gstin": "27AHQPA7588L1ZJ",
    "supplier_name": "Sharma Traders",
    "doc_type": "INV",
    "doc_number": "SH/1",
    "doc_date": "2025-04-02",
    "taxable_value": "1,000.00",
    "igst": "",
    "cgst": "90",
    "sgst": "90",
    "cess": "",
    "invoice_value": "1,180.00",
    "place_of_supply": "27",
    "reverse_charge": "N",
    "recipient_gstin": RECIPIENT,
}

# The twelve documents every fixture describes (see tests/fixtures/books/README.md):
# (doc_type, doc_number, doc_date, taxable, igst, cgst, sgst, cess, invoice value), paise.
EXPECTED = [
    ("INV", "SH/25-26/0141", "2025-04-02", 12345650, 0, 1111109, 1111109, 0, 14567868),
    ("INV", "AC-7781", "2025-04-03", 25000000, 4500000, 0, 0, 0, 29500000),
    ("INV", "CS/118", "2025-04-05", 1850000, 222000, 0, 0, 0, 2072000),
    ("INV", "RP-2025-0091", "2025-04-07", 6425000, 0, 578250, 578250, 0, 7581500),
    ("INV", "SC/2526/044", "2025-04-09", 104500000, 18810000, 0, 0, 0, 123310000),
    ("INV", "TE-0912", "2025-04-11", 840000, 151200, 0, 0, 0, 991200),
    ("INV", "SH/25-26/0158", "2025-04-14", 4780000, 0, 430200, 430200, 0, 5640400),
    ("CRN", "AC-CN-12", "2025-04-16", 1200000, 216000, 0, 0, 0, 1416000),
    ("INV", "RP-2025-0104", "2025-04-18", 37500000, 0, 3375000, 3375000, 0, 44250000),
    ("INV", "SC/2526/051", "2025-04-21", 9600000, 1728000, 0, 0, 96000, 11424000),
    ("INV", "CS/131", "2025-04-24", 525075, 94514, 0, 0, 0, 619589),
    ("DBN", "TE-DN-03", "2025-04-28", 200000, 36000, 0, 0, 0, 236000),
]
FIELDS = [
    "doc_type",
    "doc_number",
    "doc_date",
    "taxable_paise",
    "igst_paise",
    "cgst_paise",
    "sgst_paise",
    "cess_paise",
    "invoice_value_paise",
]


def as_tuples(frame: pd.DataFrame) -> list[tuple]:
    out = frame[FIELDS].copy()
    out["doc_date"] = out["doc_date"].dt.strftime("%Y-%m-%d")
    return [tuple(r) for r in out.itertuples(index=False)]


def write_csv(
    path: Path, rows: list[dict], columns: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    columns = columns or COLUMNS
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return path


def refusal(path: Path, **kwargs: object) -> str:
    with pytest.raises(IngestError) as caught:
        parse_books(path, **kwargs)
    return str(caught.value)


# --- each export's shape ------------------------------------------------------------------------


def test_canonical_csv_in_cp1252_with_indian_grouping_and_mixed_dates() -> None:
    parsed = parse_books(BOOKS / "canonical_cp1252.csv")
    frame = parsed.frame
    assert parsed.kind == "books"
    assert as_tuples(frame) == EXPECTED
    assert list(frame.columns) == list(BOOK_COLUMNS)
    assert frame.loc[2, "supplier_name"] == "Café Suppliers"
    assert frame["source_row"].tolist() == list(range(2, 14))
    assert frame["place_of_supply"].unique().tolist() == ["27"]  # "27", "27-Maharashtra", "Maharashtra"
    assert frame["reverse_charge"].tolist() == [False] * 5 + [True] + [False] * 6  # "Yes" and blanks
    assert frame.loc[0, "ledger"] == "Packing"
    assert parsed.recipient_gstin == RECIPIENT
    assert parsed.file_name == "canonical_cp1252.csv"
    assert parsed.content_hash == hashlib.sha256((BOOKS / "canonical_cp1252.csv").read_bytes()).hexdigest()
    assert str(frame["doc_date"].dtype) == "datetime64[ns]"
    assert all(str(frame[c].dtype) == "int64" for c in FIELDS if c.endswith("_paise"))


def test_canonical_xlsx_with_date_and_number_cells_and_title_case_headers() -> None:
    parsed = parse_books(BOOKS / "canonical.xlsx", preset="canonical")
    assert as_tuples(parsed.frame) == EXPECTED
    assert parsed.frame["source_row"].tolist() == list(range(2, 14))
    assert parsed.frame["supplier_gstin"].iloc[2] == "06AAMCS8709B1ZA"


@pytest.mark.parametrize("name", ["tally_purchase_register.xlsx", "tally_purchase_register.csv"])
def test_tally_register_below_title_rows(name: str) -> None:
    parsed = parse_books(BOOKS / name, recipient_gstin=RECIPIENT)
    expected = [list(e) for e in EXPECTED]
    expected[6][2] = "2025-04-15"  # no supplier invoice date on that voucher: the voucher date is used
    assert as_tuples(parsed.frame) == [tuple(e) for e in expected]
    # rows as the user sees them: 4 title rows, a blank row, the header on row 6; rows 10 and 15 skipped
    assert parsed.frame["source_row"].tolist() == [7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 20]
    assert parsed.frame["recipient_gstin"].unique().tolist() == [RECIPIENT]
    assert any("cancelled" in w and "10" in w for w in parsed.warnings)
    assert any("without a supplier GSTIN" in w and "15" in w for w in parsed.warnings)


def test_tally_voucher_types_map_to_the_suppliers_document_types() -> None:
    frame = parse_books(
        BOOKS / "tally_purchase_register.xlsx", preset="tally", recipient_gstin=RECIPIENT
    ).frame
    by_number = dict(zip(frame["doc_number"], frame["doc_type"], strict=True))
    assert by_number["AC-CN-12"] == "CRN"  # the buyer's Debit Note voucher answers a supplier credit note
    assert by_number["TE-DN-03"] == "DBN"  # the buyer's Credit Note voucher answers a supplier debit note


def test_zoho_bill_lines_are_added_up_per_bill() -> None:
    parsed = parse_books(BOOKS / "zoho_bills.csv", recipient_gstin=RECIPIENT)
    assert as_tuples(parsed.frame) == [e for e in EXPECTED if e[0] == "INV"]
    assert parsed.frame["source_row"].tolist()[:2] == [2, 4]  # a bill's first line
    assert parsed.frame["place_of_supply"].unique().tolist() == ["27"]  # "MH"
    assert any("12 line rows combined into 10 documents" in w for w in parsed.warnings)
    assert any("void or draft" in w and "rows 14" in w for w in parsed.warnings)  # the void bill AC-7790


def test_zoho_bills_sharing_a_number_stay_two_documents(tmp_path: Path) -> None:
    """Lines are grouped by Zoho's Bill ID, so a bill keyed twice is kept twice (a duplicate to report)."""
    text = (BOOKS / "zoho_bills.csv").read_text(encoding="utf-8-sig").splitlines()
    copy = text[3].replace(",4600001,", ",4600077,")  # AC-7781 again, under another Bill ID
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*text, copy]) + "\n", encoding="utf-8")
    frame = parse_books(path, recipient_gstin=RECIPIENT).frame
    same = frame.loc[frame["doc_number"] == "AC-7781"]
    assert same["taxable_paise"].tolist() == [25000000, 25000000]
    assert same["source_row"].tolist() == [4, 15]


def test_zoho_vendor_credits_are_credit_notes() -> None:
    parsed = parse_books(BOOKS / "zoho_vendor_credits.csv", preset="zoho", recipient_gstin=RECIPIENT)
    assert as_tuples(parsed.frame) == [EXPECTED[7]]


def test_erpnext_register_returns_and_posting_date_fallback() -> None:
    parsed = parse_books(BOOKS / "erpnext_purchase_register.csv")
    expected = [list(e) for e in EXPECTED if e[0] != "DBN"]
    expected[2][2] = "2025-04-07"  # Bill Date blank: Posting Date
    assert as_tuples(parsed.frame) == [tuple(e) for e in expected]  # the negative return is a positive CRN
    assert parsed.recipient_gstin == RECIPIENT  # from Company GSTIN
    assert len(parsed.frame) == 11  # the report's Total row is not a document


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("canonical_cp1252.csv", "canonical"),
        ("canonical.xlsx", "canonical"),
        ("tally_purchase_register.csv", "tally"),
        ("zoho_bills.csv", "zoho"),
        ("erpnext_purchase_register.csv", "erpnext"),
    ],
)
def test_auto_detect_gives_what_the_named_preset_gives(name: str, preset: str) -> None:
    auto = parse_books(BOOKS / name, recipient_gstin=RECIPIENT)
    named = parse_books(BOOKS / name, preset=preset, recipient_gstin=RECIPIENT)
    pd.testing.assert_frame_equal(auto.frame, named.frame)


def test_map_override_names_a_column_the_preset_does_not_know(tmp_path: Path) -> None:
    columns = [
        ("Vendor Ref" if c == "doc_number" else "Txbl Amt" if c == "taxable_value" else c) for c in COLUMNS
    ]
    rows = [{**GOOD, "Vendor Ref": "SH/1", "Txbl Amt": "1,000.00"}]
    path = write_csv(tmp_path / "mapped.csv", rows, columns)
    message = refusal(path)
    assert "doc_number" in message and "taxable_value" in message and "--map" in message
    parsed = parse_books(path, column_map={"vendor ref": "doc_number", "TXBL AMT": "taxable_value"})
    assert parsed.frame.loc[0, "doc_number"] == "SH/1"
    assert parsed.frame.loc[0, "taxable_paise"] == 100000


def test_map_override_wins_over_the_preset(tmp_path: Path) -> None:
    columns = [*COLUMNS, "Party Bill No"]
    path = write_csv(tmp_path / "both.csv", [{**GOOD, "Party Bill No": "PB-77"}], columns)
    parsed = parse_books(path, column_map={"Party Bill No": "doc_number"})
    assert parsed.frame.loc[0, "doc_number"] == "PB-77"


def test_recipient_argument_fills_a_file_without_recipients(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "recipient_gstin"]
    path = write_csv(tmp_path / "no_recipient.csv", [GOOD], columns)
    parsed = parse_books(path, recipient_gstin=RECIPIENT.lower())
    assert parsed.recipient_gstin == RECIPIENT
    assert parsed.frame.loc[0, "recipient_gstin"] == RECIPIENT


def test_several_recipients_leave_the_file_level_recipient_empty(tmp_path: Path) -> None:
    other = "29AABCT3518Q1ZS"
    path = write_csv(tmp_path / "two.csv", [GOOD, {**GOOD, "doc_number": "SH/2", "recipient_gstin": other}])
    parsed = parse_books(path)
    assert parsed.recipient_gstin == ""
    assert parsed.frame["recipient_gstin"].tolist() == [RECIPIENT, other]


def test_synonyms_and_optional_columns(tmp_path: Path) -> None:
    columns = [*COLUMNS, "payment_date", "category", "itc_eligible"]
    rows = [
        {
            **GOOD,
            "doc_type": "Tax Invoice",
            "reverse_charge": "true",
            "place_of_supply": "27 - Maharashtra",
            "payment_date": "1-May-2025",
            "category": "Motor vehicle",
            "itc_eligible": "No",
        },
        {
            **GOOD,
            "doc_number": "SH/2",
            "doc_type": "CN",
            "taxable_value": "(1,000.00)",
            "cgst": "-90",
            "sgst": "-90",
            "invoice_value": "-1,180",
            "itc_eligible": "",
        },
    ]
    frame = parse_books(write_csv(tmp_path / "syn.csv", rows, columns)).frame
    assert frame["doc_type"].tolist() == ["INV", "CRN"]
    assert frame["reverse_charge"].tolist() == [True, False]
    assert frame["payment_date"].iloc[0] == pd.Timestamp(dt.date(2025, 5, 1))
    assert pd.isna(frame["payment_date"].iloc[1])
    assert frame["ledger"].tolist() == ["Motor vehicle", ""]
    assert frame["itc_eligible"].tolist() == [False, None]
    assert frame.loc[1, ["taxable_paise", "cgst_paise", "invoice_value_paise"]].tolist() == [
        100000,
        9000,
        118000,
    ]


def test_semicolon_separated_csv_with_bom(tmp_path: Path) -> None:
    text = ";".join(COLUMNS) + "\n" + ";".join(GOOD[c] for c in COLUMNS) + "\n"
    path = tmp_path / "semi.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert parse_books(path).frame.loc[0, "supplier_gstin"] == "27AHQPA7588L1ZJ"


def test_xlsx_rows_are_the_sheet_rows_even_with_empty_rows_above(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for j, c in enumerate(COLUMNS, start=2):
        ws.cell(row=3, column=j, value=c)
        ws.cell(row=4, column=j, value=GOOD[c])
    ws.cell(row=5, column=2, value=GOOD["supplier_gstin"])  # no date: row 5 is refused
    ws.cell(row=5, column=5, value="SH/2")
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    message = refusal(path)
    assert "row 5, field 'doc_date': the document date is empty" in message
    assert "row 4" not in message


# --- refusals: file, row, field, value and what was expected -----------------------------------


def test_missing_required_columns_are_listed_together(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c not in ("doc_date", "igst", "place_of_supply")]
    path = write_csv(tmp_path / "short.csv", [GOOD], columns)
    message = refusal(path, preset="canonical")
    assert message.startswith("short.csv: row 1, field 'header': missing required column(s)")
    assert "doc_date, igst, place_of_supply" in message
    assert "supplier_gstin, supplier_name" in message  # the columns found
    assert "expected columns for doc_date (the supplier's document date (YYYY-MM-DD" in message  # and why
    assert "; igst (integrated tax in rupees); place_of_supply (state code (24)" in message
    assert "map them with --map 'Your Column=field'" in message


def test_unparseable_amount(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "amount.csv", [GOOD, {**GOOD, "doc_number": "SH/2", "taxable_value": "12,34"}]
    )
    message = refusal(path)
    assert message.startswith("amount.csv: row 3, field 'taxable_value': '12,34' has digit grouping")
    assert "expected an amount like 1,23,456.50" in message


def test_unparseable_date(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "date.csv", [{**GOOD, "doc_date": "31-02-2025"}])
    message = refusal(path)
    assert message.startswith("date.csv: row 2, field 'doc_date': '31-02-2025' is not a real date")
    assert "expected a date like 2025-04-01" in message


def test_unknown_doc_type(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "type.csv", [{**GOOD, "doc_type": "Bill of Supply"}])
    message = refusal(path)
    assert "type.csv: row 2, field 'doc_type': unknown document type (got 'Bill of Supply')" in message
    assert "expected INV, CRN or DBN" in message


def test_unknown_tally_voucher_type(tmp_path: Path) -> None:
    rows = [
        ["Date", "Particulars", "Voucher Type", "Supplier Invoice No.", "GSTIN/UIN", "Gross Total"],
        ["2-Apr-2025", "Sharma Traders", "Journal", "SH/1", "27AHQPA7588L1ZJ", "1,180.00"],
    ]
    path = tmp_path / "tally.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in rows))
    message = refusal(path, preset="tally", recipient_gstin=RECIPIENT)
    assert "row 2, field 'Voucher Type': unknown document type (got 'Journal')" in message
    assert "expected a voucher type naming Purchase, Debit Note or Credit Note" in message


def test_invalid_supplier_gstin_uses_the_gstin_words(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gstin.csv", [{**GOOD, "supplier_gstin": "27AHQPA7588L1ZK"}])
    message = refusal(path)
    assert (
        "gstin.csv: row 2, field 'supplier_gstin': the check character should be 'J', not 'K' "
        "(got '27AHQPA7588L1ZK'); expected a 15-character GSTIN"
    ) in message


def test_invalid_recipient_gstin(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rcpt.csv", [{**GOOD, "recipient_gstin": "27AADCD4821K1Z"}])
    message = refusal(path)
    assert "rcpt.csv: row 2, field 'recipient_gstin': a GSTIN has 15 characters, this has 14" in message
    assert "(got '27AADCD4821K1Z')" in message


def test_recipient_argument_that_disagrees_with_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "disagree.csv", [GOOD])
    message = refusal(path, recipient_gstin="29AABCT3518Q1ZS")
    assert "row 2, field 'recipient_gstin': differs from --recipient 29AABCT3518Q1ZS" in message


def test_no_recipient_anywhere_asks_for_the_option() -> None:
    message = refusal(BOOKS / "zoho_bills.csv")
    assert message.startswith("zoho_bills.csv: field 'recipient_gstin'")
    assert "pass --recipient GSTIN" in message


def test_empty_doc_number(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "number.csv", [{**GOOD, "doc_number": "  "}])
    message = refusal(path)
    assert "number.csv: row 2, field 'doc_number': the document number is empty (got '')" in message
    assert "expected the supplier's document number" in message


def test_bad_place_of_supply_and_reverse_charge(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "flags.csv", [{**GOOD, "place_of_supply": "Atlantis", "reverse_charge": "maybe"}]
    )
    message = refusal(path)
    assert (
        "row 2, field 'place_of_supply': not a state (got 'Atlantis'); expected a state code (24)" in message
    )
    assert "row 2, field 'reverse_charge': not a yes/no value (got 'maybe'); expected Y or N" in message


def test_every_problem_is_collected_before_refusing(tmp_path: Path) -> None:
    rows = [
        {**GOOD, "doc_date": "2025-13-01"},
        GOOD | {"doc_number": "SH/2"},
        {**GOOD, "doc_number": "SH/3", "igst": "abc"},
        {**GOOD, "doc_number": "", "doc_type": "XYZ"},
    ]
    with pytest.raises(IngestError) as caught:
        parse_books(write_csv(tmp_path / "many.csv", rows))
    rows_named = [(p.row, p.field) for p in caught.value.problems]
    assert rows_named == [(2, "doc_date"), (4, "igst"), (5, "doc_number"), (5, "doc_type")]
    assert str(caught.value).startswith("many.csv: 4 problems\n  row 2, field 'doc_date'")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    assert refusal(path) == "empty.csv: the file is empty"


def test_header_without_documents(tmp_path: Path) -> None:
    message = refusal(write_csv(tmp_path / "header_only.csv", []))
    assert message == "header_only.csv: row 1: the file has a header row but no documents below it"


def test_sheet_without_a_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for r in range(20):
        wb.active.append([f"note {r}", r])
    path = tmp_path / "notes.xlsx"
    wb.save(path)
    message = refusal(path)
    assert "notes.xlsx: field 'header': no header row found in the first 15 rows" in message
    assert "--preset" in message


def test_unknown_preset_and_bad_map(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ok.csv", [GOOD])
    assert "unknown preset 'sage'" in refusal(path, preset="sage")
    message = refusal(path, column_map={"Bill Ref": "doc_no"})
    assert "field '--map': --map 'Bill Ref=doc_no': unknown field" in message
    assert "expected one of supplier_gstin" in message
    message = refusal(path, column_map={"Bill Ref": "doc_number"})
    assert "--map names column(s) not in the file: bill ref" in message


def test_invalid_recipient_option() -> None:
    message = refusal(BOOKS / "zoho_bills.csv", recipient_gstin="27AADCD4821K1ZX")
    assert "field '--recipient': the check character should be 'M', not 'X'" in message


def test_missing_column_below_title_rows_names_the_header_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Deccan Polymers Private Limited"])
    ws.append(["Purchase Register"])
    ws.append([])
    ws.append(["Date", "Particulars", "Voucher Type", None, "Supplier Invoice No.", "GSTIN/UIN"])
    ws.append(["2-Apr-2025", "Sharma Traders", "Purchase", None, "SH/1", "27AHQPA7588L1ZJ"])
    path = tmp_path / "tally.xlsx"
    wb.save(path)
    message = refusal(path, preset="tally", recipient_gstin=RECIPIENT)
    assert message.startswith(
        "tally.xlsx: row 4, field 'header': missing required column(s) for the tally preset: invoice_value "
        "(got 'Date, Particulars, Voucher Type, Supplier Invoice No., GSTIN/UIN')"
    )
    assert "map them with --map" in message


def test_an_import_error_crosses_a_process_boundary_whole():
    """A forked worker (``ims run``'s GSTR-2B) hands its error to the parent by pickling."""
    import pickle

    from ims_core.ingest.document import Problem

    error = IngestError("bad.json", [Problem("expected a date", row=3, field="dt", value="31-02-2025")])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is IngestError and str(copy) == str(error)
    assert copy.file == "bad.json" and copy.problems == error.problems
