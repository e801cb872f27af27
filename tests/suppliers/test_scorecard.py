"""Supplier scorecards on a real reconciliation: figures, the stated score, PAN groups and the trend."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import update
from support.followups import B_SISTER, A, B, first_month, next_month

from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.models import PortalDocument
from ims_core.suppliers.scorecard import (
    list_suppliers,
    other_registrations,
    score_of,
    supplier_insight,
)

NOV_15 = dt.date(2025, 11, 15)


@pytest.fixture
def month(engine):
    first_month(engine)
    return engine


def test_score_formula_is_exact_and_rounds_half_up():
    zero = Fraction(0)
    assert score_of(missing=zero, mismatched=zero, late=zero, rejected=zero) == 100
    assert score_of(missing=Fraction(1), mismatched=Fraction(1), late=Fraction(1), rejected=Fraction(1)) == 0
    assert score_of(missing=Fraction(1, 2), mismatched=zero, late=Fraction(1, 4), rejected=zero) == 75
    assert score_of(missing=Fraction(1, 80), mismatched=zero, late=zero, rejected=zero) == 100  # 99.5 → 100
    assert score_of(missing=Fraction(3, 80), mismatched=zero, late=zero, rejected=zero) == 99  # 98.5 → 99


def test_supplier_with_missing_and_mismatched_documents(month):
    with session_scope(month) as session:
        a = supplier_insight(session, A, today=NOV_15)
    assert a.name == "Shree Polymers" and a.gstins == [A]
    assert {s: (f.count, f.tax_paise) for s, f in a.by_status.items()} == {
        "matched": (1, 1_800_000),
        "mismatch": (1, 396_000),
        "missing_in_portal": (1, 900_000),
    }
    assert a.itc_booked_paise == 1_800_000 + 900_000 + 360_000
    assert a.itc_at_risk_paise == 900_000 + 360_000
    assert (a.missing_in_portal, a.oldest_missing_days) == (1, 36)  # A-102 of 10 October
    assert a.mismatch_reasons == {"taxable_value": 1, "cgst": 1, "sgst": 1}
    assert (a.filed_with_date, a.filed_late) == (2, 0)
    # 100 - 40 x 9000/30600 - 30 x 3600/30600 = 84.71 → 85
    assert a.score == 85


def test_late_filer_and_the_pan_across_states(month):
    with session_scope(month) as session:
        b = supplier_insight(session, B, today=NOV_15)
        pan = supplier_insight(session, B[2:12], today=NOV_15)
        others = other_registrations(session, B)
    assert (b.filed_late, b.filed_with_date, b.worst_delay_days, b.score) == (1, 1, 9, 80)
    assert pan.gstins == sorted([B, B_SISTER]) and pan.documents == 2
    assert (pan.filed_late, pan.filed_with_date, pan.score) == (1, 2, 90)
    assert others == [B_SISTER]


def test_rejections_lower_the_score(month):
    with month.begin() as conn:
        conn.execute(
            update(PortalDocument).where(PortalDocument.doc_number == "B-7").values(rejected_in_ims=True)
        )
    with session_scope(month) as session:
        b = supplier_insight(session, B, today=NOV_15)
    assert (b.rejected, b.portal_documents, b.score) == (1, 1, 70)


def test_list_sorted_by_risk_and_grouped_by_pan(month):
    with session_scope(month) as session:
        by_risk = list_suppliers(session, sort="risk", today=NOV_15)
        by_name = list_suppliers(session, today=NOV_15)
        by_pan = list_suppliers(session, by="pan", sort="score", today=NOV_15)
    assert [i.key for i in by_risk][0] == A and by_risk[0].itc_at_risk_paise == 1_260_000
    assert [i.name for i in by_name] == ["Kaveri Chemicals", "Kaveri Chemicals", "Shree Polymers"]
    assert [(i.key, i.score) for i in by_pan] == [(A[2:12], 85), (B[2:12], 90)]
    with session_scope(month) as session, pytest.raises(UserFacingError, match="sorted by 'size'"):
        list_suppliers(session, sort="size")


def test_trend_over_the_imported_periods(month):
    next_month(month)
    with session_scope(month) as session:
        a = supplier_insight(session, A, today=dt.date(2025, 12, 10))
    assert [(t.period, t.documents, t.at_risk_documents, t.itc_at_risk_paise) for t in a.trend] == [
        ("102025", 1, 0, 0),
        ("112025", 2, 0, 0),
    ]
    assert a.itc_at_risk_paise == 0 and a.missing_in_portal == 0 and a.score == 100


def test_trend_shows_a_bad_month(month):
    with session_scope(month) as session:
        a = supplier_insight(session, A, today=NOV_15)
    [october] = a.trend
    assert (october.period, october.documents, october.at_risk_documents, october.score) == (
        "102025",
        3,
        2,
        85,
    )


def test_unknown_supplier_is_a_clear_error(month):
    with (
        session_scope(month) as session,
        pytest.raises(UserFacingError, match="no documents from supplier 24AAQCA8719H1ZC"),
    ):
        supplier_insight(session, "24aaqca8719h1zc")
