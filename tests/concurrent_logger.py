"""A worker for the concurrency test and benchmark: runs the real `scaletrack log` N times.

    python concurrent_logger.py WORKER N    (SCALETRACK_DB, SCALETRACK_CATALOG set)

Prints one line: the exit code of each run, comma-separated.
"""

import datetime as dt
import sys

from tracker.cli import cli

CHECKPOINTS = ("plan.a", "plan.b", "pilot.d", "pilot.e")


def main() -> None:
    worker, n = int(sys.argv[1]), int(sys.argv[2])
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


if __name__ == "__main__":
    main()
