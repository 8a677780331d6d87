"""Ctrl-C and SIGTERM: stop within a moment, say in one line what was kept, leave no child.

The command line installs ``install()``: both signals raise ``Interrupted``
(a ``BaseException``, so no ``except Exception`` on the way swallows it) in
the main process, the open transaction rolls back, temporary files are removed
by the code that made them, and the command ends with one line and exit 130
(SIGINT) or 143 (SIGTERM).  A second signal while that cleanup runs is ignored,
so a cleanup is not cut short and no traceback is printed; a third ends the
process at once.

Forked children (chart pages, the import's reader) ignore Ctrl-C and die quietly
on SIGTERM (``child_defaults``): the parent, which got the same Ctrl-C, kills and
reaps them, so none is orphaned and none prints a traceback.

What finished before the interruption (a file renamed into place, a committed
transaction) is noted with ``note_kept`` so the closing line can say so.
"""

from __future__ import annotations

import os
import signal

_kept: list[str] = []
_count = 0


class Interrupted(BaseException):
    """The user pressed Ctrl-C, or the process was sent SIGTERM."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_first: int | None = None


def _handler(signum, _frame) -> None:
    global _count, _first
    _count += 1
    if _count == 1:
        _first = signum
        # What is left is cleanup: a connection cut off mid-query (psycopg's pipeline)
        # makes SQLAlchemy's pool log a traceback as it resets it; that is not news.
        import logging

        logging.disable(logging.CRITICAL)
        raise Interrupted(signum)
    if _count >= 3:
        os._exit(128 + signum)
    # the second: ignored, so the cleanup the first one started runs to its end


def install() -> None:
    """Turn SIGINT and SIGTERM into ``Interrupted`` in this (the main) process."""
    global _count, _first
    _count, _first = 0, None
    _kept.clear()
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) != signal.SIG_IGN:  # ignored by whoever started us: stays so
            signal.signal(signum, _handler)


def happened() -> Interrupted | None:
    """The interruption, if one arrived: an error raised while unwinding from it (a
    database driver cut off mid-query) must not replace it."""
    return Interrupted(_first) if _first is not None else None


def child_defaults() -> None:
    """In a forked child: ignore Ctrl-C (the parent handles it), die quietly on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
    except (AttributeError, OSError):
        pass


def note_kept(what: str) -> None:
    """Something finished and stays even if the command is interrupted after this."""
    if what not in _kept:
        _kept.append(what)


def closing_line() -> str:
    if not _kept:
        return "Interrupted; nothing was written"
    shown = ", ".join(_kept[:3]) + (f" and {len(_kept) - 3} more" if len(_kept) > 3 else "")
    return f"Interrupted; already finished and kept: {shown}"
