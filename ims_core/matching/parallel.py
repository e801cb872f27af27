"""Reconcile a large scope on several cores: the engine run on parts of it side by side.

The engine never looks across supplier PANs: blocks, exact keys, duplicates, amendments and nearest
candidates all stay inside one (recipient, doc type, PAN) block (``ims explain`` relies on the same
fact). So a scope cut into parts by PAN, each part reconciled alone, gives exactly the result rows
of one run over the whole scope. Each extra part runs in a forked process, which inherits the
frames without copying them and sends back only its result rows; the calling process reconciles
the first part meanwhile (what that saves: ``bench/README.md``).

Only the command line asks for more than one worker (see :mod:`ims_core.forking`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
import pandas as pd

from ims_core.forking import in_child
from ims_core.matching.frames import pan_blocks
from ims_core.matching.scoring import Tolerances

PARALLEL_FROM = 60_000  # documents in a scope (both sides) below which one process is quicker


def reconcile_in_parts(books: pd.DataFrame, portal: pd.DataFrame, tolerances: Tolerances, workers: int,
                       reconcile: Callable[[pd.DataFrame, pd.DataFrame, Tolerances], pd.DataFrame]
                       ) -> pd.DataFrame:
    """``reconcile(books, portal, tolerances)`` over ``workers`` PAN parts at once, rows combined
    (in no particular order: the caller puts them in its own)."""
    if workers < 2 or len(books) + len(portal) < PARALLEL_FROM:
        return reconcile(books, portal, tolerances)
    book_part, portal_part = _parts(books, portal, workers)
    waiting = [in_child(reconcile, books[book_part == k], portal[portal_part == k], tolerances)
               for k in range(1, workers)]
    results = [reconcile(books[book_part == 0], portal[portal_part == 0], tolerances)]
    results += [result() for result in waiting]
    return pd.concat([r for r in results if len(r)] or results[:1], ignore_index=True)


def _parts(books: pd.DataFrame, portal: pd.DataFrame, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """The part (0..workers-1) of each book and portal row: its PAN block's, the same on both sides.

    PANs go to parts largest first, each to the part with the fewest documents so far, so one big
    supplier does not leave a core idle while the other works through it.
    """
    codes, pans = pd.factorize(np.concatenate([pan_blocks(books).to_numpy(object),
                                               pan_blocks(portal).to_numpy(object)]), use_na_sentinel=False)
    sizes = np.bincount(codes, minlength=len(pans))
    loads = [(0, k) for k in range(workers)]
    part_of_pan = np.zeros(len(pans), dtype="int64")
    for pan in sorted(range(len(pans)), key=lambda i: (-sizes[i], pans[i])):
        load, k = heapq.heappop(loads)
        part_of_pan[pan] = k
        heapq.heappush(loads, (load + int(sizes[pan]), k))
    part = part_of_pan[codes] if len(codes) else np.empty(0, "int64")
    return part[:len(books)], part[len(books):]
