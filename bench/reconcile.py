"""Pipeline speed: ``python bench/reconcile.py N`` generates N books and N portal documents (the
sample generator's month, with every kind of finding) and runs the ``ims`` pipeline on them (import
books, import GSTR-2B, reconcile, export CSV) two ways, on a fresh database each time:

- ``ims run``, the one-command pipeline a cron job uses: one process, each step's seconds taken from
  its ``--timings`` file, the interpreter's start-up being the rest of the process's wall time;
- the four commands ``ims import books``, ``ims import gstr2b``, ``ims reconcile`` and ``ims export
  reconciliation``, each its own process, paying the start-up four times.

Beside them, a bare pandas read + exact merge of the same two files (the median of at least three
runs; it is short, and one run varies by a tenth). Wall seconds, CPU seconds (forked workers
included) and peak memory (PSS summed over the process and its workers, see ``measure.py``) are
printed per step.

Targets: at 100,000 x 100,000 the pipeline within 3x the bare merge; at 1,000,000 x 1,000,000 under
60 s and 4 GB on 2 cores. Set ``DATABASE_URL`` to a PostgreSQL database to measure that instead of a
fresh SQLite file (each way then starts by emptying its tables).

``ims run`` is measured three times up to 200,000 documents a side, each on a fresh database, and
the median run is printed (with the largest peak): a run of a few seconds on a shared machine
varies by a tenth or more. ``--repeat R`` sets the count. Each run takes its turn with a bare merge,
so that a slower spell of the machine falls on both sides of the ratio, and the ratio of each run
to the bare merge of its turn is printed too (median and spread).

Usage: ``python bench/reconcile.py [N] [--only run|commands] [--repeat R] [--data DIR]``; see
``bench/README.md`` for the targets and the figures measured.
"""

from __future__ import annotations

import argparse
import json
import os
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


STEPS = ["import books", "import gstr2b", "reconcile", "export"]
REPEAT_UP_TO = 200_000  # documents a side up to which `ims run` is measured three times (see --repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="documents a side (default 100,000)")
    parser.add_argument("--only", choices=["run", "commands"], help="measure one way only")
    parser.add_argument("--repeat", type=int, metavar="R",
                        help=f"`ims run`s to take the median of (3 up to {REPEAT_UP_TO:,} a side, else 1)")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="keep the generated files in DIR and use them again on the next run")
    args = parser.parse_args()
    n, only = args.n, args.only
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and only is None:
        raise SystemExit("with PostgreSQL, give --only run or --only commands, on an empty database")
    repeat = args.repeat if args.repeat is not None else \
        (3 if n <= REPEAT_UP_TO and not url.startswith("postgres") else 1)
    if url.startswith("postgres") and repeat > 1:
        raise SystemExit("with PostgreSQL, --repeat 1: each run needs an empty database")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        books, portal = _files(n, args.data or folder)
        database = "PostgreSQL" if url.startswith("postgres") else "SQLite"

        def env_for(name: str) -> dict[str, str]:
            return {**os.environ, "DATABASE_URL": url or f"sqlite:///{folder / name}"}

        python = sys.executable
        ims = [python, "-m", "ims_core.cli"]
        timings = folder / "timings.json"

        def bare_merge() -> tuple[float, float, float]:
            return run_measured([python, "-c", BASELINE, str(books), str(portal)], env_for("bare.db"))

        def ims_run(k: int) -> tuple[float, float, float, dict]:
            """One ``ims run`` on a fresh database, deleted after (a million rows is a GB)."""
            seconds, cpu, peak = run_measured(
                [*ims, "run", "--books", str(books), "--preset", "canonical", "--gstr2b", str(portal),
                 "-o", str(folder / "run.csv"), "--timings", str(timings)], env_for(f"run{k}.db"))
            for leftover in folder.glob(f"run{k}.db*"):
                leftover.unlink()
            return seconds, cpu, peak, json.loads(timings.read_text())

        # the bare merges and the runs take turns, so that a shared machine's slower minutes fall on both
        bares, runs = [], []
        for k in range(max(3, repeat if only in (None, "run") else 0)):
            bares.append(bare_merge())
            if only in (None, "run") and k < repeat:
                runs.append(ims_run(k))
        ratios = sorted(run[0] / bare[0] for run, bare in zip(runs, bares, strict=False))
        bares.sort()
        bare, bare_cpu, bare_peak = bares[len(bares) // 2]
        print(f"{'bare merge':16s} {bare:7.2f} s  cpu {bare_cpu:6.2f} s  peak {bare_peak:6.0f} MiB   "
              f"(pandas read of both files + merge; median of {', '.join(f'{b[0]:.2f}' for b in bares)} s)")
        if runs:
            runs.sort(key=lambda run: run[0])
            seconds, cpu, _, steps = runs[len(runs) // 2]
            peak = max(run[2] for run in runs)
            print(f"\nims run: one process ({n:,} x {n:,}, {database}"
                  + (f"; the median of {', '.join(f'{run[0]:.2f}' for run in runs)} s" if repeat > 1 else "")
                  + ")")
            rows = [("start and exit", seconds - steps["total"]),
                    ("imports", steps["imports"]),
                    *((f"  {step}", steps[step]) for step in STEPS[:2]),
                    *((step, steps[step]) for step in STEPS[2:])]
            for label, figure in rows:
                print(f"{label:16s} {figure:7.2f} s   {figure / bare:5.2f}x bare merge")
            print(f"{'pipeline':16s} {seconds:7.2f} s  cpu {cpu:6.2f} s  peak {peak:6.0f} MiB   "
                  f"{seconds / bare:5.2f}x bare merge")
            if len(ratios) > 1:
                print(f"{'':16s} each run against the bare merge of its turn: median "
                      f"{ratios[len(ratios) // 2]:.2f}x, from {ratios[0]:.2f}x to {ratios[-1]:.2f}x")
        if only in (None, "commands"):
            print(f"\nfour ims commands, each its own process ({n:,} x {n:,}, {database})")
            commands = [["import", "books", str(books), "--preset", "canonical"],
                        ["import", "gstr2b", str(portal)], ["reconcile"],
                        ["export", "reconciliation", "-o", str(folder / "commands.csv")]]
            total = cpu = peak = 0.0
            for step, command in zip(STEPS, commands, strict=True):
                seconds, step_cpu, step_peak = run_measured([*ims, *command], env_for("commands.db"))
                total, cpu, peak = total + seconds, cpu + step_cpu, max(peak, step_peak)
                print(f"{step:16s} {seconds:7.2f} s  cpu {step_cpu:6.2f} s  peak {step_peak:6.0f} MiB   "
                      f"{seconds / bare:5.2f}x bare merge")
            print(f"{'pipeline':16s} {total:7.2f} s  cpu {cpu:6.2f} s  peak {peak:6.0f} MiB   "
                  f"{total / bare:5.2f}x bare merge")
            startup, startup_cpu, _ = run_measured([*ims, "import", "--help"], env_for("help.db"))
            print(f"{'(start-up)':16s} {startup:7.2f} s  cpu {startup_cpu:6.2f} s   "
                  "(`ims import --help`: what each command pays before it works)")


def _files(n: int, folder: Path) -> tuple[Path, Path]:
    """The purchase register and the GSTR-2B of N documents a side in ``folder``, generated unless
    a previous run left them there (the generator is seeded: the same N gives the same files)."""
    books, portal = folder / f"books_{n}.csv", folder / f"gstr2b_{n}.json"
    if books.exists() and portal.exists():
        print(f"using {books.name} and {portal.name} in {folder}")
        return books, portal
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    month = generate(n, seed=11)
    write_books_csv(month, books)
    write_gstr2b_json(month, portal)
    print(f"generated {len(month.books):,} book rows and {len(month.portal):,} portal documents "
          f"in {time.perf_counter() - started:.1f} s (not part of the figures)")
    return books, portal


if __name__ == "__main__":
    main()
