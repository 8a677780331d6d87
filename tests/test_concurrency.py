"""Eight processes logging at once lose nothing and never fail (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DATA

WORKER = Path(__file__).parent / "concurrent_logger.py"


def test_eight_processes_fifty_logs_each(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    for s in range(4):
        run("site", "add", f"S{s}")
    env = {**os.environ, "SCALETRACK_DB": run.url, "SCALETRACK_CATALOG": str(DATA),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(w), "50"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(8)]
    results = [p.communicate(timeout=300) for p in procs]
    for (out, err), p in zip(results, procs):
        assert p.returncode == 0, err
        codes = out.strip().split(",")
        assert codes == ["0"] * 50, err[-2000:]
    assert run.count() == 400
    per_site = dict(run.rows("SELECT s.name, count(*) FROM events e JOIN sites s "
                             "ON s.id = e.site_id GROUP BY s.name"))
    assert per_site == {"S0": 100, "S1": 100, "S2": 100, "S3": 100}
    assert run.rows("SELECT count(DISTINCT note) FROM events") == [(400,)]
    doc = json.loads(run("status", "--as-of", "2026-06-30", "--format", "json").stdout)
    for site in doc["sites"]:
        assert site["last_activity"] == "2026-02-19"  # day 49 of each worker's run
        assert [(s["done"], s["total"]) for s in site["stages"]] == [(2, 2), (2, 2), (0, 3)]
        assert site["current_stage"] == "spread"


def test_many_first_uses_of_a_new_database_at_once(db_url):
    """Several commands meeting an empty database create its schema exactly once."""
    env = {**os.environ, "SCALETRACK_DB": db_url}
    # Only 'initiative create' may create a database; each process pins its own framework.
    frameworks = ["nasss", "ihi-full-scale", "expandnet-nine-steps", "milat-four-steps"]
    procs = [subprocess.Popen([sys.executable, "-m", "tracker", "initiative", "create", f"P{i}",
                               "--framework", fw], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, fw in enumerate(frameworks * 2)]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    from conftest import Run
    from tracker.store.schema import SCHEMA_HEAD

    assert Run(db_url)("db", "current").stdout.startswith(f"{SCHEMA_HEAD} ")


def test_initiatives_pinning_the_same_framework_at_once(db_url):
    """Four processes pinning one framework at once all succeed, sharing one snapshot."""
    from conftest import Run

    Run(db_url)("initiative", "create", "First", "--framework", "ihi-full-scale")
    env = {**os.environ, "SCALETRACK_DB": db_url}
    procs = [subprocess.Popen([sys.executable, "-m", "tracker", "initiative", "create", f"P{i}",
                               "--framework", "nasss"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(4)]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    listed = Run(db_url)("initiative", "list", "--format", "json").stdout
    names = sorted(row["name"] for row in json.loads(listed))
    assert names == ["First", "P0", "P1", "P2", "P3"]


def test_a_new_sqlite_database_appears_only_whole(tmp_path, monkeypatch):
    """While the schema is written, the database's name does not exist: a command started
    then sees no file (and makes its own copy) rather than an empty file it must refuse."""
    from tracker.store import Store, migrate

    target = tmp_path / "new.db"
    seen = []
    real = migrate._upgrade

    def watching(conn, target_revision="head"):
        seen.append(target.exists())
        real(conn, target_revision)
    monkeypatch.setattr(migrate, "_upgrade", watching)
    Store.open(str(target)).close()
    assert seen == [False]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]  # no temporary left


def test_a_database_made_meanwhile_by_another_command_is_the_one_kept(tmp_path, monkeypatch):
    from tracker.catalog import Catalog
    from tracker.store import Store, migrate
    from tracker.store.initiatives import create_initiative, initiative_names

    target = tmp_path / "new.db"
    real = migrate._upgrade

    def racing(conn, target_revision="head"):
        real(conn, target_revision)
        if not target.exists():  # another command finishes first, with an initiative in it
            monkeypatch.setattr(migrate, "_upgrade", real)
            other = Store.open(str(target))
            create_initiative(other, Catalog(), "Made first", "nasss")
            other.close()
    monkeypatch.setattr(migrate, "_upgrade", racing)
    store = Store.open(str(target))
    assert initiative_names(store) == [("Made first", False)]
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]
