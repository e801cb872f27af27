"""Money: parsed exactly into integer paise, shown as rupees with Indian digit grouping.

Every amount in the database and in the matching engine is an integer number of paise, so sums are
exact and vectorised arithmetic stays in int64. Reports turn paise back into ``Decimal`` rupees.
The same rules for a whole column at once (imports, the reasons of a million results) are in
:mod:`ims_core.gst.money_columns`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, Overflow

from ims_core.errors import UserFacingError

_GROUPED = re.compile(r"^\d{1,3}(,\d{2})*(,\d{3})$|^\d{1,3}(,\d{3})+$")
_CLEAN = re.compile(r"[\s₹]|^Rs\.?|^INR", re.IGNORECASE)


class AmountError(UserFacingError, ValueError):
    """An amount that cannot be read; the message says what was expected. Also a ``ValueError``,
    so column parsers that collect bad values catch it with the others."""


def to_paise(value: object) -> int:
    """Parse one amount into paise.

    Accepts numbers, ``"1,23,456.50"`` (Indian grouping), ``"123,456.50"`` (western grouping),
    ``"₹ 1,234"``, ``"(1,234.00)"`` and ``"-12.5"``; empty values are zero. Rounds half up to the paisa.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise AmountError(f"'{value}' is not an amount")
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        if value != value:  # NaN: an empty spreadsheet cell
            return 0
        return decimal_to_paise(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return decimal_to_paise(value)
    text = _CLEAN.sub("", str(value).strip())
    if text in ("", "-", "nan", "NaN", "None"):
        return 0
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    whole, _, fraction = text.partition(".")
    if "," in whole:
        if not _GROUPED.match(whole):
            raise AmountError(f"'{value}' has digit grouping that is neither Indian nor western")
        whole = whole.replace(",", "")
    candidate = whole + ("." + fraction if fraction else "")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", candidate):
        raise AmountError(f"'{value}' is not an amount (expected digits like 1,23,456.50)")
    paise = decimal_to_paise(Decimal(candidate))
    return -paise if negative else paise


def decimal_to_paise(amount: Decimal) -> int:
    try:
        return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:
        raise AmountError(f"'{amount}' is not an amount") from exc
    except Overflow as exc:  # a spreadsheet's 1E1000000: beyond Decimal's exponent range
        raise AmountError(f"'{amount}' is too large an amount") from exc


def to_rupees(paise: int) -> Decimal:
    """Paise as an exact ``Decimal`` number of rupees with two places."""
    return (Decimal(int(paise)) / 100).quantize(Decimal("0.01"))


def group_indian(digits: str) -> str:
    """``"12345678"`` → ``"1,23,45,678"``: the last three digits, then pairs."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join(pairs + [tail])


def format_inr(paise: int, symbol: bool = True) -> str:
    """``12345650`` → ``"₹1,23,456.50"``; negatives as ``"-₹1,234.00"``."""
    paise = int(paise)
    sign = "-" if paise < 0 else ""
    rupees, fraction = divmod(abs(paise), 100)
    return f"{sign}{'₹' if symbol else ''}{group_indian(str(rupees))}.{fraction:02d}"
