"""How fast this machine is today, so figures from different days can be compared.

The same benchmark has measured the same code 2.4 times slower on one day than
another (a shared machine's neighbours, or a different host).  Each benchmark
prints this reference next to its figures: a fixed pure-Python loop and the
core count.  Targets stay ratios against baselines measured in the same run.
"""

from __future__ import annotations

import os
import sys
import time


def reference() -> str:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - t)
    return (f"machine: {os.cpu_count()} cores; reference loop (5M additions in Python) "
            f"{best:.3f} s")


# A scaletrack process's peak memory, as the process itself saw it.  The peak that
# getrusage and wait4 give (ru_maxrss) is carried over fork and exec on Linux: a
# command started by a benchmark that has just built a large database in memory is
# reported at least as large as the benchmark was.  VmHWM in /proc/self/status
# belongs to the process's own memory map, which exec replaces, so it is the
# command's own; where there is no /proc, ru_maxrss is the best there is.
PEAK_RUNNER = r"""
import resource, sys, time
t = time.perf_counter()
sys.argv = ["scaletrack"] + sys.argv[1:]
from tracker.cli import cli
try:
    cli(prog_name="scaletrack")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
try:
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("BENCH %f %d %d\n" % (time.perf_counter() - t, own,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def scaletrack_argv(*args: str) -> list[str]:
    """A scaletrack command that reports its own figures on its last line of stderr."""
    return [sys.executable, "-c", PEAK_RUNNER, *args]


def own_figures(stderr: str) -> tuple[float, float, float]:
    """(seconds inside the CLI, the process's own peak MB, its largest child's peak MB)
    from a ``scaletrack_argv`` command's stderr.  A child (a forked chart worker) starts
    with its parent's pages, so its peak includes the memory it shares with the parent."""
    line = [x for x in stderr.splitlines() if x.startswith("BENCH ")][-1]
    inside, own_kb, child_kb = line.split()[1:]
    return float(inside), int(own_kb) / 1024, int(child_kb) / 1024
