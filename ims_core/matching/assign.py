"""Best assignment: each document pairs at most once, the best-scoring pairs first.

First fit (take the first acceptable candidate in input order) is how ``12`` ends up paired with
``112`` and one month's rent with another's. Here the acceptable pairs are sorted by score (then the
smaller date gap, then position, so the outcome is deterministic) and taken greedily: a pair is
taken when neither of its documents is already taken. For a strict order this equals repeatedly
taking the pairs that are each other's best choice, and never loses to first fit. The loop runs over
the *acceptable* pairs of the documents left after the exact pass, which are few; the matrix of all
pairs is never built.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def greedy_assignment(pairs: pd.DataFrame, n_books: int, n_portal: int,
                      book_taken: np.ndarray | None = None,
                      portal_taken: np.ndarray | None = None) -> np.ndarray:
    """Indices (into ``pairs``) of the pairs taken; ``pairs`` needs ``b``, ``p``, ``score``, ``dd``."""
    if len(pairs) == 0:
        return np.empty(0, "int64")
    order = np.lexsort((pairs["p"].to_numpy(), pairs["b"].to_numpy(), np.abs(pairs["dd"].to_numpy()),
                        -pairs["score"].to_numpy()))
    b = pairs["b"].to_numpy()[order]
    p = pairs["p"].to_numpy()[order]
    used_b = np.zeros(n_books, bool) if book_taken is None else book_taken.copy()
    used_p = np.zeros(n_portal, bool) if portal_taken is None else portal_taken.copy()
    taken = []
    for i in range(len(order)):
        bi, pi = b[i], p[i]
        if used_b[bi] or used_p[pi]:
            continue
        used_b[bi] = used_p[pi] = True
        taken.append(order[i])
    return np.asarray(taken, dtype="int64")
