"""Create, check and upgrade the database schema.

A new, empty database is brought to the current schema on first use.  A
database behind the code is never migrated silently: commands refuse and name
``scaletrack db upgrade``, which backs a SQLite file up before touching it.
Alembic is imported only here, and only when a migration actually runs, so
ordinary commands do not pay for it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from importlib import resources
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from tracker.errors import DatabaseError, NewerSchema, SchemaOutOfDate
from tracker.store.engine import WRITE, describe, no_database, sqlite_path
from tracker.store.schema import SCHEMA_HEAD


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    location = str(resources.files("tracker.migrations"))
    cfg.set_main_option("script_location", location.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the database; None if it has none."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> list[str]:
    folder = resources.files("tracker.migrations") / "versions"
    return sorted(p.name.split("_", 1)[0] for p in folder.iterdir()
                  if p.name[:4].isdigit() and p.name.endswith(".py"))


def _upgrade(conn: Connection, target: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(conn), target)


def ensure_schema(engine: Engine, url: str, create: bool = True) -> None:
    """Create a new database at the current schema, or check an existing one.

    The check is a plain read, so commands never queue behind each other for
    it; only an empty database takes the write lock, to create the schema once.
    Without ``create`` an empty database is refused as "no scaletrack database".
    """
    from tracker.store.recognise import refuse_foreign

    path = sqlite_path(url)
    if create and path is not None and not path.exists():
        create_sqlite_whole(path)
    with engine.connect() as conn:
        revision = current_revision(conn)
        refuse_foreign(conn, describe(url))  # another application's, Alembic or not
    if revision is not None:
        check_revision(revision, url)
        return
    if not create:
        with engine.connect() as conn:
            _refuse_foreign_tables(conn, url)
        raise no_database(describe(url))
    with engine.connect().execution_options(**WRITE) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # One creator at a time when a whole programme starts at once.
                conn.execute(text("SELECT pg_advisory_xact_lock(720514)"))
            revision = current_revision(conn)
            if revision is None:
                _refuse_foreign_tables(conn, url)
                _upgrade(conn)
                return
    check_revision(revision, url)


def create_sqlite_whole(path: Path) -> None:
    """Make a new SQLite database at the current schema, and give it its name only whole.

    SQLite makes an empty file first and writes the schema into it; a command started
    at that moment (several site leads' first commands at once) would find an empty
    file, which is refused as not scaletrack's.  So the database is made under a
    temporary name beside ``path`` and linked to ``path`` when complete; if another
    command made it meanwhile, that one is kept and this copy removed.
    """
    import secrets

    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from tracker.outputs import publish_new

    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.new.part")
    made = create_engine(f"sqlite:///{temp}")
    try:
        raw = sqlite3.connect(temp)
        raw.execute("PRAGMA journal_mode = WAL")  # kept in the file, as every opening sets it
        raw.close()
        with made.begin() as conn:
            _upgrade(conn)
        made.dispose()  # the last connection closes: the -wal file is folded in and removed
        try:
            publish_new(temp, path)
        except FileExistsError:
            pass  # another command made it first: that database is the one used
    except (OSError, sqlite3.Error, DBAPIError) as exc:
        reason = getattr(exc, "orig", None) or exc
        reason = getattr(reason, "strerror", None) or str(reason).splitlines()[0]
        raise DatabaseError(f"cannot create the database at {path}: {reason}; "
                            "choose another place with --db PATH") from None
    finally:
        made.dispose()
        for leftover in (temp, temp.with_name(temp.name + "-wal"),
                         temp.with_name(temp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def is_newer(revision: str | None) -> bool:
    """True for a revision this scaletrack has no migration for: a newer one wrote it."""
    return revision is not None and revision not in known_revisions()


def _refuse_foreign_tables(conn: Connection, url: str) -> None:
    tables = set(inspect(conn).get_table_names())
    if tables:
        raise DatabaseError(
            f"{describe(url)} already holds tables ({', '.join(sorted(tables)[:5])}) "
            "but is not a scaletrack database; choose another with --db")


def check_revision(revision: str, url: str) -> None:
    if revision == SCHEMA_HEAD:
        return
    if is_newer(revision):
        raise newer_schema(revision, url)
    raise SchemaOutOfDate(
        f"the database {describe(url)} is at schema {revision} but this scaletrack needs "
        f"{SCHEMA_HEAD}: run 'scaletrack db upgrade' (a SQLite file is backed up first)")


def newer_schema(revision: str, url: str) -> NewerSchema:
    return NewerSchema(
        f"the database {describe(url)} was made by a newer version of scaletrack (schema "
        f"{revision}; this one knows up to {SCHEMA_HEAD}): upgrade scaletrack to use it "
        "('pip install --upgrade scaletrack'); 'scaletrack db upgrade' cannot help")


def backup_sqlite(path: Path) -> Path:
    """Copy a SQLite file beside itself, consistently even while others write.

    The copy is made under a temporary name (``.NAME.STAMP.bak.XXXX.part``) and
    renamed to ``NAME.STAMP.bak`` only once complete and synced: a ``.bak`` file
    is always a whole backup, even after ``kill -9`` in the middle of one.
    """
    from tracker.outputs import commit_file, signals_held, temp_path

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    temp = None
    try:
        with signals_held():  # made and recorded together, so the cleanup below finds it
            temp = temp_path(target)
        _copy_sqlite(path, temp)
        commit_file(temp, target)
    except (sqlite3.Error, OSError) as exc:
        if temp is not None:  # the .bak name itself is only ever made by the rename
            temp.unlink(missing_ok=True)
            temp.with_name(temp.name + "-journal").unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise DatabaseError(
            f"cannot back up {path} to {target}: {reason}; the database was not changed "
            "(free some space, or check the folder's permissions, and run "
            "'scaletrack db upgrade' again)") from None
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
            temp.with_name(temp.name + "-journal").unlink(missing_ok=True)
        raise
    return target


def _copy_sqlite(path: Path, target: Path) -> None:
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def upgrade(engine: Engine, url: str, target: str = "head",
            create: bool = True) -> tuple[str | None, str, Path | None]:
    """Bring the database to ``target``; return (before, after, backup file or None).

    A database made by a newer scaletrack is refused before anything is written
    (no backup either); so is an empty one without ``create``.
    """
    from tracker.store.recognise import refuse_foreign

    backup = None
    with engine.connect() as conn:
        before = current_revision(conn)
        refuse_foreign(conn, describe(url))  # before any backup or migration
    if before is None and not create:
        raise no_database(describe(url))
    if is_newer(before):
        raise newer_schema(before, url)
    if before == SCHEMA_HEAD and target == "head":
        return before, before, None
    path = sqlite_path(url)
    if path is not None and path.exists() and before is not None:
        backup = backup_sqlite(path)
    with engine.connect().execution_options(**WRITE) as conn:
        with conn.begin():
            _upgrade(conn, target)
            after = current_revision(conn)
    return before, after, backup


def downgrade(engine: Engine, target: str) -> None:
    from alembic import command

    with engine.connect().execution_options(**WRITE) as conn:
        with conn.begin():
            command.downgrade(alembic_config(conn), target)
