"""The figures shown on every surface are built once: the digest, App Home and ``/ims itc`` agree."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.blocks.answers import itc_blocks, summary_blocks
from bot.blocks.digest import summary_blocks as digest_summary
from bot.blocks.figures import deadline_section, itc_section, status_section
from bot.blocks.home import HomeData, home_view
from ims_core.reports.digest import DeadlineLine, DigestData, ItcFigures
from ims_core.reports.worklist import StatusCount

ITC = ItcFigures(claimable_paise=12_345_650, blocked_paise=90_000_00, at_risk_paise=1_000)
COUNTS = [StatusCount("matched", 10, 100_00), StatusCount("mismatch", 3, 1_23_456_78)]
DEADLINES = [DeadlineLine(dt.date(2025, 11, 20), "GSTR-3B <monthly>")]


def test_itc_section_lays_out_the_three_figures_in_rupees():
    assert itc_section(ITC).to_dict() == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*ITC*"},
        "fields": [
            {"type": "mrkdwn", "text": "*Claimable*\n₹1,23,456.50"},
            {"type": "mrkdwn", "text": "*Blocked*\n₹90,000.00"},
            {"type": "mrkdwn", "text": "*At risk*\n₹10.00"},
        ],
    }


def test_status_and_deadline_sections():
    assert status_section(COUNTS, "Reconciliation").to_dict()["text"]["text"] == (
        "*Reconciliation*\n• Matched: *10* (₹100.00 net tax)\n• Mismatch: *3* (₹1,23,456.78 net tax)"
    )
    assert deadline_section(DEADLINES).to_dict()["text"]["text"] == (
        "*Coming up*\n• *Thu 20 Nov 2025*: GSTR-3B &lt;monthly&gt;"
    )
    assert deadline_section([]).to_dict()["text"]["text"] == "No deadlines in the coming weeks."


def test_digest_home_and_answers_show_the_same_blocks_for_the_same_figures():
    digest = digest_summary(
        DigestData(
            day=dt.date(2025, 11, 5),
            recipients=["29AAFCC9980M1ZR"],
            period="102025",
            counts=COUNTS,
            itc=ITC,
            deadlines=DEADLINES,
            records=[],
            open_total=0,
            open_tax_paise=0,
        )
    )
    home = home_view(
        HomeData(
            user_id="U1",
            is_approver=True,
            recipients=["29AAFCC9980M1ZR"],
            period="102025",
            counts=COUNTS,
            open_total=3,
            open_tax_paise=300,
            itc=ITC,
            deadlines=DEADLINES,
            generated_at=dt.datetime(2025, 11, 5, 5, 0, tzinfo=dt.UTC),
        ),
        ZoneInfo("Asia/Kolkata"),
    ).to_dict()["blocks"]
    digest_json = [b.to_dict() for b in digest]
    itc = itc_section(ITC).to_dict()
    assert itc in digest_json and itc in home
    assert itc["fields"] == itc_blocks("102025", ITC)[0].to_dict()["fields"]
    deadlines = deadline_section(DEADLINES).to_dict()
    assert deadlines in home and deadlines in digest_json
    counts = status_section(COUNTS).to_dict()
    assert counts in home and counts == summary_blocks("102025", [], COUNTS)[1].to_dict()
