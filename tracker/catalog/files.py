"""Reading framework files from disk: the built-in folder, text encoding, one file's check."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tracker.catalog.model import Framework
from tracker.catalog.validation import validate_text


def builtin_dir():
    return resources.files("tracker.models_catalog")


def is_builtin(path: str | os.PathLike) -> bool:
    """True for a file in the built-in catalogue folder (which must trace every item)."""
    try:
        return Path(path).resolve().parent == Path(str(builtin_dir())).resolve()
    except OSError:
        return False


MAX_BYTES = 1024 * 1024  # the largest built-in framework is about 30 KB


def read_text(path: Path) -> tuple[str | None, str | None]:
    """A file's text, or None and a one-line reason it cannot be read as UTF-8 text.

    Only a regular file of a sane size is read: a FIFO would wait for ever and a
    link to /dev/zero would fill the memory, so both are reasons, not reads.
    """
    import stat

    try:
        if isinstance(path, os.PathLike):
            info = os.stat(path)  # follows a link: what would be read
            if not stat.S_ISREG(info.st_mode):
                return None, (f"{path}: not a regular file (a folder, a pipe or a device), "
                              "so it was not read")
            if info.st_size > MAX_BYTES:
                return None, (f"{path}: {info.st_size:,} bytes is too large for a framework "
                              f"file (at most {MAX_BYTES // 1024 ** 2} MB), so it was not read")
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return None, (f"{path}: too large for a framework file (at most "
                          f"{MAX_BYTES // 1024 ** 2} MB), so it was not read")
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror or exc}"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"


def validate_file(path: str | os.PathLike, warnings: list[str] | None = None,
                  ) -> tuple[Framework | None, list[str]]:
    path = Path(path)
    text, problem = read_text(path)
    if text is None:
        return None, [problem]
    return validate_text(text, str(path), strict_sources=is_builtin(path), warnings=warnings)
