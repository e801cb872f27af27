"""Keeping the figures warm: the ITC position and the deadlines computed again in the background after
something changed them, so that App Home, the digest and ``/ims itc`` answer from the snapshot within a
second at 100,000 documents instead of computing for seconds while someone waits.

The computation takes seconds of CPU at that size, so it runs in a worker process of its own: on a
thread it would hold the interpreter lock against the listeners, and every click would wait for it.
One computation at a time; nudges that arrive while one runs are folded into one more run after it.
Nudged after every decision taken in Slack, every bulk and every pull that changed something, and
every few minutes by the scheduler (imports and decisions from the command line are seen there). The
figures themselves, and when they are stale, are the core's (``ims_core.itc.snapshots``).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy.engine import Engine

from ims_core import clock

logger = logging.getLogger(__name__)


def warm(url: str, day: str) -> None:
    """In the worker process: compute what is stale, for every registration, as of ``day``."""
    from ims_core.db import build_engine, session_scope
    from ims_core.reports.digest import warm_figures

    engine = build_engine(url)
    try:
        with session_scope(engine) as session:
            warm_figures(session, dt.date.fromisoformat(day))
    finally:
        engine.dispose()


class FigureWarmer:
    def __init__(self, engine: Engine) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._running = False
        self._again = False
        self._closed = False

    def nudge(self) -> None:
        """Ask for a warm-up soon; returns at once."""
        with self._lock:
            if self._closed:
                return
            if self._running:
                self._again = True
                return
            self._running = True
            self._submit()

    def _submit(self) -> None:  # with the lock held
        if self._executor is None:  # started on first use: a bot that decides nothing spawns nothing
            spawn = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
        try:
            future = self._executor.submit(warm, self.url, clock.today().isoformat())
        except (RuntimeError, BrokenProcessPool) as exc:  # the worker died: a new one next time
            logger.warning("figures could not be warmed: %s", type(exc).__name__)
            self._executor, self._running = None, False
            return
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        if not future.cancelled() and future.exception() is not None:  # the next answer computes instead
            logger.warning("figures could not be warmed: %s", type(future.exception()).__name__)
        with self._lock:
            if self._again and not self._closed:
                self._again = False
                self._submit()
            else:
                self._running = False

    def shutdown(self) -> None:
        """Wait for the warm-up under way (and the one asked for meanwhile), then stop the worker."""
        while True:
            with self._lock:
                if not self._running:
                    self._closed = True
                    executor, self._executor = self._executor, None
                    break
            time.sleep(0.05)
        if executor is not None:
            executor.shutdown(wait=True)
