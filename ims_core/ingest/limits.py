"""What is checked of an input file before it is parsed, so that a small file cannot cost gigabytes.

An XLSX is a zip archive of XML parts: 1.7 MB can unpack to gigabytes (a zip bomb), and openpyxl would
spend minutes and memory reading them before finding no header row. :func:`check_xlsx` reads only the
archive's directory and streams each sheet once through zlib to count its rows: a workbook whose parts
unpack to more than ``IMS_MAX_XLSX_MB``, or a sheet with more rows than Excel itself allows, is
refused at once. (Python's zipfile, which openpyxl reads through, never unpacks more than a part's
declared size: a part that lies about it fails its CRC check instead.)
"""

from __future__ import annotations

import io
import zipfile

from ims_core.ingest.document import IngestError, Problem
from ims_core.settings import Settings, get_settings

EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet
_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b":row ", b":row>", b":row/")  # also namespaced
_CHUNK = 1 << 20


def check_xlsx(data: bytes, name: str, settings: Settings | None = None) -> None:
    """Refuse ``data`` before it is parsed when it unpacks too big or holds too many rows; anything
    that is not a zip archive is left for the reader to refuse in its own words."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return
    limit_mb = (settings or get_settings()).ims_max_xlsx_mb
    with archive:
        parts = archive.infolist()
        unpacked = sum(p.file_size for p in parts)
        if unpacked > limit_mb * 1024 * 1024:
            ratio = unpacked / max(len(data), 1)
            raise IngestError(name, Problem(
                f"the workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB ({ratio:,.0f} times its size on "
                f"disk), more than the {limit_mb} MB allowed (IMS_MAX_XLSX_MB)",
                expected="a workbook saved by Excel or the portal; a larger one split in parts, or "
                         "IMS_MAX_XLSX_MB raised"))
        for part in parts:
            if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                rows = _count_rows(archive, part)
                if rows > EXCEL_MAX_ROWS:
                    raise IngestError(name, Problem(
                        f"sheet part {part.filename} holds {rows:,} rows, more than Excel's "
                        f"{EXCEL_MAX_ROWS:,}", expected="a workbook saved by Excel or the portal"))


def _count_rows(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """The ``<row>`` elements of one sheet, counted while it streams. Each chunk is read with the last
    4 bytes of the one before: a 5-byte tag cut in two is counted once, and none twice."""
    count, tail = 0, b""
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                window = tail + chunk
                count += sum(window.count(tag) for tag in _ROW_TAGS)
                tail = window[-4:]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return 0  # damaged or encrypted: the reader refuses it in its own words
    return count
