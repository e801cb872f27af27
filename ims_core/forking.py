"""Work in a forked process: how the command line puts a second core to use on a large job.

A forked child inherits the parent's memory (frames, settings, the engine) without copying or
pickling it, and sends back only its answer. Forking is only safe in a process running no other
threads, so callers fork only when the command line asks them to (``workers`` above one); the
bot, which runs threads, never does.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine

from ims_core.errors import UserFacingError

T = TypeVar("T")
MAX_WORKERS = 4


def default_workers() -> int:
    """Processes for a large job on the command line: the machine's cores, at most ``MAX_WORKERS``."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def in_child(function: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``function(*args)`` in a forked process; the returned callable waits for its value
    (and raises what it raised)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run() -> None:
        try:
            outcome = (True, function(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            outcome = (False, exc)
        sender.send(outcome)

    process = context.Process(target=run, daemon=True)
    process.start()
    sender.close()

    def result() -> T:
        try:
            ok, value = receiver.recv()
        except EOFError as exc:  # killed before it could answer: most often for want of memory
            process.join()
            raise UserFacingError(
                f"a worker process stopped without an answer (exit code {process.exitcode}); "
                "if memory is short, run again with --workers 1") from exc
        finally:
            receiver.close()
        process.join()
        if not ok:
            raise value
        return value

    return result


def own_connections(engine: Engine) -> Engine:
    """``engine`` made safe to use in a forked child: a fresh pool, the parent's connections left
    alone (closing them from the child would disturb the parent's)."""
    engine.dispose(close=False)
    return engine
