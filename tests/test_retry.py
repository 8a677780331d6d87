"""The one retry helper every write goes through."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.store.retry import is_transient, with_retry


class PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def failing(times, exc):
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= times:
            raise exc
        return len(calls)
    return fn, calls


@pytest.mark.parametrize("exc", [
    OperationalError("INSERT", {}, Exception("database is locked")),
    OperationalError("INSERT", {}, PgError("40001")),   # serialisation failure
    OperationalError("INSERT", {}, PgError("40P01")),   # deadlock
])
def test_transient_failures_are_retried(exc):
    assert is_transient(exc)
    fn, calls = failing(3, exc)
    assert with_retry(fn, base_delay=0.001) == 4
    assert len(calls) == 4


def test_other_failures_are_not_retried():
    exc = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    assert not is_transient(exc)
    fn, calls = failing(1, exc)
    with pytest.raises(IntegrityError):
        with_retry(fn, base_delay=0.001)
    assert len(calls) == 1


def test_gives_up_after_the_last_attempt():
    exc = OperationalError("INSERT", {}, Exception("database is locked"))
    fn, calls = failing(100, exc)
    with pytest.raises(OperationalError):
        with_retry(fn, attempts=3, base_delay=0.001)
    assert len(calls) == 3


def test_a_retried_log_never_duplicates_its_event(store, catalog):
    """The idempotency key is chosen once, so running the same write again is a no-op."""
    from sqlalchemy import func, select

    from tracker.store.schema import Event
    from tracker.store.initiatives import create_initiative
    from tracker.store.sites import add_site
    from tracker.store.writes import log_event

    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "North")
    first = log_event(store, "Mini", "North", "plan.a", key="fixed-key")
    again = log_event(store, "Mini", "North", "plan.a", key="fixed-key")
    assert first.event.id == again.event.id
    with store.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
