"""The reconciliation export as a workbook for an accountant: a summary sheet first (count and net tax
per status, the 20 suppliers with the most tax not matched), then every row on "All" and the rows of
each status on a sheet of its own. Headers a person reads ("Supplier GSTIN — books"), dates as date
cells shown DD-MM-YYYY, amounts as numbers in a rupee format with Indian grouping, statuses and
actions spelled out ("Not in books", "Accepted"), the header row frozen, filters on.

Written as a stream (:mod:`ims_core.reports.xlsx_stream`), a chunk of rows at a time: the "All" sheet
straight into the file, each status's sheet into a file of its own meanwhile (the zip takes one part at
a time), then copied in.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from ims_core.errors import UserFacingError
from ims_core.matching.engine import STATUSES
from ims_core.models.base import net_paise
from ims_core.models.vocabulary import status_label
from ims_core.reports import export_columns
from ims_core.reports import xlsx_stream as xs
from ims_core.reports.export_columns import DATE_FORMAT, RUPEE_FORMAT, Column, day, rupees_text
from ims_core.reports.export_rows import Progress, connection, run_bounds, status_counts, stored_chunks

XLSX_MAX_ROWS = 1_048_575  # an Excel sheet's rows, less the header
TOP_SUPPLIERS = 20
NOT_MATCHED = frozenset(STATUSES) - {"matched", "manual"}
FORMATS = {xs.MONEY: RUPEE_FORMAT, xs.DATE: DATE_FORMAT, xs.SCORE: "0.0000"}


def column_cells(strings: xs.SharedStrings, column: Column, values: Sequence) -> list[str]:
    """A chunk's values of one column as XLSX cells of its kind."""
    kind = column.kind.name
    if kind == "money":
        return xs.number_cells(rupees_text(values), xs.MONEY)
    if kind == "date":
        return xs.date_cells([day(value) for value in values])
    if kind == "score":
        return xs.number_cells(column.kind.text(values), xs.SCORE)
    return strings.cells(values if column.show is None else [column.show(v) for v in values])


@dataclass
class Tally:
    """What the summary sheet says, gathered as the rows go by: per status and per supplier, how many
    documents and their net tax in the books and on the portal (credit notes negative)."""

    statuses: dict[str, list[int]] = field(default_factory=dict)  # count, books, portal
    suppliers: dict[str, list] = field(default_factory=dict)  # name, count, not matched, tax not matched

    def add(self, chunk: dict[str, Sequence]) -> None:
        rows = zip(chunk["status"], chunk["book_supplier_gstin"], chunk["portal_supplier_gstin"],
                   chunk["supplier_name"], chunk["book_tax"], chunk["book_doc_type"], chunk["portal_tax"],
                   chunk["portal_doc_type"], strict=True)
        for status, b_gstin, p_gstin, name, b_tax, b_type, p_tax, p_type in rows:
            books = 0 if b_tax is None else net_paise(b_tax, b_type)
            portal = 0 if p_tax is None else net_paise(p_tax, p_type)
            entry = self.statuses.setdefault(status, [0, 0, 0])
            entry[0] += 1
            entry[1] += books
            entry[2] += portal
            supplier = self.suppliers.setdefault(b_gstin or p_gstin or "", [name, 0, 0, 0])
            supplier[1] += 1
            if status in NOT_MATCHED:
                supplier[2] += 1
                supplier[3] += abs(books if b_tax is not None else portal)

    def rows(self, strings: xs.SharedStrings) -> list[str]:
        """The summary sheet's rows."""
        def line(*cells: str) -> str:
            return "".join(cells)

        def text(*values: object, style: int = xs.PLAIN) -> list[str]:
            return strings.cells(values, style)

        def count_cells(*counts: int) -> list[str]:
            return xs.number_cells(counts, xs.PLAIN)

        def money(*paise: int) -> list[str]:
            return xs.number_cells(rupees_text(paise), xs.MONEY)

        out = [line(*text("Documents per status", style=xs.BOLD)),
               line(*text("Status", "Documents", "Net tax in books", "Net tax on portal", style=xs.BOLD))]
        for status in STATUSES:
            if status in self.statuses:
                count, books, portal = self.statuses[status]
                out.append(line(*text(status_label(status)), *count_cells(count), *money(books, portal)))
        totals = [sum(entry[i] for entry in self.statuses.values()) for i in range(3)]
        out.append(line(*text("Total", style=xs.BOLD), *count_cells(totals[0]), *money(*totals[1:])))
        title = f"Top {TOP_SUPPLIERS} suppliers by tax in documents not matched"
        out += ["", line(*text(title, style=xs.BOLD)),
                line(*text("Supplier GSTIN", "Supplier name", "Documents", "Not matched", "Tax not matched",
                           style=xs.BOLD))]
        ranked = sorted(((gstin, *entry) for gstin, entry in self.suppliers.items() if entry[2]),
                        key=lambda entry: (-entry[4], entry[0]))[:TOP_SUPPLIERS]
        for gstin, name, count, not_matched, tax in ranked:
            out.append(line(*text(gstin, name), *count_cells(count, not_matched), *money(tax)))
        out.append(line(*text("Net amounts: credit notes count negative. Tax not matched: each document's "
                              "own tax, as the books state it (else the portal).")))
        return out


def write_xlsx(bind: Engine | Connection, run_id: int, path: Path,
               progress: Progress | None = None) -> Counter:
    """The workbook of a stored run into ``path``; the count per status. ``progress(done, rows)`` is
    told after each chunk of rows."""
    with connection(bind) as conn:
        first, last = run_bounds(conn, run_id)
        if last - first + 1 > XLSX_MAX_ROWS:
            raise UserFacingError(f"{last - first + 1} rows do not fit an Excel sheet ({XLSX_MAX_ROWS} at "
                                  "most): export to .csv instead")
        present = status_counts(conn, run_id)
        book = xs.Workbook(path, FORMATS)
        try:
            tally = _write_sheets(book, conn, run_id, present, progress)
            book.write_whole(book.sheets[0], tally.rows(book.strings))
            book.close()
        except BaseException:
            book.abandon()
            raise
    return Counter({status: entry[0] for status, entry in tally.statuses.items()})


def _write_sheets(book: xs.Workbook, conn: Connection, run_id: int, present: dict[str, int],
                  progress: Progress | None) -> Tally:
    """Declare the summary, fill "All" and one sheet per status present; what the summary says."""
    columns = export_columns.COLUMNS
    widths = [column.width for column in columns]
    book.declare("Summary", [28, 28, 14, 18, 18], filters=False, frozen=False)
    everything = book.declare("All", widths)
    by_status = {status: book.declare(status_label(status), widths)
                 for status in STATUSES if present.get(status)}
    header = [book.header([column.title or column.name for column in columns])]
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="ims-xlsx-") as folder:
        files = {status: Path(folder) / f"{status}.xml" for status in by_status}
        for status, sheet in by_status.items():
            sheet.start(files[status].open("wb"))
            sheet.write(header)
        book.open(everything).write(header)
        for chunk in stored_chunks(conn, run_id):
            rows = list(xs.join_rows([column_cells(book.strings, c, chunk[c.name]) for c in columns]))
            everything.write(rows)
            grouped: dict[str, list[str]] = {}
            for row, status in zip(rows, chunk["status"], strict=True):
                grouped.setdefault(status, []).append(row)
            for status, sheet in by_status.items():
                sheet.write(grouped.get(status, []))
            tally.add(chunk)
            if progress is not None:
                progress(everything.rows - 1, sum(present.values()))
        everything.finish()
        for status, sheet in by_status.items():
            sheet.finish()
            book.add_file(sheet, files[status])
    return tally
