"""Score candidate pairs and decide which may be paired, with what status: all vectorised.

For each pair (positional ``b`` in the books frame, ``p`` in the portal frame) the features are the
number relation, the signed differences per money field (portal minus books, paise), the date gap
(days) and whether the supplier GSTIN is the same. From them:

* ``score`` (0-1) = 0.5 number similarity + 0.3 amount closeness + 0.2 date proximity, times 0.97 for
  a GSTIN slip, so the same GSTIN always wins a tie. Amount and date terms are 1 within tolerance and
  at most 0.9 outside it, so "within tolerance" always beats "close".
* ``kind`` says why a pair may be paired at all (``""`` when it may not):
  - ``same_number``: same normalised number and GSTIN (exact pass, or another FY within 45 days);
  - ``gstin_slip``: same normalised number, another GSTIN of the same PAN, amounts or date agree;
  - ``typo``: a number one edit away (two for long numbers, or only letters differ), amounts
    within tolerance and dates within 7 days: the classic keying slip;
  - ``typo_short``: the same for numbers of up to 3 characters, but only on the same date. This is
    where ``12`` vs ``112`` is refused unless everything else agrees exactly.
  Numbers that share nothing are never paired on equal amounts alone: that is the monthly-rent trap.
* ``status``: ``matched`` (same number, all within tolerance), ``mismatch`` (same number but a field
  differs, or any GSTIN slip), ``probable`` (the number differs beyond format).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA
from rapidfuzz.process import cpdist

from ims_core.matching.normalise import digit_texts, fused_texts

FIELDS = [("taxable_value", "taxable_paise"), ("igst", "igst_paise"), ("cgst", "cgst_paise"),
          ("sgst", "sgst_paise"), ("cess", "cess_paise")]
FUZZY_DATE_DAYS = 7
OTHER_FY_DATE_DAYS = 45
GSTIN_SLIP_FACTOR = 0.97


@dataclass(frozen=True)
class Tolerances:
    """How far amounts (paise, per tax head and taxable value) and dates (days) may differ."""

    amount_paise: int = 100
    date_days: int = 0

    @classmethod
    def from_settings(cls) -> Tolerances:
        from ims_core.settings import get_settings

        settings = get_settings()
        return cls(amount_paise=int(settings.ims_amount_tolerance * 100),
                   date_days=int(settings.ims_date_tolerance_days))


def _number_relation(books: pd.DataFrame, portal: pd.DataFrame, b: np.ndarray, p: np.ndarray,
                     bn: np.ndarray, pn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Format-equal?, edit distance, longer length, only-letters-differ: for fuzzy candidates only.

    The edit distance is the smaller of the normalised and the plain forms' (a slip inside a year
    token is one edit in the plain form). Format-equal includes the same number once a year token
    keyed without separators is dropped (``MS2025260002`` = ``MS/2025-26/0002``); the fused and
    digit forms are derived here, for the few documents that reach the fuzzy pass: once per
    document (a document meets several candidates), the fused form once per distinct text.
    """
    b_docs, b_at = pd.factorize(b)
    p_docs, p_at = pd.factorize(p)
    b_plain = books["plain"].to_numpy(object)[b_at]
    p_plain = portal["plain"].to_numpy(object)[p_at]
    b_norm = books["norm"].to_numpy(object)[b_at]
    p_norm = portal["norm"].to_numpy(object)[p_at]
    bp, pp = b_plain[b_docs], p_plain[p_docs]

    fused: dict[str, str] = {}
    norm_eq = (bn == pn) | (_fused(b_plain, fused)[b_docs] == _fused(p_plain, fused)[p_docs])
    dist = cpdist(list(bn), list(pn), scorer=OSA.distance, workers=2).astype("int64")
    longest = np.maximum(_lengths(b_norm)[b_docs], _lengths(p_norm)[p_docs])
    plain = cpdist(list(bp), list(pp), scorer=OSA.distance, workers=2).astype("int64")
    plain_longest = np.maximum(_lengths(b_plain)[b_docs], _lengths(p_plain)[p_docs])
    use_plain = plain < dist
    dist = np.where(use_plain, plain, dist)
    longest = np.maximum(np.where(use_plain, plain_longest, longest), 1)
    b_digits = np.array(digit_texts(b_norm), dtype=object)
    p_digits = np.array(digit_texts(p_norm), dtype=object)
    letters_only = (b_digits[b_docs] == p_digits[p_docs]) & (_lengths(b_digits)[b_docs] >= 3)
    return norm_eq, np.where(norm_eq, 0, dist), longest, letters_only


def _lengths(texts: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, texts), dtype="int64", count=len(texts))


def _fused(plains: np.ndarray, known: dict[str, str]) -> np.ndarray:
    """:func:`fused_forms` of each text, each distinct text worked out once (``known`` remembers)."""
    new = [text for text in dict.fromkeys(plains.tolist()) if text not in known]
    if new:
        known.update(zip(new, fused_texts(new), strict=True))
    return np.array([known[text] for text in plains.tolist()], dtype=object)


def score_pairs(books: pd.DataFrame, portal: pd.DataFrame, b: np.ndarray, p: np.ndarray,
                tol: Tolerances, exact: bool = False) -> pd.DataFrame:
    """The feature, score, kind and status columns for pairs ``(b[i], p[i])``.

    ``exact`` marks pairs known to share the normalised number (the exact pass), which skips the
    string comparisons.
    """
    b = np.asarray(b, dtype="int64")
    p = np.asarray(p, dtype="int64")
    out = pd.DataFrame({"b": b, "p": p})
    if len(out) == 0:
        for name in ("same_gstin", "norm_eq", "amounts_ok", "date_ok", "pos_diff", "fy_diff"):
            out[name] = np.empty(0, bool)
        for name in ["dist", "dd"] + [f"d_{f}" for f, _ in FIELDS]:
            out[name] = np.empty(0, "int64")
        out["score"] = np.empty(0, float)
        out["kind"] = np.empty(0, object)
        out["status"] = np.empty(0, object)
        return out
    bn = books["norm"].to_numpy(object)[b]
    pn = portal["norm"].to_numpy(object)[p]
    out["same_gstin"] = (books["supplier_gstin"].to_numpy(object)[b]
                         == portal["supplier_gstin"].to_numpy(object)[p])
    if exact:  # the exact pass's pairs share the normalised number by construction
        out["norm_eq"] = np.ones(len(out), bool)
        out["dist"] = np.zeros(len(out), "int64")
        longest = np.ones(len(out), "int64")
        letters_only = np.zeros(len(out), bool)
    else:
        out["norm_eq"], out["dist"], longest, letters_only = _number_relation(books, portal, b, p, bn, pn)

    total = np.zeros(len(out), "int64")
    ok = np.ones(len(out), bool)
    for name, column in FIELDS:
        diff = portal[column].to_numpy()[p] - books[column].to_numpy()[b]
        out[f"d_{name}"] = diff
        total += np.abs(diff)
        ok &= np.abs(diff) <= tol.amount_paise
    out["amounts_ok"] = ok
    dd = portal["day"].to_numpy()[p] - books["day"].to_numpy()[b]
    out["dd"] = dd
    out["date_ok"] = np.abs(dd) <= tol.date_days
    out["fy_diff"] = portal["fy"].to_numpy()[p] != books["fy"].to_numpy()[b]
    bpos = books["place_of_supply"].to_numpy(object)[b]
    ppos = portal["place_of_supply"].to_numpy(object)[p]
    out["pos_diff"] = (bpos != "") & (ppos != "") & (bpos != ppos)

    base = np.maximum(np.maximum(books["taxable_paise"].to_numpy()[b] + books["tax"].to_numpy()[b],
                                 portal["taxable_paise"].to_numpy()[p] + portal["tax"].to_numpy()[p]), 1)
    amount_sim = np.where(ok, 1.0, 0.9 * np.clip(1 - total / np.abs(base), 0, 1))
    date_sim = np.where(out["date_ok"], 1.0, 0.9 * np.clip(1 - np.abs(dd) / 90, 0, 1))
    number_sim = np.where(out["norm_eq"], 1.0,
                          np.clip(1 - out["dist"].to_numpy() / np.maximum(longest, 1), 0, 1))
    score = 0.5 * number_sim + 0.3 * amount_sim + 0.2 * date_sim
    out["score"] = np.round(np.where(out["same_gstin"], score, score * GSTIN_SLIP_FACTOR), 4)

    near = ((out["dist"] == 1) & (longest >= 4)) | ((out["dist"] == 2) & (longest >= 9)) | letters_only
    short = (out["dist"] == 1) & (longest <= 3)
    within_week = np.abs(dd) <= max(FUZZY_DATE_DAYS, tol.date_days)
    same = out["norm_eq"].to_numpy()
    kind = np.full(len(out), "", dtype=object)
    kind[~same & short & ok & out["date_ok"].to_numpy()] = "typo_short"
    kind[~same & near & ok & within_week] = "typo"
    slip = same & ~out["same_gstin"].to_numpy() & (ok | out["date_ok"].to_numpy())
    kind[slip] = "gstin_slip"
    same_doc = same & out["same_gstin"].to_numpy() & (~out["fy_diff"].to_numpy()
                                                      | (np.abs(dd) <= OTHER_FY_DATE_DAYS))
    kind[same_doc] = "same_number"
    out["kind"] = kind

    clean = ok & out["date_ok"].to_numpy() & ~out["pos_diff"].to_numpy()
    status = np.where(~out["same_gstin"], "mismatch",
                      np.where(~same, "probable", np.where(clean, "matched", "mismatch")))
    out["status"] = np.where(kind == "", "", status).astype(object)
    return out
