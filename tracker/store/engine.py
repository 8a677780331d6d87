"""Where the database is and how to connect to it safely.

SQLite is the default and gets the settings that let several processes log at
once without failing or losing events: WAL (readers never block the writer),
a busy timeout (a second writer waits instead of failing), foreign keys, and
``BEGIN IMMEDIATE`` for every write transaction, so a writer takes the lock
before it reads and can never hit SQLITE_BUSY half-way through.

What cannot hold a database is refused before any connection is made (an
in-memory URL, a folder, a device such as /dev/null), and a missing file is
created only when the caller asks for it.  A file this user may only read is
opened read-only, so every read still works.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from tracker.errors import BadInput, DatabaseError, NoDatabase

BUSY_TIMEOUT_MS = 30_000
WRITE = {"scaletrack_write": True}  # execution option that makes BEGIN IMMEDIATE


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/scaletrack/scaletrack.db`` (``~/.local/share`` if unset)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "scaletrack" / "scaletrack.db"


def resolve_url(db: str | None) -> str:
    """Turn ``--db`` (a path or a SQLAlchemy URL), SCALETRACK_DB or the default into a URL.

    An in-memory SQLite database is refused here: it vanishes when the command
    ends, so every write would report success and keep nothing.
    """
    value = db or os.environ.get("SCALETRACK_DB") or str(default_db_path())
    if not value.strip():
        raise BadInput("the database (--db or SCALETRACK_DB) is only spaces; give a database "
                       "file or URL, or leave it unset for the default")
    if "://" in value:
        value = _encode_password(value)
        shown = hide_password(value)
        try:
            parsed = make_url(value)
            parsed.port  # a port that is not a number fails here, not deep in the driver
        except (ArgumentError, ValueError):
            raise BadInput(f"'{shown}' is not a database URL; give a file path or a URL "
                           "like postgresql+psycopg://user@host:5432/dbname (the port, if "
                           "given, is a number)") from None
        if parsed.drivername == "postgresql":  # no driver named: the one scaletrack uses
            value = "postgresql+psycopg" + value[len("postgresql"):]
            parsed = make_url(value)
        check_driver(parsed, shown)
        if parsed.get_backend_name() == "sqlite" and _in_memory(parsed):
            raise BadInput(f"'{shown}' is an in-memory database, which keeps nothing once the "
                           "command ends; give a file path or a PostgreSQL URL")
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


SUPPORTED = ("give a file path, sqlite:///PATH or postgresql+psycopg://user@host/dbname")


def check_driver(parsed, shown: str) -> None:
    """Only the drivers scaletrack is built and tested with: SQLite's and psycopg 3."""
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        return
    if backend == "postgresql" and driver == "psycopg":
        return
    given = parsed.drivername
    if backend == "postgresql":
        raise BadInput(f"scaletrack reaches PostgreSQL through the psycopg driver only, not "
                       f"{driver}: write postgresql+psycopg:// instead of {given}:// in "
                       f"'{shown}'")
    raise BadInput(f"scaletrack works with SQLite and PostgreSQL, not '{given}': {SUPPORTED}")


def _split_authority(value: str) -> tuple[str, str, str] | None:
    """(scheme://, user info, rest) split at the LAST '@': a password may hold '@'."""
    scheme, sep, rest = value.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0:
        return None
    return scheme + sep, rest[:at], rest[at + 1:]


def hide_password(value: str) -> str:
    """The URL with any password shown as ***, whatever characters the password holds."""
    parts = _split_authority(value)
    if parts is None:
        return value
    head, userinfo, rest = parts
    if ":" not in userinfo:
        return value
    return f"{head}{userinfo.split(':', 1)[0]}:***@{rest}"


def _encode_password(value: str) -> str:
    """A password holding '@', '/' or ':' typed as it is, percent-encoded so it reaches
    the server whole (SQLAlchemy splits the URL at the first '@')."""
    from urllib.parse import quote as q, unquote

    parts = _split_authority(value)
    if parts is None or ":" not in parts[1]:
        return value
    head, userinfo, rest = parts
    user, password = userinfo.split(":", 1)
    if "@" not in password and "/" not in password and "?" not in password:
        return value
    return f"{head}{user}:{q(unquote(password), safe='')}@{rest}"


def _in_memory(parsed) -> bool:
    name = parsed.database or ""
    return (name in ("", ":memory:") or name.startswith("file::memory:")
            or parsed.query.get("mode") == "memory")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """A URL fit to print: the path for SQLite, no password (not even part of one) for servers."""
    path = sqlite_path(url)
    return str(path) if path else hide_password(url)


def make_engine(url: str, create: bool = True) -> Engine:
    """An engine for ``url``; with ``create=False`` a missing SQLite file is refused."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, create)
    if backend == "postgresql":
        try:
            __import__("psycopg")
        except ImportError:
            raise DatabaseError(
                "PostgreSQL needs the psycopg driver, which is not installed: "
                "pip install 'scaletrack[postgres]'") from None
        check_driver(parsed, describe(url))
        return create_engine(url, pool_pre_ping=True)
    raise BadInput(f"scaletrack works with SQLite and PostgreSQL, not '{parsed.drivername}': "
                   f"{SUPPORTED}")


def no_database(where: str) -> NoDatabase:
    return NoDatabase(
        f"there is no scaletrack database at {where}; give the right one with --db, "
        "or create one with 'scaletrack initiative create NAME --framework ID'")


def check_sqlite_target(path: Path, create: bool) -> None:
    """Refuse up front a place that cannot hold a database, or a missing one not to be made.

    Nothing is created here but, when ``create`` is set, the folders above the file.
    """
    if path.is_dir():
        raise BadInput(f"{path} is a folder, not a database file; give a file path such as "
                       f"{path / 'scaletrack.db'}")
    if path.exists() and not path.is_file():
        raise BadInput(f"{path} is not a regular file (a device or a pipe), so it cannot hold "
                       "a database; give a file path with --db")
    if path.exists():
        return
    if not create:
        raise no_database(str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"cannot create the folder for the database at {path}: "
            f"{exc.strerror or exc}; choose another place with --db PATH") from None


def is_read_only(path: Path) -> bool:
    """True when this user may read the file but not write it."""
    return path.exists() and not os.access(path, os.W_OK)


def _read_only_uri(path: Path) -> str:
    """A URI that opens ``path`` for reading only.

    A WAL database opened read-only still needs its ``-shm`` file; when no
    ``-wal`` file exists (so nothing is waiting to be checkpointed), the file
    is opened as immutable instead, which creates no ``-shm`` beside it.
    """
    uri = "file:" + quote(str(path))
    wal = path.with_name(path.name + "-wal")
    if not wal.exists():
        # Nothing waits in a -wal file, so immutable=1 reads it all and creates no -shm:
        # a -shm made here would take the file's read-only mode and break later writes.
        return uri + "?immutable=1"
    return uri + "?mode=ro"


def _sqlite_engine(url: str, create: bool) -> Engine:
    path = sqlite_path(url)
    read_only = False
    options: dict = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    if path is not None:
        check_sqlite_target(path, create)
        read_only = is_read_only(path)
        if path.exists():
            from tracker.store.recognise import check_sqlite_file

            # refuses what is not ours before any pragma (WAL) could change it
            if check_sqlite_file(path) and not create:
                read_only = True  # an empty database is looked at, never changed
        if read_only:
            uri = _read_only_uri(path)
            options["creator"] = lambda: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("scaletrack_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate and not read_only else "BEGIN")

    return engine
