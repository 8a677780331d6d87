"""Never touch a file that is not ours (issue 23, item 2): a database is recognised as
scaletrack's before anything could change it; anything else is refused and left byte for
byte as it was."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess

import pytest
from sqlalchemy import create_engine, text

from conftest import make_db_url
from edge_helpers import env_for, scaletrack

COMMANDS = [("status",), ("db", "current"), ("db", "upgrade"),
            ("site", "add", "Leeds"), ("initiative", "create", "X", "--framework", "mini")]
LEAVE = ("scaletrack has left it unchanged: give another file with --db (a new file name "
         "makes a new database)")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def other_app(path, revision: str | None, tables=("users", "orders")) -> None:
    conn = sqlite3.connect(path)
    for t in tables:
        conn.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT)")
    if revision is not None:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    conn.commit()
    conn.close()


CASES = {
    "empty file": (lambda p: p.write_bytes(b""), "is an empty file (0 bytes), not a scaletrack database; "),
    "text file": (lambda p: p.write_text("id,name\n1,x\n"),
                  "is not a database (its first bytes are not SQLite's); "),
    "other app": (lambda p: other_app(p, None),
                  "is another application's database (tables: orders, users), not scaletrack's; "),
    "other app at alembic 0001": (
        lambda p: other_app(p, "0001"),
        "is another application's database (managed by Alembic, at its revision '0001'; "
        "tables: orders, users), not scaletrack's; "),
    "other app at an unknown revision": (
        lambda p: other_app(p, "4f2a9c1b7d"),
        "is another application's database (managed by Alembic, at its revision "
        "'4f2a9c1b7d'; tables: orders, users), not scaletrack's; "),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_file_that_is_not_ours_is_refused_and_unchanged(tmp_path, case, args):
    make, words = CASES[case]
    db = tmp_path / "x.db"
    make(db)
    before = digest(db)
    r = scaletrack(str(db), *args)
    assert r.returncode == 1
    assert r.stderr.decode() == f"Error: {db} {words}{LEAVE}\n"
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]  # no -wal, -shm, backup


def test_a_new_path_still_gets_a_new_database(tmp_path):
    db = tmp_path / "new" / "x.db"
    r = scaletrack(str(db), "initiative", "create", "X", "--framework", "mini")
    assert r.returncode == 0, r.stderr
    assert scaletrack(str(db), "status").returncode == 0


def test_an_empty_sqlite_database_is_not_switched_to_wal_by_a_reader(tmp_path):
    db = tmp_path / "x.db"
    sqlite3.connect(db).execute("PRAGMA user_version = 0").connection.close()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    before = digest(db)
    r = scaletrack(str(db), "status")
    assert r.returncode == 2 and "there is no scaletrack database at" in r.stderr.decode()
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_a_read_only_database_leaves_no_shm_behind(run_sqlite, tmp_path):
    run_sqlite("initiative", "create", "Mini", "--framework", "mini")
    db = tmp_path / "test.db"
    for extra in tmp_path.glob("test.db-*"):
        extra.unlink()
    db.chmod(0o444)
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        db.chmod(0o644)
        pytest.skip("this filesystem has no immutable attribute")
    try:
        r = scaletrack(run_sqlite.url, "status")
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("test.db")) == [
            "test.db"]
    finally:
        subprocess.run(["chattr", "-i", str(db)])
        db.chmod(0o644)
    run_sqlite("site", "add", "Leeds")  # later writes still work


def test_another_applications_postgresql_schema_is_refused(tmp_path):
    url, cleanup = make_db_url("postgresql", tmp_path)
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE users (id integer primary key)"))
            conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32) "
                              "primary key)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        for args in (("status",), ("db", "upgrade"), ("db", "current")):
            r = subprocess.run(["python", "-m", "tracker", *args], env=env_for(url),
                               capture_output=True, text=True)
            assert r.returncode == 1
            assert ("is another application's database (managed by Alembic, at its revision "
                    "'0001'; tables: users), not scaletrack's; scaletrack has left it "
                    "unchanged") in r.stderr, r.stderr
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        engine.dispose()
    finally:
        cleanup()
