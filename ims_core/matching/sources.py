"""One portal record per document: which of the IMS / GSTR-2B / GSTR-2A copies the books meet.

The same supplier document reaches the database up to three times (IMS, GSTR-2B, GSTR-2A) and may be
amended later (``b2ba``, ``cdnra``, ``b2bcna`` … carrying ``original_doc_number``). Reconciling the
books against every copy would report one document as matched and missing at once, so the engine
meets exactly one record per portal identity (recipient, supplier GSTIN, doc type, normalised
number, financial year):

1. an amendment wins over the record it amends (same identity, or the identity its
   ``original_doc_number`` names; the superseded original is left out entirely);
2. then the IMS record (the one the user can act on), else GSTR-2B, else GSTR-2A;
3. then the latest return period, then the newest row.

Records rejected in IMS (GSTR-2B ``docRejdata``) take part like any other: the user must still see
that a document of theirs was rejected. Left-out copies get no result row of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ims_core.matching.normalise import normalise_numbers

SOURCE_RANK = {"ims": 0, "gstr2b": 1, "gstr2a": 2}
IDENTITY = ["recipient_gstin", "supplier_gstin", "doc_type", "norm", "fy"]


def choose_portal_records(portal: pd.DataFrame) -> pd.DataFrame:
    """The records of a prepared portal frame that stand for their documents (see module docstring)."""
    if portal.empty:
        return portal
    frame = portal.copy()
    original = frame["original_doc_number"].fillna("").astype(str) if "original_doc_number" in frame \
        else pd.Series("", index=frame.index, dtype=str)
    section = frame["section"].fillna("").astype(str) if "section" in frame else original
    frame["_amended"] = (original != "") | section.str.lower().str.endswith("a")
    frame["_rank"] = frame["source"].map(SOURCE_RANK).fillna(9).astype(int)
    period = frame["period_key"] if "period_key" in frame else pd.Series(0, index=frame.index)
    frame["_period"] = period.fillna(0).astype("int64")
    frame = frame.sort_values(["_amended", "_rank", "_period", "id"], ascending=[False, True, False, False],
                              kind="stable")
    frame = frame.drop_duplicates(IDENTITY, keep="first")

    amendments = frame[frame["_amended"] & (original.reindex(frame.index) != "")]
    if not amendments.empty:
        original_type = amendments["original_doc_type"].fillna("").astype(str)
        original_date = pd.to_datetime(amendments["original_doc_date"])
        start_year = (original_date.dt.year - (original_date.dt.month < 4)).fillna(0).astype("int64")
        original_fy = np.where(original_date.notna(), start_year, amendments["fy"].to_numpy())
        superseded = pd.DataFrame({
            "recipient_gstin": amendments["recipient_gstin"].to_numpy(),
            "supplier_gstin": amendments["supplier_gstin"].to_numpy(),
            "doc_type": np.where(original_type != "", original_type, amendments["doc_type"]),
            "norm": normalise_numbers(amendments["original_doc_number"].reset_index(drop=True),
                                      pd.Series(original_fy)).to_numpy(),
            "fy": original_fy.astype("int64"),
            "_superseded": True,
        })
        frame = frame.merge(superseded.drop_duplicates(IDENTITY), on=IDENTITY, how="left")
        frame = frame[~(frame["_superseded"].eq(True) & ~frame["_amended"])]
        frame = frame.drop(columns=["_superseded"])
    return frame.drop(columns=["_amended", "_rank", "_period"]).reset_index(drop=True)
