"""The bytes of a CSV file, before any of it is parsed: which one encoding all of it is in.

A register comes in UTF-8 (with or without Excel's BOM), UTF-16 with its BOM (Excel's "Unicode text"),
or Windows-1252 (older Windows tools), with CRLF, LF or the CR alone of old Excel for Mac. A file is
read in one encoding or refused: a UTF-8 file with one Windows byte on line 351 read as Windows-1252
would store every non-ASCII name garbled, and the other way round too, so the refusal names the line
and the byte. A NUL byte is refused with its line, never dropped.
"""

from __future__ import annotations

import codecs
import re

from ims_core.ingest.document import IngestError, Problem

CHECK_BYTES = 1 << 22  # the file is checked for UTF-8 in pieces of about this size, cut at line ends
NON_ASCII = re.compile(rb"[\x80-\xff]")
NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")  # the five bytes Windows-1252 leaves undefined
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
SAVE_AS = "the file saved as CSV UTF-8 (Excel: Save As, 'CSV UTF-8 (Comma delimited)')"


def decode_csv(data: bytes, name: str) -> tuple[str, bytes]:
    """The one encoding the whole CSV is in, and its bytes with line ends pandas and ``csv`` read
    (UTF-16 re-encoded as UTF-8; old Mac CR line ends as LF). Mixed encodings, a byte that is in no
    encoding we read, and NUL bytes are refused with their line."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(name, Problem(f"the file starts as UTF-16 but byte {exc.start} is not UTF-16",
                                            expected=SAVE_AS)) from exc
    if b"\x00" in data:
        at = data.index(b"\x00")
        hint = " (a UTF-16 file without its byte-order mark?)" if data.count(b"\x00") > len(data) // 4 else ""
        raise IngestError(name, Problem(f"a NUL byte (0x00) at character {_column(data, at)}{hint}",
                                        row=_line(data, at), expected=f"text only; {SAVE_AS}"))
    if b"\r" in data and b"\n" not in data:  # old Excel for Mac ends lines with CR alone
        data = data.replace(b"\r", b"\n")
    bad = _first_non_utf8(data)
    if bad is None:
        return "utf-8-sig", data
    earlier = NON_ASCII.search(data, 0, bad)
    if earlier is not None:  # UTF-8 so far (a multi-byte character before), then not
        raise IngestError(name, Problem(
            f"mixed encodings: byte 0x{data[bad]:02X} at character {_column(data, bad)} is not UTF-8, "
            f"but line {_line(data, earlier.start())} is UTF-8", row=_line(data, bad),
            expected=f"one encoding; {SAVE_AS}"))
    utf8 = UTF8_SEQUENCE.search(data, bad)
    if utf8 is not None:  # Windows bytes first, a UTF-8 character further down
        raise IngestError(name, Problem(
            f"mixed encodings: line {_line(data, bad)} is Windows-1252 (byte 0x{data[bad]:02X}), but "
            f"character {_column(data, utf8.start())} of this line is UTF-8", row=_line(data, utf8.start()),
            expected=f"one encoding; {SAVE_AS}"))
    undefined = NOT_CP1252.search(data, bad)
    if undefined is not None:
        at = undefined.start()
        raise IngestError(name, Problem(
            f"byte 0x{data[at]:02X} at character {_column(data, at)} is neither UTF-8 nor Windows-1252",
            row=_line(data, at), expected=SAVE_AS))
    return "cp1252", data


def _first_non_utf8(data: bytes) -> int | None:
    """Where the first byte that is not UTF-8 is, or None; checked in pieces cut at line ends, so
    the file is never held twice in memory."""
    start = 0
    while start < len(data):
        end = len(data)
        if end - start > CHECK_BYTES:  # cut after a line end: a character is never cut in two
            end = data.rfind(b"\n", start, start + CHECK_BYTES) + 1 or start + CHECK_BYTES
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = end
    return None


def _line(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def _column(data: bytes, at: int) -> int:
    return at - (data.rfind(b"\n", 0, at) + 1) + 1
