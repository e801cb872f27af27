"""The radar's lines: which deadlines, in which order, in which words, from the deadlines' own figures;
and the reminder before the 14th, from the same figures."""

from __future__ import annotations

import datetime as dt

from e2e.seed import RECIPIENT, seed
from sqlmodel import Session

from ims_core.itc.deadlines import Deadline
from ims_core.reports.radar import deemed_on, radar_lines, registration_deadlines
from ims_core.reports.worklist import reminder_due

TODAY = dt.date(2025, 11, 12)
OTHER = "27AADCD4821K1ZM"


def _deadline(kind: str, due: dt.date, records: int, paise: int, period: str = "102025",
              fy: int | None = None) -> Deadline:
    return Deadline(kind, due, "the deadline's own words", list(range(records)), paise, period=period, fy=fy)


def test_radar_kinds_only_soonest_first_larger_sums_first_within_the_horizon():
    found = {RECIPIENT: [
        _deadline("gstr3b", dt.date(2025, 11, 20), 4, 50_000),
        _deadline("deemed_acceptance", dt.date(2025, 11, 14), 3, 60_000),
        _deadline("pending_lapse", dt.date(2025, 11, 14), 2, 1_23_456_00),
        _deadline("rule_37a", dt.date(2025, 11, 15), 1, 99_999_00),  # not the radar's: "Coming up"
        _deadline("section_16_4", dt.date(2026, 11, 13), 1, 10_000, period="", fy=2025),  # a year away
        _deadline("gstr2b_recompute", dt.date(2025, 10, 20), 1, -5_000, period="092025"),  # 23 days ago
    ]}
    lines = radar_lines(found, TODAY)
    assert [(line.kind, line.due, line.records, line.tax_paise) for line in lines] == [
        ("gstr2b_recompute", dt.date(2025, 10, 20), 1, -5_000),
        ("pending_lapse", dt.date(2025, 11, 14), 2, 1_23_456_00),
        ("deemed_acceptance", dt.date(2025, 11, 14), 3, 60_000),
        ("gstr3b", dt.date(2025, 11, 20), 4, 50_000),
    ]
    assert [line.text for line in lines] == [
        "GSTR-2B for Sep 2025 must be recomputed before GSTR-3B: 1 record (-₹50.00 of tax) was decided after "
        "it was generated; GSTR-3B is due Mon 20 Oct 2025",
        "₹1,23,456.00 of tax in 2 records kept pending may stay pending only until Fri 14 Nov 2025; then "
        "they are deemed accepted in the next GSTR-2B",
        "₹600.00 of tax in 3 records will be deemed accepted at GSTR-2B generation on Fri 14 Nov 2025 unless "
        "someone acts (GSTR-2B for Oct 2025)",
        "GSTR-3B for Oct 2025 is due on Thu 20 Nov 2025: ₹500.00 net tax in accepted and no-action records",
    ]
    assert [line.kind for line in deemed_on(lines, dt.date(2025, 11, 14))] == ["deemed_acceptance"]
    assert deemed_on(lines, dt.date(2025, 11, 13)) == []


def test_dates_passed_say_what_happened_and_several_registrations_are_named():
    found = {
        RECIPIENT: [_deadline("gstr3b", dt.date(2025, 11, 20), 2, 10_000),
                    _deadline("section_16_4", dt.date(2025, 11, 13), 1, 20_000, period="", fy=2024)],
        OTHER: [_deadline("pending_lapse", dt.date(2025, 11, 14), 1, 30_000),
                _deadline("deemed_acceptance", dt.date(2025, 12, 14), 0, 0)],  # no records: not a line
    }
    lines = radar_lines(found, dt.date(2025, 11, 21))
    assert [line.text for line in lines] == [
        f"₹200.00 of tax in 1 record of FY 2024-25 is lost: the last day was Thu 13 Nov 2025 (Section 16(4)) "
        f"({RECIPIENT})",
        f"₹300.00 of tax in 1 record kept pending passed their limit on Fri 14 Nov 2025: they are deemed "
        f"accepted in the next GSTR-2B ({OTHER})",
        f"GSTR-3B for Oct 2025 was due on Thu 20 Nov 2025 and is not marked filed: ₹100.00 net tax in "
        f"accepted and no-action records ({RECIPIENT})",
    ]
    ahead = radar_lines({RECIPIENT: found[RECIPIENT][1:]}, dt.date(2025, 11, 1))
    assert [line.text for line in ahead] == [
        "₹200.00 of tax in 1 record of FY 2024-25 reaches a GSTR-2B you can claim only if accepted, or filed "
        "by the supplier, by Thu 13 Nov 2025 (Section 16(4))"]


def test_the_radar_and_the_reminder_read_the_records_as_ims_deadlines_does(engine):
    # three invoices of ₹100, ₹200 and ₹300 and two credit notes of ₹1,000 and ₹1,100, all with no
    # action: net -₹1,500.00, deemed accepted when October's GSTR-2B is generated on 14 November
    seed(engine, count=3)
    seed(engine, count=2, doc_type="CRN", start=10)
    with Session(engine) as session:
        found = registration_deadlines(session, [RECIPIENT], TODAY)
        [deemed, gstr3b] = radar_lines(found, TODAY)
        assert (deemed.kind, deemed.due, deemed.records, deemed.tax_paise) == (
            "deemed_acceptance", dt.date(2025, 11, 14), 5, -1_500_00)
        assert (gstr3b.kind, gstr3b.due, gstr3b.tax_paise) == ("gstr3b", dt.date(2025, 11, 20), -1_500_00)
        assert reminder_due(session, [RECIPIENT], TODAY) is None  # two days before: not yet
        assert reminder_due(session, [RECIPIENT], dt.date(2025, 11, 13)) == (
            "gstr2b",
            "GSTR-2B for 10/2025 is generated tomorrow: -₹1,500.00 of tax in 5 record(s) will be deemed "
            "accepted unless someone acts",
            "102025",
        )
        assert radar_lines(registration_deadlines(session, [RECIPIENT], dt.date(2025, 11, 14)),
                           dt.date(2025, 11, 14))[0].kind == "gstr3b"  # generated: nothing left to deem
