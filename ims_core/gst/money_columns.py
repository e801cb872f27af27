"""Money for whole columns at once: :mod:`ims_core.gst.money`'s rules (``to_paise``, ``format_inr``)
applied to a pandas column or a NumPy array of a million amounts, with the same answers.

Kept apart from the one-amount functions so that what reads or shows a few amounts (a command
answering from a snapshot) does not load pandas.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

from ims_core.gst.money import AmountError, decimal_to_paise, format_inr, to_paise

# --- Column-wise parsing, for files of a million rows -------------------------------------------------
# The same rules as ``to_paise``, applied to a whole pandas column at once. Each distinct text is read
# once. Plain texts (digits, commas, one dot, a sign or brackets) are read as a matrix of character
# codes, column by column, into integer paise: never through float. Whether such a text is acceptable
# depends only on its *shape* (where the digits, commas, dot and sign stand), so ``to_paise`` itself
# judges one text of each shape. Anything else (a rupee sign, "Rs.", spaces, 1e-07 from a spreadsheet,
# words) goes through ``to_paise`` one by one, so both paths give the same answers.

_FAST_WIDTH = 21  # longest text read on the matrix path; 3 bits per character keep a shape in 64 bits
_MAX_WHOLE_DIGITS = 15  # ₹10^15: far above any invoice, far inside int64 paise
_KIND = np.full(128, 7, dtype=np.uint8)  # 0 end, 1 digit, 2 comma, 3 dot, 4 minus, 5 "(", 6 ")", 7 other
_KIND[0], _KIND[48:58], _KIND[44], _KIND[46], _KIND[45], _KIND[40], _KIND[41] = 0, 1, 2, 3, 4, 5, 6
_INT64_MAX = 2**63 - 1


def series_to_paise(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Parse a column of amounts into int64 paise; also return a mask of the rows that are not amounts.

    Empty cells are zero. Bad rows get 0 in the values; callers word them with ``to_paise``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    all_text = pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype)
    paise, bad = _unique_texts_to_paise(np.asarray(uniques, dtype=object), all_text)
    paise = np.append(paise, 0)  # code -1 (an empty cell) is zero, never bad
    bad = np.append(bad, False)
    return paise[codes], pd.Series(bad[codes], index=values.index)


def _unique_texts_to_paise(uniques: np.ndarray, all_text: bool) -> tuple[np.ndarray, np.ndarray]:
    n = len(uniques)
    paise = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    if all_text:
        is_text = np.ones(n, dtype=bool)
        texts = np.asarray(uniques, dtype=str)
    else:
        is_text = np.fromiter((type(v) is str for v in uniques), dtype=bool, count=n)
        texts = np.asarray(np.where(is_text, uniques, ""), dtype=str)
    if n and texts.dtype.itemsize:
        chars = texts.view(np.uint32).reshape(n, -1)
    else:
        chars = np.zeros((n, 0), dtype=np.uint32)
    length = (chars != 0).sum(axis=1)
    fast = is_text & (length <= _FAST_WIDTH) & (chars.max(axis=1, initial=0) < 128)
    if fast.any():
        width = int(length[fast].max())
        key, value, plain = _read_plain(chars[fast, :width].astype(np.uint8))
        shapes, first, which = np.unique(key, return_index=True, return_inverse=True)
        texts_fast = texts[fast]
        shape_ok = np.array([_acceptable(texts_fast[i]) for i in first], dtype=bool)
        ok = plain & shape_ok[which.ravel()]
        where_fast = np.flatnonzero(fast)
        paise[where_fast[ok]] = value[ok]
        fast[where_fast[~ok]] = False
    for i in np.flatnonzero(~fast):
        try:
            paise[i] = _fallback_paise(uniques[i])
        except AmountError:
            paise[i], bad[i] = 0, True
    return paise, bad


def _read_plain(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape key, value in paise, and whether the text is plain (no other characters, <=15 digits)."""
    n = chars.shape[0]
    key = np.zeros(n, dtype=np.uint64)
    whole = np.zeros(n, dtype=np.int64)
    cents = np.zeros(n, dtype=np.int64)
    n_whole = np.zeros(n, dtype=np.int64)
    n_frac = np.zeros(n, dtype=np.int64)
    round_up = np.zeros(n, dtype=bool)
    after_dot = np.zeros(n, dtype=bool)
    other = np.zeros(n, dtype=bool)
    minus = np.zeros(n, dtype=bool)
    bracket = np.zeros(n, dtype=bool)
    for j in range(chars.shape[1]):
        kind = _KIND[chars[:, j]]
        key |= kind.astype(np.uint64) << np.uint64(3 * j)
        digit = chars[:, j].astype(np.int64) - 48
        is_digit = kind == 1
        in_whole = is_digit & ~after_dot
        in_frac = is_digit & after_dot
        n_whole += in_whole
        whole = np.where(in_whole & (n_whole <= _MAX_WHOLE_DIGITS), whole * 10 + digit, whole)
        n_frac += in_frac
        cents += np.where(in_frac & (n_frac == 1), digit * 10, 0)
        cents += np.where(in_frac & (n_frac == 2), digit, 0)
        round_up |= in_frac & (n_frac == 3) & (digit >= 5)
        after_dot |= kind == 3
        other |= kind == 7
        minus |= kind == 4
        bracket |= kind == 5
    magnitude = whole * 100 + cents + round_up
    value = np.where(minus != bracket, -magnitude, magnitude)
    return key, value, ~other & (n_whole <= _MAX_WHOLE_DIGITS)


def _acceptable(text: str) -> bool:
    try:
        to_paise(text)
    except AmountError:
        return False
    return True


def _fallback_paise(value: object) -> int:
    """One text the matrix path does not read: ``to_paise``, or a spreadsheet's ``1e-07``."""
    try:
        paise = to_paise(value)
    except AmountError:
        text = str(value).strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?[eE][-+]?\d+", text):
            raise
        paise = decimal_to_paise(Decimal(text))
    if abs(paise) > _INT64_MAX:
        raise AmountError(f"'{value}' is too large an amount")
    return paise


# --- Column-wise formatting, for the reason texts of a million results ----------------------------------
# ``format_inr`` of a whole array at once: each text is written backwards into a row of a matrix of
# character codes (paise, the dot, rupee digits with a comma after the third and then every second
# digit, the rupee sign, the minus), unused cells left 0 so that NumPy reads each row as a string
# that ends there; one reversal per text then gives the usual order. No arithmetic per amount in Python.

_FAST_FORMAT_LIMIT = 10**17  # |paise| below this: int64 arithmetic and 15 rupee digits at most
_RUPEE_DIGITS = 15
_POWERS = 10 ** np.arange(_RUPEE_DIGITS + 2, dtype=np.int64)


def _layout() -> list[tuple[int, int]]:
    """Per position from the right: the power of ten of the paise value it shows, or -1 for the dot
    and -2 for a comma, with the comma's or the dot's character."""
    cells = [(0, 0), (1, 0), (-1, ord("."))]
    for digit in range(_RUPEE_DIGITS):
        if digit >= 3 and (digit - 3) % 2 == 0:
            cells.append((-2, ord(",")))  # shown only when a higher digit follows
        cells.append((digit + 2, 0))
    return cells


_LAYOUT = _layout()


def format_inr_array(paise: np.ndarray | list, symbol: bool = True) -> np.ndarray:
    """:func:`format_inr` of every element, as an object array of ``str``.

    Amounts beyond ₹10^15 (far above any invoice) go through :func:`format_inr` one by one.
    """
    values = np.asarray(paise)
    out = np.empty(len(values), dtype=object)
    if len(values) == 0:
        return out
    if values.dtype.kind in "iu":
        big = (values >= _FAST_FORMAT_LIMIT) | (values <= -_FAST_FORMAT_LIMIT)
    else:  # Python ints of any size
        big = np.array([abs(int(v)) >= _FAST_FORMAT_LIMIT for v in values.tolist()], dtype=bool)
    amounts = np.where(big, 0, values).astype(np.int64)
    magnitude = np.abs(amounts)
    # rupee digits (at least one), and the cells the number takes before its signs
    digits = np.maximum(np.searchsorted(_POWERS[:_RUPEE_DIGITS + 1], magnitude // 100, side="right"), 1)
    used = 3 + digits + np.where(digits > 3, (digits - 2) // 2, 0)
    matrix = np.zeros((len(values), len(_LAYOUT) + 2), dtype=np.uint32)
    for k, (power, char) in enumerate(_LAYOUT):
        if power >= 0:
            column = 48 + (magnitude // _POWERS[power]) % 10
        else:
            column = np.full(len(values), char, dtype=np.int64)
        matrix[:, k] = np.where(k < used, column, 0)
    rows = np.arange(len(values))
    if symbol:
        matrix[rows, used] = ord("₹")
    negative = amounts < 0
    matrix[rows[negative], used[negative] + (1 if symbol else 0)] = ord("-")
    backwards = matrix.view(f"<U{matrix.shape[1]}").ravel().tolist()
    out[:] = [text[::-1] for text in backwards]
    for i in np.flatnonzero(big):
        out[i] = format_inr(int(values[i]), symbol)
    return out
