"""Import speed: ``python bench/import.py N`` generates a purchase register and a GSTR-2B JSON of N
documents each, imports both through the ``ims`` command into a fresh database, and prints seconds
and peak memory per import. Target: 1,000,000 of each in under 30 s together on 2 cores.

Set ``DATABASE_URL`` to measure PostgreSQL instead of the default SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from measure import run_measured

from ims_core.samplegen import generate, write_books_csv, write_gstr2b_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="documents of each (default 100,000)")
    n = parser.parse_args().n
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
        ims = [sys.executable, "-m", "ims_core.cli"]
        total = 0.0
        for label, args in (("books", [*ims, "import", "books", str(books), "--preset", "canonical"]),
                            ("gstr2b", [*ims, "import", "gstr2b", str(portal)])):
            seconds, cpu, peak = run_measured(args, env)
            total += seconds
            print(f"import {label:7s} {seconds:7.2f} s   cpu {cpu:7.2f} s   peak {peak:8.0f} MiB")
        print(f"both imports    {total:7.2f} s   ({n:,} documents each, "
              f"{'PostgreSQL' if env['DATABASE_URL'].startswith('postgres') else 'SQLite'})")


if __name__ == "__main__":
    main()
