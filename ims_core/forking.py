"""Work in a forked process: how the command line puts a second core to use on a large job.

A forked child inherits the parent's memory (frames, settings, the engine) without copying or
pickling it, and sends back only its answer. Forking is only safe in a process running no other
threads, so callers fork only when the command line asks them to (``workers`` above one); the
bot, which runs threads, never does.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine

from ims_core.errors import UserFacingError

T = TypeVar("T")
MAX_WORKERS = 4


def can_fork() -> bool:
    """Whether this system runs forked workers: Linux only. Windows has no fork, and on macOS a
    forked copy of a process that loaded Apple's system libraries may crash (Python itself starts
    its workers afresh there)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """Processes for a large job on the command line: the machine's cores, at most ``MAX_WORKERS``;
    one where workers cannot be forked."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS)) if can_fork() else 1


def workers_to_use(asked: int | None) -> int:
    """The command line's ``--workers``: :func:`default_workers` when not given; more than one only
    where :func:`can_fork`, else a clear refusal instead of a failure deep in the job."""
    if asked is None:
        return default_workers()
    if asked > 1 and not can_fork():
        raise UserFacingError(f"--workers {asked}: this system cannot fork worker processes (Linux can); "
                              "run with --workers 1")
    return asked


def in_child(function: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``function(*args)`` in a forked process; the returned callable waits for its value
    (and raises what it raised)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run() -> None:
        try:
            outcome = (True, function(*args))
        except BaseException as exc:  # handed to the parent, which raises it
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
