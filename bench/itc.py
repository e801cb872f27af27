"""ITC position and deadlines speed: ``python bench/itc.py [N] [--db FILE]``.

Builds one registration's month of N books, N GSTR-2B documents and the same N documents as the IMS
shows them (a spread of portal actions, some user decisions, credit notes with reduction choices,
itcavl N, unfiled GSTR-3B, book payment dates), reconciles it, then times ``itc_position`` and
``deadlines`` the way the bot calls them (a fresh session each), then the same through the snapshot the
digest, App Home and ``ims itc`` read (``ims_core.itc.snapshots``: computed once, then read back while
the data is unchanged) and the digest's data, then ``ims itc --json`` as a new process, and prints
seconds. Target: ``ims itc`` answers within 1 s at 100,000 documents. ``--db FILE``
keeps the SQLite database to time again without rebuilding it; set ``DATABASE_URL`` (and pass
``--replace``) to measure a scratch PostgreSQL database instead: everything in it is dropped first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from ims_core.db import build_engine
from ims_core.db.schema import migrate
from ims_core.ingest.document import BOOK_COLUMNS, PORTAL_COLUMNS, ParsedImport, complete_frame
from ims_core.ingest.loader import load
from ims_core.itc.deadlines import deadlines
from ims_core.itc.position import itc_position
from ims_core.itc.snapshots import deadlines_as_of, position_figures
from ims_core.matching.run import run_reconciliation
from ims_core.models import FigureSnapshot, ImsDecision, PortalDocument, Recipient
from ims_core.reports.digest import collect
from ims_core.samplegen import generate

PERIOD = "102025"
TODAY = dt.date(2025, 11, 12)
SECTIONS = {"ims": {"INV": "b2b", "CRN": "b2bcn", "DBN": "b2bdn"},
            "gstr2b": {"INV": "b2b", "CRN": "cdnr", "DBN": "cdnr"}}


def _portal(month, source: str, rng: np.random.Generator) -> ParsedImport:
    frame = month.portal.drop(columns=["finding"]).copy()
    n = len(frame)
    frame["source"] = source
    frame["section"] = frame["doc_type"].map(SECTIONS[source])
    frame["return_period"] = month.period
    frame["gstr3b_filed"] = np.where(rng.random(n) < 0.03, "N", "Y")
    if source == "ims":
        frame["ims_action"] = rng.choice(["N", "A", "P", "R"], size=n, p=[0.6, 0.25, 0.1, 0.05])
        frame["pending_action_blocked"] = pd.Series(
            np.where(frame["doc_type"] == "CRN", True, None), index=frame.index, dtype=object
        )
        frame["supplier_filing_status"] = np.where(rng.random(n) < 0.02, "Not Filed", "Filed")
    else:
        unavailable = rng.random(n) < 0.02
        frame["itc_available"] = np.where(unavailable, "N", "Y")
        frame["itc_unavailable_reason"] = np.where(unavailable, rng.choice(["P", "C"], size=n), "")
    parsed_kind = "ims" if source == "ims" else "gstr2b"
    return ParsedImport(parsed_kind, complete_frame(frame, PORTAL_COLUMNS), f"{source}.json",
                        f"bench-{source}", month.recipient_gstin, month.period)


def _books(month, rng: np.random.Generator) -> ParsedImport:
    frame = month.books.drop(columns=["finding"]).copy()
    paid = rng.random(len(frame)) < 0.7
    late = pd.to_timedelta(rng.integers(5, 240, len(frame)), unit="D")
    frame["payment_date"] = (frame["doc_date"] + late).where(paid)
    frame = complete_frame(frame, BOOK_COLUMNS)
    frame["source_row"] = range(2, len(frame) + 2)
    return ParsedImport("books", frame, "books.csv", "bench-books", month.recipient_gstin)


def _decide_some(engine: Engine, gstin: str, rng: np.random.Generator) -> int:
    """User decisions on a tenth of the IMS records, credit notes with each reduction choice."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(PortalDocument.id, PortalDocument.doc_type, PortalDocument.cgst_paise)
            .where(PortalDocument.recipient_gstin == gstin, PortalDocument.source == "ims")
        ).all()
        chosen = [rows[i] for i in sorted(rng.choice(len(rows), size=len(rows) // 10, replace=False))]
        values = []
        for n, (doc_id, doc_type, cgst) in enumerate(chosen):
            mode = ("full", "partial", "nil")[n % 3] if doc_type == "CRN" else ""
            partial = mode == "partial"
            values.append(dict(
                portal_document_id=doc_id, recipient_gstin=gstin, return_period=PERIOD,
                action=("A", "R", "P", "A")[n % 4], version=1, decided_by_source="cli",
                itc_reduction=mode, decl_igst_paise=0 if partial else None,
                decl_cgst_paise=cgst // 2 if partial else None,
                decl_sgst_paise=cgst // 2 if partial else None,
                decl_cess_paise=0 if partial else None,
            ))
        conn.execute(insert(ImsDecision), values)
    return len(values)


def build(engine: Engine, n: int) -> str:
    rng = np.random.default_rng(5)
    month = generate(n, period=PERIOD, seed=11)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # tables, triggers and functions of the last build
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            SQLModel.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate(engine)
    with Session(engine) as session:
        session.execute(delete(Recipient).where(Recipient.gstin == month.recipient_gstin))
        session.add(Recipient(gstin=month.recipient_gstin, state_code=month.recipient_gstin[:2]))
        session.commit()
    for label, parsed in (("books", _books(month, rng)), ("gstr2b", _portal(month, "gstr2b", rng)),
                          ("ims", _portal(month, "ims", rng))):
        started = time.perf_counter()
        load(engine, parsed)
        print(f"loaded {label} ({len(parsed.frame):,} rows) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    run_reconciliation(engine, month.recipient_gstin, PERIOD)
    decided = _decide_some(engine, month.recipient_gstin, rng)
    print(f"reconciled and made {decided:,} decisions in {time.perf_counter() - started:.1f} s")
    return month.recipient_gstin


def timed(engine: Engine, label: str, call, repeats: int) -> object:  # any callable
    """Wall seconds (first and best run) and this process's CPU seconds of the best run: the CPU figure
    is the steadier one on a shared machine (the database server's own work is not in it)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        with Session(engine) as session:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = call(session)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    print(f"{label:16s} first {times[0]:6.2f} s   best {min(times):6.2f} s   "
          f"cpu {min(cpu):6.2f} s   ({repeats} runs)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="SQLite file to keep (reused when it already has data)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replace", action="store_true",
                        help="with DATABASE_URL: allow dropping everything in that database first")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL") and not args.replace:
        raise SystemExit("bench/itc.py replaces the whole database at DATABASE_URL: add --replace to confirm")
    with tempfile.TemporaryDirectory() as tmp:
        db_file = args.db or Path(tmp) / "itc.db"
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{db_file}"
        engine = build_engine(url)
        reuse = args.db is not None and db_file.exists() and not url.startswith("postgres")
        if reuse:
            with engine.connect() as conn:
                gstin = conn.execute(select(Recipient.gstin)).scalar_one()
                count = conn.execute(select(func.count()).select_from(PortalDocument)).scalar_one()
            print(f"reusing {count:,} portal documents")
        else:
            gstin = build(engine, args.n)
        pos = timed(engine, "itc_position", lambda s: itc_position(
            s, recipient_gstin=gstin, period=PERIOD, today=TODAY), args.repeats)
        found = timed(engine, "deadlines",
                      lambda s: deadlines(s, recipient_gstin=gstin, today=TODAY), args.repeats)
        table = pos.table_4()
        print(f"4C {table['4C'].total:,} paise; at risk {pos.at_risk.count:,} documents; "
              f"{len(found):,} deadlines ({'PostgreSQL' if url.startswith('postgres') else 'SQLite'})")
        _forget_snapshots(engine)
        print("-- answered from the snapshot (first: computed and kept; then: read back while unchanged)")
        kept = timed(engine, "position (kept)", lambda s: position_figures(
            s, recipient_gstin=gstin, period=PERIOD, today=TODAY), args.repeats)
        assert kept.to_json() == pos.to_json()
        timed(engine, "deadlines (kept)",
              lambda s: deadlines_as_of(s, recipient_gstin=gstin, today=TODAY), args.repeats)
        timed(engine, "digest data", lambda s: collect(s, day=TODAY), args.repeats)
        _forget_snapshots(engine)
        engine.dispose()
        _command(url, gstin, args.repeats)


def _forget_snapshots(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(FigureSnapshot))


def _command(url: str, gstin: str, repeats: int) -> None:
    """``ims itc --json`` as a script runs it: a new process each time, start-up included."""
    command = [sys.executable, "-m", "ims_core.cli", "itc", "--period", PERIOD, "--recipient", gstin,
               "--today", TODAY.isoformat(), "--json"]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    print(f"{'ims itc --json':16s} first {times[0]:6.2f} s   best {min(times):6.2f} s   ({repeats} runs, "
          "a new process each; the first computes, the others read the snapshot)")


if __name__ == "__main__":
    main()
