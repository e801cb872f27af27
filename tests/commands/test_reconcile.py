"""``ims reconcile``, ``ims export reconciliation`` and ``ims explain`` through the real CLI app."""

from __future__ import annotations

import csv

from sqlalchemy import create_engine
from support.matching import S1, book, insert_documents, portal
from typer.testing import CliRunner

from ims_core.cli import app
from ims_core.db import normalise_url
from ims_core.errors import UserFacingError

runner = CliRunner()


def seed(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    insert_documents(
        engine,
        [book(1, "INV-1043"), book(2, "INV-2000", taxable=2_000_000), book(3, "INV-3")],
        [portal(101, "INV-1048"), portal(102, "INV-2000", taxable=2_050_000), portal(103, "INV-77")],
    )
    engine.dispose()


def test_reconcile_prints_counts_and_rupees(env_db):
    seed(env_db)
    result = runner.invoke(app, ["reconcile"])
    assert result.exit_code == 0, result.output
    assert "Reconciliation #1" in result.output
    for status in ("probable", "mismatch", "missing_in_portal", "missing_in_books"):
        assert status in result.output
    assert "₹1,800.00" in result.output and "₹7,200.00" in result.output  # per status, and the total
    said = " ".join(result.output.split())  # the books' missing_in_portal blocks ITC: it counts too
    assert "4 documents need attention (3 to decide in IMS, 1 in your books that no supplier reported" in said


def test_export_then_explain(env_db, tmp_path):
    seed(env_db)
    assert runner.invoke(app, ["reconcile", "--period", "052025"]).exit_code == 0
    out = tmp_path / "reco.csv"
    result = runner.invoke(app, ["export", "reconciliation", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 rows" in result.output
    with out.open(encoding="utf-8") as handle:
        statuses = sorted(row["status"] for row in csv.DictReader(handle))
    assert statuses == ["mismatch", "missing_in_books", "missing_in_portal", "probable"]

    result = runner.invoke(app, ["explain", f"{S1}/inv-1043"])
    assert result.exit_code == 0, result.output
    assert "Result: probable" in result.output and "CHOSEN" in result.output
    assert "'INV-1048'" in result.output and "Stored result of run #1: the same" in result.output
    by_id = runner.invoke(app, ["explain", "#101"])  # the portal's INV-1048, named by its id
    assert by_id.exit_code == 0 and "Result: probable" in by_id.output and "'INV-1043'" in by_id.output


def test_errors_are_user_facing(env_db, tmp_path):
    result = runner.invoke(app, ["reconcile"])
    assert isinstance(result.exception, UserFacingError) and "nothing to reconcile" in str(result.exception)
    result = runner.invoke(app, ["export", "reconciliation", "-o", str(tmp_path / "x.csv")])
    assert isinstance(result.exception, UserFacingError)
    result = runner.invoke(app, ["explain", "INV-1043"])
    assert isinstance(result.exception, UserFacingError) and "SUPPLIER_GSTIN/DOC_NUMBER" in str(
        result.exception
    )
    result = runner.invoke(app, ["explain", "404"])
    assert isinstance(result.exception, UserFacingError) and str(result.exception) == (
        "there is no portal document #404")
    seed(env_db)
    result = runner.invoke(app, ["explain", f"{S1}/NOPE-1"])
    assert isinstance(result.exception, UserFacingError) and "no document 'NOPE-1'" in str(result.exception)


def test_export_for_excel_on_windows_starts_with_a_bom(env_db, tmp_path):
    """``--excel``: UTF-8 with a byte-order mark, which Excel on Windows needs to show "₹" (the reasons
    carry it); without it, plain UTF-8 as before."""
    seed(env_db)
    assert runner.invoke(app, ["reconcile"]).exit_code == 0
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert runner.invoke(app, ["export", "reconciliation", "-o", str(plain)]).exit_code == 0
    result = runner.invoke(app, ["export", "reconciliation", "-o", str(excel), "--excel"])
    assert result.exit_code == 0, result.output
    assert excel.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert plain.read_bytes().startswith(b"status,") and "₹".encode() in plain.read_bytes()
    refused = runner.invoke(app, ["export", "reconciliation", "-o", str(tmp_path / "x.xlsx"), "--excel"])
    assert isinstance(refused.exception, UserFacingError)
    assert "--excel is for a .csv" in str(refused.exception)
