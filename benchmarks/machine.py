"""How fast this machine is today, so figures from different days can be compared.

The same benchmark has measured the same code 2.4 times slower on one day than
another (a shared machine's neighbours, or a different host).  Each benchmark
prints this reference next to its figures: a fixed pure-Python loop and the
core count.  Targets stay ratios against baselines measured in the same run.
"""

from __future__ import annotations

import os
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
