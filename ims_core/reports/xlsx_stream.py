"""An XLSX written as a stream of sheet XML, a whole column of cells at a time.

Why not openpyxl or xlsxwriter: both make a Python object and a method call per cell, some 10 to 15
µs a cell here, so the 200,000 rows x 45 columns of a month's reconciliation took minutes where its
CSV takes seconds (issue 20; figures in ``bench/README.md``). Here, as for the CSV
(:mod:`ims_core.reports.csv_text`), each column of a chunk becomes its cells' XML in one list
comprehension, rows are joined with ``str.join``, and the text goes straight into the zip.

What it writes is the plain subset of SpreadsheetML (ECMA-376 Part 1) that Excel, LibreOffice,
openpyxl and calamine read: texts in the shared-string table (so a text is never a formula: see
:mod:`ims_core.reports.cells`), numbers and dates as numbers with a number format (a date is Excel's
day serial, days since 1899-12-30), a bold header row frozen with filters, and column widths.

Cells carry no reference of their own (the schema makes ``r`` optional: each cell is the next
column), so an empty value is an empty ``<c/>``; rows carry theirs.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
EXCEL_EPOCH = dt.date(1899, 12, 30)
EMPTY = "<c/>"
# Characters XML 1.0 cannot hold at all; a text keeps them as SpreadsheetML's _xHHHH_ escape.
_CONTROL = {c: f"_x{c:04X}_" for c in (*range(0, 9), 11, 12, *range(14, 32))}

# Cell styles (cellXfs, by index): plain, bold (headers), rupees, date, score.
PLAIN, BOLD, MONEY, DATE, SCORE = range(5)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class SharedStrings:
    """The workbook's table of texts: each distinct text once, cells naming it by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cells(self, values: Iterable, style: int = PLAIN) -> list[str]:
        """Text cells of ``values`` (None or empty: an empty cell; anything else as ``str()``)."""
        index = self.index
        s = f' s="{style}"' if style else ""
        return [EMPTY if value is None or value == "" else
                f'<c t="s"{s}><v>{index.setdefault(str(value), len(index))}</v></c>' for value in values]

    def xml(self) -> bytes:
        items = "".join(f'<si><t xml:space="preserve">{_xml_text(text)}</t></si>' for text in self.index)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
                f'count="{len(self.index)}" uniqueCount="{len(self.index)}">{items}</sst>').encode()


def _xml_text(text: str) -> str:
    escaped = escape(text)
    return escaped.translate(_CONTROL) if any(ord(c) < 32 for c in escaped) else escaped


def number_cells(values: Sequence, style: int) -> list[str]:
    """Number cells of numbers or their text (``-5.07``); None an empty cell."""
    return [EMPTY if value is None else f'<c s="{style}"><v>{value}</v></c>' for value in values]


def date_cells(values: Sequence[dt.date | None]) -> list[str]:
    """Date cells (Excel's day serial, shown DD-MM-YYYY); None an empty cell."""
    return [EMPTY if value is None else f'<c s="{DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
            for value in values]


@dataclass
class Sheet:
    """One worksheet being written: its name, column widths, and the rows written so far."""

    name: str
    widths: Sequence[int]
    rows: int = 0
    filters: bool = True
    frozen: bool = True
    part: str = ""
    handle: IO[bytes] | None = field(default=None, repr=False)

    def start(self, handle: IO[bytes]) -> None:
        """Write the sheet's opening XML (views, columns) to ``handle``."""
        self.handle = handle
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/>') if self.frozen else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, start=1))
        handle.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                      f'xmlns:r="{RELS}"><sheetViews><sheetView workbookViewId="0">{pane}</sheetView>'
                      f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                      ).encode())

    def write(self, rows: Sequence[str]) -> None:
        """Append rows, each the joined XML of its cells."""
        first = self.rows + 1
        self.handle.write("".join(f'<row r="{n}">{cells}</row>' for n, cells in enumerate(rows, start=first))
                          .encode())
        self.rows += len(rows)

    def filter_ref(self) -> str:
        return f"A1:{column_letter(len(self.widths))}{max(self.rows, 1)}"

    def finish(self) -> None:
        """Close the sheet's XML (with its filters, which need the last row) and its zip entry."""
        tail = f'<autoFilter ref="{self.filter_ref()}"/>' if self.filters else ""
        self.handle.write(f"</sheetData>{tail}</worksheet>".encode())
        self.handle.close()


def join_rows(columns: Sequence[Sequence[str]]) -> Iterable[str]:
    """The rows' cell XML from whole columns of cell XML."""
    return map("".join, zip(*columns, strict=True))


class Workbook:
    """An XLSX being written into ``path`` as a zip: sheets are opened one at a time with
    :meth:`sheet` (written, then closed by :meth:`close`) or written whole with :meth:`add_sheet`;
    ``close`` adds the shared strings, styles and workbook parts, in the order the sheets were
    added (which need not be the order they were written)."""

    def __init__(self, path, number_formats: dict[int, str], compresslevel: int = 1) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.strings = SharedStrings()
        self.formats = number_formats  # MONEY, DATE, SCORE -> Excel number format
        self.sheets: list[Sheet] = []

    def declare(self, name: str, widths: Sequence[int], **options: bool) -> Sheet:
        """A sheet in the workbook's order; its rows are written later (:meth:`open`)."""
        sheet = Sheet(name, widths, part=f"xl/worksheets/sheet{len(self.sheets) + 1}.xml", **options)
        self.sheets.append(sheet)
        return sheet

    def open(self, sheet: Sheet) -> Sheet:
        """Start writing ``sheet`` into the zip; only one sheet is open at a time."""
        sheet.start(self.zip.open(sheet.part, "w", force_zip64=True))
        return sheet

    def write_whole(self, sheet: Sheet, rows: Sequence[str]) -> None:
        """Write a small sheet at once."""
        self.open(sheet)
        sheet.write(rows)
        sheet.finish()

    def add_file(self, sheet: Sheet, path) -> None:
        """A sheet written (started, filled, finished) into a file of its own, put into the workbook:
        the zip takes one entry at a time, so sheets filled side by side wait in files."""
        self.zip.write(path, sheet.part)

    def header(self, titles: Sequence[str]) -> str:
        """A header row's cells: the titles, bold."""
        return "".join(self.strings.cells(titles, BOLD))

    def close(self) -> None:
        """Add the parts that describe the workbook; the file is complete."""
        self.zip.writestr("xl/sharedStrings.xml", self.strings.xml())
        self.zip.writestr("xl/styles.xml", _styles(self.formats))
        self.zip.writestr("xl/workbook.xml", _workbook(self.sheets))
        self.zip.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(self.sheets)))
        self.zip.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                          f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{RELS}/'
                          'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        self.zip.writestr("[Content_Types].xml", _content_types(len(self.sheets)))
        self.zip.close()

    def abandon(self) -> None:
        self.zip.close()


def _styles(formats: dict[int, str]) -> str:
    ids = {style: 164 + i for i, style in enumerate(sorted(formats))}
    num_fmts = "".join(f'<numFmt numFmtId="{ids[s]}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                       for s, code in sorted(formats.items()))
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>']
    xfs += [f'<xf numFmtId="{ids.get(style, 0)}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>' for style in (MONEY, DATE, SCORE)]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
            f'<numFmts count="{len(ids)}">{num_fmts}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def _workbook(sheets: list[Sheet]) -> str:
    entries = "".join(f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"'{escape(s.name)}'!{_absolute(s.filter_ref())}</definedName>"
        for i, s in enumerate(sheets) if s.filters)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
            f'xmlns:r="{RELS}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets>'
            + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")


def _absolute(ref: str) -> str:
    """A1:W9 -> $A$1:$W$9."""
    def one(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters):]}"
    return ":".join(one(cell) for cell in ref.split(":"))


def _workbook_rels(count: int) -> str:
    sheets = "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                     for i in range(1, count + 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f'{sheets}<Relationship Id="rId{count + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>")


def _content_types(count: int) -> str:
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{kind}.worksheet+xml"/>'
                     for i in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>{sheets}'
            f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}.sharedStrings+xml"/></Types>')
