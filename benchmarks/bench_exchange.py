"""List and export 300,000 events, against the database's own CSV dump.

Writes a 300,000-event file in the export format (the generator of
``bench_import.py``: 1,000 sites on ihi-full-scale), imports it into a fresh
SQLite database and then, in one run, times each of these as a user runs it
(a new ``scaletrack`` process, output to a file) with its peak memory:

- ``events list --format csv``, ``events list`` (table),
- ``events export`` as CSV and as JSON Lines,
- the baseline: ``sqlite3 -csv`` of the events table, plus the start-up of
  an interpreter importing what ``events export`` imports.

With ``--db URL`` (an empty PostgreSQL database: ``createdb bench_export``)
it does the same there too, against ``psql -c "\\copy events to ... csv"``.

Targets: each command under 150 MB; export within 3 x (the dump + start-up).
Needs the sqlite3 shell (``apt-get install sqlite3``) and, for PostgreSQL, psql.

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
from machine import reference  # noqa: E402

COMMANDS = {
    "events list --format csv": ["events", "list", "--format", "csv"],
    "events list (table)": ["events", "list"],
    "events export (CSV)": ["events", "export", "-o", "{out}"],
    "events export (JSON Lines)": ["events", "export", "--format", "jsonl", "-o", "{out}"],
}
MEMORY_MB = 150


def timed(argv: list[str], out: Path, env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident memory in MB) of one process writing to
    ``out``.  CPU time is printed beside wall time: on a loaded machine a process waits
    for a core, and the wait says nothing about the program."""
    with open(out, "wb") as f:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - t
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if status:
        raise SystemExit(f"{' '.join(argv)} failed: {err}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def scaletrack(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "tracker", "--db", db, *args]


def load(db: str, path: Path) -> None:
    subprocess.run(scaletrack(db, "initiative", "create", "Bench", "--framework",
                              "ihi-full-scale"), check=True, capture_output=True)
    subprocess.run(scaletrack(db, "events", "import", str(path)), check=True,
                   capture_output=True)


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


def measure(name: str, db: str, folder: Path, baseline_argv, baseline_out: Path,
            env=None) -> bool:
    """Time the baseline (which writes to ``baseline_out``), then each command."""
    print(f"\n{name}")
    base, base_cpu, base_mb = timed(baseline_argv, baseline_out, env)
    starting, start_cpu, _ = timed([sys.executable, "-c", "import tracker.cli, tracker.exchange"],
                                   Path(os.devnull))
    print(f"  baseline dump: {base:.2f} s ({base_cpu:.2f} s CPU), {base_mb:.0f} MB; start-up "
          f"{starting:.2f} s ({start_cpu:.2f} s CPU); target for export: "
          f"{3 * (base + starting):.2f} s")
    ok = True
    for label, args in COMMANDS.items():
        out = folder / "out.txt"
        argv = scaletrack(db, *[a.format(out=folder / "export.out") for a in args])
        took, cpu, mb = timed(argv, out)
        ratio = took / (base + starting)
        cpu_ratio = cpu / (base_cpu + start_cpu)
        good = mb < MEMORY_MB and ("export" not in label or ratio <= 3)
        ok &= good
        print(f"  {label:28} {took:6.2f} s  {ratio:5.2f} x (dump + start-up)  CPU {cpu:5.2f} s "
              f"{cpu_ratio:5.2f} x  {mb:5.0f} MB  {'ok' if good else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--db", metavar="URL",
                        help="An empty PostgreSQL database to measure as well.")
    opts = parser.parse_args()
    print(reference())
    if not shutil.which("sqlite3"):
        raise SystemExit("the baseline needs the sqlite3 shell (apt-get install sqlite3)")
    if opts.db and not shutil.which("psql"):
        raise SystemExit("the PostgreSQL baseline needs psql (apt-get install postgresql-client)")
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-exchange-"))
    try:
        path = folder / "events.csv"
        write_file(path, opts.events)
        db = str(folder / "bench.db")
        t = time.perf_counter()
        load(db, path)
        print(f"{opts.events:,} events written and imported into SQLite in "
              f"{time.perf_counter() - t:.1f} s")
        ok = measure("SQLite", db, folder,
                     ["sqlite3", "-csv", "-header", db, "SELECT * FROM events"],
                     folder / "baseline.csv")
        if opts.db:
            t = time.perf_counter()
            load(opts.db, path)
            print(f"\nimported into PostgreSQL in {time.perf_counter() - t:.1f} s")
            argv, env = psql_baseline(opts.db, folder / "baseline.csv")
            ok &= measure("PostgreSQL", opts.db, folder, argv, Path(os.devnull), env)
    finally:
        shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
