"""Opening the database safely: what may create it, what cannot hold it, read-only files,
failed backups, out-of-range ids, and -i before the command."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from conftest import DATA, Run, make_db_url
from tracker.cli import cli
from tracker.store import Store
from tracker.store.engine import describe
from tracker.store.migrate import downgrade
from tracker.store.schema import SCHEMA_HEAD


def invoke(*args: str, env: dict | None = None):
    full = {"SCALETRACK_CATALOG": str(DATA)}
    full.update(env or {})
    return CliRunner().invoke(cli, list(args), env=full, catch_exceptions=False)


def no_database(where) -> str:
    return (f"Error: there is no scaletrack database at {where}; give the right one with --db, "
            "or create one with 'scaletrack initiative create NAME --framework ID'")


def seed(run) -> None:
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")


# -- only 'initiative create' and 'demo --db' create a database ------------------------------

READERS_AND_WRITERS = [
    ("status",), ("initiative", "list"), ("site", "list"), ("site", "add", "Alpha"),
    ("log", "Alpha", "plan.a"), ("events", "list"), ("events", "retract", "1"),
    ("gaps",), ("compare",), ("db", "current"), ("db", "upgrade"),
]


@pytest.mark.parametrize("args", READERS_AND_WRITERS, ids=" ".join)
def test_a_mistyped_db_path_is_named_and_nothing_is_created(tmp_path, args):
    target = tmp_path / "typo" / "deeper" / "scaletrack.db"
    r = invoke("--db", str(target), *args)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == no_database(target)
    assert list(tmp_path.iterdir()) == []  # no folders either


def test_the_default_path_is_created_only_by_initiative_create(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    default = tmp_path / "xdg" / "scaletrack" / "scaletrack.db"
    r = invoke("site", "list", env=env)
    assert (r.exit_code, r.stderr.strip()) == (2, no_database(default))
    assert not (tmp_path / "xdg").exists()
    r = invoke("initiative", "create", "Mini", "--framework", "mini", env=env)
    assert r.exit_code == 0, r.output
    assert default.is_file()
    assert invoke("site", "list", env=env).exit_code == 0


def test_demo_with_db_creates_the_database(tmp_path):
    target = tmp_path / "new" / "demo.db"
    r = invoke("--db", str(target), "demo", "--out", str(tmp_path / "report"))
    assert r.exit_code == 0, r.output
    assert target.is_file()
    assert "Leeds" in invoke("--db", str(target), "site", "list").stdout


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite's case is a missing file, above
def test_an_empty_postgresql_database_gets_tables_only_from_initiative_create(backend, tmp_path):
    url, cleanup = make_db_url(backend, tmp_path)
    try:
        _tables_only_from_initiative_create(Run(url))
    finally:
        cleanup()


def _tables_only_from_initiative_create(run):
    where = describe(run.url)
    r = run("status", code=2)
    assert r.stderr.strip() == no_database(where)
    assert run("db", "upgrade", code=2).stderr.strip() == no_database(where)
    engine = create_engine(run.url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    run("initiative", "create", "Mini", "--framework", "mini")
    with engine.connect() as conn:
        assert "events" in inspect(conn).get_table_names()
    engine.dispose()
    assert run("db", "current").stdout.startswith(f"{SCHEMA_HEAD} ")


def test_an_empty_db_option_is_a_usage_error(run):
    r = run("--db", "", "status", code=2)
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for --db: is empty; give a database file or URL")


# -- places that cannot hold a database are refused up front ---------------------------------

@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:",
                                 "sqlite:///file::memory:?cache=shared"])
def test_in_memory_sqlite_is_refused(url):
    r = invoke("--db", url, "initiative", "create", "Mini", "--framework", "mini")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"Error: '{url}' is an in-memory database, which keeps nothing once the command ends; "
        "give a file path or a PostgreSQL URL")


@pytest.mark.parametrize("args", [("db", "current"), ("status",),
                                  ("initiative", "create", "Mini", "--framework", "mini")])
def test_a_device_is_not_a_database(args):
    r = invoke("--db", "/dev/null", *args)
    assert r.exit_code == 2
    assert r.stderr.strip() == ("Error: /dev/null is not a regular file (a device or a pipe), so "
                                "it cannot hold a database; give a file path with --db")


def test_a_folder_is_not_a_database(tmp_path):
    r = invoke("--db", str(tmp_path), "initiative", "create", "Mini", "--framework", "mini")
    assert r.exit_code == 2
    assert r.stderr.strip() == (f"Error: {tmp_path} is a folder, not a database file; give a "
                                f"file path such as {tmp_path / 'scaletrack.db'}")
    assert list(tmp_path.iterdir()) == []


# -- a read-only database can be read ---------------------------------------------------------

def _make_read_only(paths: list[Path]):
    """Make files and folders unwritable even for root (chattr +i), or by mode for others."""
    if os.geteuid() != 0:
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return lambda: [p.chmod(0o755 if p.is_dir() else 0o644) for p in paths]
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    done = []
    for p in paths:
        if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode != 0:
            for q in done:
                subprocess.run(["chattr", "-i", str(q)])
            pytest.skip("this filesystem has no immutable attribute for root to respect")
        done.append(p)
    return lambda: [subprocess.run(["chattr", "-i", str(p)]) for p in done]


READ_ONLY = ("Error: the database {} is read-only for you: it can be read, but this command "
             "writes to it; check the file's permissions or use a copy")


@pytest.mark.parametrize("folder_writable", [True, False], ids=["file", "file-and-folder"])
def test_a_read_only_database_can_be_read_but_not_written(run_sqlite, tmp_path, folder_writable):
    run = run_sqlite
    seed(run)
    db = tmp_path / "test.db"
    for extra in tmp_path.glob("test.db-*"):  # closed cleanly: nothing left to checkpoint
        extra.unlink()
    before = db.read_bytes()
    undo = _make_read_only([db] if folder_writable else [db, tmp_path])
    try:
        assert "Alpha" in run("site", "list").stdout
        assert run("events", "list", "--format", "csv").stdout.count("plan.a") == 1
        assert run("db", "current").stdout.startswith(f"{SCHEMA_HEAD} ")
        for args in (("site", "add", "Beta"), ("log", "Alpha", "plan.b"), ("db", "upgrade"),
                     ("events", "retract", "1")):
            r = run(*args, code=1)
            assert r.stderr.strip() == READ_ONLY.format(db), args
    finally:
        undo()
    assert db.read_bytes() == before


# -- db upgrade when the backup cannot be written ---------------------------------------------

def _limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_failed_backup_leaves_no_partial_copy_and_the_database_untouched(run_sqlite, tmp_path):
    run = run_sqlite
    seed(run)
    for n in range(300):  # enough pages that the copy outgrows the limit below
        run("log", "Alpha", "plan.a", "--status", "note", "--note", "x" * 400 + str(n))
    store = Store.open(run.url, check=False)
    downgrade(store.engine, "0001")
    store.close()
    db = tmp_path / "test.db"
    for extra in tmp_path.glob("test.db-*"):
        extra.unlink()
    before = db.read_bytes()
    assert len(before) > 200_000
    env = {**os.environ, "SCALETRACK_DB": str(db), "SCALETRACK_CATALOG": str(DATA)}
    r = subprocess.run([sys.executable, "-m", "tracker", "db", "upgrade"], env=env,
                       capture_output=True, text=True, preexec_fn=_limit_file_size(100_000))
    assert r.returncode == 1, r.stderr
    line = r.stderr.strip()
    assert line.startswith(f"Error: cannot back up {db} to {db}.") and "\n" not in line
    assert line.endswith("; the database was not changed (free some space, or check the "
                         "folder's permissions, and run 'scaletrack db upgrade' again)")
    assert list(tmp_path.glob("*.bak*")) == []
    assert db.read_bytes() == before
    assert run("db", "current").stdout.startswith("0001 ")
    run("db", "upgrade")  # with room again it goes through
    assert len(list(tmp_path.glob("test.db.*.bak"))) == 1


# -- event ids outside what a database can hold -----------------------------------------------

@pytest.mark.parametrize("given", ["9223372036854775808", "2147483648", "0",
                                   "99999999999999999999999999999999"])
def test_an_event_id_out_of_range_is_no_such_event(run, given):
    seed(run)
    r = run("events", "retract", given, code=2)
    shown = given if len(given) <= 30 else given[:30] + "..."
    assert r.stderr.strip() == f"Error: there is no record {shown}; see 'scaletrack events list'"
    assert run.count() == 1


def test_the_largest_event_id_is_looked_up(run):
    seed(run)
    r = run("events", "retract", "2147483647", code=2)
    assert r.stderr.strip() == ("Error: there is no record 2147483647; "
                                "see 'scaletrack events list'")


@pytest.mark.parametrize("given", ["1.5", "x", "٣", ""])
def test_an_event_id_that_is_not_a_number(run, given):
    seed(run)
    r = run("events", "retract", given, code=2)
    assert r.stderr.strip() == (f"Error: event id '{given}' is not a number; "
                                "see 'scaletrack events list' for the ids")


# -- -i before the command --------------------------------------------------------------------

def test_initiative_before_the_command(run):
    run("initiative", "create", "One", "--framework", "mini")
    run("initiative", "create", "Two", "--framework", "mini")
    run("-i", "One", "site", "add", "Alpha")
    run("--initiative", "Two", "site", "add", "Beta")
    assert "Alpha" in run("-i", "One", "site", "list").stdout
    assert "Alpha" not in run("-i", "Two", "site", "list").stdout
    # after the command wins over before it, and both over the environment
    assert "Beta" in run("-i", "One", "site", "list", "-i", "Two").stdout
    assert "Alpha" in run("-i", "One", "site", "list", env={"SCALETRACK_INITIATIVE": "Two"}).stdout
    assert "Beta" in run("site", "list", env={"SCALETRACK_INITIATIVE": "Two"}).stdout
    r = run("-i", "Nope", "status", code=2)
    assert "unknown initiative 'Nope'" in r.stderr
