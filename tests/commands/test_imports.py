"""``ims import`` as a user runs it: a real process, its exit code, its output and the database after."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from ims_core.db import build_engine
from ims_core.models import ImportBatch, PortalDocument, PurchaseDocument

DEMO = Path(__file__).resolve().parents[2] / "ims_core" / "data" / "demo"


def ims(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "ims_core.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def count(database_url: str, model) -> int:
    engine = build_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(model.__table__)).scalar()
    engine.dispose()
    return n


def test_books_import_prints_a_summary_in_rupees_and_lands(database_url):
    result = ims(database_url, "import", "books", str(DEMO / "purchase_register_oct2025.csv"))
    assert result.returncode == 0, result.stderr
    assert "net total" in result.stdout and "₹" in result.stdout and "350" in result.stdout
    assert count(database_url, PurchaseDocument) == 350


def test_reimporting_the_same_file_says_so_and_changes_nothing(database_url):
    file = str(DEMO / "gstr2b_102025.json")
    assert ims(database_url, "import", "gstr2b", file).returncode == 0
    again = ims(database_url, "import", "gstr2b", file)
    assert again.returncode == 0 and "already imported" in again.stdout
    assert count(database_url, ImportBatch) == 1 and count(database_url, PortalDocument) == 348


def test_dry_run_writes_nothing(database_url):
    result = ims(database_url, "import", "ims", str(DEMO / "ims_records_102025.json"), "--dry-run")
    assert result.returncode == 0 and "Dry run: the file is valid; nothing was written." in result.stdout
    assert count(database_url, PortalDocument) == 0


def test_a_bad_file_exits_non_zero_names_the_row_and_writes_nothing(database_url, tmp_path):
    lines = (DEMO / "purchase_register_oct2025.csv").read_text().splitlines()
    bad = lines[5].split(",")
    bad[4] = "31-02-2025"  # doc_date: no such day
    lines[5] = ",".join(bad)
    broken = tmp_path / "books.csv"
    broken.write_text("\n".join(lines) + "\n")
    result = ims(database_url, "import", "books", str(broken))
    assert result.returncode != 0
    assert "books.csv" in result.stderr and "row 6" in result.stderr and "31-02-2025" in result.stderr
    assert "Traceback" not in result.stderr
    assert count(database_url, PurchaseDocument) == 0 and count(database_url, ImportBatch) == 0


def test_a_missing_file_is_a_one_line_error(database_url, tmp_path):
    result = ims(database_url, "import", "gstr2a", str(tmp_path / "nope.json"))
    assert result.returncode != 0 and "no such file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_process_closes_its_database_before_it_ends(tmp_path):
    """``ims`` ends without the interpreter's teardown, but only after closing its connections: on
    SQLite the write-ahead log is then folded into the file and removed."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    result = ims(url, "import", "books", str(DEMO / "purchase_register_oct2025.csv"))
    assert result.returncode == 0, result.stderr
    assert "net total" in result.stdout  # printed output is flushed before the end
    # no -wal or -shm left: only the database and its audit checkpoint (ims_core.audit.anchor)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "own.db", "own.db.audit-checkpoint", "own.db.audit-checkpoint.lock"]
    assert count(url, PurchaseDocument) == 350


def test_amounts_are_printed_whole_in_a_log_without_a_terminal_width(database_url, tmp_path):
    """A cron job's output is no terminal and sets no COLUMNS: rich's 80 columns used to cut a crore
    amount to '₹8,08,53,54,260…'."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"DATABASE_URL": database_url}
    books = tmp_path / "big.csv"
    with (DEMO / "purchase_register_oct2025.csv").open(encoding="utf-8", newline="") as demo:
        header, row = list(csv.reader(demo))[:2]
    row[header.index("taxable_value")] = "12345678901.25"  # two crore-sized amounts side by side:
    row[header.index("igst")] = "2222222222.18"  # wider than 80 columns allow
    with books.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, row])
    result = subprocess.run([sys.executable, "-m", "ims_core.cli", "import", "books", str(books)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "₹12,34,56,78,901.25" in result.stdout and "₹2,22,22,22,222.18" in result.stdout
    assert "…" not in result.stdout
