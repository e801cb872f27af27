"""Keeping the figures warm: the ITC position and the deadlines computed again in the background after
something changed them, so that App Home, the digest and ``/ims itc`` answer from the snapshot within a
second at 100,000 documents instead of computing for seconds while someone waits.

One worker thread; a nudge while a warm-up is already queued is folded into it. Nudged after every
decision taken in Slack and every few minutes by the scheduler (imports and decisions from the command
line are seen there). The figures themselves, and when they are stale, are the core's
(``ims_core.itc.snapshots``).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from ims_core import clock
from ims_core.db import session_scope
from ims_core.reports.digest import warm_figures

logger = logging.getLogger(__name__)


class FigureWarmer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ims-figures")
        self._lock = threading.Lock()
        self._queued = False

    def nudge(self) -> None:
        """Ask for a warm-up soon; returns at once."""
        with self._lock:
            if self._queued:
                return
            self._queued = True
        try:
            self._executor.submit(self._run)
        except RuntimeError:  # shut down: nothing more to warm
            pass

    def _run(self) -> None:
        with self._lock:
            self._queued = False
        try:
            with session_scope(self.engine) as session:
                warm_figures(session, clock.today())
        except Exception as exc:  # the next answer computes instead; never the listener's concern
            logger.warning("figures could not be warmed: %s", type(exc).__name__)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
