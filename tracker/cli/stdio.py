"""Standard output that is checked, and the command line's outer edge (signals, exit).

``sys.stdout`` is replaced by a writer on file descriptor 1 whose every
failure is an error the user sees: a short write on a full disk, a pipe whose
reader has gone, a stdout closed by the shell (``>&-``).  Each ends the
command with one line and exit status 1, never exit 0 and never a traceback.
A stdout closed before the command starts is made a pipe with no reader, so
writing to it fails in the same, reported way, and commands that print
nothing are unaffected.

``run`` is ``main``: it installs this writer and the signal handlers
(``tracker.interrupts``), runs the click group, and turns an interruption into
its one closing line.
"""

from __future__ import annotations

import errno
import io
import os
import sys

from tracker.errors import OutputError


class StdoutFailed(OutputError):
    """Standard output could not take everything written to it."""


class CheckedStdout(io.RawIOBase):
    """File descriptor 1 as a raw stream whose failures raise ``StdoutFailed``."""

    def __init__(self, fd: int = 1, closed_at_start: bool = False):
        super().__init__()
        self.fd = fd
        self.closed_at_start = closed_at_start
        self.failure: str | None = None

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        try:
            return os.isatty(self.fd)
        except OSError:
            return False

    def write(self, data) -> int:
        if self.failure is not None:
            return len(data)  # already reported once; the rest is dropped quietly
        try:
            return os.write(self.fd, data)
        except OSError as exc:
            self.failure = self._reason(exc)
            raise StdoutFailed(f"cannot write to standard output: {self.failure}; "
                               "the output is incomplete") from None

    def _reason(self, exc: OSError) -> str:
        if self.closed_at_start or exc.errno == errno.EBADF:
            return "it is closed"
        if exc.errno == errno.EPIPE:
            return "the program reading it stopped (broken pipe)"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        if exc.errno == errno.EFBIG:
            return "the file is larger than this system allows (file-size limit)"
        return exc.strerror or str(exc)


def _closed(fd: int) -> bool:
    try:
        os.fstat(fd)
        return False
    except OSError:
        return True


def _as_reader_gone(fd: int) -> None:
    """Make a closed ``fd`` a pipe whose reading end is closed: writes fail with EPIPE."""
    read, write = os.pipe()
    if write != fd:
        os.dup2(write, fd)
        os.close(write)
    if read != fd:
        os.close(read)


def install_stdout() -> CheckedStdout:
    closed = _closed(1)
    if closed:
        _as_reader_gone(1)
    raw = CheckedStdout(1, closed)
    old = sys.stdout
    encoding = getattr(old, "encoding", None) or "utf-8"
    errors = getattr(old, "errors", None) or "strict"
    tty = raw.isatty()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=errors,
                                  line_buffering=tty, write_through=False)
    return raw


def run(cli, prog_name: str = "scaletrack") -> None:
    from tracker import interrupts

    raw = install_stdout()
    interrupts.install()
    code = 0
    try:
        try:
            cli.main(prog_name=prog_name, standalone_mode=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        try:
            sys.stdout.flush()
        except StdoutFailed as exc:
            _error(str(exc))
            code = 1
    except interrupts.Interrupted as exc:
        # Everything was cleaned up on the way here (transactions rolled back, temporary
        # files and worker processes gone); leave now, so that a second Ctrl-C arriving
        # while Python shuts down cannot kill the process with a different status.
        _error(interrupts.closing_line(), prefix="")
        os._exit(exc.exit_code)
    if raw.failure is not None and code == 0:
        # written and lost somewhere that swallowed the error: still not a success
        _error(f"cannot write to standard output: {raw.failure}; the output is incomplete")
        code = 1
    if raw.failure is not None:
        _quiet_exit_stdout()
    sys.exit(code)


def _error(message: str, prefix: str = "Error: ") -> None:
    try:
        sys.stderr.write(prefix + message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _quiet_exit_stdout() -> None:
    """Nothing left for Python to flush (and fail on) at exit."""
    try:
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass
