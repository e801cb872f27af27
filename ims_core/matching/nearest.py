"""For every unpaired document: its nearest candidate and why that candidate was not taken.

The nearest candidate is the highest-scoring scored pair the document took part in. The note says
either that the candidate is already paired (and with what), or which rule kept the two apart: a
number that differs beyond a one-character slip, amounts beyond tolerance, dates too far apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ims_core.matching.reasons import _column, concat, join, money_reasons
from ims_core.matching.scoring import FIELDS, FUZZY_DATE_DAYS, OTHER_FY_DATE_DAYS


def nearest(pairs: pd.DataFrame, side: str, free: np.ndarray) -> pd.DataFrame:
    """The best-scoring pair per unpaired document of ``side`` (``"b"`` or ``"p"``)."""
    rows = pairs[free[pairs[side].to_numpy()]] if len(pairs) else pairs
    if len(rows) == 0:
        return rows
    order = np.lexsort((np.abs(rows["dd"].to_numpy()), -rows["score"].to_numpy()))
    return rows.iloc[order].drop_duplicates(side, keep="first")


def notes(best: pd.DataFrame, side: str, books: pd.DataFrame, portal: pd.DataFrame,
          partner_of_book: np.ndarray, partner_of_portal: np.ndarray, amount_tol: int) -> np.ndarray:
    """Why the nearest candidate in ``best`` (one row per unpaired ``side`` document) was not taken."""
    n = len(best)
    if n == 0:
        return np.empty(0, dtype=object)
    b = best["b"].to_numpy()
    p = best["p"].to_numpy()
    bnum = books["doc_number"].to_numpy(object)[b]
    pnum = portal["doc_number"].to_numpy(object)[p]
    bid = books["id"].to_numpy()[b]
    pid = portal["id"].to_numpy()[p]
    score = best["score"].to_numpy()
    if side == "b":
        other_taken = partner_of_portal[p] >= 0
        taker = books["doc_number"].to_numpy(object)[np.maximum(partner_of_portal[p], 0)]
        head = [f"portal '{pnum[i]}' (#{pid[i]}, score {score[i]:.2f})" for i in range(n)]
        taken_note = [f"{head[i]} is already paired with book '{taker[i]}'" for i in range(n)]
    else:
        other_taken = partner_of_book[b] >= 0
        taker = portal["doc_number"].to_numpy(object)[np.maximum(partner_of_book[b], 0)]
        head = [f"book '{bnum[i]}' (#{bid[i]}, score {score[i]:.2f})" for i in range(n)]
        taken_note = [f"{head[i]} is already paired with portal '{taker[i]}'" for i in range(n)]

    same = best["norm_eq"].to_numpy()
    dist = best["dist"].to_numpy()
    dd = best["dd"].to_numpy()
    why = []
    why.append(_column(~same & ~best["same_gstin"].to_numpy(), n,
                       lambda i: "another GSTIN of the same PAN and a different number"))
    why.append(_column(~same & (dist > 1), n,
                       lambda i: f"number '{bnum[i]}' vs '{pnum[i]}' differs by {dist[i]} characters"))
    why.append(_column(~same & (dist == 1), n,
                       lambda i: f"number '{bnum[i]}' vs '{pnum[i]}' differs by one character, which is "
                                 "accepted only with amounts within tolerance and close dates"))
    amounts = np.full(n, "", dtype=object)
    pending = ~best["amounts_ok"].to_numpy()
    for name, column in FIELDS:  # the first field beyond tolerance speaks for the amounts
        diff = best[f"d_{name}"].to_numpy()
        rows = np.flatnonzero(pending & (np.abs(diff) > amount_tol))
        if len(rows):
            books_value = books[column].to_numpy()[b[rows]]
            portal_value = books_value + diff[rows]
            said = money_reasons(name, books_value, portal_value, amount_tol)
            amounts[rows] = concat("amounts differ: ", said)
            pending[rows] = False
    why.append(pd.Series(amounts))
    far = np.where(same, best["fy_diff"].to_numpy() & (np.abs(dd) > OTHER_FY_DATE_DAYS),
                   np.abs(dd) > FUZZY_DATE_DAYS)
    why.append(_column(far, n, lambda i: f"dates are {abs(int(dd[i]))} days apart"))
    because = join(why, n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        if other_taken[i]:
            out[i] = taken_note[i]
        else:
            out[i] = f"{head[i]} not paired: {because[i] or 'not close enough on number, amounts and date'}"
    return out
