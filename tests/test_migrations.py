"""Migrations: pytest-alembic's built-in checks on both backends, and what they do not cover.

pytest-alembic checks that there is one head, that every revision upgrades from
an empty database, that each steps down and up again, and that the migrated
schema matches the ORM (``Base.metadata``).  Its automatic collection is off
(pyproject.toml binds it to no file: it does not collect under pytest 9), so the tests below call its checks by hand, on SQLite and, when a
server is given, PostgreSQL.  They read the revision history, so a new
migration is covered without touching this file.  The hand-written tests after
them check what pytest-alembic cannot: backups, refusing old and newer schemas,
and rows kept through a downgrade and upgrade.
"""

from __future__ import annotations

import sqlite3

import pytest
from pytest_alembic import tests as alembic_checks
from pytest_alembic.config import Config as AlembicTestConfig
from sqlalchemy import inspect, text

from conftest import make_db_url
from tracker.store import Store
from tracker.store.engine import describe, make_engine
from tracker.store.migrate import alembic_config as make_alembic_config
from tracker.store.migrate import downgrade, upgrade
from tracker.store.schema import SCHEMA_HEAD


@pytest.fixture(params=["sqlite", "postgresql"])
def alembic_engine(request, tmp_path):
    """The engine pytest-alembic migrates: scaletrack's own, with its SQLite settings."""
    url, cleanup = make_db_url(request.param, tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    cleanup()


@pytest.fixture
def alembic_config():
    return AlembicTestConfig(alembic_config=make_alembic_config())


def test_single_head_revision(alembic_runner):
    alembic_checks.test_single_head_revision(alembic_runner)
    assert alembic_runner.heads == [SCHEMA_HEAD]


def test_upgrade_from_empty_to_head(alembic_runner):
    alembic_checks.test_upgrade(alembic_runner)
    assert alembic_runner.current == SCHEMA_HEAD


def test_model_definitions_match_ddl(alembic_runner):
    alembic_checks.test_model_definitions_match_ddl(alembic_runner)


def test_up_down_consistency(alembic_runner):
    alembic_checks.test_up_down_consistency(alembic_runner)


# the columns events had before 0004 added due_on
EVENTS = ("SELECT id, initiative_id, site_id, stage, checkpoint, kind, rating, occurred_on, "
          "recorded_at, recorded_by, note, evidence, retracts, source, idempotency_key "
          "FROM events ORDER BY id")
PLANS = ("SELECT site_id, stage, checkpoint, due_on, occurred_on, recorded_at, recorded_by, note, "
         "idempotency_key FROM events WHERE kind = 'plan' ORDER BY id")


def _seed(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")
    run("log", "Alpha", "plan.b", "--on", "2026-01-03")
    run("events", "retract", "2")
    return run.rows(EVENTS)


def test_downgrade_to_base_and_back_with_rows(run):
    events_before = _seed(run)
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0001")
    assert run.rows(EVENTS) == events_before  # plans went, events stayed
    upgrade(store.engine, store.url)
    assert run.rows(EVENTS) == events_before
    downgrade(store.engine, "base")
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    upgrade(store.engine, store.url)
    store.close()
    assert run("db", "current").stdout.startswith(f"{SCHEMA_HEAD} ")
    assert run.count() == 0


def test_database_behind_the_code_is_refused_then_upgraded(run):
    events = _seed(run)
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0001")
    store.close()
    where = describe(run.url)
    r = run("status", code=1)
    assert r.stderr.strip() == (
        f"Error: the database {where} is at schema 0001 but this scaletrack needs "
        f"{SCHEMA_HEAD}: run 'scaletrack db upgrade' (a SQLite file is backed up first)")
    assert run("db", "current").stdout.strip() == (
        f"0001 (this scaletrack needs {SCHEMA_HEAD}: needs 'scaletrack db upgrade')")
    r = run("db", "upgrade")
    assert f"Upgraded {where} from schema 0001 to {SCHEMA_HEAD}." in r.stderr
    assert run.rows(EVENTS) == events
    assert "Alpha" in run("status").stdout


def test_sqlite_upgrade_writes_a_dated_backup_first(run_sqlite, tmp_path):
    run = run_sqlite
    events = _seed(run)
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0001")
    store.close()
    db_path = tmp_path / "test.db"
    r = run("db", "upgrade")
    backups = list(tmp_path.glob("test.db.*.bak"))
    assert len(backups) == 1
    assert f"Backed up {db_path} to {backups[0]}" in r.stderr
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert [tuple(r) for r in conn.execute(EVENTS)] == [
            tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in events]


NEWER = ("was made by a newer version of scaletrack (schema 9999; this one knows up to "
         f"{SCHEMA_HEAD}): upgrade scaletrack to use it ('pip install --upgrade scaletrack'); "
         "'scaletrack db upgrade' cannot help")


def test_database_from_a_newer_scaletrack_is_refused(run, tmp_path):
    events = _seed(run)
    store = Store.open(run.url, check=False)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    where = describe(run.url)
    r = run("initiative", "list", code=1)
    assert r.stderr.strip() == f"Error: the database {where} {NEWER}"
    r = run("log", "Alpha", "plan.a", code=1)
    assert r.stderr.strip() == f"Error: the database {where} {NEWER}"
    assert run("db", "current").stdout.strip() == (
        f"9999 (this scaletrack needs {SCHEMA_HEAD}: made by a newer version of scaletrack; "
        "upgrade scaletrack to use it)")
    r = run("db", "upgrade", code=1)
    assert r.stderr.strip() == f"Error: the database {where} {NEWER}"
    assert list(tmp_path.glob("*.bak")) == []  # no useless backup
    assert run.rows("SELECT version_num FROM alembic_version") == [("9999",)]
    assert run.rows(EVENTS) == events


def test_sqlite_connection_settings(sqlite_url):
    store = Store.open(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.close()


def test_sqlite_writes_take_the_lock_up_front(sqlite_url):
    """A write transaction holds SQLite's write lock from BEGIN (BEGIN IMMEDIATE)."""
    store = Store.open(sqlite_url)
    seen = {}

    def probe(session):
        session.execute(text("SELECT 1"))  # a read first: the lock must already be held
        other = sqlite3.connect(store.engine.url.database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            seen["other_got_lock"] = True
        except sqlite3.OperationalError as exc:
            seen["other_got_lock"] = False
            seen["error"] = str(exc)
        finally:
            other.close()

    store.write(probe)
    store.close()
    assert seen == {"other_got_lock": False, "error": "database is locked"}


def _inspected(run, look):
    engine = make_engine(run.url)
    try:
        with engine.connect() as conn:
            return look(inspect(conn))
    finally:
        engine.dispose()


def test_a_0002_database_upgraded_to_0003_keeps_every_row(run):
    """0003 adds site_changes and sites.retired_on; every site, plan and event stays."""
    events = _seed(run)
    run("site", "add", "Beta", "--region", "North", "--joined", "2025-12-01")
    run("plan", "Alpha", "pilot", "--due", "2026-06-30", "--on", "2026-01-05")
    sites = run.rows("SELECT id, initiative_id, name, name_key, region, joined_on, created_at "
                     "FROM sites ORDER BY id")
    plans = run.rows(PLANS)
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0002")  # the plan goes back into the plans table
    store.close()
    assert run.rows("SELECT site_id, stage, stage, due_on, set_on, recorded_at, recorded_by, "
                    "note, idempotency_key FROM plans") == plans
    columns = _inspected(run, lambda i: [c["name"] for c in i.get_columns("sites")])
    assert "retired_on" not in columns
    assert "site_changes" not in _inspected(run, lambda i: i.get_table_names())
    r = run("db", "upgrade")
    assert f"from schema 0002 to {SCHEMA_HEAD}." in r.stderr
    assert run.rows("SELECT id, initiative_id, name, name_key, region, joined_on, created_at "
                    "FROM sites ORDER BY id") == sites
    assert run.rows("SELECT retired_on FROM sites") == [(None,), (None,)]
    assert run.rows(PLANS) == plans  # and out again (0004)
    assert run.rows(EVENTS.replace("ORDER", "WHERE kind <> 'plan' ORDER")) == events
    assert run.count("site_changes") == 0
    # and the new table works at once
    run("site", "retire", "Beta", "--on", "2026-01-10")
    assert run.rows("SELECT field, old_value, new_value FROM site_changes") == [
        ("retired_on", None, "2026-01-10")]


def test_sqlite_upgrade_from_0002_backs_the_file_up(run_sqlite, tmp_path):
    run = run_sqlite
    events = _seed(run)
    run("site", "rename", "Alpha", "Alfa")
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0002")  # the rename's row goes; the site keeps its new name
    store.close()
    r = run("db", "upgrade")
    backups = list(tmp_path.glob("test.db.*.bak"))
    assert len(backups) == 1 and f"Backed up {tmp_path / 'test.db'} to {backups[0]}" in r.stderr
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        assert conn.execute("SELECT name FROM sites").fetchall() == [("Alfa",)]
        assert len(conn.execute("SELECT * FROM events").fetchall()) == len(events)
    assert run.rows("SELECT name, retired_on FROM sites") == [("Alfa", None)]
    assert run.rows(EVENTS) == events


def test_a_0003_database_with_plans_upgrades_keeping_every_plan(run):
    """0004 moves plans into the log: each plan becomes a record of kind 'plan' with its
    site, stage, due date, agreed date (occurred_on), recorded_at/by, note and idempotency
    key; the plans table goes; analyses and retraction work on them at once."""
    _seed(run)  # events 1, 2 and the retraction 3
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0003")
    store.close()
    assert "plans" in _inspected(run, lambda i: i.get_table_names())
    engine = make_engine(run.url)
    try:
        with engine.begin() as conn:  # plans as the 0003 code wrote them
            conn.execute(text(
                "INSERT INTO plans (initiative_id, site_id, stage, due_on, set_on, recorded_at, "
                "recorded_by, note, idempotency_key) VALUES "
                "(1, 1, 'pilot', '2026-03-01', '2026-01-05', '2026-01-05 09:00:00', 'sam', "
                "'board', 'k-one'), "
                "(1, 1, 'pilot', '2026-09-30', '2026-02-01', '2026-02-01 09:00:00', 'sam', NULL, "
                "NULL), "
                "(1, 1, 'plan', '2026-02-01', '2026-01-02', '2026-01-02 09:00:00', 'kim', NULL, "
                "'import-plan:1:abc')"))
    finally:
        engine.dispose()
    r = run("db", "upgrade")
    assert f"from schema 0003 to {SCHEMA_HEAD}." in r.stderr
    assert "plans" not in _inspected(run, lambda i: i.get_table_names())
    rows = run.rows("SELECT id, site_id, stage, checkpoint, due_on, occurred_on, recorded_at, "
                    "recorded_by, note, idempotency_key, source, rating, retracts FROM events "
                    "WHERE kind = 'plan' ORDER BY id")
    assert [tuple(str(v)[:19] if v is not None else None for v in row) for row in rows] == [
        ("4", "1", "pilot", "pilot", "2026-03-01", "2026-01-05", "2026-01-05 09:00:00", "sam",
         "board", "k-one", "cli", None, None),
        ("5", "1", "pilot", "pilot", "2026-09-30", "2026-02-01", "2026-02-01 09:00:00", "sam",
         None, None, "cli", None, None),
        ("6", "1", "plan", "plan", "2026-02-01", "2026-01-02", "2026-01-02 09:00:00", "kim",
         None, "import-plan:1:abc", "cli", None, None)]
    assert run.rows(EVENTS.replace("ORDER", "WHERE kind <> 'plan' ORDER"))[2][5:7] == (
        "retract", None)
    # the later pilot plan is in force; withdrawing it brings the earlier one back
    doc = run("next", "--as-of", "2026-06-30", "--format", "json").stdout
    assert '"due_on": "2026-02-01"' in doc  # Alpha is still in 'plan' (plan.b retracted)
    gaps = run("gaps", "--as-of", "2026-06-30", "--format", "json").stdout
    assert '"overdue"' in gaps
    run("events", "retract", "6")
    assert '"overdue"' not in run("gaps", "--as-of", "2026-06-30", "--format", "json").stdout
    listed = run("events", "list", "--format", "csv").stdout
    assert "pilot,plan,,sam,board," in listed


def test_a_0004_database_upgraded_to_0005_keeps_every_row_and_back(run):
    """0005 (after 0004) adds sites.merged_into, site_changes.into_site_id (and the
    'merged_into' field), initiative_changes and initiatives.is_demo; every row stays both ways, except that a
    downgrade forgets merges and renames of initiatives (their schema goes)."""
    _seed(run)
    run("site", "add", "Beta", "--region", "North")
    run("site", "retire", "Beta", "--on", "2026-01-10", "--by", "kim")
    run("plan", "Alpha", "pilot", "--due", "2026-06-30", "--on", "2026-01-05")
    events = run.rows(EVENTS)  # the plan among them
    sites = run.rows("SELECT id, initiative_id, name, name_key, region, joined_on, created_at, "
                     "retired_on FROM sites ORDER BY id")
    changes = run.rows("SELECT id, initiative_id, site_id, field, old_value, new_value, "
                       "effective_on, recorded_at, recorded_by, idempotency_key "
                       "FROM site_changes ORDER BY id")
    initiatives = run.rows("SELECT id, name, name_key, framework_pk, description, started_on, "
                           "created_at FROM initiatives ORDER BY id")
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0004")
    store.close()
    assert "merged_into" not in _inspected(run, lambda i: [c["name"]
                                                           for c in i.get_columns("sites")])
    assert "initiative_changes" not in _inspected(run, lambda i: i.get_table_names())
    r = run("db", "upgrade")
    assert f"from schema 0004 to {SCHEMA_HEAD}." in r.stderr
    assert run.rows("SELECT id, initiative_id, name, name_key, region, joined_on, created_at, "
                    "retired_on FROM sites ORDER BY id") == sites
    assert run.rows("SELECT id, initiative_id, site_id, field, old_value, new_value, "
                    "effective_on, recorded_at, recorded_by, idempotency_key "
                    "FROM site_changes ORDER BY id") == changes
    assert run.rows(EVENTS) == events
    assert run.rows("SELECT id, name, name_key, framework_pk, description, started_on, "
                    "created_at FROM initiatives ORDER BY id") == initiatives
    assert [bool(d) for d, in run.rows("SELECT is_demo FROM initiatives")] == [False]
    assert run.rows("SELECT merged_into FROM sites") == [(None,), (None,)]
    assert run.rows("SELECT into_site_id FROM site_changes") == [(None,)]
    # the new schema works at once, and the CHECK constraint takes the new field only now
    run("site", "add", "Alfa", "--force")
    run("site", "merge", "Alfa", "Alpha", "--yes")
    run("initiative", "rename", "Mini", "Maxi")
    assert run.rows("SELECT field, new_value FROM site_changes ORDER BY id")[-1] == (
        "merged_into", "Alpha")
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0004")
    store.close()
    assert run.rows("SELECT field FROM site_changes ORDER BY id") == [("retired_on",)]
    assert run.rows("SELECT name FROM sites ORDER BY id") == [("Alpha",), ("Beta",), ("Alfa",)]
    assert run.rows(EVENTS) == events
    with pytest.raises(Exception):  # 0004's constraint (0003's) is back
        run.rows("INSERT INTO site_changes (initiative_id, site_id, field, recorded_at, "
                 "recorded_by) VALUES (1, 1, 'merged_into', '2026-01-01', 'x')")
    run("db", "upgrade")
    assert run.rows("SELECT name FROM initiatives") == [("Maxi",)]
