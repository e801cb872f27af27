"""Measuring one benchmark stage run as its own process (and any processes it forks)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

SAMPLE_EVERY = 0.5  # seconds between memory samples of the process tree (each costs the kernel a
# walk of every page table, which slows the process measured if done often)


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run one command; return wall seconds, CPU seconds (user + system, forked workers included)
    and the peak memory in MiB of the command and its workers together.

    CPU seconds are printed beside wall time because a shared machine's load stretches the latter.
    Memory is the proportional set size (PSS) summed over the process tree and sampled while it
    runs: ``ru_maxrss`` would show only the largest single process, and counting each forked
    worker's resident set in full would count the memory it shares with its parent twice. The
    figure is never below the largest single process's peak RSS, which samples could miss.
    """
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_pss_mib(process.pid))
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return seconds, usage.ru_utime + usage.ru_stime, max(peak[0], usage.ru_maxrss / 1024)


def _tree_pss_mib(root: int) -> float:
    """PSS of ``root`` and all its descendants, in MiB (0 for processes already gone)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total_kib, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kib / 1024
