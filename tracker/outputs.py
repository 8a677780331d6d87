"""Every file scaletrack writes goes through here, so it is written whole or not at all.

A file is written to a temporary name in its target folder (``.NAME.XXXX.part``),
flushed and fsynced, then renamed over the target: a reader sees the earlier
file or the new one, never half of one.  A failure (a full disk, a file-size
limit, Ctrl-C) removes the temporary file and raises ``OutputError`` naming the
file and the cause; any earlier file is left as it was.

A set of files (a report) is staged the same way and renamed into place
together, with Ctrl-C and SIGTERM held back while the renames run; the set
records what it wrote in a manifest, so the next set in the same folder removes
the files of the previous one that it does not write again (stale chart pages),
and never a file it did not write.

Some paths are never written: the open database and its ``-wal``, ``-shm`` and
``-journal`` files (``protect`` registers them), folders, devices, and symbolic
links (a link is refused rather than followed, so ``-o link.png`` cannot
overwrite the file it points to).

API:
    protect(path)                    never write over this database file or its companions
    commit_file(temp, target)        sync a temp file made by temp_path(target) and rename it
    check_target(path) -> Path       the path, or OutputRefused saying why not
    atomic(path, mode="wb", ...)     context manager: a file object; renamed into place on exit
    write_bytes(path, data) / write_text(path, text, encoding="utf-8")
    FileSet(folder, manifest=None)   stage(name) -> temp path; write_bytes/write_text(name, ..);
                                     commit() -> final paths; discard(); a context manager
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import OutputError, OutputRefused
from tracker.interrupts import note_kept

_PROTECTED: set[str] = set()
DB_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _key(path: str | os.PathLike) -> str:
    """A spelling of ``path`` that two names of the same file share (folder links resolved)."""
    p = Path(os.path.abspath(os.fspath(path)))
    return os.path.normcase(os.path.join(os.path.realpath(p.parent), p.name))


def protect(path: str | os.PathLike) -> None:
    """Never write over ``path`` (an open SQLite database) nor its -wal, -shm, -journal files."""
    base = _key(path)
    real = _key(os.path.realpath(path))
    for suffix in DB_COMPANIONS:
        _PROTECTED.add(base + suffix)
        _PROTECTED.add(real + suffix)


def check_target(path: str | os.PathLike) -> Path:
    """``path`` as a Path if scaletrack may write a file there; ``OutputRefused`` if not."""
    p = Path(path)
    shown = os.fspath(path)
    if not p.name or p.name in (".", ".."):
        raise OutputRefused(f"'{shown}' names a folder, not a file; give a file name")
    if _key(p) in _PROTECTED or (p.exists() and _key(os.path.realpath(p)) in _PROTECTED):
        raise OutputRefused(f"{shown} is the database scaletrack has open (or one of its "
                            "-wal, -shm, -journal files); writing there would destroy it: "
                            "give another file name")
    if p.is_symlink():
        raise OutputRefused(f"{shown} is a symbolic link; scaletrack does not write through "
                            "links (it could overwrite the file the link points to): give "
                            "the real file's path, or remove the link first")
    if p.is_dir():
        raise OutputRefused(f"{shown} is a folder; give a file name inside it")
    if p.exists() and not p.is_file():
        raise OutputRefused(f"{shown} is not a regular file (a device or a pipe); give the "
                            "name of a file to write")
    return p


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        if exc.errno == errno.EFBIG:
            return "the file is larger than this system allows (file-size limit)"
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def failed(path: str | os.PathLike, exc: BaseException, existed: bool) -> OutputError:
    kept = ("the earlier file is unchanged" if existed else "nothing was written")
    return OutputError(f"cannot write {os.fspath(path)}: {_reason(exc)}; {kept}")


def _new_file_mode(target: Path) -> int:
    """The target's own permissions when it exists, else what the umask allows."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def temp_path(target: Path) -> Path:
    """A new, empty temporary file beside ``target`` (created, so the name is ours)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename has still happened
    finally:
        os.close(fd)


def _mkdir(folder: Path, shown) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder} for {shown}: "
                          f"{_reason(exc)}; nothing was written") from None


@contextlib.contextmanager
def atomic(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None,
           newline: str | None = None, new: bool = False) -> Iterator:
    """A file object for ``path``; on a clean exit it replaces ``path`` whole.  With
    ``new``, an existing ``path`` is never replaced (``FileExistsError``, even when the
    name was taken while the file was being written): the export made before a deletion."""
    target = check_target(path)
    existed = target.exists()
    _mkdir(target.parent, path)
    temp = None
    try:
        with signals_held():  # a Ctrl-C cannot fall between making the file and knowing it
            temp = temp_path(target)
        with open(temp, mode, encoding=encoding, newline=newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, _new_file_mode(target))
        if new:
            publish_new(temp, target)
        else:
            os.replace(temp, target)
        temp = None
        _fsync_folder(target.parent)
        note_kept(os.fspath(path))
    except OSError as exc:
        raise failed(path, exc, existed) from None
    finally:
        if temp is not None:
            _remove(temp)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic(path, "wb") as out:
        out.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    with atomic(path, "w", encoding=encoding, newline="") as out:
        out.write(text)
    return Path(path)


def publish_new(temp: Path, target: Path) -> None:
    """Give ``temp`` the name ``target`` only if no file has it (a hard link fails rather
    than replaces); where links are not supported, check and rename."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def commit_file(temp: Path, target: Path) -> Path:
    """Sync a finished temporary file and rename it to ``target`` (its folder)."""
    _fsync_file(temp)
    os.chmod(temp, _new_file_mode(target))
    os.replace(temp, target)
    _fsync_folder(target.parent)
    return target


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends (so a set of renames is not cut)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not the main thread, or no such call
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class FileSet:
    """Files that replace the previous set in one folder together, or not at all.

    ``stage(name)`` gives a temporary path to write ``name`` to (another process
    may write it); ``commit`` checks and fsyncs every staged file, renames them
    all into place, then removes the files that the previous set (recorded in
    ``manifest``) wrote and this one did not.  Leaving the ``with`` block by an
    exception, or ``discard``, removes every temporary file and changes nothing.
    """

    def __init__(self, folder: str | os.PathLike, manifest: str | None = None):
        self.folder = Path(folder)
        self.manifest = manifest
        self.staged: dict[str, Path] = {}
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputRefused(f"{self.folder} is a file, not a folder; give a folder name")
        self._made_folder = not self.folder.exists()
        _mkdir(self.folder, self.folder)

    def stage(self, name: str) -> Path:
        if name in self.staged:
            return self.staged[name]
        target = check_target(self.folder / name)
        try:
            with signals_held():  # made and recorded together, so discard() finds it
                self.staged[name] = temp_path(target)
        except OSError as exc:
            raise failed(target, exc, target.exists()) from None
        return self.staged[name]

    def write_bytes(self, name: str, data: bytes) -> Path:
        temp = self.stage(name)
        try:
            temp.write_bytes(data)
        except OSError as exc:
            raise failed(self.folder / name, exc, (self.folder / name).exists()) from None
        return self.folder / name

    def write_text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        return self.write_bytes(name, text.encode(encoding))

    def read_bytes(self, name: str) -> bytes:
        """What this set holds for ``name``: the staged file before the commit."""
        staged = self.staged.get(name)
        return (staged if staged is not None else self.folder / name).read_bytes()

    def commit(self) -> list[Path]:
        previous = self._previous()
        for name, temp in self.staged.items():
            target = self.folder / name
            try:
                if not temp.exists():
                    raise FileNotFoundError(errno.ENOENT, "it was not written")
                _fsync_file(temp)
                os.chmod(temp, _new_file_mode(target))
            except OSError as exc:
                self.discard()
                raise failed(target, exc, target.exists()) from None
            try:
                check_target(target)  # nothing became a link or a folder meanwhile
            except OutputRefused:
                self.discard()
                raise
        manifest_temp = None
        if self.manifest:
            listing = json.dumps({"files": sorted(self.staged)}, indent=1) + "\n"
            manifest_temp = self.stage(self.manifest)
            try:
                manifest_temp.write_text(listing, encoding="utf-8")
                os.chmod(manifest_temp, _new_file_mode(self.folder / self.manifest))
                _fsync_file(manifest_temp)
            except OSError as exc:
                self.discard()
                raise failed(self.folder / self.manifest, exc, False) from None
        self._made_folder = False
        with signals_held():
            for name, temp in self.staged.items():
                os.replace(temp, self.folder / name)
            written = set(self.staged)
            self.staged = {}
            for name in previous - written:
                _remove(self.folder / name)
        _fsync_folder(self.folder)
        note_kept(f"the files in {self.folder}")
        return [self.folder / n for n in sorted(written) if n != self.manifest]

    def discard(self) -> None:
        for temp in self.staged.values():
            _remove(temp)
        self.staged = {}
        if self._made_folder:  # a folder made for nothing goes too (only if still empty)
            with contextlib.suppress(OSError):
                self.folder.rmdir()

    def _previous(self) -> set[str]:
        """The plain file names the previous set recorded, that are still regular files."""
        if not self.manifest:
            return set()
        try:
            names = json.loads((self.folder / self.manifest).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return set()
        keep = set()
        for name in names if isinstance(names, list) else []:
            if (isinstance(name, str) and name and "/" not in name and os.sep not in name
                    and name not in (".", "..") and not name.startswith(".")):
                p = self.folder / name
                if p.is_file() and not p.is_symlink():
                    keep.add(name)
        return keep

    def __enter__(self) -> "FileSet":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.discard()
