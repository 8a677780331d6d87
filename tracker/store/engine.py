"""Where the database is and how to connect to it safely.

SQLite is the default and gets the settings that let several processes log at
once without failing or losing events: WAL (readers never block the writer),
a busy timeout (a second writer waits instead of failing), foreign keys, and
``BEGIN IMMEDIATE`` for every write transaction, so a writer takes the lock
before it reads and can never hit SQLITE_BUSY half-way through.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from tracker.errors import BadInput, DatabaseError

BUSY_TIMEOUT_MS = 30_000
WRITE = {"scaletrack_write": True}  # execution option that makes BEGIN IMMEDIATE


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/scaletrack/scaletrack.db`` (``~/.local/share`` if unset)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "scaletrack" / "scaletrack.db"


def resolve_url(db: str | None) -> str:
    """Turn ``--db`` (a path or a SQLAlchemy URL), SCALETRACK_DB or the default into a URL."""
    value = db or os.environ.get("SCALETRACK_DB") or str(default_db_path())
    if "://" in value:
        try:
            make_url(value)
        except ArgumentError:
            raise BadInput(f"'{value}' is not a database URL; give a file path or a URL "
                           "like postgresql+psycopg://user@host/dbname") from None
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """A URL fit to print: the path for SQLite, no password for servers."""
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        try:
            __import__("psycopg")
        except ImportError:
            raise DatabaseError(
                "PostgreSQL needs the psycopg driver, which is not installed: "
                "pip install 'scaletrack[postgres]'") from None
        return create_engine(url, pool_pre_ping=True)
    raise BadInput(f"scaletrack works with SQLite and PostgreSQL, not '{backend}'")


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the folder for the database at {path}: "
                f"{exc.strerror or exc}; choose another place with --db PATH") from None
        if path.exists() and not os.access(path, os.W_OK):
            raise DatabaseError(f"the database {path} is not writable; "
                                "check its permissions or choose another with --db PATH")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("scaletrack_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
