"""An import's summary counts each document once (issue 20): GSTR-2B v4 lists records rejected in IMS in
``docRejdata``, and the portal's own sample lists the same documents as available too; the net total
is of the credit available, the rejected ones beside it."""

from __future__ import annotations

from conftest import FIXTURES
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.ingest.gstr2b import parse_gstr2b
from ims_core.ingest.loader import load

V4 = FIXTURES / "external" / "gstr2b_api_v4_sample_ims-era_invoice-level__india-compliance.json"


def test_rejected_records_are_not_in_the_net_total(engine):
    summary = load(engine, parse_gstr2b([V4]))
    # the sample's 16 available records net to ₹49,046.04 taxable, ₹1,779.04 tax; its 12 rejected ones
    # repeat the same documents: before, the total said ₹98,092.08, both counted
    assert (summary.taxable_paise, summary.tax_paise) == (49_046_04, 1_779_04)
    rejected = summary.counted(rejected=True)
    assert (rejected.total, rejected.net_taxable_paise, rejected.net_tax_paise) == (12, 49_046_04, 1_779_04)
    assert summary.counted(rejected=False).total == 16 and summary.total == 28


def test_the_import_table_shows_them_apart(env_db):
    result = CliRunner().invoke(app, ["import", "gstr2b", str(V4)], terminal_width=160)
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if "net total" in line)
    rejected = next(line for line in result.output.splitlines() if "rejected in IMS" in line)
    assert "₹49,046.04" in total and "₹98,092.08" not in result.output
    assert "₹49,046.04" in rejected and "12" in rejected
