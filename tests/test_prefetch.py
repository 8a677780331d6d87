"""The PostgreSQL export reads its next batch in a thread while it writes this one."""

from __future__ import annotations

import threading
import time

import pytest

from tracker.store.prefetch import prefetched


class Cursor:
    """A cursor over ``rows`` that counts its fetches and can fail at one of them."""

    def __init__(self, rows, fail_at=None, delay=0.0):
        self.rows, self.fail_at, self.delay = list(rows), fail_at, delay
        self.fetches = 0

    def fetchmany(self, size):
        self.fetches += 1
        time.sleep(self.delay)
        if self.fetches == self.fail_at:
            raise ConnectionError("server closed the connection unexpectedly")
        batch, self.rows = self.rows[:size], self.rows[size:]
        return batch


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "scaletrack-prefetch"]


def test_gives_every_batch_in_order_and_stops_at_the_empty_one():
    cursor = Cursor(range(7))
    assert list(prefetched(cursor, 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert cursor.fetches == 4  # the empty fetch that ends it, and none after
    assert _threads() == []


def test_an_empty_result_gives_no_batch():
    assert list(prefetched(Cursor([]), 3)) == []
    assert _threads() == []


def test_a_failing_fetch_is_raised_in_the_callers_thread_after_the_batches_before_it():
    batches = prefetched(Cursor(range(10), fail_at=3), 2)
    assert next(batches) == [0, 1]
    assert next(batches) == [2, 3]
    with pytest.raises(ConnectionError, match="closed the connection"):
        next(batches)
    assert _threads() == []


def test_reads_at_most_one_batch_ahead_of_the_caller():
    cursor = Cursor(range(100))
    batches = prefetched(cursor, 1)
    assert next(batches) == [0]
    time.sleep(0.2)  # time enough for the thread to read far ahead, if it would
    # the batch given, one waiting in the queue, one in the thread's hand
    assert cursor.fetches <= 3
    batches.close()


def test_a_caller_that_stops_early_leaves_the_cursor_alone_once_it_returns():
    cursor = Cursor(range(100), delay=0.01)
    batches = prefetched(cursor, 1)
    assert next(batches) == [0]
    batches.close()  # as when writing fails: the export closes the cursor next
    assert _threads() == []
    fetched = cursor.fetches
    time.sleep(0.1)
    assert cursor.fetches == fetched <= 3
