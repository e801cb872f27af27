"""GSTR-2B as the portal's Excel download: one sheet per section, two header rows.

Columns are found by their header text, never by position: the portal has moved columns between
releases and merged files move them again. Each sheet's column-header row is the row holding the
supplier-GSTIN header (``Port Code`` for IMPG); the row above it is the group row ("Original Details",
"Revised Details", "Invoice Details", …), read with each group spreading right over its merged cells,
so that the original and the revised "Invoice number" of an amendment sheet are told apart.

Sheets: B2B, B2BA, B2B-CDNR, B2B-CDNRA, ECO, ECOA, ISD, ISDA, IMPG, IMPGSEZ, B2B-DNR, B2B-DNRA, and the
same with "(Rejected)" (imported with ``rejected_in_ims=True``). "(ITC Reversal)" sheets repeat
documents of earlier returns and are skipped with a warning when they have rows; summary sheets are
ignored. The portal's B2BA, CDNRA and ECOA sheets show no date for the revised document, only the
original's: the revised document is given that date. Values are turned into the JSON's codes:
"Credit Note" → CRN, "Regular" → R, "Yes" → Y, "100%" → 1, "May'25" → 052025, state names → 2-digit
codes; dates are DD/MM/YYYY.

The recipient GSTIN and the return period come from the "Read me" sheet (GSTIN, Financial Year, Tax
Period). Without it, ``recipient_gstin`` must be given (else the error asks for --recipient) and each
row's ``return_period`` is its supplier's GSTR-1/IFF period (rows without one, such as bills of entry,
take the period all other rows share, else their document date's month); the import's period is the
one all rows share, else the latest, with a warning.

Decision on rows that do not fit the header layout: a file merged by a third-party tool (the REAL
Gujarat sample) carries, in its B2B sheet, two extra columns after the portal's own ("Invoice number",
"Integrated Tax") and rows written with a different layout: the invoice number and IGST sit in those
extra columns, the taxable value under "Place of supply", and the place of supply, reverse charge,
period, filing date and ITC availability are absent. That layout is recognised only when all of these
hold: the sheet has the extra duplicate columns, the row's own invoice number cell is empty, the extra
invoice number is filled, and the "Place of supply" cell holds a number. Such rows are read (place of
supply empty, reverse charge No, period as for rows without one) and a warning counts them. Any
other row without an invoice number is an error naming the sheet and row.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ims_core.gst.dates import DateError, period_key
from ims_core.ingest.document import IngestError, ParsedImport, Problem
from ims_core.ingest.file_kinds import what_it_is
from ims_core.ingest.limits import check_xlsx
from ims_core.ingest.portal_common import (
    Columns,
    DocSpec,
    Reader,
    check_problems,
    common_period,
    fill,
    read_bytes,
    resolve_recipient,
    sha256_hex,
)
from ims_core.ingest.portal_values import month_period, text

SHEETS = {"b2b": "b2b", "b2ba": "b2ba", "b2b-cdnr": "cdnr", "b2b-cdnra": "cdnra", "eco": "ecom",
          "ecoa": "ecoma", "isd": "isd", "isda": "isda", "impg": "impg", "impgsez": "impgsez",
          "b2b-dnr": "dnr", "b2b-dnra": "dnra"}
ANCHORS = ("gstin of supplier", "gstin of eco", "gstin of isd", "port code")
FIELDS: dict[str, tuple[str, ...]] = {
    "gstin": ("gstin of supplier", "gstin of eco", "gstin of isd"),
    "name": ("trade/legal name",),
    "number": ("invoice number", "note number", "document number", "isd document number", "number"),
    "date": ("invoice date", "note date", "document date", "isd document date", "date"),
    "type": ("note type", "isd document type", "document type"),
    "invoice_type": ("invoice type", "note supply type"),
    "value": ("invoice value", "note value", "document value"),
    "pos": ("place of supply",), "rcm": ("supply attract reverse charge",),
    "taxable": ("taxable value",), "igst": ("integrated tax",), "cgst": ("central tax",),
    "sgst": ("state/ut tax",), "cess": ("cess",),
    "itc": ("itc availability", "eligibility of itc"), "reason": ("reason",),
    "percent": ("applicable % of tax rate",), "irn": ("irn",), "irn_date": ("irn date",),
    "port": ("port code",),
}
CODES = {"credit note": "C", "debit note": "D", "isd invoice": "ISDI", "isd credit note": "ISDC",
         "invoice": "INV", "regular": "R", "sez supplies with payment": "SEZWP",
         "sez supplies without payment": "SEZWOP", "deemed exp": "DE", "deemed exports": "DE",
         "intra-state supplies attracting igst": "CBW", "yes": "Y", "no": "N", "temporary": "T"}
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december")
SHIFT_NOTE = ("have the column layout of a merged file (invoice number and IGST in the extra columns at the "
              "right, taxable value under 'Place of supply'); they were read that way, and their place of "
              "supply, reverse charge, GSTR-1 period, filing date and ITC availability are not in the file")


def parse_gstr2b_excel(path: Path, recipient_gstin: str | None = None) -> ParsedImport:
    """Every document sheet of a portal GSTR-2B workbook as one import."""
    path = Path(path)
    raw = read_bytes(path)
    workbook = _open(path.name, raw)
    warnings: list[str] = []
    readme = _read_me(workbook)
    recipient = resolve_recipient(path.name, readme.get("gstin"), recipient_gstin, warnings)
    period = readme.get("period", "")
    reader, columns = Reader(), Columns()
    found_sheet = False
    for sheet in workbook.worksheets:
        if hasattr(sheet, "reset_dimensions"):  # exporters often write a wrong sheet size; read it all
            sheet.reset_dimensions()
        key = re.sub(r"\s+", "", sheet.title.lower())
        rejected = key.endswith("(rejected)")
        base = key.removesuffix("(rejected)")
        if base.endswith("(itcreversal)"):
            count = sum(1 for _ in _data_rows(sheet))
            if count:
                warnings.append(f"sheet {sheet.title}: {count} row(s) not imported: ITC reversal records "
                                "repeat documents of earlier returns")
            continue
        if base not in SHEETS:
            continue
        found_sheet = True
        _read_sheet(reader, columns, sheet, SHEETS[base], rejected, period, warnings)
    workbook.close()
    if not found_sheet:
        raise IngestError(path.name, Problem("no GSTR-2B section sheet (B2B, B2B-CDNR, …) in the workbook",
                                             expected="the portal's GSTR-2B Excel download"))
    check_problems(path.name, reader.problems)
    warnings.extend(reader.gstins.warnings())
    frame = columns.frame()
    if frame.empty:
        warnings.append("the workbook holds no documents")
    fill(frame, source="gstr2b", recipient_gstin=recipient)
    if not period:
        periods = sorted({p for p in frame["return_period"] if p}, key=period_key)
        period = common_period(periods)
        # rows without a GSTR-1 period (bills of entry, shifted rows): the file's one period if it has
        # one, else the month of the document's date
        unknown = frame["return_period"] == ""
        by_date = frame.loc[unknown, "doc_date"].dt.strftime("%m%Y").fillna("")
        frame.loc[unknown, "return_period"] = period or by_date
        if not period and periods:
            period = periods[-1]
            warnings.append(f"no 'Read me' sheet and rows of several periods ({', '.join(periods)}): each "
                            f"row keeps its own GSTR-1/IFF period; the import is labelled {period}")
    return ParsedImport(kind="gstr2b", frame=frame, file_name=path.name, content_hash=sha256_hex(raw),
                        recipient_gstin=recipient, return_period=period, warnings=warnings)


def _open(name: str, raw: bytes):  # an openpyxl Workbook
    """Opened from the bytes already read (and hashed), whatever the file's extension says."""
    from openpyxl import load_workbook

    check_xlsx(raw, name)  # a zip bomb or an endless sheet is refused before openpyxl reads it
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for non-xlsx files
        what = f": this is {found}" if (found := what_it_is(raw, name)) else ""
        raise IngestError(name, Problem(f"not a readable .xlsx workbook ({type(exc).__name__}){what}",
                                        expected="the portal's GSTR-2B Excel download (.xlsx)")) from exc


def _norm(value: object) -> str:
    return re.sub(r"\s+", " ", text(value).replace("₹", "").replace("()", "").lower()).strip()


def percent_text(value: object) -> str:
    """The portal's 'applicable % of tax rate' as the JSON writes it: ``"65%"`` → ``"0.65"``."""
    raw = text(value)
    if raw.endswith("%"):
        try:
            return format((Decimal(raw[:-1].strip()) / 100).normalize(), "f")
        except InvalidOperation:
            return raw
    return raw


def _read_me(workbook) -> dict[str, str]:
    """GSTIN and return period from the "Read me" sheet, when the workbook has one."""
    sheet = next((s for s in workbook.worksheets if re.sub(r"[\s-]", "", s.title.lower()) == "readme"), None)
    if sheet is None:
        return {}
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    labels: dict[str, str] = {}
    for row in sheet.iter_rows(max_row=40, values_only=True):
        cells = [text(c) for c in row if text(c)]
        if len(cells) >= 2:
            labels.setdefault(_norm(cells[0]).rstrip(":"), cells[1])
    out = {"gstin": labels.get("gstin", "")}
    tax_period = labels.get("tax period") or labels.get("return period") or ""
    month = next((i for i, m in enumerate(MONTH_NAMES, 1) if tax_period.lower().startswith(m)), 0)
    fy = re.match(r"(\d{4})", labels.get("financial year", ""))
    if month and fy:
        start = int(fy.group(1))
        out["period"] = f"{month:02d}{start if month >= 4 else start + 1}"
    elif tax_period:
        try:
            out["period"] = month_period(tax_period)
        except DateError:
            out["period"] = ""
    return out


def _data_rows(sheet):  # (excel row number, values) after the header rows
    rows = sheet.iter_rows(values_only=True)
    header = 0
    for header, row in enumerate(rows, start=1):
        if header > 15:
            return
        if any(_norm(c) in ANCHORS for c in row):
            break
    else:
        return
    for number, row in enumerate(rows, start=header + 1):
        if any(c is not None and text(c) for c in row):
            yield number, row


def _layout(sheet) -> tuple[list[tuple[str, bool]], int] | None:
    """``(header text, is-original)`` per column and the header row number; None for a summary sheet."""
    previous: tuple = ()
    for number, row in enumerate(sheet.iter_rows(max_row=15, values_only=True), start=1):
        names = [_norm(c) for c in row]
        if any(n in ANCHORS for n in names):
            group, groups = "", []
            for j in range(len(names)):
                cell = _norm(previous[j]) if j < len(previous) else ""
                group = cell or group
                groups.append(group.startswith("original details"))
            return list(zip(names, groups, strict=True)), number
        previous = row
    return None


def _header(layout: list[tuple[str, bool]], j: int | None) -> str:
    return layout[j][0] if j is not None else ""


def _find(layout: list[tuple[str, bool]], names: tuple[str, ...], original: bool = False,
          nth: int = 0) -> int | None:
    for name in names:  # the preferred spelling first
        hits = [j for j, (n, o) in enumerate(layout) if n == name and o == original]
        if len(hits) > nth:
            return hits[nth]
    return None


def _read_sheet(reader: Reader, columns: Columns, sheet, section: str, rejected: bool,
                readme_period: str, warnings: list[str]) -> None:
    found = _layout(sheet)
    if found is None:
        return
    layout, _ = found
    at = {f: _find(layout, names) for f, names in FIELDS.items()}
    original = {f: _find(layout, FIELDS[f], original=True) for f in ("number", "date", "type")}
    if at["date"] is None:  # amendment sheets show only the original's date: the revision keeps it
        at["date"] = original["date"]
    period_col = next((j for j, (n, o) in enumerate(layout) if "period" in n and not o), None)
    filed_col = next((j for j, (n, o) in enumerate(layout) if "filing date" in n and not o), None)
    extra_number = _find(layout, FIELDS["number"][:1], nth=1)  # the merged file's extra columns
    extra_igst = _find(layout, FIELDS["igst"], nth=1)
    rows, where, shifted = [], [], 0
    for number, row in _data_rows(sheet):
        def cell(j: int | None, row: tuple = row) -> object:
            return row[j] if j is not None and j < len(row) else None

        record = {f: cell(j) for f, j in at.items()}
        record.update({"o" + f: cell(j) for f, j in original.items()})
        record["period"], record["filed"] = cell(period_col), cell(filed_col)
        if (extra_number is not None and not text(record["number"]) and text(cell(extra_number))
                and isinstance(record["pos"], int | float)):
            record.update(number=cell(extra_number), taxable=record["pos"], igst=cell(extra_igst), pos=None,
                          rcm=None, cess=None, period=None, filed=None, itc=None)
            shifted += 1
        for f in ("type", "otype", "invoice_type", "itc"):
            label = text(record[f])
            record[f] = CODES.get(label.lower(), label)
        record["itc"] = record["itc"][:1].upper()  # Y, N or T, whatever the label's wording
        record["percent"] = percent_text(record["percent"])
        rows.append(record)
        where.append(number)
    if shifted:
        warnings.append(f"sheet {sheet.title}: {shifted} row(s) {SHIFT_NOTE}")
    if not rows:
        return
    needed = ("number", "date") if section == "impg" else ("gstin", "number", "date")
    missing = [f for f in needed if at[f] is None]
    if missing:
        reader.problems.append(Problem(f"sheet {sheet.title} has no column for {', '.join(missing)}",
                                       expected="the portal's GSTR-2B Excel headers"))
        return

    def locate(i: int) -> str:
        return f"{where[i]} of sheet {sheet.title}"

    typed = at["type"] is not None and section not in ("ecom", "ecoma")
    spec = DocSpec(number="number", date="date", type_key="type" if typed else None,
        doc_type="BOE" if section.startswith("impg") else "INV",
        original_number="onumber" if original["number"] is not None else None, original_date="odate",
        original_type_key="otype" if original["type"] is not None else None,
        amounts=("taxable", "igst", "cgst", "sgst", "cess"), value="value",
        place="pos" if at["pos"] is not None else None, date_format="%d/%m/%Y",
        text=(("invoice_type", "port" if section.startswith("impg") else "invoice_type"),
              ("itc_available", "itc"), ("itc_unavailable_reason", "reason"), ("diff_percent", "percent"),
              ("irn", "irn")),
        dates=(("irn_date", "irn_date"),), bools=(("reverse_charge", "rcm"),))
    first_problem = len(reader.problems)
    cols = reader.document_columns(rows, spec, locate)
    cols.update(reader.supplier_columns(rows, list(range(len(rows))), locate, gstin_key="gstin",
                                        name_key="name", date_keys=(("supplier_filing_date", "filed"),),
                                        period_key="period", fmt="%d/%m/%Y"))
    headers = {f: layout[j][0] for f, j in at.items() if j is not None}
    headers.update({"o" + f: layout[j][0] for f, j in original.items() if j is not None})
    headers.update(period=_header(layout, period_col), filed=_header(layout, filed_col))
    for problem in reader.problems[first_problem:]:
        problem.field = headers.get(problem.field or "", problem.field)
    periods = readme_period or cols["supplier_return_period"]
    columns.add(len(rows), section=section, rejected_in_ims=rejected, return_period=periods, **cols)
