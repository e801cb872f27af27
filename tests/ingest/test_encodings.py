"""A register CSV is read in one encoding or refused in one line: a UTF-8 file with one Windows byte
far down (or the other way round) names the line and the byte instead of storing garbled names;
CR-only line ends and UTF-16 files are read; a NUL byte is refused with its row."""

from __future__ import annotations

from pathlib import Path

import pytest

from ims_core.ingest.books import parse_books
from ims_core.ingest.document import IngestError

HEAD = ("supplier_gstin,supplier_name,doc_type,doc_number,doc_date,taxable_value,igst,cgst,sgst,cess,"
        "invoice_value,place_of_supply,reverse_charge,recipient_gstin")
NAMES = ("Shrée Polymers", "Kaveri Chémicals", "Ünion Traders")


def _lines(count: int, name: str = "Plain Traders") -> list[str]:
    return [f"27AHQPA7588L1ZJ,{name},INV,A-{n},03-10-2025,100,0,9,9,0,118,27,N,27AADCD4821K1ZM"
            for n in range(count)]


def _register(*names: str, count: int = 400) -> list[str]:
    """``count`` rows, the first ones named ``names`` (the rest plain ASCII)."""
    rows = _lines(count)
    for i, name in enumerate(names):
        rows[i] = rows[i].replace("Plain Traders", name)
    return rows


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(IngestError) as caught:
        parse_books(path)
    message = str(caught.value)
    assert "\n" not in message  # one line, never a traceback
    return message


def test_a_utf8_file_with_one_windows_byte_on_line_351_is_refused(tmp_path: Path):
    lines = [HEAD, *_register(NAMES[0])]
    data = ("\n".join(lines[:350]) + "\n").encode("utf-8")
    data += ("\n".join(lines[350:]).replace("Plain Traders", "Café Traders", 1) + "\n").encode("cp1252")
    message = _refused(_write(tmp_path / "books.csv", data))
    assert message == (
        "books.csv: row 351: mixed encodings: byte 0xE9 at character 20 is not UTF-8, but line 2 is UTF-8;"
        " expected one encoding; the file saved as CSV UTF-8 (Excel: Save As, 'CSV UTF-8 (Comma "
        "delimited)')")


def test_a_windows_file_with_a_utf8_name_further_down_is_refused(tmp_path: Path):
    lines = [HEAD, *_register(NAMES[1])]
    data = ("\n".join(lines[:10]) + "\n").encode("cp1252")
    data += ("\n".join(lines[10:]).replace("Plain Traders", NAMES[2], 1) + "\n").encode("utf-8")
    message = _refused(_write(tmp_path / "books.csv", data))
    assert message.startswith("books.csv: row 11: mixed encodings: line 2 is Windows-1252 (byte 0xE9), but")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_each_encoding_alone_reads_every_name_right(tmp_path: Path, encoding: str):
    text = "\n".join([HEAD, *_register(*NAMES, count=5)]) + "\n"
    parsed = parse_books(_write(tmp_path / "books.csv", text.encode(encoding)))
    assert list(parsed.frame["supplier_name"][:3]) == list(NAMES)  # utf-16: Excel's "Unicode text"


def test_excel_unicode_text_tab_separated_utf16_is_read(tmp_path: Path):
    text = "\r\n".join(line.replace(",", "\t") for line in [HEAD, *_register(*NAMES, count=3)]) + "\r\n"
    parsed = parse_books(_write(tmp_path / "books.txt", text.encode("utf-16")))
    assert list(parsed.frame["supplier_name"]) == list(NAMES)


def test_old_mac_cr_line_ends_are_read(tmp_path: Path):
    lines = [HEAD, *_register(*NAMES, count=5)]
    with_lf = parse_books(_write(tmp_path / "lf.csv", ("\n".join(lines) + "\n").encode("cp1252")))
    with_cr = parse_books(_write(tmp_path / "cr.csv", ("\r".join(lines) + "\r").encode("cp1252")))
    assert with_cr.frame.drop(columns="source_file").equals(with_lf.frame.drop(columns="source_file"))
    assert list(with_cr.frame["source_row"]) == [2, 3, 4, 5, 6]


def test_a_nul_byte_is_refused_with_its_row(tmp_path: Path):
    lines = [HEAD, *_register(count=20)]
    lines[12] = lines[12].replace("Plain Traders", "Plain\x00Traders")
    message = _refused(_write(tmp_path / "books.csv", ("\n".join(lines) + "\n").encode("utf-8")))
    assert message.startswith("books.csv: row 13: a NUL byte (0x00) at character 22; expected text only")


def test_utf16_without_its_byte_order_mark_is_refused_in_one_line(tmp_path: Path):
    text = "\n".join([HEAD, *_register(count=3)]) + "\n"
    message = _refused(_write(tmp_path / "books.csv", text.encode("utf-16-le")))
    assert "a NUL byte (0x00) at character 2 (a UTF-16 file without its byte-order mark?)" in message


def test_a_byte_in_no_encoding_we_read_is_refused(tmp_path: Path):
    data = ("\n".join([HEAD, *_register(count=3)]) + "\n").encode("ascii").replace(b"Plain", b"Pl\x81in", 1)
    assert "byte 0x81 at character 19 is neither UTF-8 nor Windows-1252" in _refused(
        _write(tmp_path / "books.csv", data))
