"""Migrations: one head, a schema that matches the ORM, and safe down/up with rows present."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sqlalchemy import text

from tracker.store import Store
from tracker.store.migrate import alembic_config, downgrade, upgrade
from tracker.store.schema import SCHEMA_HEAD, Base


def test_exactly_one_head_and_it_is_the_schema_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [SCHEMA_HEAD]


def test_upgrade_of_empty_database_matches_the_orm(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _rows(db_path, table):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_downgrade_to_base_and_back_with_rows(run, db_path):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")
    run("log", "Alpha", "plan.b", "--on", "2026-01-03")
    events_before = _rows(db_path, "events")
    store = Store.open(str(db_path), check=False)
    downgrade(store.engine, "0001")
    assert _rows(db_path, "events") == events_before  # the plans table went, events stayed
    upgrade(store.engine, store.url)
    assert _rows(db_path, "events") == events_before
    downgrade(store.engine, "base")
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"alembic_version"}
    upgrade(store.engine, store.url)
    store.close()
    assert run("db", "current").stdout.startswith(f"{SCHEMA_HEAD} ")


def test_database_behind_the_code_is_refused_then_upgraded_with_a_backup(run, db_path):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")
    store = Store.open(str(db_path), check=False)
    downgrade(store.engine, "0001")
    store.close()
    events = _rows(db_path, "events")

    r = run("status", code=1)
    assert r.stderr.strip() == (
        f"Error: the database {db_path} is at schema 0001 but this scaletrack needs "
        f"{SCHEMA_HEAD}: run 'scaletrack db upgrade' (a SQLite file is backed up first)")
    assert run("db", "current").stdout.strip() == (
        f"0001 (this scaletrack needs {SCHEMA_HEAD}: needs 'scaletrack db upgrade')")

    r = run("db", "upgrade")
    backups = list(db_path.parent.glob(db_path.name + ".*.bak"))
    assert len(backups) == 1
    assert f"Backed up {db_path} to {backups[0]}" in r.stderr
    assert f"Upgraded {db_path} from schema 0001 to {SCHEMA_HEAD}." in r.stderr
    assert _rows(backups[0], "events") == events
    assert _rows(db_path, "events") == events
    assert "Alpha" in run("status").stdout


def test_database_from_a_newer_scaletrack_is_refused(run, db_path):
    run("initiative", "list")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    r = run("initiative", "list", code=1)
    assert "at schema 9999, which this scaletrack does not know" in r.stderr
    assert "upgrade scaletrack" in r.stderr


def test_sqlite_connection_settings(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_writes_take_the_lock_up_front(store):
    """A write transaction holds SQLite's write lock from BEGIN (BEGIN IMMEDIATE)."""
    import sqlite3 as s3

    seen = {}

    def probe(session):
        session.execute(text("SELECT 1"))  # a read first: the lock must already be held
        other = s3.connect(store.engine.url.database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            seen["other_got_lock"] = True
        except s3.OperationalError as exc:
            seen["other_got_lock"] = False
            seen["error"] = str(exc)
        finally:
            other.close()

    store.write(probe)
    assert seen == {"other_got_lock": False, "error": "database is locked"}
