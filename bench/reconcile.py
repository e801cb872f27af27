"""Pipeline speed: ``python bench/reconcile.py N`` generates N books and N portal documents (the
sample generator's month, with every kind of finding), runs the ``ims`` pipeline on them (import
books, import GSTR-2B, reconcile, export CSV), each stage as its own ``ims`` process, and prints
seconds and peak memory per stage beside a bare pandas read + exact merge of the same two files.

Targets: at 100,000 x 100,000 the pipeline within 3x the bare merge; at 1,000,000 x 1,000,000 under
60 s and 4 GB on 2 cores. Every process pays the interpreter and import start-up once; that figure
is printed too. Set ``DATABASE_URL`` to measure PostgreSQL instead of a fresh SQLite file.

``--in-process`` runs the same ``ims`` commands through the CLI's Typer app inside this one Python
process instead: the figures then leave the interpreter and import start-up out (paid once, before the
clock starts), and the peak memory shown is this process's peak so far.

Usage: ``python bench/reconcile.py [N] [--in-process]``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from measure import run_measured

from ims_core.samplegen import generate, write_books_csv, write_gstr2b_json

BASELINE = """
import sys, orjson, pandas as pd
books = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
data = orjson.loads(open(sys.argv[2], 'rb').read())["data"]["docdata"]
portal = pd.json_normalize(data["b2b"], "inv", ["ctin"])
merged = books.merge(portal, left_on=["supplier_gstin", "doc_number"], right_on=["ctin", "inum"], how="outer")
print(len(merged))
"""


def run_in_process(args: list[str]) -> tuple[float, float, float]:
    """Run one ``ims`` command through the Typer app in this process; same figures as
    :func:`run_measured` (peak memory is the process's peak so far)."""
    from ims_core.cli import app

    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        app(args, standalone_mode=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    in_process = "--in-process" in sys.argv[1:]
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(numbers[0]) if numbers else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        month = generate(n, seed=11)
        books = write_books_csv(month, folder / "books.csv")
        portal = write_gstr2b_json(month, folder / "gstr2b.json")
        print(f"generated {len(month.books):,} book rows and {len(month.portal):,} portal documents "
              f"in {time.perf_counter() - started:.1f} s (not part of the figures)")
        env = dict(os.environ)
        env.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.db'}")
        python = sys.executable
        ims = [python, "-m", "ims_core.cli"]

        startup, startup_cpu, _ = run_measured([*ims, "--help"], env)
        bare, bare_cpu, bare_peak = run_measured([python, "-c", BASELINE, str(books), str(portal)], env)
        stages = [("import books", ["import", "books", str(books), "--preset", "canonical"]),
                  ("import gstr2b", ["import", "gstr2b", str(portal)]),
                  ("reconcile", ["reconcile"]),
                  ("export csv", ["export", "reconciliation", "-o", str(folder / "reco.csv")])]
        if in_process:  # the engine and settings read DATABASE_URL from the environment
            os.environ["DATABASE_URL"] = env["DATABASE_URL"]
            importlib.import_module("ims_core.cli")  # the start-up, paid here off the clock
        total = cpu = peak = 0.0
        for label, args in stages:
            measured = run_in_process(args) if in_process else run_measured([*ims, *args], env)
            seconds, stage_cpu, stage_peak = measured
            total, cpu, peak = total + seconds, cpu + stage_cpu, max(peak, stage_peak)
            print(f"{label:14s} {seconds:8.2f} s  cpu {stage_cpu:7.2f} s   peak {stage_peak:7.0f} MiB   "
                  f"{seconds / bare:5.2f}x bare merge")
        print(f"{'pipeline':14s} {total:8.2f} s  cpu {cpu:7.2f} s   peak {peak:7.0f} MiB   "
              f"({n:,} x {n:,}, {'PostgreSQL' if env['DATABASE_URL'].startswith('postgres') else 'SQLite'})")
        print(f"{'bare merge':14s} {bare:8.2f} s  cpu {bare_cpu:7.2f} s   peak {bare_peak:7.0f} MiB   "
              "(pandas read of both files + merge)")
        print(f"{'ims start-up':14s} {startup:8.2f} s  cpu {startup_cpu:7.2f} s   "
              + ("(paid once, before the clock: stages ran in this process)" if in_process
                 else f"(paid by each of the {len(stages)} stages)"))
        print(f"pipeline / bare merge: {total / bare:.2f}x wall, {cpu / bare_cpu:.2f}x cpu")


if __name__ == "__main__":
    main()
