"""Time the timeline chart and the whole quarterly report for a 200-site programme.

Builds the same kind of synthetic programme as bench_analyses.py (200 sites on
ihi-full-scale, 300 events each), then runs ``scaletrack chart timeline`` and
``scaletrack report`` as a user would, best of --repeat runs, against the
target of 5 s each.  A 200-site timeline is 8 pages of 25 lanes.  Then the
report of a 200-site NASSS programme (eight quarterly assessments a site), whose
charts are the domain ones: complexity, gaps and compare.

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


def build_nasss(db: Path, n_sites: int, seed: int = 5) -> int:
    """A NASSS programme: each site rates most sub-domains every quarter for two years."""
    import datetime as dt
    import random

    from tracker.catalog import Catalog
    from tracker.exchange import import_file
    from tracker.store import Store
    from tracker.store.writes import create_initiative

    catalog = Catalog()
    fw = catalog.for_initiative("nasss")
    rated = [(c.full_id, fw.levels(c)) for s in fw.stages for c in s.checkpoints]
    rng = random.Random(seed)
    path = db.with_suffix(".csv")
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("site,checkpoint,kind,rating,occurred_on\n")
        for site in range(n_sites):
            for q in range(8):
                day = dt.date(2024, 6, 1) + dt.timedelta(days=91 * q + rng.randrange(20))
                for cp, levels in rated:
                    if rng.random() < 0.7:
                        f.write(f"Site {site:04d},{cp},rated,{rng.choice(levels)},{day}\n")
                        n += 1
    store = Store.open(str(db))
    create_initiative(store, catalog, "NASSS bench", "nasss")
    import_file(store, "NASSS bench", path)
    store.close()
    return n


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
    nasss = folder / "nasss.db"
    n = build_nasss(nasss, opts.sites)
    print(f"built {opts.sites} NASSS sites, {n:,} ratings")
    runs = {
        "timeline": common + ["chart", "timeline", "--quarter", "2026Q2", "-o",
                              str(folder / "timeline.png")],
        "report": common + ["report", "--quarter", "2026Q2", "--out", str(folder / "report")],
        "NASSS report": ["--db", str(nasss), "report", "--quarter", "2026Q2", "--out",
                         str(folder / "nasss-report")],
    }
    ok = True
    for name, args in runs.items():
        best = min(timed(args) for _ in range(opts.repeat))
        meets = best < TARGET_S
        ok &= meets
        print(f"{name:12s} {best:6.2f} s (best of {opts.repeat}; target < {TARGET_S:g} s)  "
              f"{'ok' if meets else 'MISSED'}")
    pages = sorted(p.name for p in folder.glob("timeline*.png"))
    files = sorted(p.name for p in (folder / "report").iterdir())
    nasss_files = sorted(p.name for p in (folder / "nasss-report").iterdir())
    print(f"timeline pages: {len(pages)}; report files: {len(files)}; NASSS report files: "
          f"{len(nasss_files)} ({', '.join(nasss_files)})")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
