"""The reconciliation export from results still in memory: what ``ims run`` writes while it stores them.

The same rows as :func:`ims_core.reports.export.stored_chunks` reads from a stored run, made from
the engine's result rows and the document frames they were worked out from, and written by the
same CSV writer: the file is the stored run's export byte for byte. Both sources hand over the
table fields ``COLUMNS`` names (:func:`ims_core.reports.export.fields`), so a column added there
reaches this export too; one reading a field the engine's frames lack is left to the stored run's
export (:func:`can_write_from_memory`).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ims_core.forking import in_child
from ims_core.reports import export_rows
from ims_core.reports.export import BOOK, PORTAL, RESULT, columns_of, fields, partial_of, write_csv_chunks


def memory_chunks(results: pd.DataFrame, books: pd.DataFrame,
                  portal: pd.DataFrame) -> Iterator[dict[str, Sequence]]:
    """The same rows as :func:`~ims_core.reports.export.stored_chunks` for results not stored yet:
    the engine's result rows (named as ``match_result``'s columns, in the order they are stored)
    and the document frames they were worked out from (:mod:`ims_core.matching.frames`), each
    value as the database would hand it back (Python ints and texts, ISO dates, None)."""
    frames = {BOOK: books, PORTAL: portal}
    ids = {BOOK: results["purchase_document_id"], PORTAL: results["portal_document_id"]}
    # the row of each result's document in its frame; -1 (the slot added last) where it has none
    at = {side: pd.Index(frames[side]["id"].to_numpy("int64"))
          .get_indexer(ids[side].fillna(-1).astype("int64")) for side in frames}
    documents = {(side, name): _per_document(frames[side][name]) for side, name in fields() if side != RESULT}
    size = export_rows.CHUNK
    for start in range(0, len(results), size):
        rows = slice(start, start + size)
        chunk = {}
        for side, name in fields():
            if side == RESULT:
                chunk[side, name] = _as_stored(results[name].iloc[rows]).tolist()
            else:  # Python values made for this chunk's rows only: a million ints would take ~30 MB a field
                taken = documents[side, name][at[side][rows]]
                chunk[side, name] = (taken if taken.dtype == object
                                     else np.where(at[side][rows] < 0, None, taken.astype(object))).tolist()
        yield columns_of(chunk)


def _per_document(column: pd.Series) -> np.ndarray:
    """One side's field, one value per document and a last slot for rows without a document: None
    there, or (for whole numbers, kept as int64 until a chunk takes them) any number."""
    if pd.api.types.is_integer_dtype(column.dtype) and not column.isna().any():
        return np.append(column.to_numpy("int64"), 0)
    return np.append(_as_stored(column), None)


def _as_stored(column: pd.Series) -> np.ndarray:
    """A frame's column as the database hands it back: Python values, None where missing, dates as
    ISO text."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        days = column.to_numpy("datetime64[D]")
        return np.where(np.isnat(days), None, days.astype(str).astype(object))
    return column.astype(object).where(column.notna(), None).to_numpy(object)


def can_write_from_memory(books: pd.DataFrame, portal: pd.DataFrame) -> bool:
    """Whether the document frames hold every field the export reads (a column added to
    ``COLUMNS`` may read one the engine does not)."""
    frames = {BOOK: books, PORTAL: portal}
    return all(name in frames[side] for side, name in fields() if side != RESULT)


class CsvWhileStoring:
    """The CSV export of a run written by a forked process from its results in memory
    (:func:`memory_chunks`) while the calling process stores them: ``start`` is
    :func:`ims_core.matching.run.run_reconciliation`'s ``on_results``. The file is the stored run's
    export byte for byte, and takes its name only once the run is stored (``finish``)."""

    def __init__(self, path: Path):
        self.path = path
        self.written: Callable[[], Counter] | None = None

    def start(self, results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame) -> None:
        if can_write_from_memory(books, portal):  # else finish() says so: the caller exports the stored run
            self.written = in_child(_write_from_memory, results, books, portal, partial_of(self.path))

    def finish(self) -> Counter | None:
        """The run is stored: wait for the file and put it in place; the count per status (None when
        nothing was written from memory)."""
        if self.written is None:
            return None
        try:
            counts = self.written()
            partial_of(self.path).replace(self.path)
        finally:
            partial_of(self.path).unlink(missing_ok=True)
        return counts

    def abandon(self) -> None:
        """The run was not stored: wait for the writer (its own failure, if any, comes second) and
        drop what it wrote."""
        if self.written is not None:
            with contextlib.suppress(Exception):
                self.written()
        partial_of(self.path).unlink(missing_ok=True)


def _write_from_memory(results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame,
                       partial: Path) -> Counter:
    """In the forked writer: the CSV into ``partial``, which ``finish`` renames."""
    return write_csv_chunks(memory_chunks(results, books, portal), partial)
