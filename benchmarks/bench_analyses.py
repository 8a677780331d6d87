"""Time status, gaps and compare on a large synthetic programme, against raw SQL.

Builds a fresh database (default: a SQLite file; ``--db URL`` for an empty
PostgreSQL database) holding 1,000 sites on ihi-full-scale and about 300,000
events with ratings and retractions, then runs each command as a user would
(a new ``scaletrack`` process) and, in the same run, a baseline: one plain
aggregate query over the same data computing the per site x stage done counts
and first / last dates, plus the interpreter's bare start-up.  Prints each
figure, its ratio to the baseline, and each command's peak memory.

The events go in with plain multi-row INSERTs and nothing updates the
planner's statistics afterwards: the state of a database straight after a
bulk load, before autovacuum (PostgreSQL) has looked at it.  On PostgreSQL
autovacuum is switched off for the benchmark's tables so that it cannot
analyse them half-way through; the first run of each command, straight after
the load, is printed as well as the best.

    python benchmarks/bench_analyses.py [--sites 1000] [--events-per-site 300] [--before DIR]
    createdb -h 127.0.0.1 -U postgres bench_x
    python benchmarks/bench_analyses.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_x

Then it updates the statistics (ANALYZE) and measures everything again: a
database that has been analysed (by an import's end, or by autovacuum) must be
as fast.

Targets (issue "Analyses at the speed of SQL"): each command within 1.5 x the
baseline after start-up, on both backends, in both states; peak memory under
150 MB.  "Start-up" is an interpreter that imports what every database command
imports (SQLAlchemy alone takes longer to import than the baseline query takes
to run); the bare interpreter's start-up is printed beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

TARGET_RATIO = 1.5
PEAK_MB = 150


BASELINE_SQL = """
SELECT site_id, stage,
       count(DISTINCT CASE WHEN kind = 'done' THEN checkpoint END) AS done,
       min(occurred_on), max(occurred_on)
FROM events
WHERE initiative_id = 1 AND kind != 'retract' AND occurred_on <= :as_of
GROUP BY site_id, stage
"""


def build(url: str, n_sites: int, per_site: int, seed: int = 7) -> int:
    from sqlalchemy import text

    from tracker.catalog import Catalog
    from tracker.store import Store
    from tracker.store.schema import Event, Site
    from tracker.store.initiatives import create_initiative

    store = Store.open(url)
    catalog = Catalog()
    create_initiative(store, catalog, "Benchmark", "ihi-full-scale")
    framework = catalog.for_initiative("ihi-full-scale")
    ticked = [(s.id, c.full_id) for s in framework.stages for c in s.checkpoints]
    rated = [(s.id, c.full_id, framework.levels(c)) for s in framework.checklists
             for c in s.checkpoints]
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    stamp = dt.datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("events", "sites"):
                conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        conn.execute(Site.__table__.insert(), [
            {"id": i, "initiative_id": 1, "name": f"Site {i:04d}", "name_key": f"site {i:04d}",
             "region": f"Region {i % 12}", "created_at": stamp} for i in range(1, n_sites + 1)])
        event_id = 0
        rows: list[dict] = []

        def event(site, stage, cp, kind, rating, on, retracts=None):
            nonlocal event_id
            event_id += 1
            rows.append({"id": event_id, "initiative_id": 1, "site_id": site, "stage": stage,
                         "checkpoint": cp, "kind": kind, "rating": rating, "occurred_on": on,
                         "recorded_at": stamp, "recorded_by": "bench", "retracts": retracts,
                         "source": "bench"})
            return event_id

        for site in range(1, n_sites + 1):
            reach = rng.randint(3, len(ticked))
            day = 0
            for n in range(per_site):
                day += rng.randint(0, 4)
                on = start + dt.timedelta(days=day)
                if n % 3 == 2:
                    stage, cp, levels = rng.choice(rated)
                    written = event(site, stage, cp, "rated", rng.choice(levels), on)
                else:
                    stage, cp = ticked[min(n // 12, reach - 1) if rng.random() < 0.8
                                       else rng.randrange(reach)]
                    kind = rng.choice(("started", "done", "done", "done", "blocked", "reopened"))
                    written = event(site, stage, cp, kind, None, on)
                if rng.random() < 0.02:  # a retraction of the event just written
                    event(site, stage, cp, "retract", None, on, written)
            if len(rows) > 20_000:
                conn.execute(Event.__table__.insert(), rows)
                rows.clear()
        if rows:
            conn.execute(Event.__table__.insert(), rows)
    store.close()
    return event_id


def run_command(db: str, args: list[str], code: str | None = None) -> tuple[float, float, float]:
    """(wall seconds of the whole process, seconds inside the CLI, peak MB), running the
    scaletrack installed here or, with ``code``, the checkout in that folder."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    t = time.perf_counter()
    out = subprocess.run(scaletrack_argv("--db", str(db), *args),
                         capture_output=True, text=True, env=env, cwd=code or None)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"{args} failed: {out.stderr}")
    inside, own_mb, _ = own_figures(out.stderr)
    return wall, inside, own_mb


def startup(imports: bool = False) -> float:
    """A bare interpreter, or one that loads what every database command needs."""
    code = "import tracker.cli, tracker.store, tracker.analysis.load" if imports else "pass"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t


def baseline(engine, as_of: dt.date) -> float:
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # the connection is made outside the timing
        t = time.perf_counter()
        rows = conn.execute(text(BASELINE_SQL), {"as_of": as_of}).fetchall()
        took = time.perf_counter() - t
    assert rows
    return took


def measure(db: str, engine, as_of: str, repeat: int, state: str,
            before: str | None = None) -> tuple[dict, bool]:
    """Time the baseline, the start-ups and each command, interleaved (and each command
    of the checkout ``before``, when given); print the ratios."""
    names = ("status", "gaps", "compare")
    args = {name: [name, "--as-of", as_of, "--format", "csv"] for name in names}
    first = {}
    for name in names:  # the first run in this state; it also warms the cache for the rest
        first[name] = run_command(db, args[name])[0]
    print(f"{state}: first runs " +
          ", ".join(f"{name} {first[name]:.3f} s" for name in names))
    # Interleave every measurement and keep the best of each (as timeit does): on a shared
    # machine the noise only ever adds time, so the minimum is the steadiest estimate.
    samples: dict[str, list] = {"baseline": [], "startup": [], "tool": [],
                                **{n: [] for n in names}, **{"before " + n: [] for n in names}}
    for _ in range(repeat):
        samples["baseline"].append(baseline(engine, dt.date.fromisoformat(as_of)))
        samples["startup"].append(startup())
        samples["tool"].append(startup(imports=True))
        for name in names:
            samples[name].append(run_command(db, args[name]))
            if before:
                samples["before " + name].append(run_command(db, args[name], before))
    base = min(samples["baseline"])
    bare = min(samples["startup"])
    boot = min(samples["tool"])
    print(f"  baseline aggregate query: {base:.3f} s; start-up: bare interpreter {bare:.3f} s, "
          f"with scaletrack's imports (SQLAlchemy, click) {boot:.3f} s (best of {repeat})")
    figures = {"baseline_s": base, "bare_startup_s": bare, "startup_s": boot,
               "first_run_s": first, "commands": {}}
    ok = True
    for name in names:
        runs = samples[name]
        wall = min(r[0] for r in runs)
        rss = max(r[2] for r in runs)
        ratio = (wall - boot) / base
        meets = ratio <= TARGET_RATIO and rss < PEAK_MB
        ok &= meets
        figures["commands"][name] = {"wall_s": wall, "ratio_to_baseline": ratio,
                                     "peak_mb": rss, "meets_target": meets}
        print(f"  {name:8s} {wall:6.3f} s  ({ratio:4.2f} x baseline after start-up; target "
              f"{TARGET_RATIO} x)  peak {rss:5.0f} MB (target < {PEAK_MB})  "
              f"{'ok' if meets else 'MISSED'}")
        if before:
            old = min(r[0] for r in samples["before " + name])
            old_rss = max(r[2] for r in samples["before " + name])
            figures["commands"][name]["before_wall_s"] = old
            print(f"  {'':8s} before: {old:6.3f} s  ({(old - boot) / base:4.2f} x)  "
                  f"peak {old_rss:5.0f} MB")
    return figures, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--events-per-site", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", metavar="URL",
                        help="An empty database to fill (PostgreSQL: create it first; the "
                             "benchmark leaves it filled). Default: a new SQLite file.")
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite file afterwards.")
    parser.add_argument("--json", metavar="FILE", help="Also write the figures as JSON.")
    parser.add_argument("--before", metavar="DIR",
                        help="Another checkout of scaletrack (git archive main | tar -x -C DIR) "
                             "to time beside this one, interleaved.")
    opts = parser.parse_args()
    print(reference())

    from sqlalchemy import create_engine

    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-"))
    db = opts.db or f"sqlite:///{folder / 'bench.db'}"
    t = time.perf_counter()
    n_events = build(db, opts.sites, opts.events_per_site)
    engine = create_engine(db)
    print(f"built {opts.sites} sites, {n_events:,} events on {engine.dialect.name} in "
          f"{time.perf_counter() - t:.1f} s (statistics not updated since the load)")
    as_of = "2026-06-30"
    results = {"backend": engine.dialect.name, "sites": opts.sites, "events": n_events,
               "states": {}}
    ok = True
    for state in ("straight after the load", "after ANALYZE"):
        if state == "after ANALYZE":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        figures, meets = measure(db, engine, as_of, opts.repeat, state,
                                 opts.before and str(Path(opts.before).resolve()))
        results["states"][state] = figures
        ok &= meets
    if opts.json:
        Path(opts.json).write_text(json.dumps(results, indent=2))
    engine.dispose()
    if opts.keep and not opts.db:
        print(f"kept {db}")
    else:
        shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
