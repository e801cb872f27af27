"""Candidate pairs for the fuzzy pass: which book/portal documents are worth scoring together.

Blocking: a pair is only ever considered within one recipient GSTIN, one doc type and one supplier
PAN (which contains the supplier GSTIN block: a GSTIN slip within a PAN is still a candidate, but
scores lower than the same GSTIN). Only pairs with at least one side still unpaired after the exact
pass matter; pairs whose other side is already paired are kept too, so an unpaired document can name
its nearest candidate even when that candidate was taken.

Small blocks are enumerated fully. A big block (one supplier with tens of thousands of invoices)
never becomes a full matrix: its unpaired documents meet their neighbours in three sort orders
(normalised number, the number reversed so a slip in the first characters is caught, the taxable
value) within a small window, plus every document with the same normalised number. The candidate
count therefore grows linearly with the number of unpaired documents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ims_core.matching.frames import group_codes

BLOCK = ["recipient_gstin", "doc_type", "pan"]
SMALL_BLOCK_PAIRS = 600   # free x all pairs at or below which a block is enumerated fully
WINDOW = 4                 # neighbours on each side in each sort order of a big block
SAME_NUMBER_CAP = 50       # documents sharing one normalised number in one block, beyond which we skip


def block_codes(books: pd.DataFrame, portal: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """An integer block id per book and per portal row, shared between the two sides."""
    bblk, pblk = group_codes([books, portal], BLOCK)
    return bblk, pblk


def candidate_pairs(books: pd.DataFrame, portal: pd.DataFrame,
                    book_free: np.ndarray, portal_free: np.ndarray) -> pd.DataFrame:
    """Positional pairs ``b``, ``p`` (int64) to score; each has a free book or a free portal row."""
    empty = pd.DataFrame({"b": np.empty(0, "int64"), "p": np.empty(0, "int64")})
    if books.empty or portal.empty or not (book_free.any() or portal_free.any()):
        return empty
    bblk, pblk = block_codes(books, portal)
    size = int(max(bblk.max(initial=0), pblk.max(initial=0))) + 1
    nb = np.bincount(bblk, minlength=size)
    np_ = np.bincount(pblk, minlength=size)
    fb = np.bincount(bblk[book_free], minlength=size)
    fp = np.bincount(pblk[portal_free], minlength=size)
    cost = fb * np_ + nb * fp
    active = cost > 0
    small = active & (cost <= SMALL_BLOCK_PAIRS)
    big = active & ~small

    parts = [_enumerate(bblk, pblk, book_free, portal_free, small)]
    if big.any():
        parts.append(_neighbours(books, portal, bblk, pblk, book_free, portal_free, big))
        parts.append(_same_number(books, portal, bblk, pblk, book_free, portal_free, big))
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pairs.reset_index(drop=True) if len(pairs) else empty


def _enumerate(bblk, pblk, book_free, portal_free, small) -> pd.DataFrame:
    """Every (free book x portal) and (book x free portal) pair of the small blocks."""
    b_all = pd.DataFrame({"b": np.flatnonzero(small[bblk]), "blk": bblk[small[bblk]]})
    p_all = pd.DataFrame({"p": np.flatnonzero(small[pblk]), "blk": pblk[small[pblk]]})
    b_free = b_all[book_free[b_all["b"].to_numpy()]]
    p_free = p_all[portal_free[p_all["p"].to_numpy()]]
    one = b_free.merge(p_all, on="blk")[["b", "p"]]
    two = b_all.merge(p_free, on="blk")[["b", "p"]]
    return pd.concat([one, two], ignore_index=True)


def _neighbours(books, portal, bblk, pblk, book_free, portal_free, big) -> pd.DataFrame:
    """Sorted-neighbourhood pairs among the free documents of the big blocks."""
    bsel = np.flatnonzero(big[bblk] & book_free)
    psel = np.flatnonzero(big[pblk] & portal_free)
    if len(bsel) == 0 or len(psel) == 0:
        return pd.DataFrame({"b": np.empty(0, "int64"), "p": np.empty(0, "int64")})
    rows = pd.DataFrame({
        "blk": np.concatenate([bblk[bsel], pblk[psel]]),
        "side": np.concatenate([np.zeros(len(bsel), "int8"), np.ones(len(psel), "int8")]),
        "pos": np.concatenate([bsel, psel]),
        "norm": np.concatenate([books["norm"].to_numpy(object)[bsel], portal["norm"].to_numpy(object)[psel]]),
        "amount": np.concatenate([books["taxable_paise"].to_numpy()[bsel],
                                  portal["taxable_paise"].to_numpy()[psel]]),
    })
    rows["rnorm"] = rows["norm"].str[::-1]
    found = []
    for key in ("norm", "rnorm", "amount"):
        ordered = rows.sort_values(["blk", key], kind="stable")
        blk = ordered["blk"].to_numpy()
        side = ordered["side"].to_numpy()
        pos = ordered["pos"].to_numpy()
        for k in range(1, WINDOW + 1):
            a, b = slice(0, len(pos) - k), slice(k, len(pos))
            keep = (blk[a] == blk[b]) & (side[a] != side[b])
            first_is_book = side[a] == 0
            book = np.where(first_is_book, pos[a], pos[b])[keep]
            port = np.where(first_is_book, pos[b], pos[a])[keep]
            found.append(pd.DataFrame({"b": book, "p": port}))
    return pd.concat(found, ignore_index=True)


def _same_number(books, portal, bblk, pblk, book_free, portal_free, big) -> pd.DataFrame:
    """Pairs sharing a normalised number in a big block (other FY, GSTIN slip, taken copy)."""
    b_all = pd.DataFrame({"b": np.arange(len(books)), "blk": bblk, "norm": books["norm"].to_numpy(object),
                          "free": book_free})[big[bblk]]
    p_all = pd.DataFrame({"p": np.arange(len(portal)), "blk": pblk, "norm": portal["norm"].to_numpy(object),
                          "free": portal_free})[big[pblk]]
    b_all, p_all = (side[_group_sizes(side["blk"].to_numpy(), side["norm"].to_numpy(object))
                         <= SAME_NUMBER_CAP] for side in (b_all, p_all))
    pairs = b_all.merge(p_all, on=["blk", "norm"], suffixes=("_b", "_p"))
    pairs = pairs[pairs["free_b"] | pairs["free_p"]]
    return pairs[["b", "p"]].astype("int64")


def _group_sizes(blk: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Per row, how many rows share its (block, normalised number): integer keys, one bincount."""
    if len(blk) == 0:
        return np.empty(0, "int64")
    number, uniques = pd.factorize(norm, use_na_sentinel=False)
    key, _ = pd.factorize(blk.astype("int64") * max(len(uniques), 1) + number)
    return np.bincount(key)[key]
