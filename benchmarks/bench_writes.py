"""Write throughput with 8 concurrent writers, on SQLite and on PostgreSQL.

Each writer is a separate process that runs the real ``scaletrack log`` command
N times (in-process, so the figure is the database's, not the interpreter's
start-up).  Reports events per second for each database, and checks that
every event arrived.

    python benchmarks/bench_writes.py [--writers 8] [--logs 100]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))
from machine import reference  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "tests" / "concurrent_logger.py"
CATALOG = ROOT / "tests" / "data"


def prepare(url: str) -> None:
    env = {**os.environ, "SCALETRACK_DB": url, "SCALETRACK_CATALOG": str(CATALOG)}
    run = [sys.executable, "-m", "tracker"]
    subprocess.run(run + ["initiative", "create", "Bench", "--framework", "mini"], env=env,
                   check=True, capture_output=True)
    for s in range(4):
        subprocess.run(run + ["site", "add", f"S{s}"], env=env, check=True, capture_output=True)


def measure(url: str, writers: int, logs: int, library: bool = False) -> float:
    prepare(url)
    env = {**os.environ, "SCALETRACK_DB": url, "SCALETRACK_CATALOG": str(CATALOG)}
    t = time.perf_counter()
    extra = ["--library"] if library else []
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(w), str(logs), *extra], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(writers)]
    outs = [p.communicate() for p in procs]
    took = time.perf_counter() - t
    failures = sum(code != "0" for out, _ in outs for code in out.strip().split(","))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM events")).scalar()
    engine.dispose()
    assert failures == 0 and n == writers * logs, (failures, n)
    return n / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--logs", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("SCALETRACK_TEST_DATABASE_URL"))
    opts = parser.parse_args()
    print(reference())
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-writes-"))
    for library in (False, True):
        how = "one store per writer, write path called directly" if library else \
            "the log command, a new connection each time"
        rate = measure(f"sqlite:///{folder / f'w{library}.db'}", opts.writers, opts.logs, library)
        print(f"SQLite:     {rate:7.1f} events/s ({opts.writers} writers x {opts.logs}; {how})")
    shutil.rmtree(folder)
    if opts.postgres:
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(opts.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in opts.postgres else "?"
        url = f"{opts.postgres}{sep}options={quote(f'-csearch_path={schema}')}"
        try:
            for library in (False, True):
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                how = "one store per writer, write path called directly" if library else \
                    "the log command, a new connection each time"
                rate = measure(url, opts.writers, opts.logs, library)
                print(f"PostgreSQL: {rate:7.1f} events/s ({opts.writers} writers x {opts.logs}; "
                      f"{how})")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    else:
        print("PostgreSQL: skipped (give --postgres URL or SCALETRACK_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
