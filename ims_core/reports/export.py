"""Reports for people and other tools: the reconciliation export as CSV or XLSX.

One row per purchase-register document and one per portal document left unpaired, i.e. one per
``match_result`` row of a run, with the columns DESIGN.md fixes first (and the helpful ones after),
named once in :mod:`ims_core.reports.export_columns`. Document numbers are exactly as the source
wrote them, dates ISO, amounts in rupees with two decimals converted from paise by integer
arithmetic (never through a float).

A source hands over the table fields a chunk of rows at a time, from a stored run
(:func:`~ims_core.reports.export_rows.stored_chunks`) or from results still in memory
(:mod:`ims_core.reports.export_memory`); the CSV (here) and the XLSX
(:mod:`ims_core.reports.export_xlsx`) are written from those chunks, so a new column is one line of
``COLUMNS``, and a million-row run needs no million-row list for its CSV.

Text that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is neutralised in both
(:mod:`ims_core.reports.cells`); amounts, dates and scores are never touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from ims_core import audit
from ims_core.errors import UserFacingError
from ims_core.matching.current import latest_run_id
from ims_core.matching.engine import STATUSES
from ims_core.reports import export_columns
from ims_core.reports.cells import csv_text_column
from ims_core.reports.csv_text import csv_rows
from ims_core.reports.export_columns import (  # noqa: F401 (the export's names, for readers)
    BOOK,
    EXPORT_COLUMNS,
    PORTAL,
    RESULT,
    RUPEE_FORMAT,
    TEXT,
    Column,
    columns_of,
    fields,
)
from ims_core.reports.export_rows import Progress, connection, run_bounds, stored_chunks
from ims_core.reports.export_xlsx import XLSX_MAX_ROWS, write_xlsx  # noqa: F401 (for readers)

UTF8_BOM = "\ufeff"  # what Excel on Windows needs to read a CSV as UTF-8 (else "₹" shows as "â‚¹")


@dataclass
class ExportSummary:
    run_id: int
    path: Path
    rows: int
    counts: dict[str, int]


def write_csv(bind: Engine | Connection, run_id: int, path: Path, excel: bool = False,
              progress: Progress | None = None) -> Counter:
    """Stream a stored run to CSV a chunk at a time; return the count per status."""
    with connection(bind) as conn:
        first, last = run_bounds(conn, run_id)
        return write_csv_chunks(stored_chunks(conn, run_id), path, excel=excel, progress=progress,
                                rows=last - first + 1)


def write_csv_chunks(chunks: Iterable[dict[str, Sequence]], path: Path, excel: bool = False,
                     progress: Progress | None = None, rows: int = 0) -> Counter:
    """Write the export's rows (from either source) to ``path`` as CSV; the count per status. The
    file is written as ``path.part`` and takes its name only once complete.

    The csv module's text (``excel`` dialect), made column by column (:mod:`ims_core.reports.csv_text`):
    CRLF line ends, as RFC 4180 has them, and a field holding a comma, a double quote or a line
    break quoted (a bare CR too, which readers take for the end of a row). A text column's field
    that a spreadsheet would run as a formula starts with ``'``. ``excel``: a UTF-8 byte-order mark
    first, which Excel on Windows needs to read the file as UTF-8. ``progress(done, rows)`` is told
    after each chunk.
    """
    partial = partial_of(path)
    counts: Counter = Counter()
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            if excel:
                handle.write(UTF8_BOM)
            handle.writelines(csv_rows([[column.name] for column in export_columns.COLUMNS]))
            for chunk in chunks:
                counts.update(chunk["status"])
                if progress is not None:
                    progress(counts.total(), rows)
                handle.writelines(csv_lines(chunk))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def csv_lines(chunk: dict[str, Sequence]) -> Iterator[str]:
    """A chunk's rows as the CSV's lines (no header), as texts of many lines each."""
    return csv_rows([csv_text_column(chunk[column.name]) if column.kind is TEXT
                     else column.kind.text(chunk[column.name]) for column in export_columns.COLUMNS])


def partial_of(path: Path) -> Path:
    """Where a file is written until complete."""
    return path.with_name(path.name + ".part")


def check_export_path(path: Path) -> None:
    """Refuse a path :func:`export_reconciliation` cannot write, before any work is done for it."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise UserFacingError(f"{path}: the export must end in .csv or .xlsx")
    if not path.parent.exists():
        raise UserFacingError(f"{path.parent}: no such folder")


def export_reconciliation(bind: Engine | Connection, path: Path | str, run_id: int | None = None,
                          recipient_gstin: str | None = None, actor: str | audit.Actor = "cli",
                          written: Counter | None = None, excel: bool = False,
                          progress: Progress | None = None) -> ExportSummary:
    """Write the newest run (or ``run_id``) to ``path``; the suffix chooses CSV or XLSX. ``written``:
    the file is written already (by :mod:`ims_core.reports.export_memory`), with these counts per
    status. ``excel``: a CSV starts with the byte-order mark Excel on Windows needs. ``progress(done,
    rows)``: told as rows are written (a progress bar).

    The export is an audit event (what was exported, by whom, how many rows), written after the file
    is complete so the trail never records an export that failed."""
    path = Path(path)
    check_export_path(path)
    if run_id is None:
        with connection(bind) as conn:
            run_id = latest_run_id(conn, recipient_gstin)
    if written is not None:
        counts = written
    elif path.suffix.lower() == ".csv":
        counts = write_csv(bind, run_id, path, excel=excel, progress=progress)
    else:
        counts = _write_xlsx_whole(bind, run_id, path, progress)
    summary = ExportSummary(run_id, path, sum(counts.values()), {s: int(counts.get(s, 0)) for s in STATUSES})
    event = {"export": "reconciliation", "run_id": run_id, "file": path.name, "rows": summary.rows}
    with connection(bind, begin=True) as conn:
        audit.record(conn, kind="export", actor=audit.actor_named(actor), document_id=None, before=None,
                     after=event, recipient_gstin=recipient_gstin or "")
    return summary


def _write_xlsx_whole(bind: Engine | Connection, run_id: int, path: Path,
                      progress: Progress | None) -> Counter:
    """The workbook written as ``path.part``, named ``path`` only once complete."""
    partial = partial_of(path)
    try:
        counts = write_xlsx(bind, run_id, partial, progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts
