"""``ims run`` as a cron job runs it: a real process (one thread, so free to fork), its exit code, its
output, and the database after, compared with what the four separate commands leave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from ims_core.db import build_engine
from ims_core.db.schema import current_revision, head_revision
from ims_core.models import ImportBatch, MatchResult, PortalDocument, PurchaseDocument, ReconciliationRun
from ims_core.samplegen import DEMO_FILES, generate, write_books_csv, write_gstr2b_json

DEMO = Path(__file__).resolve().parents[2] / "ims_core" / "data" / "demo"
DEMO_RECIPIENT = "27AADCD4821K1ZM"
STEPS = ["import books", "import gstr2b", "imports", "reconcile", "export", "total"]


def ims(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """``ims ARGS`` in its own process."""
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "ims_core.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def database_state(database_url: str) -> dict:
    engine = build_engine(database_url)
    with engine.connect() as conn:
        state = {model.__tablename__: conn.execute(select(func.count()).select_from(model.__table__)).scalar()
                 for model in (PurchaseDocument, PortalDocument, ImportBatch, ReconciliationRun)}
        state["statuses"] = dict(conn.execute(
            select(MatchResult.status, func.count()).group_by(MatchResult.status)).all())
    engine.dispose()
    return state


def timings(path: Path, *, export: bool) -> dict:
    figures = json.loads(path.read_text())
    assert list(figures) == [s for s in STEPS if export or s != "export"]
    assert all(isinstance(figures[s], float | int) and figures[s] >= 0 for s in STEPS if s in figures)
    assert figures["total"] + 0.01 >= figures["imports"] + figures["reconcile"]
    return figures


def books_with_a_bad_date(month: dict[str, Path], folder: Path) -> Path:
    """The month's books with row 6's doc_date made a day that does not exist."""
    lines = month["books"].read_text().splitlines()
    row = lines[5].split(",")
    row[4] = "31-02-2025"
    lines[5] = ",".join(row)
    broken = folder / "books.csv"
    broken.write_text("\n".join(lines) + "\n")
    return broken


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A sample month of a few hundred documents; its GSTR-2B also split in two files of one return."""
    folder = tmp_path_factory.mktemp("month")
    sample = generate(300, seed=5)
    files = {"books": write_books_csv(sample, folder / "books.csv"),
             "gstr2b": write_gstr2b_json(sample, folder / "gstr2b.json")}
    whole = orjson.loads(files["gstr2b"].read_bytes())
    for section in ("b2b", "cdnr"):
        part = {"chksum": "", "data": {**whole["data"], "fc": 2,
                                       "docdata": {section: whole["data"]["docdata"][section]}}}
        files[section] = folder / f"gstr2b_{section}.json"
        files[section].write_bytes(orjson.dumps(part))
    return files


def test_run_does_what_the_four_commands_do(month, database_url, other_database_url, tmp_path):
    books, b2b, cdnr = str(month["books"]), str(month["b2b"]), str(month["cdnr"])
    for args in (["import", "books", books, "--preset", "canonical"], ["import", "gstr2b", b2b, cdnr],
                 ["reconcile"], ["export", "reconciliation", "-o", str(tmp_path / "four.csv")]):
        assert (done := ims(other_database_url, *args)).returncode == 0, done.stderr

    result = ims(database_url, "run", "--books", books, "--preset", "canonical", "--gstr2b", b2b,
                 "--gstr2b", cdnr, "-o", str(tmp_path / "run.csv"), "--workers", "2",
                 "--timings", str(tmp_path / "t.json"))

    assert result.returncode == 0, result.stderr
    assert database_state(database_url) == database_state(other_database_url)
    assert (tmp_path / "run.csv").read_bytes() == (tmp_path / "four.csv").read_bytes()
    timings(tmp_path / "t.json", export=True)
    out = result.stdout
    printed = [out.index(s) for s in ("books import of books.csv", "gstr2b import of gstr2b_b2b.json, "
                                      "gstr2b_cdnr.json", "Reconciliation #1", "Wrote ", "Done in ")]
    assert printed == sorted(printed)
    assert "), reconcile" in out and "Traceback" not in result.stderr


def test_the_ims_records_join_the_run_as_ims_import_ims_would(database_url, other_database_url, tmp_path):
    """The bundled month's IMS records: imported after the GSTR-2B for the books' recipient, and met
    by the reconciliation in place of their GSTR-2B copies."""
    books, gstr2b, records = (str(DEMO / DEMO_FILES[kind]) for kind in ("books", "gstr2b", "ims"))
    for args in (["import", "books", books], ["import", "gstr2b", gstr2b],
                 ["import", "ims", records, "--recipient", DEMO_RECIPIENT], ["reconcile"],
                 ["export", "reconciliation", "-o", str(tmp_path / "four.csv")]):
        assert (done := ims(other_database_url, *args)).returncode == 0, done.stderr

    result = ims(database_url, "run", "--books", books, "--gstr2b", gstr2b, "--ims", records,
                 "-o", str(tmp_path / "run.csv"), "--workers", "2", "--timings", str(tmp_path / "t.json"))

    assert result.returncode == 0, result.stderr
    assert database_state(database_url) == database_state(other_database_url)
    assert (tmp_path / "run.csv").read_bytes() == (tmp_path / "four.csv").read_bytes()
    assert json.loads((tmp_path / "t.json").read_text())["import ims"] >= 0
    out = result.stdout
    assert out.index("gstr2b import of") < out.index("ims import of") < out.index("Reconciliation #1")
    assert ", IMS " in out.splitlines()[-1]


def test_a_period_narrows_the_run_as_it_narrows_ims_reconcile(database_url, other_database_url, tmp_path):
    books, gstr2b = (str(DEMO / DEMO_FILES[kind]) for kind in ("books", "gstr2b"))
    for args in (["import", "books", books], ["import", "gstr2b", gstr2b],
                 ["reconcile", "--period", "102025"],
                 ["export", "reconciliation", "-o", str(tmp_path / "four.csv")]):
        assert (done := ims(other_database_url, *args)).returncode == 0, done.stderr

    result = ims(database_url, "run", "--books", books, "--gstr2b", gstr2b, "--period", "102025",
                 "-o", str(tmp_path / "run.csv"))

    assert result.returncode == 0, result.stderr
    assert "period 102025" in result.stdout
    assert database_state(database_url) == database_state(other_database_url)
    assert (tmp_path / "run.csv").read_bytes() == (tmp_path / "four.csv").read_bytes()


def test_a_period_it_cannot_read_is_refused_before_any_work(month, database_url):
    result = ims(database_url, "run", "--books", str(month["books"]), "--gstr2b", str(month["gstr2b"]),
                 "--period", "2025-10")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: --period: '2025-10' is not a return period "
                                     "(expected MMYYYY, e.g. 102025)")
    assert database_state(database_url)["import_batch"] == 0


def test_one_worker_gives_the_same_result(month, database_url, other_database_url, tmp_path):
    common = ["run", "--books", str(month["books"]), "--gstr2b", str(month["gstr2b"])]
    one = ims(database_url, *common, "--workers", "1", "-o", str(tmp_path / "a.csv"),
              "--timings", str(tmp_path / "a.json"))
    two = ims(other_database_url, *common, "--workers", "2", "--timings", str(tmp_path / "b.json"))
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert ims(other_database_url, "export", "reconciliation", "-o", str(tmp_path / "b.csv")).returncode == 0

    timings(tmp_path / "a.json", export=True)
    timings(tmp_path / "b.json", export=False)
    assert "export" not in two.stdout.splitlines()[-1]
    assert database_state(database_url) == database_state(other_database_url)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert one.stdout.index("books import") < one.stdout.index("gstr2b import")


def test_a_new_database_gets_its_schema_first(month, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = ims(url, "run", "--books", str(month["books"]), "--gstr2b", str(month["gstr2b"]))
    assert result.returncode == 0, result.stderr
    engine = build_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    state = database_state(url)
    assert state["import_batch"] == 2 and state["reconciliation_run"] == 1 and state["statuses"]


def test_bad_books_in_a_new_database_leave_only_the_schema(month, tmp_path):
    broken = books_with_a_bad_date(month, tmp_path)
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = ims(url, "run", "--books", str(broken), "--gstr2b", str(month["gstr2b"]))
    assert result.returncode == 1 and result.stderr.startswith("error: books.csv: row 6, field 'doc_date'")
    state = database_state(url)
    assert state["import_batch"] == state["portal_document"] == state["reconciliation_run"] == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_books_stop_the_run_before_anything_is_written(month, database_url, tmp_path, workers):
    """With two workers the GSTR-2B is being parsed meanwhile: its outcome is dropped."""
    broken = books_with_a_bad_date(month, tmp_path)

    result = ims(database_url, "run", "--books", str(broken), "--gstr2b", str(month["gstr2b"]),
                 "-o", str(tmp_path / "out.csv"), "--workers", workers)

    assert result.returncode == 1
    assert result.stderr.startswith("error: books.csv: row 6, field 'doc_date'")
    assert "31-02-2025" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    state = database_state(database_url)
    assert state["import_batch"] == state["portal_document"] == state["reconciliation_run"] == 0
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_gstr2b_leaves_the_books_imported_and_nothing_reconciled(month, database_url, tmp_path,
                                                                        workers):
    """With two workers the GSTR-2B's error comes from the process that parsed it, whole."""
    broken = tmp_path / "bad_2b.json"
    document = orjson.loads(month["gstr2b"].read_bytes())
    document["data"]["docdata"]["b2b"][0]["inv"][0]["dt"] = "31-02-2025"
    broken.write_bytes(orjson.dumps(document))

    result = ims(database_url, "run", "--books", str(month["books"]), "--gstr2b", str(broken),
                 "-o", str(tmp_path / "out.csv"), "--workers", workers)

    assert result.returncode == 1
    assert result.stderr.startswith("error: bad_2b.json: row docdata.b2b[0].inv[0], field 'dt'")
    assert "Traceback" not in result.stderr
    assert "books import of books.csv" in result.stdout and "Reconciliation" not in result.stdout
    state = database_state(database_url)
    assert state["purchase_document"] > 0 and state["import_batch"] == 1
    assert state["portal_document"] == state["reconciliation_run"] == 0
    assert not (tmp_path / "out.csv").exists()


def test_an_export_path_it_cannot_write_is_refused_before_any_work(month, database_url, tmp_path):
    result = ims(database_url, "run", "--books", str(month["books"]), "--gstr2b", str(month["gstr2b"]),
                 "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'out.txt'}: the export must end in .csv or .xlsx"
    state = database_state(database_url)
    assert state["import_batch"] == state["reconciliation_run"] == 0


def refuse_results(database_url: str) -> None:
    """Make the database itself refuse to store any result row, as a full disk would."""
    engine = build_engine(database_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON match_result "
                                 "BEGIN SELECT RAISE(ABORT, 'no room for results'); END")
        else:
            conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                                 "$$ BEGIN RAISE EXCEPTION 'no room for results'; END $$")
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON match_result "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse()")
    engine.dispose()


def test_results_it_cannot_store_leave_no_export_behind(month, database_url, tmp_path):
    """When storing fails the run, like any failed run, leaves nothing: no results, and no file."""
    refuse_results(database_url)
    (out := tmp_path / "out").mkdir()

    result = ims(database_url, "run", "--books", str(month["books"]), "--gstr2b", str(month["gstr2b"]),
                 "-o", str(out / "reconciliation.csv"), "--workers", "2")

    assert result.returncode != 0
    assert "no room for results" in result.stderr
    assert "Reconciliation #" not in result.stdout
    state = database_state(database_url)
    assert state["import_batch"] == 2 and state["reconciliation_run"] == 0 and state["statuses"] == {}
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_gstr2b_naming_no_recipient_is_read_for_the_books_recipient(month, database_url, tmp_path, workers):
    """Issue 20: the books name the recipient; a GSTR-2B without ``gstin`` is read for it, and the run
    says so, instead of failing after the books are in."""
    unnamed = tmp_path / "gstr2b_unnamed.json"
    document = orjson.loads(month["gstr2b"].read_bytes())
    recipient = document["data"].pop("gstin")
    unnamed.write_bytes(orjson.dumps(document))

    result = ims(database_url, "run", "--books", str(month["books"]), "--gstr2b", str(unnamed),
                 "--workers", workers)

    assert result.returncode == 0, result.stderr
    assert (f"gstr2b_unnamed.json does not name the recipient GSTIN: read as {recipient}, the books' "
            "recipient") in result.stdout
    state = database_state(database_url)
    assert state["portal_document"] > 0 and state["reconciliation_run"] == 1


def test_import_gstr2b_naming_no_recipient_takes_the_only_registration(month, database_url, tmp_path):
    unnamed = tmp_path / "gstr2b_unnamed.json"
    document = orjson.loads(month["gstr2b"].read_bytes())
    document["data"].pop("gstin")
    unnamed.write_bytes(orjson.dumps(document))
    refused = ims(database_url, "import", "gstr2b", str(unnamed))  # an empty database: nobody to assume
    assert refused.returncode == 1 and "does not name the recipient GSTIN: pass --recipient" in refused.stderr
    assert ims(database_url, "import", "books", str(month["books"])).returncode == 0
    result = ims(database_url, "import", "gstr2b", str(unnamed))
    assert result.returncode == 0, result.stderr
    assert "the only registration in the database" in result.stdout
