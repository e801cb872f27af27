"""Every rule of DOMAIN.md §3, each allowed and each refused case, as a table."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ims_core.decisions.rules import ItcReduction, RuleContext, refusal
from ims_core.gst.due_dates import gstr3b_due_date, pending_credit_note_limit, section_16_4_limit

NOV_5 = dt.date(2025, 11, 5)


def doc(**fields) -> SimpleNamespace:
    base = dict(
        doc_type="INV",
        section="b2b",
        doc_number="D-1",
        supplier_gstin="27AHQPA7588L1ZJ",
        return_period="102025",
        fy=2025,
        original_doc_number="",
        original_doc_type="",
        pending_action_blocked=None,
        taxable_paise=100_000,
        igst_paise=18_000,
        cgst_paise=0,
        sgst_paise=0,
        cess_paise=0,
    )
    base.update(fields)
    return SimpleNamespace(**base)


def amendment(doc_type: str, period: str, tax: int, **fields) -> SimpleNamespace:
    section = {"INV": "b2ba", "CRN": "b2bcna", "DBN": "b2bdna"}[doc_type]
    return doc(
        doc_type=doc_type,
        section=section,
        return_period=period,
        igst_paise=tax,
        original_doc_number="D-0",
        original_doc_type=doc_type,
        doc_number="D-0A",
        **fields,
    )


ORIGINAL_CRN_SEP = doc(doc_type="CRN", section="b2bcn", doc_number="D-0", return_period="092025")
ORIGINAL_INV_SEP = doc(doc_number="D-0", return_period="092025")


def ctx(
    d, *, current="N", original=None, original_action="N", original_filed=False, lock="", today=NOV_5, **more
) -> RuleContext:
    return RuleContext(
        doc=d,
        current=current,
        original=original,
        original_action=original_action,
        original_period_filed=original_filed,
        filed_lock=lock,
        today=today,
        **more,
    )


CASES = [
    # (name, action, context, reduction, reason, expected refusal fragment or None)
    ("pending blocked by the portal flag", "P", ctx(doc(pending_action_blocked=True)), None, "", "blocked"),
    (
        "portal flag N is trusted over fallback",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn", return_period="092025", pending_action_blocked=False)),
        None,
        "",
        None,
    ),
    (
        "original credit note before Oct 2025",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn", return_period="092025")),
        None,
        "",
        "before the October 2025",
    ),
    (
        "original credit note Oct 2025 within one period",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        None,
        "",
        None,
    ),
    (
        "original credit note Oct 2025 after one period",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), today=dt.date(2025, 12, 21)),
        None,
        "",
        "one tax period only",
    ),
    (
        "upward credit-note amendment before Oct 2025",
        "P",
        ctx(amendment("CRN", "092025", 30_000), original=ORIGINAL_CRN_SEP, original_action="A"),
        None,
        "",
        "before the October 2025",
    ),
    (
        "downward credit-note amendment, original accepted",
        "P",
        ctx(amendment("CRN", "092025", 9_000), original=ORIGINAL_CRN_SEP, original_action="A"),
        None,
        "",
        None,
    ),
    (
        "downward credit-note amendment, original rejected",
        "P",
        ctx(amendment("CRN", "092025", 9_000), original=ORIGINAL_CRN_SEP, original_action="R"),
        None,
        "",
        "before the October 2025",
    ),
    (
        "credit-note amendment whose original is unknown",
        "P",
        ctx(amendment("CRN", "092025", 9_000)),
        None,
        "",
        "cannot be checked",
    ),
    (
        "downward invoice amendment, original accepted and filed",
        "P",
        ctx(
            amendment("INV", "092025", 9_000),
            original=ORIGINAL_INV_SEP,
            original_action="A",
            original_filed=True,
        ),
        None,
        "",
        "accepted and whose GSTR-3B is filed",
    ),
    (
        "downward invoice amendment, original's 3B not filed",
        "P",
        ctx(amendment("INV", "092025", 9_000), original=ORIGINAL_INV_SEP, original_action="A"),
        None,
        "",
        None,
    ),
    (
        "upward invoice amendment, original filed",
        "P",
        ctx(
            amendment("INV", "102025", 30_000),
            original=ORIGINAL_INV_SEP,
            original_action="A",
            original_filed=True,
        ),
        None,
        "",
        None,
    ),
    # Dates win over a stale portal flag: ispendactblocked N says what was true when the file was
    # downloaded (GSTN FAQ of 17 October 2025, Q1: one tax period, then pending is disabled). The
    # October 2025 credit note's one period ends with November's GSTR-3B, due 20-12-2025.
    (
        "portal flag N after the credit note's one period",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn", pending_action_blocked=False), today=dt.date(2025, 12, 21)),
        None,
        "",
        "ended on 20-12-2025",
    ),
    (
        "portal flag N on the credit note's last day",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn", pending_action_blocked=False), today=dt.date(2025, 12, 20)),
        None,
        "",
        None,
    ),
    (
        "portal flag N on an invoice past Section 16(4)",
        "P",
        ctx(doc(fy=2023, return_period="032024", pending_action_blocked=False)),
        None,
        "",
        "Section 16(4)",
    ),
    # From the October 2025 period a downward amendment of an accepted, filed invoice may stay pending
    # for one tax period (FAQ of 17 October 2025, Q1): until November's GSTR-3B, due 20-12-2025.
    (
        "downward invoice amendment of Oct 2025, original accepted and filed, within one period",
        "P",
        ctx(amendment("INV", "102025", 9_000), original=ORIGINAL_INV_SEP, original_action="A",
            original_filed=True),
        None,
        "",
        None,
    ),
    (
        "downward invoice amendment of Oct 2025 after its one period",
        "P",
        ctx(amendment("INV", "102025", 9_000), original=ORIGINAL_INV_SEP, original_action="N",
            original_filed=True, today=dt.date(2025, 12, 21)),
        None,
        "",
        "ended on 20-12-2025",
    ),
    # The October 2025 rules go by GSTR-2B period (FAQ Q3): a September credit note filed on 20
    # October is in October's GSTR-2B, so it may stay pending until 20-12-2025; one in November's
    # GSTR-2B until December's GSTR-3B, due 20-01-2026.
    (
        "September credit note in October's GSTR-2B",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn", return_period="092025"), gstr2b_period="102025",
            today=dt.date(2025, 12, 20)),
        None,
        "",
        None,
    ),
    (
        "October credit note in November's GSTR-2B",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), gstr2b_period="112025", today=dt.date(2026, 1, 20)),
        None,
        "",
        None,
    ),
    (
        "October credit note in November's GSTR-2B after its one period",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), gstr2b_period="112025", today=dt.date(2026, 1, 21)),
        None,
        "",
        "ended on 20-01-2026",
    ),
    # QRMP: one tax period is a quarter, due 22nd/24th by state (Notification 76/2020-CT; FAQ Q4): an
    # October 2025 credit note of a quarterly filer may stay pending until the January-March 2026
    # return, due 22-04-2026 in Maharashtra, 24-04-2026 in Delhi.
    (
        "quarterly filer's credit note within its quarter",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), filing_frequency="quarterly", state_code="27",
            today=dt.date(2026, 4, 22)),
        None,
        "",
        None,
    ),
    (
        "quarterly filer's credit note after its quarter",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), filing_frequency="quarterly", state_code="27",
            today=dt.date(2026, 4, 23)),
        None,
        "",
        "ended on 22-04-2026",
    ),
    (
        "quarterly filer in Delhi after its quarter",
        "P",
        ctx(doc(doc_type="CRN", section="b2bcn"), filing_frequency="quarterly", state_code="07",
            today=dt.date(2026, 4, 25)),
        None,
        "",
        "ended on 24-04-2026",
    ),
    ("invoice pending within Section 16(4)", "P", ctx(doc()), None, "", None),
    (
        "invoice pending past Section 16(4)",
        "P",
        ctx(doc(fy=2023, return_period="032024")),
        None,
        "",
        "Section 16(4)",
    ),
    ("bill of entry rejected", "R", ctx(doc(doc_type="BOE", section="impg")), None, "", "bill of entry"),
    ("bill of entry accepted", "A", ctx(doc(doc_type="BOE", section="impg")), None, "", None),
    ("bill of entry kept pending", "P", ctx(doc(doc_type="BOE", section="impg")), None, "", None),
    (
        "filed period locks an accepted record",
        "A",
        ctx(doc(), current="A", lock="102025 (marked filed)"),
        None,
        "",
        "can no longer be changed",
    ),
    (
        "filed period locks a no-action record",
        "P",
        ctx(doc(), current="N", lock="102025 (marked filed)"),
        None,
        "",
        "can no longer be changed",
    ),
    (
        "filed period leaves pending records open",
        "A",
        ctx(doc(), current="P", lock="102025 (marked filed)"),
        None,
        "",
        None,
    ),
    (
        "amendment before its original is acted on",
        "A",
        ctx(amendment("INV", "102025", 30_000), original=ORIGINAL_INV_SEP, original_action="N"),
        None,
        "",
        "Act on the original",
    ),
    (
        "amendment after its original is filed",
        "A",
        ctx(
            amendment("INV", "102025", 30_000),
            original=ORIGINAL_INV_SEP,
            original_action="A",
            original_filed=True,
        ),
        None,
        "",
        None,
    ),
    (
        "amendment while its original is still pending",
        "R",
        ctx(
            amendment("INV", "102025", 30_000),
            original=ORIGINAL_INV_SEP,
            original_action="P",
            original_filed=True,
        ),
        None,
        "",
        "Act on the original",
    ),
    (
        "reset of an amendment is always possible",
        "N",
        ctx(amendment("INV", "102025", 30_000), original=ORIGINAL_INV_SEP, original_action="N"),
        None,
        "",
        None,
    ),
    (
        "amendment in the same period as its original",
        "A",
        ctx(amendment("INV", "092025", 30_000), original=ORIGINAL_INV_SEP),
        None,
        "",
        None,
    ),
    # ITC reduction (credit notes from October 2025)
    (
        "reduction with a reject",
        "R",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("nil"),
        "x",
        "Accept only",
    ),
    ("reduction on an invoice", "A", ctx(doc()), ItcReduction("full"), "", "takes no ITC-reduction"),
    (
        "reduction on a credit note before Oct 2025",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn", return_period="092025")),
        ItcReduction("nil"),
        "x",
        "takes no ITC-reduction",
    ),
    (
        "unknown reduction mode",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("half"),
        "x",
        "not one of full, partial or nil",
    ),
    ("full reduction", "A", ctx(doc(doc_type="CRN", section="b2bcn")), ItcReduction("full"), "", None),
    (
        "nil reduction without remarks",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("nil"),
        "",
        "Give a reason",
    ),
    (
        "nil reduction with remarks",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("nil"),
        "goods not returned",
        None,
    ),
    (
        "nil reduction without remarks when not required",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn"), require_remarks_for_reduced_itc=False),
        ItcReduction("nil"),
        "",
        None,
    ),
    (
        "nil reduction with amounts",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("nil", igst_paise=100),
        "x",
        "only with a partial",
    ),
    (
        "partial reduction without amounts",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("partial"),
        "x",
        "at least one tax head",
    ),
    (
        "partial reduction above the note's tax",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("partial", igst_paise=18_001),
        "x",
        "more than the note's IGST of ₹180.00",
    ),
    (
        "partial reduction on a head the note lacks",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("partial", cgst_paise=1),
        "x",
        "more than the note's CGST of ₹0.00",
    ),
    (
        "negative partial reduction",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("partial", igst_paise=-5),
        "x",
        "cannot be negative",
    ),
    (
        "partial reduction within the note's tax",
        "A",
        ctx(doc(doc_type="CRN", section="b2bcn")),
        ItcReduction("partial", igst_paise=18_000),
        "x",
        None,
    ),
    (
        "downward invoice amendment takes a reduction",
        "A",
        ctx(amendment("INV", "112025", 9_000), original=doc(doc_number="D-0", return_period="112025")),
        ItcReduction("partial", igst_paise=5_000),
        "x",
        None,
    ),
    (
        "upward invoice amendment takes no reduction",
        "A",
        ctx(amendment("INV", "112025", 30_000), original=doc(doc_number="D-0", return_period="112025")),
        ItcReduction("full"),
        "",
        "takes no ITC-reduction",
    ),
]


@pytest.mark.parametrize(
    ("name", "action", "context", "reduction", "reason", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_rule(name, action, context, reduction, reason, expected):
    why = refusal(action, context, reduction=reduction, reason=reason)
    if expected is None:
        assert why is None, why
    else:
        assert why is not None and expected in why, why


@pytest.mark.parametrize(
    ("period", "frequency", "state", "due"),
    [
        ("102025", "monthly", "29", dt.date(2025, 11, 20)),
        ("122025", "monthly", "07", dt.date(2026, 1, 20)),
        ("102025", "quarterly", "29", dt.date(2026, 1, 22)),  # Karnataka: 22nd after the Oct-Dec quarter
        ("112025", "quarterly", "07", dt.date(2026, 1, 24)),  # Delhi: 24th
        ("032026", "quarterly", "27", dt.date(2026, 4, 22)),  # Maharashtra, Jan-Mar quarter
    ],
)
def test_gstr3b_due_dates(period, frequency, state, due):
    assert gstr3b_due_date(period, filing_frequency=frequency, state_code=state) == due


def test_qrmp_states_are_configurable(monkeypatch):
    from ims_core.settings import get_settings

    monkeypatch.setenv("IMS_QRMP_22ND_STATES", "7, 06")
    get_settings.cache_clear()
    try:
        quarterly = "quarterly"
        assert gstr3b_due_date("112025", filing_frequency=quarterly, state_code="07") == dt.date(2026, 1, 22)
        assert gstr3b_due_date("112025", filing_frequency=quarterly, state_code="29") == dt.date(2026, 1, 24)
    finally:
        get_settings.cache_clear()


def test_statutory_limits():
    assert section_16_4_limit(2025) == dt.date(2026, 11, 30)
    assert pending_credit_note_limit("102025") == dt.date(2025, 12, 20)
