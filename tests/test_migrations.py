"""Migrations: one head, a schema that matches the ORM, and safe down/up with rows present."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from tracker.store import Store
from tracker.store.engine import describe
from tracker.store.migrate import alembic_config, downgrade, upgrade
from tracker.store.schema import SCHEMA_HEAD, Base


def test_exactly_one_head_and_it_is_the_schema_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [SCHEMA_HEAD]


def test_upgrade_of_empty_database_matches_the_orm(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _seed(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")
    run("log", "Alpha", "plan.b", "--on", "2026-01-03")
    run("events", "retract", "2")
    return run.rows("SELECT * FROM events ORDER BY id")


def test_downgrade_to_base_and_back_with_rows(run):
    events_before = _seed(run)
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0001")
    assert run.rows("SELECT * FROM events ORDER BY id") == events_before  # plans went, events stayed
    upgrade(store.engine, store.url)
    assert run.rows("SELECT * FROM events ORDER BY id") == events_before
    downgrade(store.engine, "base")
    with store.engine.connect() as conn:
        from sqlalchemy import inspect

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
    assert run.rows("SELECT * FROM events ORDER BY id") == events
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
        assert [tuple(r) for r in conn.execute("SELECT * FROM events ORDER BY id")] == [
            tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in events]


def test_database_from_a_newer_scaletrack_is_refused(run):
    run("initiative", "list")
    store = Store.open(run.url, check=False)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    r = run("initiative", "list", code=1)
    assert "at schema 9999, which this scaletrack does not know" in r.stderr
    assert "upgrade scaletrack" in r.stderr


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
