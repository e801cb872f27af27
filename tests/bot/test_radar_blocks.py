"""The radar section, through slack_sdk's models: what the digest and App Home lead with."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.blocks.digest import summary_blocks
from bot.blocks.home import HomeData, home_view
from bot.blocks.radar import NOTHING, radar_section
from ims_core.reports.digest import DeadlineLine, DigestData
from ims_core.reports.radar import RadarLine

LINES = [
    RadarLine("deemed_acceptance", dt.date(2025, 11, 14), 3, 60_000, "29AAFCC9980M1ZR",
              "₹600.00 of tax in 3 records will be deemed accepted <soon> & more"),
    RadarLine("gstr3b", dt.date(2025, 11, 20), 3, 60_000, "29AAFCC9980M1ZR", "GSTR-3B for Oct 2025 is due"),
]
HEADING = "*:rotating_light: What costs money soonest*"


def test_radar_section_escapes_its_lines_and_counts_what_it_leaves_out():
    assert radar_section(LINES).to_dict()["text"]["text"] == (
        f"{HEADING}\n• ₹600.00 of tax in 3 records will be deemed accepted &lt;soon&gt; &amp; more\n"
        "• GSTR-3B for Oct 2025 is due"
    )
    assert radar_section(LINES, limit=1).to_dict()["text"]["text"].splitlines()[-1] == (
        "_…and 1 more: `/ims deadlines`_")
    assert radar_section([]).to_dict()["text"]["text"] == NOTHING


def test_the_digest_and_app_home_lead_with_the_radar():
    data = DigestData(day=dt.date(2025, 11, 12), recipients=["29AAFCC9980M1ZR"], period="102025", counts=[],
                      itc=None, deadlines=[DeadlineLine(dt.date(2025, 11, 30), "Rule 37A")], records=[],
                      open_total=0, open_tax_paise=0, radar=LINES)
    blocks = [b.to_dict() for b in summary_blocks(data)]
    assert blocks[2]["text"]["text"].startswith(HEADING)
    assert "Coming up" in blocks[3]["text"]["text"]  # the other kinds of deadline, after it
    home = HomeData(user_id="U1", is_approver=True, recipients=["29AAFCC9980M1ZR"], period="102025",
                    counts=[], open_total=0, open_tax_paise=0, itc=None, deadlines=[],
                    generated_at=dt.datetime(2025, 11, 12, 5, 0, tzinfo=dt.UTC), radar=LINES)
    view = home_view(home, ZoneInfo("Asia/Kolkata")).to_dict()
    assert view["blocks"][2]["text"]["text"].startswith(HEADING)
    assert "No deadlines in the coming weeks" not in str(view)  # the radar has them
