"""The IMS action recommended for each portal document, from its reconciliation status.

Rules (the engine recommends; a person decides, through ``ims action`` or Slack):

* ``matched`` → ``A`` (accept): the document is in the books as reported.
* ``mismatch``, ``probable`` → ``P`` (pending): keep the ITC out of this period's GSTR-2B while the
  supplier corrects the record or a person confirms the pair; accepting would claim figures the books
  do not support, rejecting would lose a real document.
* ``missing_in_books`` → ``P``: most such documents are simply not booked yet; a person who knows the
  document is not theirs rejects it explicitly.
* Never ``R``: a rejection can only be undone by the supplier re-reporting the document after the
  return is filed (DOMAIN.md §3), so it is always a person's decision, never a default.
* No recommendation (``""``) when there is nothing to act on in IMS: no portal document, ITC not
  available in GSTR-2B (``itcavl`` = N), reverse charge; and when pending is blocked for the record
  (``ispendactblocked``) while the status asks for pending: then accept-or-reject is a person's call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ims_core.models.vocabulary import Status

PENDING_STATUSES = (Status.MISMATCH, Status.PROBABLE, Status.MISSING_IN_BOOKS)


def recommend(status: np.ndarray, portal_pos: np.ndarray, portal: pd.DataFrame) -> np.ndarray:
    """One of ``A``, ``P`` or ``""`` per result row; ``portal_pos`` is -1 where no portal document."""
    status = np.asarray(status, dtype=object)
    has = portal_pos >= 0
    pos = np.where(has, portal_pos, 0)
    n = len(portal)

    def column(name: str, default: object) -> np.ndarray:
        if name in portal and n:
            return portal[name].to_numpy(object)[pos]
        return np.full(len(status), default, dtype=object)

    itc_unavailable = column("itc_available", "") == "N"
    reverse_charge = column("reverse_charge", False).astype(bool)
    pending_blocked = column("pending_action_blocked", None) == True  # noqa: E712 - object array of bools/None
    out = np.full(len(status), "", dtype=object)
    actionable = has & ~itc_unavailable & ~reverse_charge
    out[actionable & (status == "matched")] = "A"
    pending = actionable & np.isin(status, PENDING_STATUSES) & ~pending_blocked
    out[pending] = "P"
    return out
