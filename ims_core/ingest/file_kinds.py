"""What a file given to the wrong ``ims import`` command is, so that its refusal names the right one.

A GSTR-2B JSON given to ``ims import books`` used to say "no header row found", a purchase register
given to ``ims import gstr2b`` "the file is not JSON", a file named ``.xlsx`` that is not one
"BadZipFile". The first bytes tell most mix-ups apart: JSON (and which portal document, by its keys),
a zip whose workbook has the portal's GSTR-2B sheets, an Excel workbook of another kind, CSV text,
an old ``.xls``, a PDF, a web page saved under an Excel name.
"""

from __future__ import annotations

import io
import re
import zipfile

import orjson

BOM = b"\xef\xbb\xbf"
COMMANDS = {"books": "ims import books", "gstr2b": "ims import gstr2b", "ims": "ims import ims",
            "gstr2a": "ims import gstr2a"}
IMS_ONLY_SECTIONS = ("b2bcn", "b2bcna", "b2bdn", "b2bdna")
_GSTR2B_SHEETS = re.compile(r"^(read ?me|itc available|b2b|b2b-cdnr|b2ba)", re.IGNORECASE)


def json_kind(obj: object) -> tuple[str, str] | None:
    """(kind, words) of a parsed JSON document that is one of the portal's, else None."""
    if not isinstance(obj, dict):
        return None
    data = obj.get("data")
    if isinstance(data, dict) and ("docdata" in data or "itcsumm" in data):
        return "gstr2b", "a GSTR-2B return (data.docdata)"
    if "invdata" in obj:
        return "save", "an IMS save/reset request (invdata)"
    if any(k in obj for k in IMS_ONLY_SECTIONS) or _first_record_has(obj, "b2b", "stin"):
        return "ims", "IMS records (GETINV: b2b, b2bcn, … with stin)"
    if "fp" in obj or "cdn" in obj or _first_record_has(obj, "b2b", "cfs") or _first_record_has(
            _first(obj, "b2b"), "inv", "itms"):
        return "gstr2a", "a GSTR-2A return (fp, b2b[].inv[].itms)"
    return None


def _first(obj: dict, section: str) -> dict:
    records = obj.get(section)
    return records[0] if isinstance(records, list) and records and isinstance(records[0], dict) else {}


def _first_record_has(obj: dict, section: str, key: str) -> bool:
    return key in _first(obj, section)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, words) of a file's content: a portal JSON's kind, "gstr2b" for the portal's Excel
    download, "books" for another workbook or CSV text, or "other" (an old .xls, a PDF, a web page,
    JSON of another shape); None when nothing is recognised."""
    head = data[:4096].lstrip(BOM).lstrip()
    if head[:1] in (b"{", b"["):
        try:
            return json_kind(orjson.loads(data.lstrip(BOM))) or ("other", "JSON of another shape")
        except orjson.JSONDecodeError:
            return None
    if data[:4] == b"PK\x03\x04":
        return _zip_kind(data)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return "other", "an old Excel .xls workbook (save it as .xlsx)"
    if head[:5] == b"%PDF-":
        return "other", "a PDF"
    if re.match(rb"(?i)<(!doctype html|html|\?xml)", head):
        return "other", "a web page (HTML) or XML saved under this name, not a workbook"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if max(first.count(d) for d in (",", ";", "\t", "|")) >= 2:
        return "books", "CSV text, like a purchase register"
    return None


def _zip_kind(data: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return "other", "a zip archive that is not an Excel workbook"
    sheets = re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]*)"', workbook)
    if sum(bool(_GSTR2B_SHEETS.match(name.strip())) for name in sheets) >= 2:
        return "gstr2b", "the portal's GSTR-2B Excel download"
    return "books", "an Excel workbook, like a purchase register"


def what_it_is(data: bytes, name: str) -> str | None:
    """What the file is, in words, with the command that imports it when there is one."""
    found = sniff(data)
    if found is None:
        return None
    kind, words = found
    return f"{words}: import it with `{COMMANDS[kind]} {name}`" if kind in COMMANDS else words


def wrong_command_hint(data: bytes, name: str, command: str) -> str | None:
    """For a file given to ``ims import COMMAND``, "this is …" and the command to use; None when it
    looks like what the command reads, or like nothing known."""
    found = sniff(data)
    if found is None or found[0] == command:
        return None
    return f"this is {what_it_is(data, name)}"
