"""One helper through which every write goes, retrying transient failures.

SQLite answers "database is locked" when the busy timeout runs out under heavy
contention; PostgreSQL (and the distributed engines that speak its protocol)
abort transactions with serialisation failures (SQLSTATE 40001) and deadlocks
(40P01) that succeed when simply run again.  Writes are idempotent (unique
keys), so running one again never duplicates an event.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01"}
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRYABLE_SQLSTATES:
        return True
    if isinstance(exc, OperationalError):
        message = str(orig).lower()
        return any(s in message for s in SQLITE_TRANSIENT)
    return False


def with_retry(fn: Callable[[], T], attempts: int = 10, base_delay: float = 0.02,
               max_delay: float = 1.0) -> T:
    """Call ``fn`` until it succeeds or fails for a reason a retry cannot fix."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            time.sleep(delay * (0.5 + random.random()))
    raise AssertionError("unreachable")
