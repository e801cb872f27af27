"""64-bit row hashes of a document frame, column by column, each column hashed once per import.

Two uses share the column hashes: the content hash stored with each document (re-imports compare it
to tell changed documents from unchanged ones), and a quick proof that a file's document keys are all
distinct. Nearly every file's keys are, and proving it from hashes the content hash needs anyway is
far cheaper than grouping a million rows by five text columns; only when two keys' hashes meet does
the loader fall back to the exact grouping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.core.util.hashing import combine_hash_arrays  # what hash_pandas_object combines with

_NAT_DAY = -(2**62)  # the day number a missing date hashes as


class RowHashes:
    """Each column's per-row hash, computed when first asked for and kept."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._columns: dict[str, np.ndarray] = {}
        self.constant: set[str] = set()  # hashed columns whose values all equal the first (no dates)

    def column(self, name: str) -> np.ndarray:
        if name not in self._columns:
            values = self.frame[name]
            hashed, same = _column_hash(values)
            if same and not pd.api.types.is_datetime64_any_dtype(values):
                self.constant.add(name)
            self._columns[name] = hashed
        return self._columns[name]

    def combined(self, names: list[str]) -> np.ndarray:
        """pandas' ``hash_pandas_object(frame[names], index=False)`` (dates hashed as day numbers)."""
        n = len(self.frame)
        return combine_hash_arrays(iter([self.column(c) for c in names]), len(names), n)

    def content(self, names: list[str]) -> pd.Series:
        """Each row's content hash over ``names``, as the 16 hex digits stored in ``content_hash``."""
        hashed = self.combined(names)
        text = np.frombuffer(hashed.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16").astype("U16")
        return pd.Series(text, index=self.frame.index)

    def surely_distinct(self, names: list[str]) -> bool:
        """True only when no two rows have equal values in all of ``names``.

        False means "not proven": a real duplicate, a hash clash, or a column whose hashes cannot be
        trusted (see :meth:`shared`); the caller then checks exactly.
        """
        shared = self.shared(names)
        return shared is not None and not shared.any()

    def shared(self, names: list[str]) -> np.ndarray | None:
        """A mask of the rows whose hash over ``names`` some other row also has; None when a column's
        hashes cannot be trusted.

        Equal values always hash alike for the column kinds accepted here (numbers, booleans, dates,
        texts), so a row outside the mask has values no other row has. A column of mixed Python
        objects is refused: there ``1 == True`` though their hashes differ.
        """
        if not all(_hash_respects_equality(self.frame[c]) for c in names):
            return None
        return pd.Series(self.combined(names)).duplicated(keep=False).to_numpy()


def content_hashes(content: pd.DataFrame) -> pd.Series:
    """A 64-bit hash of each row's content, computed column-wise. Dates are hashed as day numbers so
    that a parser's choice of datetime resolution never makes an unchanged document look changed.

    The value is pandas' ``hash_pandas_object(content, index=False)`` (stored hashes depend on it);
    it is computed here the same way, except that a column holding one value throughout (most of a
    return's optional fields) is hashed once instead of row by row.
    """
    return RowHashes(content).content(list(content.columns))


def _column_hash(values: pd.Series) -> tuple[np.ndarray, bool]:
    """The column's per-row hashes, and whether it holds one value throughout (dates: one day)."""
    n = len(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy().astype("datetime64[D]")
        values = pd.Series(np.where(np.isnat(days), _NAT_DAY, days.astype("int64")), index=values.index)
    plain = values.to_numpy()
    own = values.array if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) else plain
    if n and _all_equal(plain):
        return np.full(n, pd.util.hash_array(own[:1])[0], dtype=np.uint64), True
    # the same values as pandas' default (categorize=True), which hashes each distinct text once but
    # must first find them: hashing every short text outright is several times faster
    return pd.util.hash_array(own, categorize=False), False


def _all_equal(values: np.ndarray) -> bool:
    """True when every value equals the first (a blank never does, NaN not even itself)."""
    first = values[0]
    same = values == first
    return isinstance(same, np.ndarray) and bool(same.all())


def _hash_respects_equality(values: pd.Series) -> bool:
    """Whether equal values of this column are sure to hash alike (see ``surely_distinct``)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return True
    if not isinstance(dtype, np.dtype):
        return False
    return dtype.kind in "biuM" or (dtype.kind == "O" and pd.api.types.infer_dtype(values, skipna=False)
                                    == "string")
