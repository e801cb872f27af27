"""Dates, return periods and financial years as the GST portal and Indian books write them."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from ims_core.errors import UserFacingError

if TYPE_CHECKING:
    import pandas as pd

_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$"), "%d-%m-%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "%d.%m.%Y"),
    (re.compile(r"^\d{1,2}-[A-Za-z]{3}-\d{4}$"), "%d-%b-%Y"),
    (re.compile(r"^\d{1,2}-[A-Za-z]{3}-\d{2}$"), "%d-%b-%y"),
    (re.compile(r"^\d{1,2} [A-Za-z]{3} \d{4}$"), "%d %b %Y"),
    (re.compile(r"^\d{4}/\d{2}/\d{2}$"), "%Y/%m/%d"),
)


class DateError(UserFacingError, ValueError):
    """A date or return period that cannot be read; the message says which forms are accepted.
    Also a ``ValueError``, so column parsers that collect bad values catch it with the others."""


def parse_date(value: object) -> dt.date | None:
    """Parse ``YYYY-MM-DD``, ``DD-MM-YYYY``, ``DD/MM/YYYY`` (and Tally's ``1-Apr-2025``).

    Empty values give ``None``; anything else unreadable raises :class:`DateError`.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp (NaT is falsy-ish: check first)
        if str(value) == "NaT":
            return None
        return value.to_pydatetime().date()
    text = str(value).strip()
    if text in ("", "nan", "NaT", "None"):
        return None
    text = text.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", text) else text
    for pattern, fmt in _FORMATS:
        if pattern.match(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError as exc:
                raise DateError(f"'{value}' is not a real date") from exc
    raise DateError(f"'{value}' is not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)")


PERIOD = re.compile(r"(0[1-9]|1[0-2])\d{4}")  # a return period as the portal writes it: MMYYYY


def parse_period(value: str) -> str:
    """Validate a return period ``MMYYYY`` (``"102025"``) and return it."""
    text = str(value).strip()
    if not PERIOD.fullmatch(text):
        raise DateError(f"'{value}' is not a return period (expected MMYYYY, e.g. 102025)")
    return text


def _month_year(period: str) -> tuple[int, int]:
    return int(period[:2]), int(period[2:])


def period_key(period: str) -> int:
    """``"102025"`` → ``202510``, the number that sorts and compares periods (and is stored as
    ``period_key``); ``0`` for a missing or malformed period, which sorts before every other."""
    if not PERIOD.fullmatch(period or ""):
        return 0
    month, year = _month_year(period)
    return year * 100 + month


def period_of(day: dt.date) -> str:
    """The return period a date falls in, as ``MMYYYY``."""
    return f"{day.month:02d}{day.year}"


def day_of(period: str, day: int) -> dt.date:
    """The ``day``-th of the period's month (``day_of("112025", 20)`` → 20 November 2025)."""
    month, year = _month_year(period)
    return dt.date(year, month, day)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a return period."""
    return day_of(period, 1), day_of(next_period(period), 1) - dt.timedelta(days=1)


def next_period(period: str) -> str:
    month, year = _month_year(period)
    return f"{month % 12 + 1:02d}{year + (month == 12)}"


def previous_period(period: str) -> str:
    month, year = _month_year(period)
    return f"{(month - 2) % 12 + 1:02d}{year - (month == 1)}"


def financial_year(day: dt.date) -> int:
    """The starting year of the April-March financial year a date falls in (FY 2025-26 → 2025)."""
    return day.year if day.month >= 4 else day.year - 1


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


# --- Column-wise parsing, for files of a million rows -------------------------------------------------
# ``parse_date``'s rules applied to a whole column: every distinct text is read once (a register has a
# few hundred distinct dates however many rows it has), each accepted form with its explicit format.

FIRST_YEAR, LAST_YEAR = 1900, 2200  # a book date outside these is a typo (and outside datetime64[ns])
_ISO_WITH_TIME = r"^(\d{4}-\d{2}-\d{2})[T ].*$"
_EMPTY_TEXTS = ["", "nan", "NaT", "None"]


def series_to_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates into ``datetime64[ns]``; also return a mask of the rows that are not dates.

    Empty cells give NaT and are not bad. Bad rows give NaT; ``date_problem`` words their message.
    """
    # loaded here: every command reads periods and dates through this module, few parse a column
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.astype("datetime64[ns]")
        return parsed, pd.Series(False, index=values.index)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    text = text.str.replace(_ISO_WITH_TIME, r"\1", regex=True)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    tried = pd.Series(False, index=text.index)
    for pattern, fmt in _FORMATS:
        hit = ~tried & text.str.match(pattern.pattern)
        if hit.any():
            read = pd.to_datetime(text[hit], format=fmt, errors="coerce")
            read = read.where(read.dt.year.between(FIRST_YEAR, LAST_YEAR))
            parsed[hit] = read.astype("datetime64[ns]")
        tried |= hit
    bad = (~text.isin(_EMPTY_TEXTS) & parsed.isna()).to_numpy()
    dates = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))[codes]
    return (pd.Series(dates, index=values.index, dtype="datetime64[ns]"),
            pd.Series(np.append(bad, False)[codes], index=values.index))


def date_problem(value: object) -> str:
    """Why ``value`` is not a usable date, in the words ``parse_date`` uses."""
    try:
        day = parse_date(value)
    except DateError as exc:
        return str(exc)
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        return f"'{value}' is outside the years {FIRST_YEAR}-{LAST_YEAR}"
    return f"'{value}' is not a date"


def period_label(period: str) -> str:
    """``102025`` → ``Oct 2025``; anything that is not a period as it is."""
    return f"{day_of(period, 1):%b %Y}" if PERIOD.fullmatch(period) else period
