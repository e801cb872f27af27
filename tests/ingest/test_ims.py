"""IMS GETINV records: every section of the public sample, the Oct-2025 fields, and bad input."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES

from ims_core.ingest.document import PORTAL_COLUMNS, IngestError
from ims_core.ingest.ims import parse_ims_json

SAMPLE = FIXTURES / "external" / "ims_getinvoices_sample_all-sections__india-compliance.json"
RECIPIENT = "24AAQCA8719H1ZC"


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def record(**fields: object) -> dict:
    base = {
        "stin": "27AHQPA7588L1ZJ",
        "inum": "INV-9",
        "idt": "03-10-2025",
        "inv_typ": "R",
        "action": "N",
        "srcform": "R1",
        "rtnprd": "102025",
        "srcfilstatus": "Filed",
        "val": 1180,
        "pos": "27",
        "txval": 1000,
        "iamt": 180,
        "camt": 0,
        "samt": 0,
        "cess": 0,
        "hash": "h1",
    }
    base.update(fields)
    return base


def test_sample_every_section() -> None:
    parsed = parse_ims_json(SAMPLE, RECIPIENT)
    frame = parsed.frame
    raw = json.loads(SAMPLE.read_text(), parse_float=Decimal)
    assert list(frame.columns) == list(PORTAL_COLUMNS)
    assert (parsed.kind, parsed.file_name, parsed.recipient_gstin) == ("ims", SAMPLE.name, RECIPIENT)
    assert parsed.content_hash == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert parsed.return_period == "012023"  # every record's rtnprd
    assert list(frame["section"]) == list(raw)  # one record per section, in file order
    assert list(frame["doc_type"]) == ["INV", "INV", "DBN", "DBN", "CRN", "CRN"]
    assert list(frame["doc_number"]) == ["b1", "b1a", "dn2", "dna2", "cn2", "cna2"]
    for column, key in (
        ("taxable_paise", "txval"),
        ("igst_paise", "iamt"),
        ("cgst_paise", "camt"),
        ("sgst_paise", "samt"),
        ("cess_paise", "cess"),
        ("invoice_value_paise", "val"),
    ):
        assert list(frame[column]) == [int(r[0][key] * 100) for r in raw.values()], column
    assert set(frame["source"]) == {"ims"} and set(frame["ims_action"]) == {"A"}
    assert list(frame["pending_action_blocked"]) == [False] * 6
    assert list(frame["supplier_filing_status"]) == [
        "Not Filed",
        "Not Filed",
        "Filed",
        "Filed",
        "Not Filed",
        "Not Filed",
    ]
    assert set(frame["src_form"]) == {"R1"} and set(frame["invoice_type"]) == {"R"}
    assert frame["ims_hash"].iloc[0].startswith("1f5fb5de")
    assert list(frame["place_of_supply"])[:2] == ["24", "07"]
    assert set(frame["supplier_return_period"]) == {"012023"} and set(frame["return_period"]) == {"012023"}
    assert frame["decl_igst_paise"].isna().all() and set(frame["itc_reduction_required"]) == {""}


def test_sample_amendments_are_linked() -> None:
    frame = parse_ims_json(SAMPLE, RECIPIENT).frame.set_index("section")
    assert tuple(frame.loc["b2ba", ["original_doc_type", "original_doc_number"]]) == ("INV", "ab2")
    assert frame.loc["b2ba", "original_doc_date"] == pd.Timestamp("2023-02-24")
    assert tuple(frame.loc["b2bdna", ["original_doc_type", "original_doc_number"]]) == ("DBN", "dn2")
    assert tuple(frame.loc["b2bcna", ["original_doc_type", "original_doc_number"]]) == ("CRN", "cn2")
    assert frame.loc["b2bcn", "original_doc_number"] == ""


def test_sample_supplier_gstin_with_bad_check_character_is_flagged() -> None:
    parsed = parse_ims_json(SAMPLE, RECIPIENT)
    assert set(parsed.frame["supplier_gstin"]) == {"24MAYAS0100J1JD"}
    assert set(parsed.frame["supplier_gstin_problem"]) == {"the check character should be '2', not 'D'"}
    assert any("24MAYAS0100J1JD" in w for w in parsed.warnings)


def test_recipient_from_rtin_or_argument(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="pass --recipient GSTIN"):
        parse_ims_json(SAMPLE)
    path = write_json(tmp_path / "ims.json", {"rtin": RECIPIENT, "b2b": [record()]})
    assert parse_ims_json(path).recipient_gstin == RECIPIENT
    assert parse_ims_json(path, RECIPIENT.lower()).recipient_gstin == RECIPIENT
    with pytest.raises(IngestError, match=f"for recipient {RECIPIENT}, not 27AHQPA7588L1ZJ"):
        parse_ims_json(path, "27AHQPA7588L1ZJ")


def test_credit_note_reduction_fields_and_unknown_keys(tmp_path: Path) -> None:
    note = record(
        inum=None,
        idt=None,
        nt_num="CN-4",
        nt_dt="09-10-2025",
        action="A",
        ispendactblocked="Y",
        itcRedReq="Y",
        declIgst=90.5,
        declCgst=0,
        remarks="partial reduction agreed",
        isItcRedReqBlocked="N",
        somethingNew={"x": 1},
    )
    unmarked = record(ispendactblocked=None)
    del unmarked["ispendactblocked"]
    path = write_json(tmp_path / "ims.json", {"b2bcn": [note], "b2b": [unmarked]})
    frame = parse_ims_json(path, RECIPIENT).frame.set_index("section")
    cn = frame.loc["b2bcn"]
    assert (cn["doc_type"], cn["doc_number"], cn["doc_date"]) == ("CRN", "CN-4", pd.Timestamp("2025-10-09"))
    assert (cn["ims_action"], cn["pending_action_blocked"], cn["itc_reduction_required"]) == ("A", True, "Y")
    assert (cn["decl_igst_paise"], cn["decl_cgst_paise"]) == (9050, 0)
    assert cn["decl_sgst_paise"] is None and cn["decl_cess_paise"] is None  # absent: not declared
    assert cn["remarks"] == "partial reduction agreed"
    assert frame.loc["b2b", "pending_action_blocked"] is None  # the portal did not say


def test_bill_of_entry_records(tmp_path: Path) -> None:
    boe = {
        "sgstin": "27AHQPA7588L1ZJ",
        "boenum": 7654321,
        "boedt": "20-10-2025",
        "portcode": "INNSA1",
        "txval": 50000,
        "iamt": 9000,
        "action": "A",
        "rtnprd": "102025",
    }
    path = write_json(tmp_path / "ims.json", {"impgsez": [boe], "impg": [{**boe, "sgstin": None}]})
    frame = parse_ims_json(path, RECIPIENT).frame.set_index("section")
    assert tuple(frame.loc["impgsez", ["doc_type", "doc_number", "supplier_gstin", "invoice_type"]]) == (
        "BOE",
        "7654321",
        "27AHQPA7588L1ZJ",
        "INNSA1",
    )
    assert frame.loc["impg", "supplier_gstin"] == "" and frame.loc["impg", "igst_paise"] == 900000


def test_data_wrapper_and_several_periods(tmp_path: Path) -> None:
    path = write_json(tmp_path / "ims.json", {"data": {"b2b": [record(), record(inum="X", rtnprd="092025")]}})
    parsed = parse_ims_json(path, RECIPIENT)
    assert list(parsed.frame["return_period"]) == ["102025", "092025"]
    assert parsed.return_period == ""  # IMS spans periods; no single one to label the import with


def test_other_files_are_refused_with_what_they_look_like() -> None:
    gstr2b = FIXTURES / "external" / "gstr2b_api_v4_sample_ims-era_invoice-level__india-compliance.json"
    with pytest.raises(IngestError) as info:
        parse_ims_json(gstr2b, RECIPIENT)
    assert str(info.value).startswith(gstr2b.name) and "looks like a GSTR-2B return" in str(info.value)
    gstr2a = FIXTURES / "external" / "gstr2a_api_sample_all-sections__india-compliance.json"
    with pytest.raises(IngestError, match="looks like a GSTR-2A return"):
        parse_ims_json(gstr2a, RECIPIENT)


def test_bad_values_name_record_field_and_value(tmp_path: Path) -> None:
    bad_note = record(nt_num="", nt_dt="01-10-2025", pos="Atlantis")
    path = write_json(
        tmp_path / "ims.json", {"b2b": [record(), record(txval="abc", idt="2025/31/12")], "b2bdn": [bad_note]}
    )
    with pytest.raises(IngestError) as info:
        parse_ims_json(path, RECIPIENT)
    message = str(info.value)
    assert message.startswith("ims.json: 4 problems")
    assert "row b2b[1], field 'txval': not an amount (got 'abc')" in message
    assert "row b2b[1], field 'idt': not a date (got '2025/31/12')" in message
    assert "row b2bdn[0], field 'nt_num': the document number is missing" in message
    assert "row b2bdn[0], field 'pos': not a place of supply (got 'Atlantis')" in message


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "ims.json"
    path.write_text('{"b2b": [', encoding="utf-8")
    with pytest.raises(IngestError, match=r"^ims\.json: the file is not JSON"):
        parse_ims_json(path, RECIPIENT)
