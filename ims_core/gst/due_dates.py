"""Statutory dates: GSTR-1 and GSTR-3B due dates (monthly and QRMP), the day GSTR-2B is made,
Section 16(4), Rule 37 and Rule 37A.

Kept free of database access so the action rules and the deadline report share one definition of
every date. The QRMP state split is a small data table here, overridable through the
``IMS_QRMP_22ND_STATES`` setting because the notification that fixes it has been amended before.
"""

from __future__ import annotations

import datetime as dt

from ims_core.gst.dates import day_of, next_period
from ims_core.models.vocabulary import FilingFrequency
from ims_core.settings import get_settings

# QRMP filers' quarterly GSTR-3B: the 22nd for states in the first group (mostly western and southern
# states and UTs), the 24th for everyone else (northern and eastern states and UTs). State codes.
QRMP_22ND_STATES = frozenset(
    {"22", "23", "24", "25", "26", "27", "29", "30", "31", "32", "33", "34", "35", "36", "37", "97"}
)
QRMP_LATER_DAY, QRMP_EARLIER_DAY = 24, 22
RULE_37_DAYS = 180
# GSTR-1 is due on the 11th of the following month (notification 83/2020-Central Tax), an IFF (QRMP
# filers' first two months of a quarter) up to the 13th (CGST Rule 59(2)). GSTR-2B holds what the
# suppliers filed up to those days (CGST Rule 60(7)) and is generated on the 14th (GSTN's IMS
# advisories; DOMAIN.md §1).
GSTR1_DUE_DAY, IFF_DUE_DAY, GSTR2B_DAY = 11, 13, 14


def filing_of(recipient_gstin: str, recipient: object | None) -> dict[str, str]:
    """How a registration files, as the due-date functions take it (``**filing_of(...)``): the
    ``filing_frequency`` of its ``Recipient`` row (monthly without one) and its ``state_code`` (the
    registered one, else the GSTIN's first two digits)."""
    return {
        "filing_frequency": getattr(recipient, "filing_frequency", "") or "monthly",
        "state_code": getattr(recipient, "state_code", "") or recipient_gstin[:2],
    }


def gstr1_due_date(supplier_period: str, src_form: str = "") -> dt.date:
    """When a supplier's GSTR-1 for ``supplier_period`` is due; an IFF's two days later."""
    day = IFF_DUE_DAY if src_form.upper() == "IFF" else GSTR1_DUE_DAY
    return day_of(next_period(supplier_period), day)


def qrmp_22nd_states() -> frozenset[str]:
    configured = get_settings().ims_qrmp_22nd_states.strip()
    if not configured:
        return QRMP_22ND_STATES
    return frozenset(code.strip().zfill(2) for code in configured.split(",") if code.strip())


def quarter_end_period(period: str) -> str:
    """The last month of the April-March quarter a period belongs to (QRMP files once a quarter)."""
    end_month = ((int(period[:2]) - 1) // 3) * 3 + 3
    return f"{end_month:02d}{period[2:]}"


def gstr3b_due_date(period: str, *, filing_frequency: str = "monthly", state_code: str = "") -> dt.date:
    """When the GSTR-3B covering ``period`` is due.

    Monthly filers: the 20th (configurable) of the month after the period. Quarterly (QRMP) filers
    file one return per quarter, due on the 22nd or the 24th of the month after the quarter, depending
    on the state of registration (Notification 1/2020-Central Tax as amended; Rule 61(5) CGST Rules).
    """
    if filing_frequency == FilingFrequency.QUARTERLY:
        following = next_period(quarter_end_period(period))
        day = QRMP_EARLIER_DAY if state_code in qrmp_22nd_states() else QRMP_LATER_DAY
    else:
        following = next_period(period)
        day = get_settings().ims_gstr3b_due_day
    return day_of(following, day)


def section_16_4_limit(fy: int) -> dt.date:
    """Section 16(4): ITC on a document can be taken no later than 30 November after the end of the
    April-March financial year it belongs to (the earlier annual-return cut-off is not modelled)."""
    return dt.date(fy + 1, 11, 30)


def rule_37_due(doc_date: dt.date) -> dt.date:
    """Rule 37: a supplier not paid within 180 days of the invoice date means reversing the ITC."""
    return doc_date + dt.timedelta(days=RULE_37_DAYS)


def rule_37a_dates(fy: int) -> tuple[dt.date, dt.date]:
    """Rule 37A: if the supplier has not filed GSTR-3B for the period by 30 September after the
    financial year, the recipient reverses that ITC by 30 November (and re-avails once they file)."""
    return dt.date(fy + 1, 9, 30), dt.date(fy + 1, 11, 30)


def next_tax_period(period: str, filing_frequency: str = "monthly") -> str:
    """The tax period after the one ``period`` falls in: the next month, or for a quarterly filer the
    next quarter (named by its last month)."""
    if filing_frequency == FilingFrequency.QUARTERLY:
        return quarter_end_period(next_period(quarter_end_period(period)))
    return next_period(period)


def tax_period_end(period: str, filing_frequency: str = "monthly") -> dt.date:
    """The last day of the tax period ``period`` falls in (its month, or its quarter)."""
    last = quarter_end_period(period) if filing_frequency == FilingFrequency.QUARTERLY else period
    following = next_period(last)
    return dt.date(int(following[2:]), int(following[:2]), 1) - dt.timedelta(days=1)


def pending_credit_note_limit(
    period: str, *, filing_frequency: str = "monthly", state_code: str = ""
) -> dt.date:
    """From the October 2025 period, a credit note (and the amendments the portal treats alike) may
    stay pending for one tax period only: until the GSTR-3B due date of [its GSTR-2B period + 1 tax
    period], where a quarterly filer's tax period is a quarter (GSTN FAQ on the IMS changes from the
    October 2025 tax period, 17 October 2025, Q4: an October or November 2025 credit note of a quarterly
    filer may stay pending until the January-March 2026 return). ``period`` is the GSTR-2B period."""
    return gstr3b_due_date(next_tax_period(period, filing_frequency), filing_frequency=filing_frequency,
                           state_code=state_code)
