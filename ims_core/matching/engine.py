"""The matching engine: books and portal frames in, one result row per document out. Pure: no DB.

Stages (each vectorised over the whole scope):

1. :func:`frames.prepare_both` sides; :func:`sources.choose_portal_records` keeps one portal record
   per document (IMS over GSTR-2B over GSTR-2A, amendments over originals).
2. Exact pass: a hash merge on (recipient, supplier GSTIN, doc type, normalised number, FY). Where
   the books hold the same key more than once, the copy closest in amounts is paired and the others
   become ``duplicate`` unless the fuzzy pass finds them a document of their own.
3. Fuzzy pass over what is left: candidate pairs within blocks (:mod:`candidates`), scored
   (:mod:`scoring`), best assignment (:mod:`assign`).
4. Every unpaired document gets its nearest candidate and a note (:mod:`nearest`); every result its
   reasons (:mod:`reasons`) and, for portal documents, a recommended IMS action (:mod:`recommend`).

Never paired: documents of different recipient GSTINs or doc types (both are block keys).
The ``manual`` status belongs to pairs a person makes; the engine never produces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ims_core.matching.assign import greedy_assignment
from ims_core.matching.candidates import candidate_pairs
from ims_core.matching.frames import group_codes, prepare_both
from ims_core.matching.nearest import nearest, notes
from ims_core.matching.parallel import reconcile_in_parts
from ims_core.matching.reasons import join, pair_reasons, portal_flags
from ims_core.matching.recommend import recommend
from ims_core.matching.scoring import Tolerances, score_pairs
from ims_core.matching.sources import choose_portal_records
from ims_core.models.vocabulary import Status

KEY = ["recipient_gstin", "supplier_gstin", "doc_type", "norm", "fy"]
STATUSES = tuple(Status)  # the vocabulary (ims_core.models.vocabulary), in the order reports use
RESULT_COLUMNS = ["purchase_document_id", "portal_document_id", "status", "reasons", "score",
                  "recommended_action", "recipient_gstin", "supplier_gstin", "return_period", "tax_paise",
                  "nearest_document_id", "nearest_note"]


@dataclass
class Reconciliation:
    """Everything the engine worked out: the prepared frames, every scored pair, the results."""

    books: pd.DataFrame
    portal: pd.DataFrame
    pairs: pd.DataFrame        # scored pairs: exact-pass pairs and fuzzy candidates
    book_partner: np.ndarray   # portal position paired with each book row, -1 when none
    portal_partner: np.ndarray
    results: pd.DataFrame


def reconcile_frames(books: pd.DataFrame, portal: pd.DataFrame,
                     tolerances: Tolerances | None = None, workers: int = 1) -> pd.DataFrame:
    """Reconcile two frames (columns of ``purchase_document`` / ``portal_document``); see module doc.

    Rows come in document order: every book document by id (with its partner, if any), then the
    portal documents left unpaired, by id. ``workers`` above one reconciles PAN parts of a large
    scope side by side (:mod:`parallel`), which yields the very same rows.
    """
    results = reconcile_in_parts(books, portal, tolerances or Tolerances(), workers, _results_of)
    book_id = results["purchase_document_id"]
    order = np.lexsort((results["portal_document_id"].fillna(0).to_numpy("int64"),
                        book_id.fillna(0).to_numpy("int64"), book_id.isna().to_numpy()))
    return results.iloc[order].reset_index(drop=True)


def _results_of(books: pd.DataFrame, portal: pd.DataFrame, tolerances: Tolerances) -> pd.DataFrame:
    return reconcile_detailed(books, portal, tolerances).results


def reconcile_detailed(books: pd.DataFrame, portal: pd.DataFrame,
                       tolerances: Tolerances | None = None) -> Reconciliation:
    tol = tolerances or Tolerances()
    B, P = prepare_both(books, portal)
    B = B.sort_values("id", kind="stable").reset_index(drop=True)
    P = choose_portal_records(P).sort_values("id", kind="stable").reset_index(drop=True)
    nb, n_p = len(B), len(P)

    # exact pass: per portal document the closest book copy with the same key
    bkey, pkey = group_codes([B, P], KEY)
    exact = pd.DataFrame({"key": bkey, "b": np.arange(nb)}).merge(
        pd.DataFrame({"key": pkey, "p": np.arange(n_p)}), on="key")
    exact = score_pairs(B, P, exact["b"].to_numpy(), exact["p"].to_numpy(), tol, exact=True)
    exact = exact.iloc[np.lexsort((exact["b"].to_numpy(), -exact["score"].to_numpy(), exact["p"].to_numpy()))]
    taken = exact.drop_duplicates("p", keep="first")
    book_partner = np.full(nb, -1, "int64")
    portal_partner = np.full(n_p, -1, "int64")
    book_partner[taken["b"].to_numpy()] = taken["p"].to_numpy()
    portal_partner[taken["p"].to_numpy()] = taken["b"].to_numpy()

    # the first copy of a repeated book key: the paired one, else the lowest id
    order = np.lexsort((np.arange(nb), book_partner < 0, bkey))
    sorted_key = bkey[order]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if nb else np.empty(0, bool)
    first_of = np.empty(nb, "int64")
    first_of[order] = order[np.flatnonzero(starts)[np.cumsum(starts) - 1]] if nb else order
    is_copy = first_of != np.arange(nb)

    # fuzzy pass over the unpaired
    cands = candidate_pairs(B, P, book_partner < 0, portal_partner < 0)
    scored = score_pairs(B, P, cands["b"].to_numpy(), cands["p"].to_numpy(), tol)
    free_both = (book_partner[scored["b"].to_numpy()] < 0) & (portal_partner[scored["p"].to_numpy()] < 0)
    acceptable = scored[free_both & (scored["kind"].to_numpy() != "")]
    chosen = acceptable.iloc[greedy_assignment(acceptable, nb, n_p)]
    book_partner[chosen["b"].to_numpy()] = chosen["p"].to_numpy()
    portal_partner[chosen["p"].to_numpy()] = chosen["b"].to_numpy()

    paired = pd.concat([taken, chosen], ignore_index=True)
    all_pairs = pd.concat([exact, scored], ignore_index=True)
    results = _results(B, P, paired, all_pairs, book_partner, portal_partner, first_of, is_copy, tol)
    return Reconciliation(B, P, all_pairs, book_partner, portal_partner, results)


def _results(B, P, paired, all_pairs, book_partner, portal_partner, first_of, is_copy,
             tol: Tolerances) -> pd.DataFrame:
    flags = portal_flags(P).to_numpy(object)
    b, p = paired["b"].to_numpy(), paired["p"].to_numpy()
    pair_rows = pd.DataFrame({
        "b": b, "p": p, "status": paired["status"].to_numpy(object), "score": paired["score"].to_numpy(),
        "reasons": pair_reasons(paired, B, P, tol.amount_paise, tol.date_days, flags),
        "nearest": np.full(len(paired), -1, "int64"), "nearest_note": "",
    })
    bid, pid = B["id"].to_numpy(), P["id"].to_numpy()

    free_b = book_partner < 0
    lone_b = np.flatnonzero(free_b)
    near_of_b, note_of_b = _nearest_of(all_pairs, "b", free_b, B, P, book_partner, portal_partner, tol,
                                       _no_candidate("portal"))
    copy = is_copy[lone_b]
    bnum = B["doc_number"].to_numpy(object)
    bgst = B["supplier_gstin"].to_numpy(object)
    btype = B["doc_type"].to_numpy(object)
    first = first_of[lone_b]
    first_partner = book_partner[first]
    book_rows = pd.DataFrame({"b": lone_b, "p": -1, "score": 0.0,
                              "status": np.where(copy, "duplicate", "missing_in_portal").astype(object)})
    book_rows["reasons"] = [
        f"doc_number: '{bnum[i]}' repeats book #{bid[f]} '{bnum[f]}' (same supplier GSTIN, doc type, "
        "number and financial year)" if c else
        f"doc_number: no {btype[i]} '{bnum[i]}' from {bgst[i]} in the portal"
        for i, f, c in zip(lone_b.tolist(), first.tolist(), copy.tolist(), strict=True)]
    book_rows["nearest"] = np.where(copy & (first_partner >= 0), first_partner, near_of_b[lone_b])
    book_rows["nearest_note"] = [
        (f"portal #{pid[fp]} is paired with the first copy" if fp >= 0 else
         "the first copy is not in the portal either") if c else note
        for note, c, fp in zip(note_of_b[lone_b].tolist(), copy.tolist(), first_partner.tolist(),
                               strict=True)]

    free_p = portal_partner < 0
    lone_p = np.flatnonzero(free_p)
    near_of_p, note_of_p = _nearest_of(all_pairs, "p", free_p, B, P, book_partner, portal_partner, tol,
                                       _no_candidate("book"))
    pnum = P["doc_number"].to_numpy(object)
    pgst = P["supplier_gstin"].to_numpy(object)
    ptype = P["doc_type"].to_numpy(object)
    base = np.array([f"doc_number: {ptype[i]} '{pnum[i]}' from {pgst[i]} is not in the books"
                     for i in lone_p.tolist()], dtype=object)
    portal_rows = pd.DataFrame({
        "b": -1, "p": lone_p, "score": 0.0, "status": "missing_in_books",
        "reasons": join([pd.Series(base), pd.Series(flags[lone_p])], len(lone_p)),
        "nearest": near_of_p[lone_p],
        "nearest_note": note_of_p[lone_p],
    })
    rows = pd.concat([pair_rows, book_rows, portal_rows], ignore_index=True)
    return _finish(rows, B, P)


def _nearest_of(all_pairs, side, free, B, P, book_partner, portal_partner, tol, none_note):
    """Per document of ``side``: the position of its nearest candidate (-1) and the note about it."""
    near = nearest(all_pairs, side, free)
    positions = np.full(len(free), -1, "int64")
    note = np.full(len(free), none_note, dtype=object)
    if len(near):
        mine = near[side].to_numpy()
        positions[mine] = near["p" if side == "b" else "b"].to_numpy()
        note[mine] = notes(near, side, B, P, book_partner, portal_partner, tol.amount_paise)
    return positions, note


def _no_candidate(side: str) -> str:
    return f"no {side} document of this recipient, doc type and supplier PAN comes close"


def _finish(rows: pd.DataFrame, B: pd.DataFrame, P: pd.DataFrame) -> pd.DataFrame:
    """Copy the ids and listing fields from the documents; nearest positions become document ids."""
    b = rows["b"].to_numpy()
    p = rows["p"].to_numpy()
    has_b, has_p = b >= 0, p >= 0
    bi, pi = np.where(has_b, b, 0), np.where(has_p, p, 0)

    def pick(column: str, default: object) -> tuple[np.ndarray, np.ndarray]:
        bv = B[column].to_numpy(object)[bi] if len(B) and column in B else np.full(len(rows), default, object)
        pv = P[column].to_numpy(object)[pi] if len(P) and column in P else np.full(len(rows), default, object)
        return bv, pv

    out = pd.DataFrame(index=rows.index)
    bid, pid = pick("id", 0)
    out["purchase_document_id"] = pd.array(np.where(has_b, bid, None), dtype="Int64")
    out["portal_document_id"] = pd.array(np.where(has_p, pid, None), dtype="Int64")
    out["status"] = rows["status"].astype(object)
    out["reasons"] = rows["reasons"].astype(object)
    out["score"] = rows["score"].astype(float)
    out["recommended_action"] = recommend(rows["status"].to_numpy(object), np.where(has_p, p, -1), P)
    brc, prc = pick("recipient_gstin", "")
    out["recipient_gstin"] = np.where(has_p, prc, brc)
    bsg, psg = pick("supplier_gstin", "")
    out["supplier_gstin"] = np.where(has_p, psg, bsg)
    book_period = np.full(len(rows), "", dtype=object)
    if len(B):
        dates = pd.to_datetime(B["doc_date"])
        month = (dates.dt.year * 100 + dates.dt.month).to_numpy()  # MMYYYY text once per month, not per row
        codes, months = pd.factorize(month)
        text = np.array([f"{m % 100:02d}{m // 100}" for m in months.tolist()], dtype=object)
        book_period = text[codes][bi]
    _, pper = pick("return_period", "")
    out["return_period"] = np.where(has_p & (pper != ""), pper, book_period)
    btax, ptax = pick("tax", 0)
    out["tax_paise"] = np.where(has_p, ptax, btax).astype("int64")
    near = rows["nearest"].to_numpy()
    near_ids = np.zeros(len(rows), "int64")
    to_portal = has_b & (near >= 0)   # a book row's nearest is a portal record, and vice versa
    to_book = ~has_b & (near >= 0)
    near_ids[to_portal] = P["id"].to_numpy()[near[to_portal]]
    near_ids[to_book] = B["id"].to_numpy()[near[to_book]]
    out["nearest_document_id"] = pd.array(np.where(near >= 0, near_ids, None), dtype="Int64")
    out["nearest_note"] = rows["nearest_note"].fillna("").astype(object)
    return out[RESULT_COLUMNS].reset_index(drop=True)
