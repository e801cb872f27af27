"""Reading a purchase-register file into a table of text cells, and finding its header row.

Registers come as CSV (UTF-8, UTF-8 with a BOM from Excel, UTF-16 with its BOM from Excel's "Unicode
text", or cp1252 from older Windows tools; comma, semicolon or tab separated; CRLF, LF or the CR alone
of old Excel for Mac) or XLSX, often with a few title rows (company, report name, period) above the
header. A CSV is read in the one encoding ``csv_bytes.decode_csv`` finds for all of it, or refused.
The header is the first of the top rows that holds every column the preset needs; with
``preset="auto"`` it is also the row that decides the preset. Cells stay text here: converting them is
``books``' job, so that every problem can name the row the user sees in the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ims_core.ingest.book_presets import FIELD_HELP, FIELDS, PRESETS, Preset, header_key, resolve
from ims_core.ingest.csv_bytes import decode_csv
from ims_core.ingest.document import IngestError, Problem
from ims_core.ingest.file_kinds import what_it_is, wrong_command_hint
from ims_core.ingest.limits import check_xlsx

HEADER_SEARCH_ROWS = 15
HEAD_BYTES = 1 << 20  # enough for the title rows and header of any register
MAP_HINT = "map them with --map 'Your Column=field'"



@dataclass
class RawTable:
    """The data rows below the header, as text ("" for empty), columns by position."""

    frame: pd.DataFrame
    headers: list[str]
    keys: list[str]
    rows: np.ndarray  # the row number the user sees for each frame row
    header_row: int
    preset: Preset
    mapping: dict[str, list[int]]
    warnings: list[str] = field(default_factory=list)


def read_table(data: bytes, name: str, preset: str, column_map: dict[str, str]) -> RawTable:
    """The file's data rows under the header that fits ``preset`` (or the best-fitting preset)."""
    if len(data) < 65536 and not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise IngestError(name, "the file is empty")
    overrides = _overrides(name, column_map)
    lower = name.lower()
    if lower.endswith(".xls"):
        raise IngestError(name, Problem("old Excel .xls files cannot be read",
                                        expected="the register saved as .xlsx or CSV"))
    if lower.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        grid = _read_xlsx(data, name)
        head = [(i + 1, list(grid.iloc[i])) for i in range(min(HEADER_SEARCH_ROWS, len(grid)))]
        header_row, chosen, mapping, keys = _find_header(head, name, preset, overrides)
        headers = [str(h).strip() for h in grid.iloc[header_row - 1]]
        frame = grid.iloc[header_row:].reset_index(drop=True)
        rows = np.arange(header_row + 1, header_row + 1 + len(frame), dtype="int64")
    else:
        encoding, data = decode_csv(data, name)
        text = _head(data, encoding)
        delimiter = _delimiter(text[:65536])
        head = _csv_head(text, delimiter)
        header_row, chosen, mapping, keys = _find_header(head, name, preset, overrides)
        frame = _read_csv(data, name, encoding, delimiter, header_row)
        headers = [str(h).strip() for h in frame.columns]
        frame.columns = range(frame.shape[1])
        rows = np.arange(header_row + 1, header_row + 1 + len(frame), dtype="int64")
    headers = [h or f"column {i + 1}" for i, h in enumerate(headers)]
    frame = frame.iloc[:, : len(keys)]
    frame.columns = range(frame.shape[1])
    if frame.isna().to_numpy().any():
        frame = frame.fillna("")
    return RawTable(frame, headers[: len(keys)], keys, rows, header_row, chosen, mapping)


def _overrides(name: str, column_map: dict[str, str]) -> dict[str, str]:
    """``--map`` pairs as header key -> field, refusing fields that do not exist."""
    out = {}
    for column, target in column_map.items():
        fld = target.strip().lower()
        fld = "ledger" if fld == "category" else fld
        if fld not in FIELDS:
            raise IngestError(name, Problem(f"--map '{column}={target}': unknown field", field="--map",
                                            value=target, expected="one of " + ", ".join(FIELDS)))
        out[header_key(column)] = fld
    return out


def _find_header(head: list[tuple[int, list[object]]], name: str, preset: str,
                 overrides: dict[str, str]) -> tuple[int, Preset, dict[str, list[int]], list[str]]:
    """The header row (as numbered in the file), its preset and column mapping; or a clear refusal."""
    candidates = list(PRESETS.values()) if preset == "auto" else [PRESETS[preset]]
    best: tuple[int, int, int, Preset, dict, list[str], list[str]] | None = None
    for number, cells in head:
        keys = [header_key(c) if isinstance(c, str) else "" for c in cells]
        fits = []
        for candidate in candidates:
            mapping, missing = resolve(candidate, keys, overrides)
            found = len(candidate.required) - len(missing)
            fits.append((not missing, len(mapping), found, candidate, mapping, missing))
        whole = [f for f in fits if f[0]]
        if whole:  # several presets fit: the one that recognises the most columns
            _, _, _, candidate, mapping, _ = max(whole, key=lambda f: f[1])
            _check_overrides(name, overrides, keys, [c for c in cells if isinstance(c, str)])
            return number, candidate, mapping, keys
        _, size, found, candidate, mapping, missing = max(fits, key=lambda f: (f[2], f[1]))
        if best is None or found > best[1]:
            named = [c.strip() for c in cells if isinstance(c, str) and c.strip()]
            best = (number, found, size, candidate, mapping, missing, named)
    if best is None or best[1] < 2:
        wanted = ", ".join(PRESETS[preset if preset != "auto" else "canonical"].required)
        raise IngestError(name, Problem(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows", field="header",
            expected=f"a row of column names with {wanted} (or pass --preset tally|zoho|erpnext); "
                     + MAP_HINT))
    number, _, _, candidate, _, missing, found_cells = best
    which = f"the {candidate.name} preset" + (" (the closest match)" if preset == "auto" else "")
    raise IngestError(name, Problem(
        f"missing required column(s) for {which}: {', '.join(missing)}", row=number, field="header",
        value=", ".join(found_cells),
        expected="columns for " + "; ".join(f"{f} ({FIELD_HELP[f]})" for f in missing) + f"; {MAP_HINT}"))


def _check_overrides(name: str, overrides: dict[str, str], keys: list[str], headers: list[str]) -> None:
    absent = [k for k in overrides if k not in keys]
    if absent:
        raise IngestError(name, Problem(
            f"--map names column(s) not in the file: {', '.join(absent)}", field="--map",
            value=", ".join(absent),
            expected="one of the file's columns: " + ", ".join(h for h in headers if h)))


def _read_xlsx(data: bytes, name: str) -> pd.DataFrame:
    check_xlsx(data, name)  # a zip bomb or an endless sheet is refused before openpyxl reads it
    if hint := wrong_command_hint(data, name, "books"):  # the portal's GSTR-2B workbook, say
        raise IngestError(name, Problem(hint, expected="a purchase register (CSV or XLSX)"))
    try:
        grid = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
        what = f": this is {found}" if (found := what_it_is(data, name)) else ""
        raise IngestError(name, Problem(
            f"not a readable XLSX workbook ({type(exc).__name__}){what}",
            expected="an .xlsx file saved by Excel, Tally, Zoho or ERPNext")) from exc
    if grid.empty:
        raise IngestError(name, "the first sheet is empty")
    return grid


def _head(data: bytes, encoding: str) -> str:
    """The text of the file's start (whole lines), where the header is looked for."""
    head = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES:  # never cut a character in two
        head = head[: head.rfind(b"\n") + 1] or head
    return head.decode(encoding, errors="replace")


def _delimiter(sample: str) -> str:
    lines = sample.splitlines()[:HEADER_SEARCH_ROWS + 5]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_head(text: str, delimiter: str) -> list[tuple[int, list[object]]]:
    """The first rows, each with the file line it ends on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    head = []
    for cells in reader:
        head.append((reader.line_num, list(cells)))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    return head


def _read_csv(data: bytes, name: str, encoding: str, delimiter: str, header_row: int) -> pd.DataFrame:
    """The rows from the header down, all text, in the one encoding ``decode_csv`` found."""
    try:
        return _pandas_csv(data, encoding, "strict", delimiter, header_row)
    except (pd.errors.ParserError, ValueError) as exc:
        raise IngestError(name, Problem(f"the CSV cannot be read: {exc}",
                                        expected=f"the same number of '{delimiter}'-separated cells on "
                                                 "every row")) from exc


def _pandas_csv(data: bytes, encoding: str, errors: str, delimiter: str, header_row: int) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=delimiter, skiprows=header_row - 1, header=0, dtype=str,
                       keep_default_na=False, na_filter=False, skip_blank_lines=False,
                       encoding=encoding, encoding_errors=errors, index_col=False)
