"""Export speed: ``python bench/export.py [N]`` generates N books and N portal documents (the sample
generator's month), imports and reconciles them once with ``ims run``, then times ``ims export
reconciliation`` to CSV and to XLSX, each its own process, a few times each, alternating.

Printed per format: the median wall seconds, CPU seconds and peak memory (PSS of the process, see
``measure.py``), the rows written and the file's size; then XLSX time over CSV time (the median of
each turn's ratio, so that a slower spell of a shared machine falls on both sides).

Target (issue 20): at 200,000 documents the XLSX within 3x the CSV's time and under 1 GB.
Each measure starts from a fresh SQLite file.

Usage: ``python bench/export.py [N] [--repeat R] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from measure import run_measured

from ims_core.samplegen import generate, write_books_csv, write_gstr2b_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="documents a side")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    ims = [sys.executable, "-m", "ims_core.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        books, portal = _files(args.n, args.data or folder)
        env = dict(os.environ)
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
        env["IMS_AUDIT_DIR"] = str(folder)
        seconds, _, _ = run_measured([*ims, "run", "--books", str(books), "--gstr2b", str(portal)], env)
        print(f"imported and reconciled {args.n:,} a side in {seconds:.1f} s (not part of the figures)")
        figures: dict[str, list[tuple[float, float, float]]] = {"csv": [], "xlsx": []}
        for _ in range(args.repeat):
            for suffix in figures:
                out = folder / f"reco.{suffix}"
                figures[suffix].append(run_measured([*ims, "export", "reconciliation", "-o", str(out)], env))
        for suffix, runs in figures.items():
            wall, cpu, peak = (statistics.median(run[i] for run in runs) for i in range(3))
            size = (folder / f"reco.{suffix}").stat().st_size / 2**20
            print(f"export {suffix:4s}  {wall:7.2f} s  cpu {cpu:6.2f} s  "
                  f"peak {max(r[2] for r in runs):6.0f} MiB  file {size:6.1f} MiB")
        ratios = [x[0] / c[0] for c, x in zip(figures["csv"], figures["xlsx"], strict=True)]
        print(f"xlsx / csv time: {statistics.median(ratios):.2f}x (runs: "
              f"{', '.join(f'{r:.2f}' for r in ratios)}); target within 3x, under 1 GB")
        print(f"rows: {_rows(folder / 'reco.csv'):,}")



def _rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1


def _files(n: int, folder: Path) -> tuple[Path, Path]:
    """The purchase register and GSTR-2B of N documents a side (generated unless already there)."""
    books, portal = folder / f"books_{n}.csv", folder / f"gstr2b_{n}.json"
    if not (books.exists() and portal.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        month = generate(n, seed=11)
        write_books_csv(month, books)
        write_gstr2b_json(month, portal)
    return books, portal


if __name__ == "__main__":
    main()
