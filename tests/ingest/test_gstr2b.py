"""GSTR-2B JSON: the public samples parse to the documents they hold, checked against the raw JSON."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_core.gst.money import to_paise
from ims_core.ingest.document import PORTAL_COLUMNS, IngestError
from ims_core.ingest.gstr2b import parse_gstr2b, parse_gstr2b_json
from ims_core.ingest.portal_common import AmountReader

EXTERNAL = FIXTURES / "external"
V3 = EXTERNAL / "gstr2b_api_v3_sample_item-level__india-compliance.json"
V4 = EXTERNAL / "gstr2b_api_v4_sample_ims-era_invoice-level__india-compliance.json"
EXCEL = EXTERNAL / (
    "gstr2b_portal-excel_REAL_gujarat-textile_may-jun2025_merged__teamsleekcom-gstr2b-reconciler.xlsx"
)
LISTS = {
    "b2b": "inv",
    "b2ba": "inv",
    "ecom": "inv",
    "ecoma": "inv",
    "cdnr": "nt",
    "cdnra": "nt",
    "isd": "doclist",
    "isda": "doclist",
    "impgsez": "boe",
    "impg": None,
}
KEYS = {
    "taxable_paise": "txval",
    "igst_paise": "igst",
    "cgst_paise": "cgst",
    "sgst_paise": "sgst",
    "cess_paise": "cess",
}


def expected_by_section(path: Path, block: str = "docdata") -> dict[str, dict[str, int]]:
    """Document count and paise totals per section, summed with Decimal straight from the raw JSON."""
    data = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)["data"][block]
    out: dict[str, dict[str, int]] = {}
    for section, list_key in LISTS.items():
        records = data.get(section, [])
        docs = records if list_key is None else [d for r in records for d in r[list_key]]
        sums = {"count": len(docs), **{c: 0 for c in KEYS}}
        for doc in docs:
            parts = doc.get("items") or [doc]
            for column, key in KEYS.items():
                sums[column] += sum(int(Decimal(str(p.get(key, 0))) * 100) for p in parts)
        if docs:
            out[section] = sums
    return out


def actual_by_section(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    grouped = frame.groupby("section")
    return {section: {"count": len(g), **{c: int(g[c].sum()) for c in KEYS}} for section, g in grouped}


def write_json(path: Path, document: object, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + json.dumps(document).encode())
    return path


def one_invoice(**fields: object) -> dict:
    invoice = {
        "inum": "A-1",
        "typ": "R",
        "dt": "05-10-2025",
        "val": 1180,
        "pos": "24",
        "rev": "N",
        "itcavl": "Y",
        "txval": 1000,
        "cgst": 90,
        "sgst": 90,
    }
    invoice.update(fields)
    return {
        "data": {
            "gstin": "24AAQCA8719H1ZC",
            "rtnprd": "102025",
            "version": "1.0",
            "docdata": {
                "b2b": [
                    {
                        "ctin": "27AHQPA7588L1ZJ",
                        "trdnm": "Acme",
                        "supfildt": "11-11-2025",
                        "supprd": "102025",
                        "inv": [invoice],
                    }
                ]
            },
        }
    }


def test_v3_sample_amounts_are_summed_over_items() -> None:
    parsed = parse_gstr2b_json([V3])
    frame = parsed.frame
    assert list(frame.columns) == list(PORTAL_COLUMNS)
    assert (parsed.kind, parsed.recipient_gstin, parsed.return_period) == (
        "gstr2b",
        "01AABCE2207R1Z5",
        "032020",
    )
    assert parsed.file_name == V3.name
    assert parsed.content_hash == hashlib.sha256(V3.read_bytes()).hexdigest()
    assert actual_by_section(frame) == expected_by_section(V3)
    assert set(frame["source"]) == {"gstr2b"} and not frame["rejected_in_ims"].any()
    b2b = frame[frame["section"] == "b2b"].iloc[0]
    assert (b2b["doc_type"], b2b["doc_number"]) == ("INV", "S008400")
    assert b2b["doc_date"] == pd.Timestamp("2016-11-24")
    assert tuple(b2b[["taxable_paise", "cgst_paise", "sgst_paise", "igst_paise"]]) == (40000, 20000, 20000, 0)
    assert b2b["invoice_value_paise"] == 72924816
    assert (b2b["place_of_supply"], b2b["reverse_charge"], b2b["invoice_type"]) == ("06", False, "R")
    assert (b2b["itc_available"], b2b["itc_unavailable_reason"], b2b["diff_percent"]) == ("N", "P", "1")
    assert b2b["irn"].startswith("897ADG56") and b2b["irn_date"] == pd.Timestamp("2019-12-24")
    assert (b2b["supplier_name"], b2b["supplier_return_period"]) == ("GSTN", "112019")
    assert b2b["supplier_filing_date"] == pd.Timestamp("2019-11-18")


def test_v4_sample_amounts_on_the_document_and_rejected_block() -> None:
    parsed = parse_gstr2b_json([V4])
    frame = parsed.frame
    reversals = frame[frame["section"].str.startswith("itcrev:")]
    frame = frame[~frame["section"].str.startswith("itcrev:")]
    accepted, rejected = frame[~frame["rejected_in_ims"]], frame[frame["rejected_in_ims"]]
    assert actual_by_section(accepted) == expected_by_section(V4)
    assert actual_by_section(rejected) == expected_by_section(V4, "docRejdata")
    assert len(accepted) == 12 and len(rejected) == 12
    assert set(rejected["section"]) == {
        "b2b",
        "b2ba",
        "cdnr",
        "cdnra",
        "isd",
        "isda",
        "impg",
        "impgsez",
        "ecom",
        "ecoma",
    }
    b2b = accepted[accepted["section"] == "b2b"].iloc[0]
    assert (b2b["taxable_paise"], b2b["igst_paise"], b2b["cgst_paise"]) == (1220000, 18300, 0)
    ecom = accepted[accepted["section"] == "ecom"]
    assert list(ecom["doc_number"]) == ["doc1", "E123"] and set(ecom["supplier_gstin"]) == {"07USERR0205A1ZS"}
    assert list(ecom["supplier_return_period"]) == ["012023", "052023"]
    # Rule 37A reversals are imported apart from the documents they repeat; the sample has no amounts
    assert sorted(reversals["section"]) == ["itcrev:b2b", "itcrev:b2ba", "itcrev:cdnr", "itcrev:cdnra"]
    assert (reversals["igst_paise"] == 0).all()
    assert sum("ITC reversal (Rule 37A) records without amounts" in w for w in parsed.warnings) == 4


def test_amendments_are_linked_to_their_originals() -> None:
    frame = parse_gstr2b_json([V3]).frame.set_index("section")
    assert tuple(frame.loc["b2ba", ["original_doc_type", "original_doc_number"]]) == ("INV", "S008400")
    assert frame.loc["b2ba", "original_doc_date"] == pd.Timestamp("2016-11-24")
    link = ["doc_type", "original_doc_type", "original_doc_number"]
    assert tuple(frame.loc["cdnra", link]) == ("CRN", "CRN", "533515")
    assert tuple(frame.loc["isda", link]) == ("INV", "CRN", "1004")
    assert frame.loc["isda", "original_doc_date"] == pd.Timestamp("2016-03-02")
    assert frame.loc["b2b", "original_doc_number"] == "" and pd.isna(frame.loc["b2b", "original_doc_date"])


def test_isd_and_bills_of_entry() -> None:
    frame = parse_gstr2b_json([V3]).frame.set_index("section")
    assert tuple(frame.loc["isd", ["doc_type", "doc_number", "itc_available", "supplier_gstin"]]) == (
        "INV",
        "S0080",
        "Y",
        "16DEFPS8555D1Z7",
    )
    impg, sez = frame.loc["impg"], frame.loc["impgsez"]
    assert (impg["doc_type"], impg["doc_number"], impg["supplier_gstin"], impg["invoice_type"]) == (
        "BOE",
        "2566282",
        "",
        "18272A",
    )
    assert (impg["taxable_paise"], impg["igst_paise"], impg["cess_paise"]) == (12302, 12302, 50)
    assert impg["doc_date"] == pd.Timestamp("2019-11-18") and impg["supplier_gstin_problem"] is None
    assert tuple(sez[["doc_type", "supplier_gstin", "supplier_name"]]) == ("BOE", "01AABCE2207R1Z5", "GSTN")


def test_notes_map_to_credit_and_debit(tmp_path: Path) -> None:
    document = json.loads(V4.read_text())
    document["data"]["docdata"]["cdnr"][0]["nt"][0]["typ"] = "D"
    frame = parse_gstr2b_json([write_json(tmp_path / "d.json", document)]).frame
    notes = frame[(frame["section"] == "cdnr") & ~frame["rejected_in_ims"]]
    assert list(notes["doc_type"]) == ["DBN"]


def test_bad_check_character_is_kept_and_flagged() -> None:
    parsed = parse_gstr2b_json([V3])
    flagged = parsed.frame[parsed.frame["supplier_gstin"] == "01AABCE2207R1Z5"]
    assert list(flagged["section"]) == ["b2b", "b2ba", "impgsez"]  # all kept
    assert set(flagged["supplier_gstin_problem"]) == {"the check character should be 'V', not '5'"}
    valid = parsed.frame[parsed.frame["supplier_gstin"] == "01AAAAP1208Q1ZS"]
    assert valid["supplier_gstin_problem"].isna().all()
    summary = [w for w in parsed.warnings if "supplier GSTIN" in w]
    assert len(summary) == 1 and "01AABCE2207R1Z5" in summary[0] and "16DEFPS8555D1Z7" in summary[0]


def test_absent_tax_keys_are_zero_and_amounts_exact(tmp_path: Path) -> None:
    document = one_invoice(txval=0.1, cgst=1.005, sgst=2.675, val=1234567.89)
    frame = parse_gstr2b_json([write_json(tmp_path / "x.json", document)]).frame
    row = frame.iloc[0]
    assert (row["igst_paise"], row["cess_paise"]) == (0, 0)  # keys absent in the file
    # 1.005 and 2.675 as written (not their binary neighbours), rounded half up to the paisa
    assert (row["taxable_paise"], row["cgst_paise"], row["sgst_paise"]) == (10, 101, 268)
    assert row["invoice_value_paise"] == 123456789
    assert row["supplier_gstin"] == "27AHQPA7588L1ZJ" and row["supplier_gstin_problem"] is None


def test_lower_case_gstin_is_normalised(tmp_path: Path) -> None:
    document = one_invoice()
    document["data"]["docdata"]["b2b"][0]["ctin"] = "27ahqpa7588l1zj"
    frame = parse_gstr2b_json([write_json(tmp_path / "x.json", document)], "24aaqca8719h1zc").frame
    assert frame.iloc[0]["supplier_gstin"] == "27AHQPA7588L1ZJ"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + V3.read_bytes())
    plain, bom = parse_gstr2b_json([V3]).frame, parse_gstr2b_json([with_bom]).frame
    pd.testing.assert_frame_equal(plain, bom)


def split(tmp_path: Path, document: dict, first: list[str], fc: int = 2) -> tuple[Path, Path]:
    one, two = copy.deepcopy(document), copy.deepcopy(document)
    for doc, keep in ((one, set(first)), (two, set(document["data"]["docdata"]) - set(first))):
        doc["data"]["fc"] = fc
        doc["data"]["docdata"] = {k: v for k, v in document["data"]["docdata"].items() if k in keep}
    two["data"].pop("docRejdata")
    return write_json(tmp_path / "part1.json", one), write_json(tmp_path / "part2.json", two)


def test_a_return_split_over_files_is_merged(tmp_path: Path) -> None:
    document = json.loads(V4.read_text())
    part1, part2 = split(tmp_path, document, ["b2b", "b2ba", "cdnr"])
    parsed = parse_gstr2b_json([part1, part2])
    whole = parse_gstr2b_json([V4]).frame
    key = ["rejected_in_ims", "section", "doc_number", "doc_type", "supplier_gstin"]
    pd.testing.assert_frame_equal(
        parsed.frame.sort_values(key).reset_index(drop=True), whole.sort_values(key).reset_index(drop=True)
    )
    hashes = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in (part1, part2))
    assert parsed.content_hash == hashlib.sha256("".join(hashes).encode()).hexdigest()
    assert parsed.file_name == "part1.json, part2.json"
    assert not any("files (fc)" in w for w in parsed.warnings)


def test_fewer_files_than_the_file_count_warns(tmp_path: Path) -> None:
    part1, _ = split(tmp_path, json.loads(V4.read_text()), ["b2b"], fc=3)
    parsed = parse_gstr2b_json([part1])
    assert any("3 files (fc) but 1 were given" in w for w in parsed.warnings)


def test_files_of_different_returns_are_refused(tmp_path: Path) -> None:
    part1, part2 = split(tmp_path, json.loads(V4.read_text()), ["b2b"])
    other = json.loads(part2.read_text())
    other["data"]["rtnprd"] = "042020"
    write_json(part2, other)
    with pytest.raises(IngestError) as info:
        parse_gstr2b_json([part1, part2])
    message = str(info.value)
    assert message.startswith("part2.json:") and "042020" in message and "032020" in message


def test_dispatcher_tells_excel_from_json(tmp_path: Path) -> None:
    assert parse_gstr2b([V3]).frame["section"].iloc[0] == "b2b"
    disguised = tmp_path / "download.json"
    disguised.write_bytes(EXCEL.read_bytes())
    parsed = parse_gstr2b([disguised], "24AAQCA8719H1ZC")
    assert parsed.kind == "gstr2b" and len(parsed.frame) == 113
    with pytest.raises(IngestError, match="one file"):
        parse_gstr2b([EXCEL, V3], "24AAQCA8719H1ZC")


# --- bad input: each message names the file, the place, the field and the value ---------------------


def problem_message(tmp_path: Path, document: object, recipient: str | None = None) -> str:
    path = write_json(tmp_path / "bad.json", document)
    with pytest.raises(IngestError) as info:
        parse_gstr2b_json([path], recipient)
    message = str(info.value)
    assert message.startswith("bad.json")
    return message


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"data": {"gstin": ')
    with pytest.raises(IngestError, match=r"^broken\.json: .*not JSON.*expected a GSTR-2B JSON"):
        parse_gstr2b_json([path])


def test_an_ims_file_is_refused_with_what_it_looks_like() -> None:
    ims = EXTERNAL / "ims_getinvoices_sample_all-sections__india-compliance.json"
    with pytest.raises(IngestError) as info:
        parse_gstr2b_json([ims])
    assert "looks like IMS records" in str(info.value) and "expected a GSTR-2B JSON" in str(info.value)


def test_a_gstr2a_file_is_refused() -> None:
    with pytest.raises(IngestError, match="looks like a GSTR-2A return"):
        parse_gstr2b_json([EXTERNAL / "gstr2a_api_sample_all-sections__india-compliance.json"])


def test_bad_date_names_path_field_and_value(tmp_path: Path) -> None:
    message = problem_message(tmp_path, one_invoice(dt="31-02-2025"))
    assert "row docdata.b2b[0].inv[0], field 'dt'" in message and "'31-02-2025'" in message
    assert "expected a date DD-MM-YYYY" in message


def test_missing_date_and_number(tmp_path: Path) -> None:
    message = problem_message(tmp_path, one_invoice(dt=None, inum=""))
    assert "2 problems" in message
    assert "field 'inum': the document number is missing" in message
    assert "field 'dt': the date is missing" in message


def test_bad_amount_names_path_field_and_value(tmp_path: Path) -> None:
    message = problem_message(tmp_path, one_invoice(txval="12,34x", cgst=True))
    assert "row docdata.b2b[0].inv[0], field 'txval': not an amount (got '12,34x')" in message
    assert "field 'cgst': not an amount (got 'True')" in message


def test_bad_note_type(tmp_path: Path) -> None:
    document = json.loads(V4.read_text())
    document["data"]["docdata"]["cdnr"][0]["nt"][0]["typ"] = "X"
    message = problem_message(tmp_path, document)
    assert "row docdata.cdnr[0].nt[0], field 'typ': not a document type (got 'X')" in message


def test_wrong_shapes_inside_the_return(tmp_path: Path) -> None:
    document = one_invoice()
    document["data"]["docdata"]["b2b"][0]["inv"].append("not an invoice")
    document["data"]["docdata"]["cdnr"] = {"nt": []}
    message = problem_message(tmp_path, document)
    assert "row docdata.b2b[0].inv[1]: expected a JSON object" in message
    assert "row docdata.cdnr: expected a list" in message


def test_recipient_checks(tmp_path: Path) -> None:
    assert "the file is for recipient 24AAQCA8719H1ZC, not 27AHQPA7588L1ZJ" in problem_message(
        tmp_path, one_invoice(), "27AHQPA7588L1ZJ"
    )
    assert "not a GSTIN" in problem_message(tmp_path, one_invoice(), "24-AAQ")
    document = one_invoice()
    del document["data"]["gstin"]
    assert "pass --recipient GSTIN" in problem_message(tmp_path, document)
    parsed = parse_gstr2b_json([write_json(tmp_path / "ok.json", document)], "24AAQCA8719H1ZC")
    assert parsed.recipient_gstin == "24AAQCA8719H1ZC"


def test_many_problems_are_collected_and_capped(tmp_path: Path) -> None:
    document = one_invoice()
    invoices = document["data"]["docdata"]["b2b"][0]["inv"]
    invoices.extend({**invoices[0], "inum": f"A-{i}", "dt": "someday"} for i in range(2, 27))
    message = problem_message(tmp_path, document)
    assert "25 problems" in message and "… and 5 more problems" in message
    assert "row docdata.b2b[0].inv[1], field 'dt'" in message


# --- the vectorised amount path agrees with to_paise on every number --------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**12), max_value=10**13),
            st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False).map(float),
            st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(float),
            st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
            st.none(),
        ),
        max_size=60,
    )
)
def test_amount_column_is_exactly_to_paise(values: list) -> None:
    got = AmountReader([]).values(values, str, "txval")
    assert got.tolist() == [to_paise(v) for v in values]


def test_amount_column_edge_values() -> None:
    values = [0.1, 0.29, 1.005, 2.675, -0.5, 1e-07, 123456789.99, 10**15, None, 0, 7]
    assert AmountReader([]).values(values, str, "x").tolist() == [to_paise(v) for v in values]
    problems: list = []
    assert AmountReader(problems).values([1, True, "x"], str, "x").tolist() == [100, 0, 0]
    assert [p.value for p in problems] == [True, "x"]


def test_an_empty_return_warns(tmp_path: Path) -> None:
    document = one_invoice()
    document["data"]["docdata"] = {"b2b": []}
    parsed = parse_gstr2b_json([write_json(tmp_path / "empty.json", document)])
    assert parsed.frame.empty and list(parsed.frame.columns) == list(PORTAL_COLUMNS)
    assert "the return holds no documents" in parsed.warnings
