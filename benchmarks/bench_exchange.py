"""List and export 300,000 events, against the database's own CSV dump.

Writes a 300,000-event file in the export format (the generator of
``bench_import.py``: 1,000 sites on ihi-full-scale), imports it into a fresh
SQLite database and then, in one run, times each of these as a user runs it
(a new ``scaletrack`` process, output to a file) with its peak memory:

- ``events list --format csv``, ``events list`` (table),
- ``events export`` as CSV and as JSON Lines,
- the baseline: ``sqlite3 -csv`` of the events table, plus scaletrack's
  start-up: an interpreter importing what ``events export`` imports and the
  database's driver (sqlite3 or psycopg).

With ``--db URL`` (an empty PostgreSQL database: ``createdb bench_export``)
it does the same there too, against ``psql -c "\\copy events to ... csv"``.

Each is run ``--runs`` times (3) and the best taken, wall-clock and CPU time
(user + system of the process) each on its own; peak memory is the largest
of the runs.  CPU time is printed beside wall time because on a shared
machine a process spends part of its wall time waiting for a core.

Targets: each command under 150 MB; export within 3 x (the dump + start-up).
Needs the sqlite3 shell (``apt-get install sqlite3``) and, for PostgreSQL, psql.

With ``--data FOLDER`` the generated file and SQLite database are kept there
and used again by the next run with the same ``--events``; a PostgreSQL
database that already holds the benchmark's initiative is used as it is.

    python benchmarks/bench_exchange.py [--events 300000] [--db postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import write_file  # noqa: E402
from machine import own_figures, reference, scaletrack_argv  # noqa: E402

COMMANDS = {
    "events list --format csv": ["events", "list", "--format", "csv"],
    "events list (table)": ["events", "list"],
    "events export (CSV)": ["events", "export", "-o", "{out}"],
    "events export (JSON Lines)": ["events", "export", "--format", "jsonl", "-o", "{out}"],
}
MEMORY_MB = 150
TARGET = 3


class Timing:
    """The best wall and CPU seconds of some runs of one command, and its largest peak."""

    def __init__(self):
        self.wall = self.cpu = float("inf")
        self.mb = 0.0

    def add(self, wall: float, cpu: float, mb: float) -> None:
        self.wall, self.cpu, self.mb = min(self.wall, wall), min(self.cpu, cpu), max(self.mb, mb)

    def __add__(self, other: "Timing") -> "Timing":
        both = Timing()
        both.add(self.wall + other.wall, self.cpu + other.cpu, max(self.mb, other.mb))
        return both


def timed(argv: list[str], out: Path, runs: int, env: dict | None = None) -> Timing:
    """``runs`` runs of one process writing its standard output to ``out``."""
    timing = Timing()
    for _ in range(runs):
        with open(out, "wb") as f:
            t = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.PIPE, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            took = time.perf_counter() - t
        err = proc.stderr.read().decode()
        proc.stderr.close()
        if status:
            raise SystemExit(f"{' '.join(argv)} failed: {err}")
        # a scaletrack command reports its own peak; ru_maxrss carries this process's over
        mb = own_figures(err)[1] if "BENCH " in err else usage.ru_maxrss / 1024
        timing.add(took, usage.ru_utime + usage.ru_stime, mb)
    return timing


def scaletrack(db: str, *args: str) -> list[str]:
    return scaletrack_argv("--db", db, *args)


def load(db: str, path: Path) -> None:
    subprocess.run(scaletrack(db, "initiative", "create", "Bench", "--framework",
                              "ihi-full-scale"), check=True, capture_output=True)
    subprocess.run(scaletrack(db, "events", "import", str(path), "--add-sites"), check=True,
                   capture_output=True)


def holds_bench(db: str, events: int) -> bool:
    """Whether the database already holds the benchmark's initiative with its events."""
    found = subprocess.run(scaletrack(db, "initiative", "list", "--format", "csv"),
                           capture_output=True, text=True)
    if found.returncode or "Bench" not in found.stdout:
        return False
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM events")).scalar() == events
    finally:
        engine.dispose()


def psql_baseline(url: str, out: Path) -> tuple[list[str], dict]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    conn = [f"--host={u.host or '127.0.0.1'}", f"--port={u.port or 5432}",
            f"--username={u.username or 'postgres'}", f"--dbname={u.database}"]
    return ["psql", "-X", "-q", *conn, "-c",
            f"\\copy events to '{out}' with (format csv, header)"], env


def measure(name: str, db: str, driver: str, folder: Path, baseline_argv, baseline_out: Path,
            runs: int, env=None) -> bool:
    """Time the baseline (which writes to ``baseline_out``), then each command."""
    print(f"\n{name} (best of {runs} runs; the machine may be shared: see the CPU columns)\n")
    dump = timed(baseline_argv, baseline_out, runs, env)
    start = timed([sys.executable, "-c", f"import tracker.cli, tracker.exchange, {driver}"],
                  Path(os.devnull), runs)
    version = timed([sys.executable, "-m", "tracker", "--version"], Path(os.devnull), runs)
    helped = timed(scaletrack(db, "events", "export", "--help"), Path(os.devnull), runs)
    base = dump + start
    print(f"| command | wall s | x (dump + start-up) | CPU s | CPU x | peak MB | target |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")

    def line(label: str, t: Timing, verdict: str = "", ratio: bool = True) -> None:
        wall_x = f"{t.wall / base.wall:.2f}" if ratio else ""
        cpu_x = f"{t.cpu / base.cpu:.2f}" if ratio else ""
        print(f"| {label} | {t.wall:.2f} | {wall_x} | {t.cpu:.2f} | {cpu_x} | {t.mb:.0f} "
              f"| {verdict} |")

    line(" ".join(baseline_argv[:2]) + " (dump)", dump, ratio=False)
    line(f"start-up (import tracker.cli, tracker.exchange, {driver})", start, ratio=False)
    line("dump + start-up", base)
    line("scaletrack --version", version, ratio=False)
    line("scaletrack events export --help", helped, ratio=False)
    ok = True
    for label, args in COMMANDS.items():
        argv = scaletrack(db, *[a.format(out=folder / "export.out") for a in args])
        t = timed(argv, folder / "out.txt", runs)
        good = t.mb < MEMORY_MB and ("export" not in label or t.wall <= TARGET * base.wall)
        ok &= good
        line(label, t, "ok" if good else "MISSED")
    print(f"\ntargets: under {MEMORY_MB} MB each; export within {TARGET} x (dump + start-up), "
          "wall-clock")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", metavar="URL",
                        help="An empty PostgreSQL database to measure as well.")
    parser.add_argument("--data", metavar="FOLDER",
                        help="Keep the generated data here and use it again next time.")
    opts = parser.parse_args()
    print(reference())
    if not shutil.which("sqlite3"):
        raise SystemExit("the baseline needs the sqlite3 shell (apt-get install sqlite3)")
    if opts.db and not shutil.which("psql"):
        raise SystemExit("the PostgreSQL baseline needs psql (apt-get install postgresql-client)")
    if opts.data:
        folder = Path(opts.data) / f"exchange-{opts.events}"
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-exchange-"))
    try:
        path = folder / "events.csv"
        db = str(folder / "bench.db")
        if not (opts.data and os.path.exists(db)):
            t = time.perf_counter()
            write_file(path, opts.events)
            load(db, path)
            print(f"{opts.events:,} events written and imported into SQLite in "
                  f"{time.perf_counter() - t:.1f} s")
        ok = measure("SQLite", db, "sqlite3", folder,
                     ["sqlite3", "-csv", "-header", db, "SELECT * FROM events"],
                     folder / "baseline.csv", opts.runs)
        if opts.db:
            if not holds_bench(opts.db, opts.events):
                if not path.exists():
                    write_file(path, opts.events)
                t = time.perf_counter()
                load(opts.db, path)
                print(f"\nimported into PostgreSQL in {time.perf_counter() - t:.1f} s")
            argv, env = psql_baseline(opts.db, folder / "baseline.csv")
            ok &= measure("PostgreSQL", opts.db, "psycopg", folder, argv, Path(os.devnull),
                          opts.runs, env)
    finally:
        if not opts.data:
            shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
