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

    python benchmarks/bench_reports.py [--sites 200] [--baseline DIR]
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
from machine import reference  # noqa: E402

TARGET_S = 5.0
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


def timed(args: list[str], code: str | None) -> float:
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                         text=True, env=env, cwd=code or None)
    if out.returncode:
        raise SystemExit(f"{args} failed ({code or 'this checkout'}): {out.stderr}")
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--events-per-site", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="DIR", help="Another checkout to time beside.")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
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
        kinds = KINDS["domains" if fw == "nasss" else "phased"]
        runs = {kind: ["--db", str(db), "chart", kind, "--quarter", "2026Q2", "-o",
                       str(folder / fw / f"{kind}.png")] for kind in kinds}
        runs["report"] = ["--db", str(db), "report", "--quarter", "2026Q2", "--out",
                          str(folder / fw / "report")]
        for name, args in runs.items():
            best = {label: float("inf") for label in codes}
            for _ in range(opts.repeat):  # interleaved, so both see the same load
                for label, code in codes.items():
                    best[label] = min(best[label], timed(args, code))
            line = f"{fw:22s} {name:10s} {best['this']:6.2f} s"
            if "baseline" in best:
                line += (f"   baseline {best['baseline']:6.2f} s   ratio "
                         f"{best['this'] / best['baseline']:4.2f}")
            if name == "report":
                meets = best["this"] < TARGET_S
                ok &= meets
                line += f"   (target < {TARGET_S:g} s) {'ok' if meets else 'MISSED'}"
            rows.append(line)
            print(line, flush=True)
        html = (folder / fw / "report" / "report.html").stat().st_size
        fits = html < HTML_LIMIT
        ok &= fits
        print(f"{fw:22s} report.html {html / 1e6:5.2f} MB   (limit < {HTML_LIMIT / 1e6:g} MB) "
              f"{'ok' if fits else 'MISSED'}")
        files = sorted(p.name for p in (folder / fw / "report").iterdir())
        print(f"{fw}: report files: {len(files)} ({', '.join(files)})")
    print(f"best of {opts.repeat}, each a fresh scaletrack process (start-up included)")
    shutil.rmtree(folder)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
