"""Unbounded input stays bounded: an XLSX zip bomb or a sheet of more rows than Excel allows is refused
before openpyxl reads it, and a file of many thousands of bad records keeps a few hundred problems
and counts the rest."""

from __future__ import annotations

import io
import pickle
import time
import zipfile
from pathlib import Path

import pytest

from ims_core.ingest import limits
from ims_core.ingest.books import parse_books
from ims_core.ingest.document import IngestError, Problem, Problems
from ims_core.ingest.gstr2b import parse_gstr2b_json
from ims_core.ingest.gstr2b_excel import parse_gstr2b_excel
from ims_core.ingest.limits import EXCEL_MAX_ROWS, check_xlsx
from ims_core.settings import Settings

from .test_gstr2b import one_invoice, write_json

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)


def _workbook(rows: int, row: bytes = b'<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>') -> bytes:
    """A workbook whose one sheet repeats ``row`` ``rows`` times, written in streamed chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD)
            block = row * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(row * (rows % 10_000) + b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 300 MB of sheet XML in a few hundred KB, as in the issue."""
    return _workbook(5_000_000)


@pytest.mark.parametrize("reader", ["books", "gstr2b"])
def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path, bomb: bytes, reader: str):
    path = tmp_path / "register.xlsx"
    path.write_bytes(bomb)
    assert len(bomb) < 2_000_000
    started = time.monotonic()
    with pytest.raises(IngestError) as refused:
        parse_books(path) if reader == "books" else parse_gstr2b_excel(path)
    assert time.monotonic() - started < 5  # openpyxl took 154 s and 2 GB on such a file
    message = str(refused.value)
    assert message.startswith("register.xlsx: the workbook unpacks to 262 MB (")
    assert "more than the 256 MB allowed (IMS_MAX_XLSX_MB)" in message


def test_the_unpacked_limit_is_a_setting(tmp_path: Path):
    small = _workbook(20_000)  # about 1.1 MB of XML
    check_xlsx(small, "ok.xlsx", Settings(ims_max_xlsx_mb=2))
    with pytest.raises(IngestError, match=r"unpacks to 1 MB .*more than the 1 MB allowed"):
        check_xlsx(small, "big.xlsx", Settings(ims_max_xlsx_mb=1))


def test_a_sheet_of_more_rows_than_excel_allows_is_refused(tmp_path: Path):
    endless = _workbook(EXCEL_MAX_ROWS + 1, row=b"<row/>")
    with pytest.raises(IngestError, match=r"holds 1,048,577 rows, more than Excel's 1,048,576"):
        check_xlsx(endless, "endless.xlsx")
    check_xlsx(_workbook(EXCEL_MAX_ROWS, row=b"<row/>"), "full.xlsx")  # as many as Excel: read


def test_rows_are_counted_across_chunk_boundaries():
    workbook = _workbook(300_000, row=b'<row r="1" spans="1">')  # 21 bytes: tags cut by the 1 MB chunks
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        assert limits._count_rows(archive, archive.getinfo("xl/worksheets/sheet1.xml")) == 300_000


def test_thousands_of_bad_records_keep_500_problems_and_count_the_rest(tmp_path: Path):
    document = one_invoice()
    invoices = document["data"]["docdata"]["b2b"][0]["inv"]
    invoices.extend({**invoices[0], "inum": f"A-{i}", "dt": "someday", "txval": "lots"}
                    for i in range(2, 3002))
    with pytest.raises(IngestError) as refused:
        parse_gstr2b_json([write_json(tmp_path / "bad.json", document)])
    error = refused.value
    assert (error.total, len(error.problems)) == (6000, 500)  # two per bad record, 500 kept
    message = str(error)
    assert message.startswith("bad.json: 6,000 problems\n") and message.endswith("… and 5,980 more problems")
    assert message.count("\n") == 21  # the first 20 listed, and the count of the rest


def test_books_with_thousands_of_bad_rows_keep_500_problems(tmp_path: Path):
    head = ("supplier_gstin,supplier_name,doc_type,doc_number,doc_date,taxable_value,igst,cgst,sgst,cess,"
            "invoice_value,place_of_supply,reverse_charge,recipient_gstin\n")
    row = "27AHQPA7588L1ZJ,Shree,INV,A-{n},31-02-2025,100,18,0,0,0,118,27,N,27AADCD4821K1ZM\n"
    path = tmp_path / "books.csv"
    path.write_text(head + "".join(row.format(n=n) for n in range(2000)))
    with pytest.raises(IngestError) as refused:
        parse_books(path)
    assert (refused.value.total, len(refused.value.problems)) == (2000, 500)
    assert "2,000 problems" in str(refused.value) and "… and 1,980 more problems" in str(refused.value)


def test_capped_problems_cross_a_process_boundary_intact():
    problems = Problems()
    problems.extend(Problem(f"p{n}", row=n) for n in range(700))
    error = pickle.loads(pickle.dumps(IngestError("f.json", problems)))  # as from a forked worker
    assert (error.total, len(error.problems)) == (700, 500)
    assert str(error).splitlines()[0] == "f.json: 700 problems"
