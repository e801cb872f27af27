"""The picture of the credit on a real reconciled month whose figures were worked out by hand, drawn
without a display; and ``ims itc --chart``, which writes the same chart.

October 2025 (``support.followups``, recipient in Maharashtra, tax at 18 %): GSTR-2B has A-101
(₹1,00,000 taxable: CGST+SGST ₹18,000), A-103 (₹22,000 on the portal, ₹20,000 in the books: ₹3,960,
a mismatch), B-7 (Karnataka, IGST ₹1,800) and BS-1 (₹900). Claimable 4C = ₹18,000 + ₹3,960 + ₹1,800
+ ₹900 = ₹24,660; blocked = A-102 (₹50,000 taxable: ₹9,000), in the books and not reported; at risk =
A-103's ₹3,960, all of Shree Polymers. The five months before have nothing.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from matplotlib import image
from support.followups import RECIPIENT, A, first_month
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.db import session_scope
from ims_core.errors import UserFacingError
from ims_core.reports.charts import SupplierRisk, credit_picture, render, short_inr
from ims_core.reports.digest import ItcFigures

NOV_15 = dt.date(2025, 11, 15)
OCTOBER = ItcFigures(claimable_paise=24_660_00, blocked_paise=9_000_00, at_risk_paise=3_960_00)


@pytest.fixture
def month(engine):
    first_month(engine)
    return engine


def test_six_periods_to_the_one_asked_and_the_suppliers_most_at_risk(month):
    with session_scope(month) as session:
        picture = credit_picture(session, [RECIPIENT], "102025", NOV_15)
    assert [period for period, _ in picture.months] == ["052025", "062025", "072025", "082025", "092025",
                                                         "102025"]
    assert [figures for _, figures in picture.months] == [ItcFigures(0, 0, 0)] * 5 + [OCTOBER]
    assert picture.suppliers == [SupplierRisk(A, "Shree Polymers", 3_960_00)]


def test_the_png_opens_as_an_image_and_its_alt_text_says_every_figure(month):
    with session_scope(month) as session:
        chart = render(credit_picture(session, [RECIPIENT], "102025", NOV_15))
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.imread(io.BytesIO(chart.png), format="png").shape == (440, 1100, 4)
    assert (chart.filename, chart.title) == ("itc-102025.png", "ITC position to Oct 2025")
    empty = "claimable ₹0.00, blocked ₹0.00, at risk ₹0.00"
    assert chart.alt_text == (
        f"ITC position of {RECIPIENT} by month, net tax. May 2025: {empty}; Jun 2025: {empty}; "
        f"Jul 2025: {empty}; Aug 2025: {empty}; Sep 2025: {empty}; Oct 2025: claimable ₹24,660.00, blocked "
        f"₹9,000.00, at risk ₹3,960.00. Top suppliers by tax at risk in Oct 2025: Shree Polymers ({A}) "
        "₹3,960.00."
    )


def test_axis_labels_in_lakh_and_crore():
    assert [short_inr(v) for v in (0, 950.4, 99_999, 1_00_000, 24_66_000, 1_23_45_678, -2_50_000)] == [
        "₹0", "₹950", "₹99,999", "₹1.0 L", "₹24.7 L", "₹1.2 Cr", "-₹2.5 L"]


def test_ims_itc_chart_writes_the_same_png(month, env_db, tmp_path):
    out = tmp_path / "itc.png"
    result = CliRunner().invoke(app, ["itc", "--period", "102025", "--today", "2025-11-15", "--json",
                                      "--chart", str(out)])
    assert result.exit_code == 0, result.output
    assert f"chart written to {out}" in result.stderr and result.stdout.lstrip().startswith("{")
    with session_scope(month) as session:
        expected = render(credit_picture(session, [RECIPIENT], "102025", NOV_15))
    assert out.read_bytes() == expected.png
    refused = CliRunner().invoke(app, ["itc", "--period", "102025", "--chart", str(tmp_path / "itc.jpg")])
    assert isinstance(refused.exception, UserFacingError)
    assert str(refused.exception) == f"{tmp_path / 'itc.jpg'}: the chart must end in .png"
