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
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ims_core.forking import in_child
from ims_core.reports import export_rows
from ims_core.reports.export import (
    BOOK,
    PORTAL,
    RESULT,
    columns_of,
    csv_lines,
    fields,
    partial_of,
    write_csv_chunks,
)

PIECE = 10_000  # result rows: what the forked writer and this process take at a time


class MemoryRows:
    """The same rows as :func:`~ims_core.reports.export.stored_chunks` reads from a stored run, for
    results not stored yet: the engine's result rows (named as ``match_result``'s columns, in the
    order they are stored) and the document frames they were worked out from
    (:mod:`ims_core.matching.frames`), a chunk of them at a time (:meth:`chunk`), each value as
    the database would hand it back (Python ints and texts, ISO dates, None)."""

    def __init__(self, results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame):
        frames = {BOOK: books, PORTAL: portal}
        ids = {BOOK: results["purchase_document_id"], PORTAL: results["portal_document_id"]}
        self.results = results
        # the row of each result's document in its frame; -1 (the slot added last) where it has none
        self.at = {side: pd.Index(frames[side]["id"].to_numpy("int64"))
                   .get_indexer(ids[side].fillna(-1).astype("int64")) for side in frames}
        self.documents = {(side, name): _per_document(frames[side][name])
                          for side, name in fields() if side != RESULT}

    def chunks(self, size: int) -> int:
        """How many chunks of ``size`` rows the results make (the last one may be short)."""
        return -(-len(self.results) // size)

    def chunk(self, number: int, size: int) -> dict[str, Sequence]:
        """The export's columns of the ``number``-th chunk of ``size`` result rows (from 0)."""
        rows = slice(number * size, (number + 1) * size)
        chunk = {}
        for side, name in fields():
            if side == RESULT:
                chunk[side, name] = _as_stored(self.results[name].iloc[rows]).tolist()
            else:  # Python values made for these rows only: a million ints would take ~30 MB a field
                at = self.at[side][rows]
                taken = self.documents[side, name][at]
                chunk[side, name] = (taken if taken.dtype == object
                                     else np.where(at < 0, None, taken.astype(object))).tolist()
        return columns_of(chunk)


def memory_chunks(results: pd.DataFrame, books: pd.DataFrame,
                  portal: pd.DataFrame) -> Iterator[dict[str, Sequence]]:
    """:class:`MemoryRows` in order, ``export_rows.CHUNK`` rows at a time."""
    rows = MemoryRows(results, books, portal)
    for number in range(rows.chunks(export_rows.CHUNK)):
        yield rows.chunk(number, export_rows.CHUNK)


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
    """The CSV export of a run written from its results in memory (:class:`MemoryRows`) while the
    calling process stores them: ``start`` is :func:`ims_core.matching.run.run_reconciliation`'s
    ``on_results``. The file is the stored run's export byte for byte, and takes its name only once
    the run is stored (``finish``).

    The rows are cut into pieces of ``PIECE``. A forked process writes pieces from the first on
    while this one stores the run; once it is stored, this process makes the text of pieces from
    the last one back until the two meet (:class:`_Claims`), so that neither waits long for the
    other whichever of storing and writing takes longer; its text is appended to the forked
    process's file.
    """

    def __init__(self, path: Path):
        self.path = path
        self.written: Callable[[], Counter] | None = None

    def start(self, results: pd.DataFrame, books: pd.DataFrame, portal: pd.DataFrame) -> None:
        if can_write_from_memory(books, portal):  # else finish() says so: the caller exports the stored run
            self.rows = MemoryRows(results, books, portal)
            self.claims = _Claims(self.rows.chunks(PIECE))
            self.written = in_child(_write_front, self.rows, self.claims, partial_of(self.path))

    def finish(self) -> Counter | None:
        """The run is stored: write what is left of the file, from its end, and put it in place; the
        count per status (None when nothing was written from memory)."""
        if self.written is None:
            return None
        partial = partial_of(self.path)
        try:
            tail = []  # this process's pieces, the last one first
            while (piece := self.claims.back()) is not None:
                chunk = self.rows.chunk(piece, PIECE)
                tail.append((list(csv_lines(chunk)), Counter(chunk["status"])))
            counts = self.written()
            with partial.open("a", encoding="utf-8", newline="") as handle:
                for lines, statuses in reversed(tail):
                    handle.writelines(lines)
                    counts.update(statuses)
            partial.replace(self.path)
        finally:
            partial.unlink(missing_ok=True)
        return counts

    def abandon(self) -> None:
        """The run was not stored: stop the writer after its piece (its own failure, if any, comes
        second) and drop what it wrote."""
        if self.written is not None:
            self.claims.stop()
            with contextlib.suppress(Exception):
                self.written()
        partial_of(self.path).unlink(missing_ok=True)


class _Claims:
    """Which pieces are still to be written, shared with the forked writer: it takes them from the
    front, this process from the back, each piece once."""

    def __init__(self, pieces: int):
        context = multiprocessing.get_context("fork")
        self.ends = context.RawArray("q", [0, pieces])  # the first piece not taken, and one past the last
        self.lock = context.Lock()

    def front(self) -> int | None:
        with self.lock:
            first, end = self.ends
            if first >= end:
                return None
            self.ends[0] = first + 1
            return first

    def back(self) -> int | None:
        with self.lock:
            first, end = self.ends
            if first >= end:
                return None
            self.ends[1] = end - 1
            return end - 1

    def stop(self) -> None:
        with self.lock:
            self.ends[1] = self.ends[0]


def _write_front(rows: MemoryRows, claims: _Claims, partial: Path) -> Counter:
    """In the forked writer: the header and the pieces it claims from the front, into ``partial``
    (which ``finish`` completes and renames)."""
    pieces = iter(claims.front, None)
    return write_csv_chunks((rows.chunk(piece, PIECE) for piece in pieces), partial)
