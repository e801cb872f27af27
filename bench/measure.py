"""Measuring one benchmark stage run as its own process."""

from __future__ import annotations

import os
import subprocess
import time


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run one command; return wall seconds, CPU seconds (user + system) and peak resident MiB.

    CPU seconds are printed beside wall time because a shared machine's load stretches the latter.
    """
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
