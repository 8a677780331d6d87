"""Time the timeline chart and the whole quarterly report for a 200-site programme.

Builds the same kind of synthetic programme as bench_analyses.py (200 sites on
ihi-full-scale, 300 events each), then runs ``scaletrack chart timeline`` and
``scaletrack report`` as a user would, best of --repeat runs, against the
target of 5 s each.  A 200-site timeline is 8 pages of 25 lanes.

    python benchmarks/bench_reports.py [--sites 200]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_analyses import build  # noqa: E402
from machine import reference  # noqa: E402

TARGET_S = 5.0


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"{args} failed: {out.stderr}")
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--events-per-site", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    print(reference())
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-reports-"))
    db = folder / "bench.db"
    n = build(db, opts.sites, opts.events_per_site)
    print(f"built {opts.sites} sites, {n:,} events")
    common = ["--db", str(db)]
    runs = {
        "timeline": common + ["chart", "timeline", "--quarter", "2026Q2", "-o",
                              str(folder / "timeline.png")],
        "report": common + ["report", "--quarter", "2026Q2", "--out", str(folder / "report")],
    }
    ok = True
    for name, args in runs.items():
        best = min(timed(args) for _ in range(opts.repeat))
        meets = best < TARGET_S
        ok &= meets
        print(f"{name:9s} {best:6.2f} s (best of {opts.repeat}; target < {TARGET_S:g} s)  "
              f"{'ok' if meets else 'MISSED'}")
    pages = sorted(p.name for p in folder.glob("timeline*.png"))
    files = sorted(p.name for p in (folder / "report").iterdir())
    print(f"timeline pages: {len(pages)}; report files: {len(files)}")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
