"""A cursor's batches with the next one fetched while the caller works on this one.

Exporting from PostgreSQL is a conversation: fetch a batch from the server-side
cursor, wait while the server reads it, write it out, fetch the next.  About a
fifth of an export's time went on that waiting, with the process idle.  A
thread that fetches the next batch while the caller writes this one overlaps
the two: the driver waits on the network with Python's lock released, so the
writing goes on meanwhile.  On SQLite the reading is this process's own work,
and a thread only adds contention for that lock (the export was 5-10 % slower
with it), so the export uses it on PostgreSQL only.

Only the thread touches the cursor until the batches end or the caller stops,
and one batch at most waits in the queue, so memory stays at two or three
batches whatever the number of rows.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

_END = object()


def prefetched(cursor, size: int) -> Iterator[list]:
    """``cursor.fetchmany(size)`` batches, until an empty one, read a batch ahead.

    An error raised by the cursor is raised here, in the caller's thread, with the
    batches read before it already given.  When the caller stops early (an error
    while writing, a closed pipe), the thread finishes the fetch it is in and
    ends before this returns, so the cursor can then be closed safely.
    """
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                batch = cursor.fetchmany(size)
                ready.put(batch if batch else _END)
                if not batch:
                    return
        except BaseException as error:  # handed over to the caller's thread
            ready.put(error)

    thread = threading.Thread(target=fetch, name="scaletrack-prefetch", daemon=True)
    thread.start()
    try:
        while (batch := ready.get()) is not _END:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        try:  # free the thread if it is waiting to hand over a batch
            ready.get_nowait()
        except queue.Empty:
            pass
        thread.join()
