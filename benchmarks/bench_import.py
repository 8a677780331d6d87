"""Import a 1,000,000-event CSV into SQLite, against the sqlite3 shell's .import.

Writes a CSV in the export format (1,000 sites on ihi-full-scale), then in the
same run: the sqlite3 shell's ``.import`` of the file into a bare table of the
same columns (the baseline), and ``scaletrack events import`` of it into a
fresh database, with the import's peak memory.  Targets: within 3 x the
baseline, under 200 MB.

    python benchmarks/bench_import.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = ("event_id", "initiative", "framework_id", "framework_version", "site", "stage",
           "checkpoint", "kind", "rating", "occurred_on", "recorded_at", "recorded_by", "note",
           "evidence", "retracts", "source", "due_on", "region")


def write_file(path: Path, n: int, sites: int = 1000, seed: int = 3) -> None:
    from tracker.catalog import Catalog

    fw = Catalog().for_initiative("ihi-full-scale")
    ticked = [(s.id, c.full_id) for s in fw.stages for c in s.checkpoints]
    rated = [(s.id, c.full_id, fw.levels(c)) for s in fw.checklists for c in s.checkpoints]
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(COLUMNS)
        event_id = 0
        last_plain = None
        while event_id < n:
            event_id += 1
            site = f"Site {rng.randrange(sites):04d}"
            on = (start + dt.timedelta(days=rng.randrange(1200))).isoformat()
            if last_plain and rng.random() < 0.02:
                w.writerow((event_id, "Bench", "ihi-full-scale", "1.0", last_plain[1],
                            last_plain[2], last_plain[3], "retract", "", on,
                            "2026-01-01T00:00:00Z", "bench", "a mistake", "", last_plain[0],
                            "cli", "", ""))
                last_plain = None
                continue
            if rng.random() < 0.3:
                stage, cp, levels = rng.choice(rated)
                w.writerow((event_id, "Bench", "ihi-full-scale", "1.0", site, stage, cp,
                            "rated", rng.choice(levels), on, "2026-01-01T00:00:00Z", "bench",
                            "", "", "", "cli", "", ""))
            else:
                stage, cp = rng.choice(ticked)
                kind = rng.choice(("started", "done", "done", "blocked"))
                w.writerow((event_id, "Bench", "ihi-full-scale", "1.0", site, stage, cp, kind,
                            "", on, "2026-01-01T00:00:00Z", "bench", f"event {event_id}", "",
                            "", "cli", "", ""))
                last_plain = (event_id, site, stage, cp)


def baseline(path: Path, folder: Path) -> float:
    db = folder / "baseline.db"
    cols = ", ".join(f"{c} TEXT" for c in COLUMNS)
    script = f"CREATE TABLE events ({cols});\n.mode csv\n.import --skip 1 {path} events\n"
    t = time.perf_counter()
    subprocess.run(["sqlite3", str(db)], input=script, text=True, check=True)
    return time.perf_counter() - t


def scaletrack_import(path: Path, folder: Path) -> tuple[float, float]:
    db = folder / "scaletrack.db"
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "initiative", "create",
                    "Bench", "--framework", "ihi-full-scale"], check=True, capture_output=True)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "events", "import",
                          str(path)], capture_output=True, text=True)
    took = time.perf_counter() - t
    if out.returncode:
        raise SystemExit(out.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(out.stderr.strip())
    return took, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    opts = parser.parse_args()
    if not shutil.which("sqlite3"):
        raise SystemExit("the baseline needs the sqlite3 shell (apt-get install sqlite3)")
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-import-"))
    path = folder / "events.csv"
    t = time.perf_counter()
    write_file(path, opts.events)
    print(f"wrote {opts.events:,} events ({path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - t:.1f} s")
    base = baseline(path, folder)
    took, peak = scaletrack_import(path, folder)
    ratio = took / base
    ok = ratio <= 3 and peak < 200
    print(f"sqlite3 .import: {base:.1f} s; scaletrack events import: {took:.1f} s "
          f"({ratio:.1f} x; target 3 x); peak memory {peak:.0f} MB (target < 200 MB)  "
          f"{'ok' if ok else 'MISSED'}")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
