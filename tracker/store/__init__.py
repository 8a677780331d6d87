"""The event store: engine, schema, reads, writes and migrations.

``Store`` is the one handle the rest of scaletrack holds.  Reads run in plain
transactions; every write runs through ``Store.write``, which opens a
``BEGIN IMMEDIATE`` transaction on SQLite and retries transient failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.orm import Session

from tracker.errors import DatabaseError, ReadOnlyDatabase
from tracker.store.engine import (WRITE, describe, is_read_only, make_engine, resolve_url,
                                  sqlite_path)
from tracker.store.retry import with_retry

T = TypeVar("T")


class Store:
    def __init__(self, url: str, create: bool = True):
        self.url = url
        self.engine = make_engine(url, create)
        path = sqlite_path(url)
        if path is not None:
            from tracker.outputs import protect

            protect(path)  # no output may be written over the open database
        self.read_only = path is not None and is_read_only(path)
        self._writer = self.engine.execution_options(**WRITE)

    @classmethod
    def open(cls, db: str | None = None, check: bool = True, create: bool = True) -> "Store":
        """Open the database named by ``db``.

        With ``create`` (the library's default) a database that does not exist
        yet is made at the current schema; without it, a missing database is
        refused with ``NoDatabase`` and nothing, not even a folder, is created.
        """
        store = cls(resolve_url(db), create)
        if check:
            try:
                store.ensure_schema(create)
            except BaseException:
                store.close()
                raise
        return store

    @property
    def where(self) -> str:
        return describe(self.url)

    def ensure_schema(self, create: bool = True) -> None:
        from tracker.store.migrate import ensure_schema

        try:
            with_retry(lambda: ensure_schema(self.engine, self.url,
                                             create and not self.read_only))
        except SQLDatabaseError as exc:
            raise DatabaseError(f"cannot open the database {self.where}: "
                                f"{_first_line(exc.orig)}") from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            with session.begin():
                yield session

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` in one write transaction, retried if transient."""
        self.require_writable()

        def attempt() -> T:
            with Session(self._writer, expire_on_commit=False) as session:
                with session.begin():
                    return fn(session)
        result = with_retry(attempt)
        from tracker.interrupts import note_kept

        note_kept(f"the changes saved to {self.where}")
        return result

    def require_writable(self) -> None:
        """Refuse, before any work, to write a database this user may only read."""
        if self.read_only:
            raise ReadOnlyDatabase(
                f"the database {self.where} is read-only for you: it can be read, but this "
                "command writes to it; check the file's permissions or use a copy")

    def close(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc else "unknown error"


__all__ = ["Store"]
