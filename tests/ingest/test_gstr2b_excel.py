"""GSTR-2B portal Excel: the real merged Gujarat file against its flattened CSV, and built workbooks."""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES
from openpyxl import Workbook

from ims_core.gst.gstin import state_code
from ims_core.ingest.document import PORTAL_COLUMNS, IngestError
from ims_core.ingest.gstr2b_excel import parse_gstr2b_excel

EXTERNAL = FIXTURES / "external"
REAL = EXTERNAL / (
    "gstr2b_portal-excel_REAL_gujarat-textile_may-jun2025_merged__teamsleekcom-gstr2b-reconciler.xlsx"
)
FLAT = EXTERNAL / "gstr2b_portal-excel_REAL_gujarat-textile_may-jun2025__flattened_b2b_cdnr.csv"
RECIPIENT = "24AAQCA8719H1ZC"
MONEY = {
    "doc_value": "invoice_value_paise",
    "taxable_value": "taxable_paise",
    "igst": "igst_paise",
    "cgst": "cgst_paise",
    "sgst": "sgst_paise",
    "cess": "cess_paise",
}


def paise(text: str) -> int:
    return int(Decimal(text or "0") * 100)


def csv_rows() -> list[dict[str, str]]:
    with FLAT.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_real_merged_file_matches_the_flattened_rows() -> None:
    parsed = parse_gstr2b_excel(REAL, RECIPIENT)
    frame = parsed.frame
    assert list(frame.columns) == list(PORTAL_COLUMNS)
    assert (parsed.kind, parsed.recipient_gstin, parsed.file_name) == ("gstr2b", RECIPIENT, REAL.name)
    assert parsed.content_hash == hashlib.sha256(REAL.read_bytes()).hexdigest()
    rows = csv_rows()
    assert len(frame) == len(rows) == 113
    by_key = frame.set_index(["section", "supplier_gstin", "doc_number"])
    assert by_key.index.is_unique
    for row in rows:
        got = by_key.loc[
            ({"B2B": "b2b", "B2B-CDNR": "cdnr"}[row["section"]], row["supplier_gstin"], row["doc_number"])
        ]
        where = f"{row['section']} {row['doc_number']}"
        assert got["doc_date"] == pd.Timestamp(pd.to_datetime(row["doc_date"], format="%d/%m/%Y")), where
        for column, target in MONEY.items():
            assert got[target] == paise(row[column]), (where, column)
        assert got["place_of_supply"] == state_code(row["place_of_supply"]), where
        assert bool(got["reverse_charge"]) is (row["reverse_charge"] == "Yes"), where
        assert got["supplier_name"] == row["trade_name"], where
        assert got["itc_available"] == {"Yes": "Y", "": ""}[row["itc_availability"]], where
        assert got["doc_type"] == ("CRN" if row["note_type"] == "Credit Note" else "INV"), where
        assert got["irn"] == row["irn"], where
        period = {"May'25": "052025", "Jun'25": "062025", "": ""}[row["gstr1_period"]]
        assert got["supplier_return_period"] == period, where
        assert not got["rejected_in_ims"]


def test_real_merged_file_totals_per_section_and_layout() -> None:
    frame = parse_gstr2b_excel(REAL, RECIPIENT).frame
    rows = csv_rows()
    for section, layout in (
        ("B2B", "portal_columns"),
        ("B2B", "realigned_from_merger_shifted_columns"),
        ("B2B-CDNR", "portal_columns"),
    ):
        chosen = [r for r in rows if r["section"] == section and r["source_row_layout"] == layout]
        numbers = {r["doc_number"] for r in chosen}
        got = frame[
            frame["doc_number"].isin(numbers) & (frame["section"] == section.lower().replace("b2b-", ""))
        ]
        assert len(got) == len(chosen)
        for column, target in MONEY.items():
            assert int(got[target].sum()) == sum(paise(r[column]) for r in chosen), (section, layout, column)
    may_b2b = frame[(frame["section"] == "b2b") & (frame["return_period"] == "052025")]
    assert len(may_b2b) == 51
    assert int(may_b2b["taxable_paise"].sum()) == sum(
        paise(r["taxable_value"]) for r in rows if r["section"] == "B2B" and r["gstr1_period"] == "May'25"
    )


def test_real_merged_file_shifted_rows_and_periods() -> None:
    parsed = parse_gstr2b_excel(REAL, RECIPIENT)
    frame = parsed.frame
    shift = [w for w in parsed.warnings if "merged file" in w]
    assert len(shift) == 1 and shift[0].startswith("sheet B2B: 52 row(s)")
    rajat = frame[frame["doc_number"] == "MR/842/25-26"].iloc[0]  # inter-state: IGST in the extra column
    assert (rajat["taxable_paise"], rajat["igst_paise"], rajat["cgst_paise"]) == (9872350, 493618, 0)
    assert tuple(rajat[["place_of_supply", "supplier_return_period", "return_period"]]) == ("", "", "062025")
    assert parsed.return_period == "062025"
    assert any("several periods (052025, 062025)" in w for w in parsed.warnings)
    assert frame.groupby(["section", "return_period"]).size().to_dict() == {
        ("b2b", "052025"): 51,
        ("b2b", "062025"): 52,
        ("cdnr", "052025"): 4,
        ("cdnr", "062025"): 6,
    }


def test_real_file_without_recipient_asks_for_it() -> None:
    with pytest.raises(IngestError, match="pass --recipient GSTIN"):
        parse_gstr2b_excel(REAL)


# --- workbooks built here, in the portal's layout ----------------------------------------------------

B2B_HEADER = [
    "GSTIN of supplier",
    "Trade/Legal name",
    "Invoice number",
    "Invoice type",
    "Invoice Date",
    "Invoice Value(₹)",
    "Place of supply",
    "Supply Attract Reverse Charge",
    "Taxable Value (₹)",
    "Integrated Tax(₹)",
    "Central Tax(₹)",
    "State/UT Tax(₹)",
    "Cess(₹)",
    "GSTR-1/IFF/GSTR-5 Period",
    "GSTR-1/IFF/GSTR-5 Filing Date",
    "ITC Availability",
    "Reason",
    "Applicable % of Tax Rate",
    "Source",
    "IRN",
    "IRN Date",
]
B2B_ROW = [
    "27AHQPA7588L1ZJ",
    "Acme Mills",
    "AM/101",
    "Regular",
    "05/10/2025",
    11800,
    "Gujarat",
    "No",
    10000,
    1800,
    0,
    0,
    0,
    "Oct'25",
    "11/11/2025",
    "Yes",
    None,
    "100%",
    None,
    None,
    None,
]
CDNRA_GROUPS = [
    "Original Details",
    None,
    None,
    "Revised Details",
    None,
    "Credit note/Debit note details",
    None,
    None,
    None,
    None,
    None,
    "Tax Amount",
]
CDNRA_HEADER = [
    "Note type",
    "Note number",
    "Note date",
    "GSTIN of supplier",
    "Trade/Legal name",
    "Note number",
    "Note type",
    "Note Supply type",
    "Note Value (₹)",
    "Place of supply",
    "Supply Attract Reverse Charge",
    "Taxable Value (₹)",
    "Integrated Tax(₹)",
    "Central Tax(₹)",
    "State/UT Tax(₹)",
    "Cess(₹)",
    "GSTR-1/IFF/GSTR-5 Period",
    "GSTR-1/IFF/GSTR-5 Filing Date",
    "ITC Availability",
    "Reason",
    "Applicable % of Tax Rate",
]
CDNRA_ROW = [
    "Credit Note",
    "CN-7",
    "20/09/2025",
    "24AAMCS8709B1ZA",
    "Sun Traders",
    "CN-7A",
    "Credit Note",
    "Regular",
    590,
    "Gujarat",
    "No",
    500,
    0,
    45,
    45,
    0,
    "Oct'25",
    "10/11/2025",
    "Yes",
    None,
    "65%",
]


def sheet(workbook: Workbook, title: str, groups: list, header: list, rows: list[list]) -> None:
    ws = workbook.create_sheet(title)
    for _ in range(4):
        ws.append([])
    if groups:
        ws.append([f"{title} table title"])
    ws.append(groups or [f"{title} table title"])
    ws.append(header)
    for row in rows:
        ws.append(row)


def build(tmp_path: Path, readme: bool = True, b2b_rows: list[list] | None = None) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    if readme:
        ws = workbook.create_sheet("Read me")
        for row in (
            ["Goods and Services Tax - GSTR-2B"],
            ["Financial Year", "2025-26"],
            ["Tax Period", "October"],
            ["GSTIN", RECIPIENT],
            ["Legal Name", "Demo Textiles"],
            ["Date of generation", "14/11/2025"],
        ):
            ws.append(row)
    workbook.create_sheet("ITC Available")  # a summary sheet: ignored
    sheet(workbook, "B2B", [], B2B_HEADER, b2b_rows if b2b_rows is not None else [B2B_ROW])
    sheet(workbook, "B2B-CDNRA", CDNRA_GROUPS, CDNRA_HEADER, [CDNRA_ROW])
    rejected = [
        v
        for h, v in zip(B2B_HEADER, B2B_ROW, strict=True)
        if h not in ("Supply Attract Reverse Charge", "ITC Availability", "Reason")
    ]
    rejected[2] = "AM/102"
    sheet(
        workbook,
        "B2B(Rejected)",
        [],
        [h for h in B2B_HEADER if h not in ("Supply Attract Reverse Charge", "ITC Availability", "Reason")],
        [rejected],
    )
    sheet(
        workbook,
        "IMPG",
        [],
        [
            "Icegate Reference Date",
            "Port Code",
            "Number",
            "Date",
            "Taxable Value",
            "Integrated Tax(₹)",
            "Cess(₹)",
            "Amended (Yes)",
        ],
        [["01/10/2025", "INNSA1", "7654321", "28/09/2025", 50000, 9000, 0, "No"]],
    )
    sheet(workbook, "B2B (ITC Reversal)", [], B2B_HEADER, [B2B_ROW])
    path = tmp_path / "gstr2b.xlsx"
    workbook.save(path)
    return path


def test_built_workbook_with_read_me(tmp_path: Path) -> None:
    parsed = parse_gstr2b_excel(build(tmp_path))
    assert (parsed.recipient_gstin, parsed.return_period) == (RECIPIENT, "102025")
    frame = parsed.frame.set_index("section")
    assert sorted(frame.index) == ["b2b", "b2b", "cdnra", "impg"]
    assert set(parsed.frame["return_period"]) == {"102025"}
    b2b = parsed.frame[(parsed.frame["section"] == "b2b") & ~parsed.frame["rejected_in_ims"]].iloc[0]
    assert (b2b["doc_number"], b2b["invoice_type"]) == ("AM/101", "R")
    assert b2b["doc_date"] == pd.Timestamp("2025-10-05")
    assert (b2b["taxable_paise"], b2b["igst_paise"], b2b["invoice_value_paise"]) == (1000000, 180000, 1180000)
    assert (b2b["place_of_supply"], b2b["reverse_charge"], b2b["itc_available"]) == ("24", False, "Y")
    assert (b2b["supplier_return_period"], b2b["diff_percent"]) == ("102025", "1")
    assert b2b["supplier_filing_date"] == pd.Timestamp("2025-11-11")
    rejected = parsed.frame[parsed.frame["rejected_in_ims"]]
    assert list(rejected["doc_number"]) == ["AM/102"] and list(rejected["section"]) == ["b2b"]
    cdnra = frame.loc["cdnra"]
    assert tuple(cdnra[["doc_type", "doc_number", "original_doc_type", "original_doc_number"]]) == (
        "CRN",
        "CN-7A",
        "CRN",
        "CN-7",
    )
    assert cdnra["original_doc_date"] == pd.Timestamp("2025-09-20") and cdnra["diff_percent"] == "0.65"
    assert tuple(cdnra[["supplier_gstin", "cgst_paise", "invoice_type"]]) == ("24AAMCS8709B1ZA", 4500, "R")
    impg = frame.loc["impg"]
    assert tuple(impg[["doc_type", "doc_number", "invoice_type", "supplier_gstin", "igst_paise"]]) == (
        "BOE",
        "7654321",
        "INNSA1",
        "",
        900000,
    )
    assert any("B2B (ITC Reversal): 1 row(s) not imported" in w for w in parsed.warnings)


def test_built_workbook_recipient_must_agree(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=f"for recipient {RECIPIENT}, not 27AHQPA7588L1ZJ"):
        parse_gstr2b_excel(build(tmp_path), "27AHQPA7588L1ZJ")
    parsed = parse_gstr2b_excel(build(tmp_path, readme=False), RECIPIENT)
    assert parsed.return_period == "102025"  # every row's GSTR-1 period agrees
    assert set(parsed.frame["return_period"]) == {"102025"}


def test_a_row_that_does_not_fit_the_header_is_an_error(tmp_path: Path) -> None:
    misfit = list(B2B_ROW)
    misfit[2] = None  # no invoice number, and not the merged file's shifted layout
    bad_date = list(B2B_ROW)
    bad_date[2], bad_date[4], bad_date[9] = "AM/103", "32/10/2025", "lots"
    with pytest.raises(IngestError) as info:
        parse_gstr2b_excel(build(tmp_path, b2b_rows=[B2B_ROW, misfit, bad_date]))
    message = str(info.value)
    assert message.startswith("gstr2b.xlsx: 3 problems")
    assert "row 8 of sheet B2B, field 'invoice number': the document number is missing" in message
    assert (
        "row 9 of sheet B2B, field 'invoice date': not a date (got '32/10/2025'); expected a date "
        "DD/MM/YYYY" in message
    )
    assert "row 9 of sheet B2B, field 'integrated tax': not an amount (got 'lots')" in message


def test_not_a_workbook_and_no_sections(tmp_path: Path) -> None:
    text = tmp_path / "gstr2b.xlsx"
    text.write_text("GSTIN,Invoice\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"^gstr2b\.xlsx: not a readable \.xlsx workbook"):
        parse_gstr2b_excel(text, RECIPIENT)
    workbook = Workbook()
    workbook.active.title = "Purchases"
    workbook.save(tmp_path / "other.xlsx")
    with pytest.raises(IngestError, match="no GSTR-2B section sheet"):
        parse_gstr2b_excel(tmp_path / "other.xlsx", RECIPIENT)


def test_columns_are_found_by_header_not_position(tmp_path: Path) -> None:
    order = list(reversed(range(len(B2B_HEADER))))
    workbook = Workbook()
    workbook.active.title = "B2B"
    ws = workbook.active
    for _ in range(4):
        ws.append([])
    ws.append(["Taxable inward supplies received from registered persons"])
    ws.append([B2B_HEADER[j] for j in order])
    ws.append([B2B_ROW[j] for j in order])
    workbook.save(tmp_path / "moved.xlsx")
    moved = parse_gstr2b_excel(tmp_path / "moved.xlsx", RECIPIENT).frame.iloc[0]
    usual = parse_gstr2b_excel(build(tmp_path, readme=False), RECIPIENT).frame.iloc[0]
    for column in ("supplier_gstin", "doc_number", "doc_date", "taxable_paise", "igst_paise",
                   "invoice_value_paise", "place_of_supply", "supplier_return_period", "itc_available"):
        assert moved[column] == usual[column], column
