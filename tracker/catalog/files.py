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


def read_text(path: Path) -> tuple[str | None, str | None]:
    """A file's text, or None and a one-line reason it cannot be read as UTF-8 text."""
    try:
        raw = path.read_bytes()
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
