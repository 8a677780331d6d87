"""Is this database scaletrack's?  Decided before anything is written to it.

Opening a SQLite file through the engine switches it to WAL mode, which
changes the file; so an existing file is first looked at with a plain,
read-only connection (no pragma that writes): an empty file, a file that is
not SQLite, or another application's database (with or without an Alembic
``alembic_version`` table) is refused in words that say what it is, and left
byte for byte as it was.  ``foreign_reason`` applies the same test to an open
connection, for PostgreSQL and for ``db upgrade``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from tracker.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every scaletrack schema since 0001 has; another application's database lacks them.
OUR_TABLES = {"frameworks", "initiatives", "sites", "events"}


class ForeignDatabase(DatabaseError):
    """The file or database belongs to something else; scaletrack leaves it alone."""


def _leave_alone(where: str, what: str) -> ForeignDatabase:
    """``what`` completes "WHERE is ...": what the file is, and that it is not ours."""
    return ForeignDatabase(f"{where} is {what}; scaletrack has left it unchanged: give another "
                           "file with --db (a new file name makes a new database)")


def describe_tables(tables: set[str], revision: str | None) -> str | None:
    """Why a database with these tables is not scaletrack's, or None when it is (or is empty)."""
    tables = {t for t in tables if not t.startswith("sqlite_")}
    if not tables or OUR_TABLES <= tables:
        return None
    if tables == {"alembic_version"} and revision is None:
        return None  # emptied by a downgrade to base: nothing in it but the empty marker
    shown = ", ".join(sorted(tables - {"alembic_version"})[:5]) or "no other tables"
    if revision is not None:
        return (f"another application's database (managed by Alembic, at its revision "
                f"'{revision}'; tables: {shown}), not scaletrack's")
    return f"another application's database (tables: {shown}), not scaletrack's"


def check_sqlite_file(path: Path) -> bool:
    """Refuse an existing file that is not scaletrack's; True if it holds no tables yet.

    Reads only: the connection is read-only and sets no pragma.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return False  # unreadable: the engine reports it in its own words
    where = str(path)
    if size == 0:
        raise _leave_alone(where, "an empty file (0 bytes), not a scaletrack database")
    if not head.startswith(SQLITE_HEADER):
        raise _leave_alone(where, "not a database (its first bytes are not SQLite's)")
    wal = path.with_name(path.name + "-wal")
    # Without a -wal file there is nothing uncommitted to read, and immutable=1 opens
    # the file without creating -shm or -wal beside it.
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True)
    except sqlite3.Error:
        return False
    try:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            try:
                revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = revision[0] if revision else None
            except sqlite3.Error:
                pass
    except sqlite3.DatabaseError as exc:
        raise _leave_alone(where, f"not a readable SQLite database ({exc})") from None
    finally:
        conn.close()
    reason = describe_tables(tables, revision)
    if reason:
        raise _leave_alone(where, reason)
    return not (tables - {"sqlite_sequence", "alembic_version"}) and revision is None


def foreign_reason(conn) -> str | None:
    """``describe_tables`` for an open SQLAlchemy connection (any backend)."""
    from sqlalchemy import inspect, text

    tables = set(inspect(conn).get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return describe_tables(tables, revision)


def refuse_foreign(conn, where: str) -> None:
    reason = foreign_reason(conn)
    if reason:
        raise _leave_alone(where, reason)
