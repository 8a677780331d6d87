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

from tracker.errors import DatabaseError
from tracker.store.engine import WRITE, describe, make_engine, resolve_url
from tracker.store.retry import with_retry

T = TypeVar("T")


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(**WRITE)

    @classmethod
    def open(cls, db: str | None = None, check: bool = True) -> "Store":
        """Open (and on first use create) the database named by ``db``."""
        store = cls(resolve_url(db))
        if check:
            store.ensure_schema()
        return store

    @property
    def where(self) -> str:
        return describe(self.url)

    def ensure_schema(self) -> None:
        from tracker.store.migrate import ensure_schema

        try:
            with_retry(lambda: ensure_schema(self.engine, self.url))
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
        def attempt() -> T:
            with Session(self._writer, expire_on_commit=False) as session:
                with session.begin():
                    return fn(session)
        return with_retry(attempt)

    def close(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc else "unknown error"


__all__ = ["Store"]
