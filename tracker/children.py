"""Forked worker processes that never outlive, hang or shout over their parent.

``fork(into, fn, *args)`` runs ``fn(*args)`` in a forked child that inherits the
parent's data (nothing is pickled going in) and sends back only its result or
its error.  Signals are held across the fork, so a Ctrl-C cannot reach a child
before it has set ``interrupts.child_defaults`` (Ctrl-C ignored, SIGTERM
quiet).  ``results`` reads each child's answer; a child that died without one
(killed, out of memory) is an error, never a wait for ever.  ``kill_all`` ends
and reaps every child still running: the caller puts it in a ``finally``, so an
interrupted or failed parent leaves no orphan.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tracker.errors import TrackerError
from tracker.interrupts import child_defaults
from tracker.outputs import signals_held


class WorkerFailed(TrackerError):
    """A worker process stopped without finishing its work."""


@dataclass
class Child:
    pid: int
    fd: int
    done: bool = False


def can_fork() -> bool:
    return hasattr(os, "fork")


def fork(into: list[Child], fn: Callable, *args) -> Child:
    """Start ``fn(*args)`` in a child, appended to ``into`` before any signal is let in:
    an interruption raised as the signals are released finds it there to kill."""
    read, write = os.pipe()
    with signals_held():
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                child_defaults()
                os.close(read)
                gc.freeze()  # nothing of the parent's (a database connection) is finalised here
                try:
                    answer = ("ok", fn(*args))
                except BaseException as exc:  # sent to the parent, which decides what to say
                    answer = ("error", _portable(exc))
                data = pickle.dumps(answer)
                view = memoryview(data)
                while view:
                    view = view[os.write(write, view):]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        child = Child(pid, read)
        into.append(child)
    return child


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ``WorkerFailed`` with its message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return WorkerFailed(str(exc) or type(exc).__name__)


def _answer(child: Child):
    chunks = []
    while True:
        chunk = os.read(child.fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(child.fd)
    _, status = os.waitpid(child.pid, 0)
    child.done = True
    if not chunks:
        how = (f"was stopped by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exited with status {os.waitstatus_to_exitcode(status)}")
        raise WorkerFailed(f"a worker process {how} before it finished; nothing was written")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        raise value
    return value


def results(children: list[Child]) -> Iterator:
    """Each child's result in turn; the first error is raised (the caller kills the rest)."""
    for child in children:
        yield _answer(child)


def kill_all(children: list[Child]) -> None:
    """End and reap every child not yet reaped (safe to call more than once)."""
    for child in children:
        if child.done:
            continue
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        try:
            os.close(child.fd)
        except OSError:
            pass
        child.done = True
