"""Import a 1,000,000-event CSV into SQLite, against the sqlite3 shell's .import.

Writes a CSV in the export format (1,000 sites on ihi-full-scale), then in the
same run: the sqlite3 shell's ``.import`` of the file into a bare table of the
same columns (the baseline), and ``scaletrack events import`` of it into a
fresh database, with the import's peak memory.  Targets: within 3 x the
baseline, under 200 MB.

It also times a floor: the same shell ``.import``, in WAL mode as scaletrack
runs, followed by the two indexes an events table cannot do without (the
analyses' covering index and a unique key per event, which is what makes an
import idempotent), built once each after loading.  That is the least any
import into such a table can cost, with no Python, no checking and no start-up.

    python benchmarks/bench_import.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import own_figures, reference, scaletrack_argv  # noqa: E402

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
                w.writerow((event_id, "Bench", "ihi-full-scale", fw.version, last_plain[1],
                            last_plain[2], last_plain[3], "retract", "", on,
                            "2026-01-01T00:00:00Z", "bench", "a mistake", "", last_plain[0],
                            "cli", "", ""))
                last_plain = None
                continue
            if rng.random() < 0.3:
                stage, cp, levels = rng.choice(rated)
                w.writerow((event_id, "Bench", "ihi-full-scale", fw.version, site, stage, cp,
                            "rated", rng.choice(levels), on, "2026-01-01T00:00:00Z", "bench",
                            "", "", "", "cli", "", ""))
            else:
                stage, cp = rng.choice(ticked)
                kind = rng.choice(("started", "done", "done", "blocked"))
                w.writerow((event_id, "Bench", "ihi-full-scale", fw.version, site, stage, cp, kind,
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


def floor(path: Path, folder: Path) -> float:
    db = folder / "floor.db"
    cols = ", ".join(f"{c} TEXT" for c in COLUMNS)
    script = (f"PRAGMA journal_mode = WAL;\nPRAGMA cache_size = -65536;\nPRAGMA threads = 4;\n"
              f"CREATE TABLE events ({cols});\nBEGIN;\n.mode csv\n"
              f".import --skip 1 {path} events\n"
              "CREATE INDEX ix ON events (initiative, site, checkpoint, occurred_on, kind, "
              "rating);\nCREATE UNIQUE INDEX uq ON events (initiative, event_id);\nCOMMIT;\n")
    t = time.perf_counter()
    subprocess.run(["sqlite3", str(db)], input=script, text=True, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def read_only(path: Path) -> float:
    """One pass of Python's csv module over the file, doing nothing with the rows."""
    t = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as f:
        for _ in csv.reader(f):
            pass
    return time.perf_counter() - t


def start_up() -> float:
    """Starting the interpreter and importing what ``events import`` needs."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tracker.exchange"], check=True)
    return time.perf_counter() - t


def tree_memory_mb(pid: int) -> float:
    """Proportional set size (shared pages split between sharers) of a process and its
    children, from Linux's /proc: a forked reader's copy-on-write pages are not counted
    twice, as adding up RSS would."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def scaletrack_import(path: Path, folder: Path) -> tuple[float, float, float]:
    """(seconds, peak of the import's own process in MB, peak of it and its reader)."""
    db = folder / "scaletrack.db"
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "initiative", "create",
                    "Bench", "--framework", "ihi-full-scale"], check=True, capture_output=True)
    peak_tree = 0.0
    t = time.perf_counter()
    with open(folder / "out.txt", "w+") as out:
        proc = subprocess.Popen(scaletrack_argv("--db", str(db), "events", "import", str(path),
                                                "--add-sites"), stdout=out, stderr=out,
                                text=True)
        while True:  # sample the process tree's memory every 0.2 s until it ends
            done, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if done:
                break
            peak_tree = max(peak_tree, tree_memory_mb(proc.pid))
            time.sleep(0.2)
        took = time.perf_counter() - t
        out.seek(0)
        said = out.read().strip()
    if status:
        raise SystemExit(said)
    # its own peak (VmHWM): wait4's ru_maxrss would carry over this process's peak
    _, own, _ = own_figures(said)
    print("\n".join(line for line in said.splitlines() if not line.startswith("BENCH ")))
    return took, own, max(peak_tree, own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    opts = parser.parse_args()
    print(reference())
    if not shutil.which("sqlite3"):
        raise SystemExit("the baseline needs the sqlite3 shell (apt-get install sqlite3)")
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-import-"))
    path = folder / "events.csv"
    t = time.perf_counter()
    write_file(path, opts.events)
    print(f"wrote {opts.events:,} events ({path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - t:.1f} s")
    # each run starts with the earlier runs' files written out, not still being flushed
    os.sync()
    base = baseline(path, folder)
    os.sync()
    least = floor(path, folder)
    reading, starting = read_only(path), start_up()
    os.sync()
    took, own, peak = scaletrack_import(path, folder)
    ratio = took / base
    ok = ratio <= 3 and peak < 200
    print(f"sqlite3 .import: {base:.2f} s (baseline)")
    print(f"sqlite3 .import + covering index + unique key, WAL: {least:.2f} s "
          f"({least / base:.2f} x; the floor for a table with those indexes)")
    print(f"  + starting Python with scaletrack's modules: {starting:.2f} s, + one csv.reader "
          f"pass over the file: {reading:.2f} s = {(least + starting + reading) / base:.2f} x "
          "before any row is checked")
    print(f"scaletrack events import: {took:.2f} s ({ratio:.2f} x; target 3 x); peak memory "
          f"{peak:.0f} MB with its reader process, {own:.0f} MB for the writer alone "
          f"(target < 200 MB)  {'ok' if ok else 'MISSED'}")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
