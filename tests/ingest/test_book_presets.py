"""Preset column resolution: aliases, ledger-named tax columns, overrides, and what each field holds."""

from __future__ import annotations

from ims_core.ingest.book_presets import (
    CANONICAL_REQUIRED,
    FIELD_HELP,
    FIELDS,
    PRESETS,
    header_key,
    resolve,
)


def keys(*headers: str) -> list[str]:
    return [header_key(h) for h in headers]


def test_header_key_ignores_case_spacing_and_punctuation() -> None:
    assert header_key("  Supplier_GSTIN ") == header_key("supplier gstin") == "supplier gstin"
    assert header_key("Voucher No.") == "voucher no"
    assert header_key("GST Identification Number (GSTIN)") == "gst identification number gstin"
    assert header_key("Input IGST @ 18%") == "input igst 18%"


def test_every_preset_is_named_and_documented() -> None:
    assert set(PRESETS) == {"canonical", "tally", "zoho", "erpnext"}
    for preset in PRESETS.values():
        assert len(preset.source) > 80
        assert set(preset.required) <= set(FIELDS)
        assert set(preset.columns) <= set(FIELDS)


def test_canonical_needs_every_design_column() -> None:
    headers = keys(*CANONICAL_REQUIRED)
    mapping, missing = resolve(PRESETS["canonical"], headers, {})
    assert missing == []
    assert all(mapping[f] == [i] for i, f in enumerate(CANONICAL_REQUIRED))
    mapping, missing = resolve(PRESETS["canonical"], headers[:-2], {})
    assert missing == ["place_of_supply", "reverse_charge"]


def test_tally_ledger_columns_are_summed_by_tax_head_and_purchase_ledgers_are_taxable() -> None:
    headers = keys(
        "Date",
        "Particulars",
        "Voucher Type",
        "Voucher No.",
        "Supplier Invoice No.",
        "Supplier Invoice Date",
        "GSTIN/UIN",
        "Gross Total",
        "Purchase @18% IGST",
        "Purchase Local",
        "Input IGST 18%",
        "Input IGST 12%",
        "CGST Input @9%",
        "SGST Input",
        "Input UTGST",
        "Cess on Purchase",
        "Round Off",
        "Processing Charges",
    )
    mapping, missing = resolve(PRESETS["tally"], headers, {})
    assert missing == []
    name = {i: h for i, h in enumerate(headers)}
    assert [name[i] for i in mapping["taxable_value"]] == ["purchase 18% igst", "purchase local"]
    assert [name[i] for i in mapping["igst"]] == ["input igst 18%", "input igst 12%"]
    assert [name[i] for i in mapping["cgst"]] == ["cgst input 9%"]
    assert [name[i] for i in mapping["sgst"]] == ["sgst input", "input utgst"]
    assert [name[i] for i in mapping["cess"]] == ["cess on purchase"]  # never "processing charges"
    assert [name[i] for i in mapping["doc_date"]] == ["supplier invoice date"]
    assert [name[i] for i in mapping["supplier_gstin"]] == ["gstin uin"]


def test_rate_and_total_columns_are_not_tax_amounts() -> None:
    headers = keys(
        "Invoice",
        "Supplier Name",
        "Supplier GSTIN",
        "Bill No",
        "Bill Date",
        "Net Total",
        "IGST Rate",
        "IGST %",
        "Input Tax IGST - DP",
        "Total Tax",
        "Grand Total",
    )
    mapping, missing = resolve(PRESETS["erpnext"], headers, {})
    assert missing == []
    assert mapping["igst"] == [headers.index("input tax igst dp")]
    assert "cgst" not in mapping


def test_override_wins_and_takes_the_column_away_from_the_preset() -> None:
    headers = keys("Bill Number", "Vendor Name", "GSTIN", "Bill Date", "SubTotal", "Total", "Our Ref")
    mapping, missing = resolve(
        PRESETS["zoho"], headers, {"our ref": "doc_number", "subtotal": "invoice_value"}
    )
    assert missing == ["taxable_value"]  # SubTotal now serves invoice_value only
    assert mapping["doc_number"] == [6]
    assert mapping["invoice_value"] == [4]


def test_every_field_says_what_it_holds() -> None:
    assert set(FIELD_HELP) == set(FIELDS) and set(CANONICAL_REQUIRED) <= set(FIELDS)
    assert all(preset.required and set(preset.required) <= set(FIELDS) for preset in PRESETS.values())
    assert "INV, CRN or DBN" in FIELD_HELP["doc_type"]
