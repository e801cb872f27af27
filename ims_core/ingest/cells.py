"""A column of a books file as its distinct values plus each row's index into them: what the books
importer does per value (strip, validate a GSTIN, read a state) it does once per distinct value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


class Cells:
    """A column as its distinct values plus each row's index into them.

    A register of a million rows has a few thousand suppliers, a few hundred dates and three document
    types, so anything done per value (stripping, validating a GSTIN, reading a state) is done once.
    """

    def __init__(self, codes: np.ndarray, uniques: np.ndarray):
        self.codes, self.uniques = codes, uniques

    @classmethod
    def of(cls, values: np.ndarray | pd.Series) -> Cells:
        codes, uniques = pd.factorize(values)
        return cls(codes, np.asarray(uniques, dtype=object))

    @classmethod
    def constant(cls, value: object, n: int) -> Cells:
        return cls(np.zeros(n, dtype=np.intp), np.array([value], dtype=object))

    def map(self, fn: Callable[[str], object]) -> Cells:
        out = np.empty(len(self.uniques), dtype=object)
        out[:] = [fn(u) for u in self.uniques]
        return Cells(self.codes, out)

    def test(self, fn: Callable[[str], object]) -> np.ndarray:
        """A boolean per row: ``fn`` of the row's value."""
        per_value = np.fromiter((bool(fn(u)) for u in self.uniques), dtype=bool, count=len(self.uniques))
        return per_value[self.codes]

    def empty(self) -> np.ndarray:
        return (self.uniques == "")[self.codes]

    def values(self) -> np.ndarray:
        return self.uniques[self.codes]

    def fill(self, blank: np.ndarray, other: Cells) -> Cells:
        return Cells.of(np.where(blank, other.values(), self.values())) if blank.any() else self

    def take(self, keep: np.ndarray) -> Cells:
        return Cells(self.codes[keep], self.uniques)
