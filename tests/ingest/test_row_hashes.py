"""The hash-based shortcuts of the loader: they must never call two equal keys distinct."""

import numpy as np
import pandas as pd
import pytest

from ims_core.ingest.loader import _pans
from ims_core.ingest.row_hashes import RowHashes


def _frame(**columns: object) -> pd.DataFrame:
    return pd.DataFrame(columns)


@pytest.mark.parametrize(("frame", "distinct"), [
    (_frame(a=pd.Series(["x", "y", "x"], dtype="str"), n=[1, 2, 1]), False),  # a real duplicate
    (_frame(a=pd.Series(["x", "y", "x"], dtype="str"), n=[1, 1, 2]), True),
    (_frame(a=pd.Series(["x", "y", "x"], dtype=object), n=[1, 1, 1]), False),  # object texts
    (_frame(a=pd.Series(["x", "y", "z"], dtype=object), n=[1, 1, 1]), True),
    (_frame(a=pd.Series([1, True, "z"], dtype=object)), False),  # 1 == True: never proven distinct
    (_frame(a=pd.Series(["x", None, "z"], dtype=object)), False),  # not all texts: not proven
    (_frame(a=pd.Series(["x", None, "z"], dtype="str")), True),
    (_frame(flag=[True, False, True], day=pd.to_datetime(["2025-05-01", "2025-05-01", "2025-05-02"])), True),
    (_frame(flag=[True, True], day=pd.to_datetime(["2025-05-01 10:00", "2025-05-01 11:00"])), False),
    (_frame(a=pd.Series([], dtype="str")), True),
])
def test_distinct_keys_are_proven_only_when_no_two_rows_are_equal(frame, distinct):
    assert RowHashes(frame).surely_distinct(list(frame.columns)) is distinct
    exact = not frame.duplicated(list(frame.columns)).any()
    assert not distinct or exact  # a proof is never wrong


def test_hashes_clash_only_means_the_exact_check_runs(monkeypatch):
    """Two different keys whose hashes meet are not proven distinct (and then grouped exactly)."""
    frame = _frame(a=pd.Series(["x", "y"], dtype="str"))
    hashes = RowHashes(frame)
    monkeypatch.setitem(hashes._columns, "a", np.array([7, 7], dtype=np.uint64))
    assert not hashes.surely_distinct(["a"])


def test_pans_are_the_gstins_characters_three_to_twelve():
    gstins = pd.Series(["27AHQPA7588L1ZJ", "", "27AHQPA7588L1ZJ", "09AB", np.nan], dtype="str")
    expected = gstins.astype(str).str.slice(2, 12)
    got = _pans(gstins)
    pd.testing.assert_series_equal(got, expected)
    assert pd.util.hash_array(got.array).tolist() == pd.util.hash_array(expected.array).tolist()


@pytest.mark.parametrize("texts", ["str", object])
def test_occurrences_number_repeated_documents_as_grouping_would(texts):
    from ims_core.ingest.loader import BOOK_KEY, _occurrences

    rng = np.random.default_rng(5)
    n = 2000
    frame = pd.DataFrame({
        "recipient_gstin": pd.Series(["27AADCD4821K1ZM"] * n, dtype=texts),
        "supplier_gstin": pd.Series([f"S{i}" for i in rng.integers(0, 30, n)], dtype=texts),
        "doc_type": pd.Series(rng.choice(["INV", "CRN"], n), dtype=texts),
        "doc_number": pd.Series([f"N{i}" for i in rng.integers(0, 300, n)], dtype=texts),
        "fy": rng.integers(2024, 2026, n),
    })
    if texts is object:
        frame.loc[3, "doc_number"] = 7  # a mixed column: every row is grouped
    expected = frame.groupby(BOOK_KEY[:-1], sort=False).cumcount().add(1).to_numpy()
    got = _occurrences(frame, RowHashes(frame))
    assert got.tolist() == expected.tolist() and got.max() > 1
