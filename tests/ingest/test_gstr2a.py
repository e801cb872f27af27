"""GSTR-2A JSON: the all-sections sample and the real Tamil Nadu B2B response, checked by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES

from ims_core.ingest.document import PORTAL_COLUMNS, IngestError
from ims_core.ingest.gstr2a import parse_gstr2a_json

SAMPLE = FIXTURES / "external" / "gstr2a_api_sample_all-sections__india-compliance.json"
TAMIL_NADU = (
    FIXTURES
    / "external"
    / ("gstr2a_b2b_api_response_REAL_jan2024_tamilnadu__Bhavan23-gst_api_integration.json")
)
RECIPIENT = "33AAQCA8719H1ZD"  # a Tamil Nadu GSTIN with a correct check character
ITEM_KEYS = {
    "taxable_paise": "txval",
    "igst_paise": "iamt",
    "cgst_paise": "camt",
    "sgst_paise": "samt",
    "cess_paise": "csamt",
}


def item_totals(path: Path) -> dict[str, int]:
    """Paise totals of the b2b invoices, summed with Decimal over every itm_det of the raw file."""
    raw = json.loads(path.read_text(), parse_float=Decimal)
    totals = dict.fromkeys(ITEM_KEYS, 0)
    for supplier in raw["b2b"]:
        for invoice in supplier["inv"]:
            for item in invoice["itms"]:
                for column, key in ITEM_KEYS.items():
                    totals[column] += int(Decimal(str(item["itm_det"].get(key, 0))) * 100)
    return totals


def test_real_tamil_nadu_response() -> None:
    parsed = parse_gstr2a_json(TAMIL_NADU, RECIPIENT)
    frame = parsed.frame
    assert list(frame.columns) == list(PORTAL_COLUMNS)
    assert (parsed.kind, parsed.recipient_gstin) == ("gstr2a", RECIPIENT)
    assert len(frame) == 25 and frame["supplier_gstin"].nunique() == 7
    assert frame.groupby("supplier_gstin").size().to_dict() == {
        "23AJEPM9346G1Z5": 1,
        "29AAKCR4702K1Z1": 1,
        "34AAFFU7373M1ZL": 1,
        "27AAGCG4576J1Z6": 1,
        "29AAOFC8017H1Z5": 1,
        "33AAECB7398D1ZN": 9,
        "33AAQFT1511R1ZR": 11,
    }
    assert {c: int(frame[c].sum()) for c in ITEM_KEYS} == item_totals(TAMIL_NADU)
    # computed by hand from the file: 683.94 + 82.07; 675120 + 189033.59; the 25 invoice values
    first = frame[frame["doc_number"] == "IN-708"].iloc[0]
    assert (first["taxable_paise"], first["igst_paise"], first["invoice_value_paise"]) == (68394, 8207, 76600)
    tyre = frame[frame["doc_number"] == "25/TYRE/2023-24"].iloc[0]
    assert (tyre["taxable_paise"], tyre["igst_paise"]) == (67512000, 18903359)
    assert tyre["irn_date"] == pd.Timestamp("2024-01-05") and tyre["irn"].startswith("5fa5fd63")
    assert int(frame["invoice_value_paise"].sum()) == 106654999  # Decimal sum of the 25 'val' fields
    assert set(frame["doc_type"]) == {"INV"} and set(frame["section"]) == {"b2b"}
    assert set(frame["place_of_supply"]) == {"33"} and not frame["reverse_charge"].any()
    assert (first["supplier_filing_status"], first["gstr3b_filed"]) == ("Y", "N")
    assert first["supplier_filing_date"] == pd.Timestamp("2024-02-10")
    no_filing_date = frame[frame["supplier_gstin"] == "33AAQFT1511R1ZR"]
    assert no_filing_date["supplier_filing_date"].isna().all()
    assert set(no_filing_date["supplier_filing_status"]) == {"N"}
    # no gstin/fp envelope: period from the suppliers' common flprdr1, said in a warning
    assert parsed.return_period == "012024" and set(frame["return_period"]) == {"012024"}
    assert any("no return period (fp)" in w for w in parsed.warnings)
    assert frame["supplier_gstin_problem"].isna().all()


def test_real_response_needs_a_recipient() -> None:
    with pytest.raises(IngestError, match="pass --recipient GSTIN"):
        parse_gstr2a_json(TAMIL_NADU)


def test_all_sections_sample() -> None:
    parsed = parse_gstr2a_json(SAMPLE)
    frame = parsed.frame.set_index("section")
    assert (parsed.recipient_gstin, parsed.return_period) == ("01AABCE2207R1Z5", "032020")
    assert list(frame.index) == ["b2b", "b2ba", "cdn", "cdna", "isd", "impg", "impgsez"]
    b2ba = frame.loc["b2ba"]  # two items: 6210.99 + 1000.05, 614.44 + 887.44, 5.68 + 5.68, 621.09 + 50.12
    amounts = ["taxable_paise", "cgst_paise", "sgst_paise", "cess_paise"]
    assert tuple(b2ba[amounts]) == (721104, 150188, 1136, 67121)
    assert tuple(b2ba[["original_doc_type", "original_doc_number"]]) == ("INV", "S008400")
    assert (b2ba["diff_percent"], b2ba["supplier_return_period"]) == ("0.65", "042018")
    assert b2ba["supplier_filing_date"] == pd.Timestamp("2020-05-12")
    cdn, cdna = frame.loc["cdn"], frame.loc["cdna"]
    assert (cdn["doc_type"], cdn["doc_number"]) == ("CRN", "533515")
    assert cdn["doc_date"] == pd.Timestamp("2018-09-23")
    assert (cdna["original_doc_type"], cdna["original_doc_number"]) == ("CRN", "533515")
    assert cdna["original_doc_date"] == pd.Timestamp("2016-09-23")
    isd = frame.loc["isd"]
    assert tuple(isd[["doc_type", "itc_available", "igst_paise", "cess_paise"]]) == ("INV", "Y", 2000, 2000)
    impg, sez = frame.loc["impg"], frame.loc["impgsez"]
    assert (impg["doc_type"], impg["doc_number"], impg["invoice_type"], impg["supplier_gstin"]) == (
        "BOE",
        "2566282",
        "18272A",
        "",
    )
    assert (impg["taxable_paise"], impg["igst_paise"], impg["cess_paise"]) == (12302, 12302, 50)
    assert (sez["supplier_gstin"], sez["supplier_name"]) == ("01AABCE2207R1Z5", "GSTN")
    assert frame.loc["b2b", "supplier_gstin_problem"] == "the check character should be 'V', not '5'"


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_bad_values_and_skipped_sections(tmp_path: Path) -> None:
    document = json.loads(SAMPLE.read_text())
    document["tds"] = [{"ctin": "01AABCE2207R1Z5", "amt": 10}]
    parsed = parse_gstr2a_json(write_json(tmp_path / "ok.json", document))
    assert any(w.startswith("tds: not imported") for w in parsed.warnings)
    document["b2b"][0]["inv"][0]["itms"][0]["itm_det"]["camt"] = "two hundred"
    document["b2b"][0]["flprdr1"] = "Smarch-19"
    document["cdn"][0]["nt"][0]["ntty"] = "Q"
    with pytest.raises(IngestError) as info:
        parse_gstr2a_json(write_json(tmp_path / "bad.json", document))
    message = str(info.value)
    assert message.startswith("bad.json: 3 problems")
    assert "row b2b[0].inv[0], field 'camt': not an amount (got 'two hundred')" in message
    assert "row b2b[0], field 'flprdr1': not a return period (got 'Smarch-19')" in message
    assert "row cdn[0].nt[0], field 'ntty': not a document type (got 'Q')" in message


def test_other_files_are_refused() -> None:
    ims = FIXTURES / "external" / "ims_getinvoices_sample_all-sections__india-compliance.json"
    with pytest.raises(IngestError, match="looks like IMS records"):
        parse_gstr2a_json(ims, RECIPIENT)
    gstr2b = FIXTURES / "external" / "gstr2b_api_v3_sample_item-level__india-compliance.json"
    with pytest.raises(IngestError, match="looks like a GSTR-2B return"):
        parse_gstr2a_json(gstr2b, RECIPIENT)
