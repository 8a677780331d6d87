"""A worker for the concurrency test and benchmark: runs the real `scaletrack log` N times.

    python concurrent_logger.py WORKER N [--library]   (SCALETRACK_DB, SCALETRACK_CATALOG set)

Prints one line: the exit code of each run, comma-separated.  With --library
the worker keeps one open store and calls the write path directly, which
measures the database under contention rather than each command's start-up.
"""

import datetime as dt
import sys

from tracker.cli import cli

CHECKPOINTS = ("plan.a", "plan.b", "pilot.d", "pilot.e")


def main() -> None:
    worker, n = int(sys.argv[1]), int(sys.argv[2])
    if "--library" in sys.argv:
        library(worker, n)
        return
    codes = []
    for i in range(n):
        on = (dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat()
        args = ["log", f"S{worker % 4}", CHECKPOINTS[i % 4], "--on", on,
                "--note", f"worker {worker} run {i}", "--by", f"worker-{worker}"]
        try:
            cli.main(args, prog_name="scaletrack")
        except SystemExit as exc:
            codes.append(exc.code if isinstance(exc.code, int) else 1)
    print(",".join(str(c) for c in codes))


def library(worker: int, n: int) -> None:
    import os

    from tracker.store import Store
    from tracker.store.writes import log_event

    store = Store.open(os.environ["SCALETRACK_DB"])
    codes = []
    for i in range(n):
        log_event(store, None, f"S{worker % 4}", CHECKPOINTS[i % 4],
                  on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                  note=f"worker {worker} run {i}", by=f"worker-{worker}")
        codes.append(0)
    store.close()
    print(",".join(str(c) for c in codes))


if __name__ == "__main__":
    main()
