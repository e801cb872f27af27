"""A file given to the wrong ``ims import`` command is recognised and the right command named
(issue 20), instead of "no header row found", "the file is not JSON" or "BadZipFile"."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES

from ims_core.ingest.books import parse_books
from ims_core.ingest.document import IngestError
from ims_core.ingest.gstr2a import parse_gstr2a_json
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.ims import parse_ims_json

EXTERNAL = FIXTURES / "external"
GSTR2B_JSON = EXTERNAL / "gstr2b_api_v4_sample_ims-era_invoice-level__india-compliance.json"
GSTR2B_XLSX = EXTERNAL / ("gstr2b_portal-excel_REAL_gujarat-textile_may-jun2025_merged__teamsleekcom-gstr2b-"
                          "reconciler.xlsx")
IMS = EXTERNAL / "ims_getinvoices_sample_all-sections__india-compliance.json"
BOOKS_CSV = FIXTURES / "books" / "zoho_bills.csv"
BOOKS_XLSX = FIXTURES / "books" / "canonical.xlsx"


def refusal(parse, *args) -> str:
    with pytest.raises(IngestError) as caught:
        parse(*args)
    return str(caught.value)


def test_a_gstr2b_json_given_to_import_books():
    message = refusal(parse_books, GSTR2B_JSON)
    assert f"this is a GSTR-2B return (data.docdata): import it with `ims import gstr2b {GSTR2B_JSON.name}`" \
        in message and "no header row" not in message


def test_the_portals_gstr2b_excel_given_to_import_books():
    message = refusal(parse_books, GSTR2B_XLSX)
    assert "this is the portal's GSTR-2B Excel download: import it with `ims import gstr2b" in message


def test_a_books_csv_given_to_the_portal_imports():
    for parse in (lambda p: parse_gstr2b([p]), parse_ims_json, parse_gstr2a_json):
        message = refusal(parse, BOOKS_CSV)
        assert message.startswith("zoho_bills.csv: the file is not JSON (CSV text, like a purchase register: "
                                  "import it with `ims import books zoho_bills.csv`)")


def test_ims_records_given_to_import_gstr2b():
    message = refusal(lambda p: parse_gstr2b([p]), IMS)
    assert "IMS records (GETINV: b2b, b2bcn, … with stin), which `ims import ims` reads" in message


def test_a_csv_named_xlsx(tmp_path):
    fake = tmp_path / "register.xlsx"
    shutil.copy(BOOKS_CSV, fake)
    books = refusal(parse_books, fake)
    assert "not a readable XLSX workbook (BadZipFile): this is CSV text, like a purchase register: import " \
           "it with `ims import books register.xlsx`" in books
    portal = refusal(lambda p: parse_gstr2b([p]), fake)
    assert "not a readable .xlsx workbook (BadZipFile): this is CSV text" in portal
    (tmp_path / "page.xlsx").write_text("<!DOCTYPE html><html><body>Session expired</body></html>")
    page = refusal(parse_books, tmp_path / "page.xlsx")
    assert "this is a web page (HTML) or XML saved under this name" in page


def test_the_right_files_still_import():
    assert len(parse_books(BOOKS_XLSX).frame) == 12
    assert len(parse_gstr2b([GSTR2B_JSON]).frame) == 28
