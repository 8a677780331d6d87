"""The reading and checking of a large file, moved to a second process.

Reading a CSV and checking its rows is pure Python; writing them is mostly
SQLite's work.  On a machine with two or more cores the two overlap: a forked
child reads and checks, and sends the checked rows back in batches through a
pipe while this process writes them (a million events: 12.6 s -> 9.7 s).  The
pipe is widened to a megabyte so the child can run a few batches ahead (with
the default 64 KB it waited on every batch and nothing was gained), and no
further, so memory stays flat.  The child is given the file and the checker,
never the database connection, and leaves by ``os._exit``, so it closes
nothing of the parent's.

The child ignores Ctrl-C and dies quietly on SIGTERM: the parent, interrupted,
kills and reaps it, so no reader prints a traceback or outlives the import.
If the child dies, the import stops with an error and its transaction rolls
back; if this process dies, the child's next write to the pipe fails and it
exits.  Where ``fork`` does not exist (Windows) or there is one core, or the
file is small, the same generator simply runs in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from tracker.errors import BadInput, TrackerError
from tracker.interrupts import child_defaults
from tracker.outputs import signals_held

MIN_BYTES = 8 * 1024 * 1024  # about 50,000 rows: below that a second process is not worth it
BATCH = 1000  # rows a message: about 150 KB
PIPE_BYTES = 1 << 20


class ReaderFailed(TrackerError):
    """The process reading the file stopped without finishing."""


def worth_it(path: Path) -> bool:
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and path.stat().st_size >= MIN_BYTES)


def stream(produce: Callable[[Callable[[int], None]], Iterator],
           on_bytes: Callable[[int], None] | None = None) -> Iterator:
    """What ``produce(count_bytes)`` yields, produced in a forked child.

    ``on_bytes`` hears the bytes the child has read, a batch at a time.  A
    ``BadInput`` raised in the child is raised again here with its message.
    """
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    _widen(send)
    child = ctx.Process(target=_pump, args=(produce, send, receive),
                        name="scaletrack-reader", daemon=True)
    try:
        # No Ctrl-C reaches the child before it ignores Ctrl-C, and one that arrives
        # meanwhile is raised here, inside the try whose finally kills the child.
        with signals_held():
            child.start()
        send.close()
        while True:
            try:
                kind, payload, read = receive.recv()
            except EOFError:
                child.join()
                raise ReaderFailed("the process reading the file stopped unexpectedly "
                                   f"(exit code {child.exitcode}); nothing was imported") from None
            if read and on_bytes:
                on_bytes(read)
            if kind == "rows":
                yield from payload
            elif kind == "done":
                return
            elif kind == "bad input":
                raise BadInput(payload)
            else:
                raise ReaderFailed(f"reading the file failed; nothing was imported:\n{payload}")
    finally:
        send.close()
        receive.close()
        if child.pid is not None:
            if child.is_alive():
                child.kill()
            child.join()


def _widen(conn) -> None:
    """Let the pipe hold a megabyte (Linux), so the child can run a few batches ahead
    of the writer instead of waiting on every batch."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError):
        pass  # the default buffer: slower, not wrong


def _pump(produce: Callable, send, receive) -> None:
    """In the child: run ``produce`` and send what it yields, a batch at a time."""
    # Ctrl-C is the parent's to handle (it kills this process); SIGTERM ends it quietly.
    child_defaults()
    # The child's copy of the reading end must go, or a write to the pipe would block
    # for ever instead of failing once the parent has died.
    receive.close()
    # Nothing inherited from the parent is ever collected here: garbage holding a
    # database connection, finalised in the child, could close the parent's session.
    gc.freeze()
    read = 0

    def count(n: int) -> None:
        nonlocal read
        read += n

    batch: list = []
    try:
        try:
            for item in produce(count):
                batch.append(item)
                if len(batch) >= BATCH:
                    send.send(("rows", batch, read))
                    batch, read = [], 0
            send.send(("rows", batch, read))
            send.send(("done", None, 0))
        except BadInput as exc:
            send.send(("bad input", str(exc), 0))
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception:  # a bug: show the parent what happened
            send.send(("crashed", traceback.format_exc(), 0))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent has gone; so does this process
    finally:
        send.close()
