"""Time every chart and the whole quarterly report, for each built-in framework at 200 sites.

Builds one synthetic programme per framework (default 200 sites with long place
names; phased frameworks about 300 events a site, with ratings and
retractions; NASSS eight quarterly assessments a site), then runs
``scaletrack chart KIND`` for every chart kind that fits the framework and
``scaletrack report`` as a user would, best of --repeat runs, against the
target of 5 s for the whole report, and the size of its report.html against
10 MB (the file people attach to an e-mail).

``--baseline DIR`` also times another checkout of scaletrack (for example
``git archive main | tar -x -C DIR``) on the same databases, interleaved
with this one, and prints each figure's ratio to it: on a shared machine only
ratios measured in the same run mean anything.

``--db URL`` runs everything on a PostgreSQL database instead (it must be
empty or a benchmark's own: its ``public`` schema is dropped for each
framework).  The programme is built in SQLite as usual and copied across
table by table; nothing updates the planner's statistics afterwards, so the
report meets the database as it stands straight after a bulk import.

Each report's peak memory is printed as the main process's and the largest
chart worker's peak resident set (target: each under 400 MB; the workers are
forked from the main process and share most of its pages, so the two do not
add up).

    python benchmarks/bench_reports.py [--sites 200] [--baseline DIR]
    python benchmarks/bench_reports.py --sites 1000 --frameworks ihi-full-scale \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_r
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import own_figures, reference, scaletrack_argv  # noqa: E402

TARGET_S = 5.0
PEAK_MB = 400
HTML_LIMIT = 10_000_000  # report.html is attached to e-mails
FRAMEWORKS = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss")
KINDS = {"phased": ("timeline", "gaps", "compare", "adoption"),
         "domains": ("complexity", "gaps", "compare")}
PLACES = ("Bournemouth, Christchurch and Poole", "Rhondda Cynon Taf", "Kingston upon Hull",
          "Redcar and Cleveland", "Windsor and Maidenhead", "Barking and Dagenham",
          "North East Lincolnshire", "Richmond upon Thames", "Brighton and Hove",
          "Neath Port Talbot")


def site_name(i: int) -> str:
    return f"{PLACES[i % len(PLACES)]} {i:03d}"


def build_phased(path: Path, framework_id: str, n_sites: int, per_site: int,
                 seed: int = 7) -> int:
    """A phased programme written straight into SQLite (an import would take longer than
    the report it feeds): sites move through the stages at random speeds."""
    from tracker.catalog import Catalog
    from tracker.store import Store
    from tracker.store.initiatives import create_initiative

    store = Store.open(str(path))
    catalog = Catalog()
    create_initiative(store, catalog, "Benchmark", framework_id)
    framework = catalog.for_initiative(framework_id)
    store.close()
    ticked = [(s.id, c.full_id) for s in framework.stages for c in s.checkpoints]
    rated = [(s.id, c.full_id, framework.levels(c)) for s in framework.checklists
             for c in s.checkpoints]
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO sites (id, initiative_id, name, name_key, region, created_at) "
        "VALUES (?, 1, ?, ?, ?, '2026-01-01 00:00:00')",
        [(i, site_name(i), site_name(i).casefold(), f"Region {i % 12}")
         for i in range(1, n_sites + 1)])
    event_id, rows = 0, []
    per_checkpoint = max(1, per_site // (2 * len(ticked)))
    for site in range(1, n_sites + 1):
        reach = rng.randint(1, len(ticked))
        day = rng.randint(0, 300)
        for n in range(per_site):
            day += rng.randint(0, 2)
            on = (start + dt.timedelta(days=min(day, 900))).isoformat()
            event_id += 1
            if n % 3 == 2 and rated:
                stage, cp, levels = rng.choice(rated)
                row = (event_id, site, stage, cp, "rated", rng.choice(levels), on, None)
            else:
                stage, cp = ticked[min(n // per_checkpoint, reach - 1) if rng.random() < 0.8
                                   else rng.randrange(reach)]
                kind = rng.choice(("started", "done", "done", "done", "blocked", "reopened"))
                row = (event_id, site, stage, cp, kind, None, on, None)
            rows.append(row)
            if rng.random() < 0.02:
                event_id += 1
                rows.append((event_id, site, row[2], row[3], "retract", None, on, row[0]))
    conn.executemany(
        "INSERT INTO events (id, initiative_id, site_id, stage, checkpoint, kind, rating, "
        "occurred_on, recorded_at, recorded_by, retracts, source) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, ?, '2026-01-01 00:00:00', 'bench', ?, 'bench')", rows)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return event_id


def build_nasss(db: Path, n_sites: int, seed: int = 5) -> int:
    """A NASSS programme: each site rates most sub-domains every quarter for two years."""
    from tracker.catalog import Catalog
    from tracker.exchange import import_file
    from tracker.store import Store
    from tracker.store.initiatives import create_initiative

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
                        f.write(f'"{site_name(site)}",{cp},rated,{rng.choice(levels)},{day}\n')
                        n += 1
    store = Store.open(str(db))
    create_initiative(store, catalog, "NASSS bench", "nasss")
    import_file(store, "NASSS bench", path, add_sites=True)
    store.close()
    return n


def copy_to(url: str, db: Path) -> None:
    """The SQLite programme ``db`` copied into the PostgreSQL database ``url``, into a
    fresh schema made by scaletrack's own migrations; autovacuum is off for the copied
    tables, so nothing analyses them before the report runs."""
    from sqlalchemy import create_engine, text

    from tracker.store import Store
    from tracker.store.schema import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    Store.open(url).close()  # the schema, as scaletrack makes it
    source = create_engine(f"sqlite:///{db}")
    target = create_engine(url)
    with source.connect() as src, target.begin() as dst:
        tables = Base.metadata.sorted_tables
        for table in reversed(tables):
            dst.execute(table.delete())
        for table in tables:
            dst.execute(text(f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)"))
            rows = [dict(r._mapping) for r in src.execute(table.select())]
            for i in range(0, len(rows), 20_000):
                dst.execute(table.insert(), rows[i:i + 20_000])
    source.dispose()
    target.dispose()


def timed(args: list[str], code: str | None) -> tuple[float, float, float]:
    """(wall seconds, the main process's peak MB, the largest child's peak MB)."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    t = time.perf_counter()
    out = subprocess.run(scaletrack_argv(*args), capture_output=True,
                         text=True, env=env, cwd=code or None)
    wall = time.perf_counter() - t
    if out.returncode:
        raise SystemExit(f"{args} failed ({code or 'this checkout'}): {out.stderr}")
    _, main_mb, child_mb = own_figures(out.stderr)
    return wall, main_mb, child_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--events-per-site", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="DIR", help="Another checkout to time beside.")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--db", metavar="URL",
                        help="A PostgreSQL database to run on (its public schema is replaced).")
    opts = parser.parse_args()
    print(reference())
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-bench-reports-"))
    codes = {"this": None}
    if opts.baseline:
        codes["baseline"] = str(Path(opts.baseline).resolve())
    ok = True
    rows = []
    for fw in opts.frameworks.split(","):
        db = folder / f"{fw}.db"
        if fw == "nasss":
            n = build_nasss(db, opts.sites)
        else:
            n = build_phased(db, fw, opts.sites, opts.events_per_site)
        print(f"{fw}: built {opts.sites} sites, {n:,} events")
        target = str(db)
        if opts.db:
            t = time.perf_counter()
            copy_to(opts.db, db)
            target = opts.db
            print(f"{fw}: copied to PostgreSQL in {time.perf_counter() - t:.1f} s "
                  "(statistics not updated since)")
        kinds = KINDS["domains" if fw == "nasss" else "phased"]
        runs = {kind: ["--db", target, "chart", kind, "--quarter", "2026Q2", "-o",
                       str(folder / fw / f"{kind}.png")] for kind in kinds}
        runs["report"] = ["--db", target, "report", "--quarter", "2026Q2", "--out",
                          str(folder / fw / "report")]
        for name, args in runs.items():
            best = {label: float("inf") for label in codes}
            peak = {label: (0.0, 0.0) for label in codes}
            for _ in range(opts.repeat):  # interleaved, so both see the same load
                for label, code in codes.items():
                    wall, main_mb, child_mb = timed(args, code)
                    best[label] = min(best[label], wall)
                    peak[label] = (max(peak[label][0], main_mb), max(peak[label][1], child_mb))
            line = f"{fw:22s} {name:10s} {best['this']:6.2f} s"
            if "baseline" in best:
                line += (f"   baseline {best['baseline']:6.2f} s   ratio "
                         f"{best['this'] / best['baseline']:4.2f}")
            if name == "report":
                meets = best["this"] < TARGET_S
                ok &= meets
                line += f"   (target < {TARGET_S:g} s) {'ok' if meets else 'MISSED'}"
                main_mb, child_mb = peak["this"]
                fits = max(main_mb, child_mb) < PEAK_MB
                ok &= fits
                line += (f"\n{'':33s}peak {main_mb:4.0f} MB, largest chart worker "
                         f"{child_mb:4.0f} MB (target: each < {PEAK_MB} MB) "
                         f"{'ok' if fits else 'MISSED'}")
            rows.append(line)
            print(line, flush=True)
        html = (folder / fw / "report" / "report.html").stat().st_size
        fits = html < HTML_LIMIT
        ok &= fits
        print(f"{fw:22s} report.html {html / 1e6:5.2f} MB   (limit < {HTML_LIMIT / 1e6:g} MB) "
              f"{'ok' if fits else 'MISSED'}")
        files = sorted(p.name for p in (folder / fw / "report").iterdir())
        pages: dict[str, int] = {}
        for name in files:  # "timeline-12.png" counts as a page of timeline.png
            stem, dash, number = name.rpartition(".")[0].rpartition("-")
            key = f"{stem}.png" if dash and number.isdigit() else name
            pages[key] = pages.get(key, 0) + 1
        print(f"{fw}: report files: {len(files)} (" + ", ".join(
            name if n == 1 else f"{name} x {n} pages" for name, n in pages.items()) + ")")
    print(f"best of {opts.repeat}, each a fresh scaletrack process (start-up included)")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
