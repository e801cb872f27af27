"""Pipeline speed: ``python bench/reconcile.py N`` generates N books and N portal documents (the
sample generator's month, with every kind of finding), runs the ``ims`` pipeline on them (import
books, import GSTR-2B, reconcile, export CSV), each stage as its own ``ims`` process, and prints
seconds and peak memory per stage beside a bare pandas read + exact merge of the same two files.

Targets: at 100,000 x 100,000 the pipeline within 3x the bare merge; at 1,000,000 x 1,000,000 under
60 s and 4 GB on 2 cores. Every process pays the interpreter and import start-up once; that figure
is printed too. Set ``DATABASE_URL`` to measure PostgreSQL instead of a fresh SQLite file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ims_core.samplegen import generate, write_books_csv, write_gstr2b_json

BASELINE = """
import sys, orjson, pandas as pd
books = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
data = orjson.loads(open(sys.argv[2], 'rb').read())["data"]["docdata"]
portal = pd.json_normalize(data["b2b"], "inv", ["ctin"])
merged = books.merge(portal, left_on=["supplier_gstin", "doc_number"], right_on=["ctin", "inum"], how="outer")
print(len(merged))
"""


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run one command; return wall seconds, CPU seconds (user + system) and peak resident MiB.

    CPU seconds are printed beside wall time because a shared machine's load stretches the latter.
    """
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
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
        stages = [("import books", [*ims, "import", "books", str(books), "--preset", "canonical"]),
                  ("import gstr2b", [*ims, "import", "gstr2b", str(portal)]),
                  ("reconcile", [*ims, "reconcile"]),
                  ("export csv", [*ims, "export", "reconciliation", "-o", str(folder / "reco.csv")])]
        total = cpu = peak = 0.0
        for label, args in stages:
            seconds, stage_cpu, stage_peak = run_measured(args, env)
            total, cpu, peak = total + seconds, cpu + stage_cpu, max(peak, stage_peak)
            print(f"{label:14s} {seconds:8.2f} s  cpu {stage_cpu:7.2f} s   peak {stage_peak:7.0f} MiB")
        print(f"{'pipeline':14s} {total:8.2f} s  cpu {cpu:7.2f} s   peak {peak:7.0f} MiB   "
              f"({n:,} x {n:,}, {'PostgreSQL' if env['DATABASE_URL'].startswith('postgres') else 'SQLite'})")
        print(f"{'bare merge':14s} {bare:8.2f} s  cpu {bare_cpu:7.2f} s   peak {bare_peak:7.0f} MiB   "
              "(pandas read of both files + merge)")
        print(f"{'ims start-up':14s} {startup:8.2f} s  cpu {startup_cpu:7.2f} s   "
              f"(paid by each of the {len(stages)} stages)")
        print(f"pipeline / bare merge: {total / bare:.2f}x wall, {cpu / bare_cpu:.2f}x cpu")


if __name__ == "__main__":
    main()
