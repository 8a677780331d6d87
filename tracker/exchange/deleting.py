"""``initiative delete``: export the whole initiative to a file, safely, then delete it.

Deleting is the one thing in scaletrack that removes records, so it is made to
be undoable too: before a row goes, every site, plan, event, retirement and
merge of the initiative is exported (``export.export_rows``, the columns of
``events export``) to a file that is written completely, flushed to the disk
(``fsync``, the file and its folder) and only then given its name.  Importing
that file into a new initiative of the same name and framework brings back
identical analyses.  The deletion itself is one transaction, and is refused if
anything was recorded in the initiative after the export read it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import BadInput
from tracker.exchange.export import Exported, export_rows, write_export
from tracker.store import Store
from tracker.store.initiatives import delete_rows, read_fingerprint


@dataclass(frozen=True)
class Deleted:
    initiative: str
    framework: str
    path: Path
    exported: Exported
    gone: dict


def default_path(name: str, folder: Path, today: dt.date | None = None) -> Path:
    """A file name for the export of a deleted initiative that no file has yet:
    ``<name>-deleted-<date>.csv``, numbered if that is taken."""
    slug = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.") or "initiative"
    stem = f"{slug[:80]}-deleted-{(today or dt.date.today()).isoformat()}"
    path, n = folder / f"{stem}.csv", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.csv"
    return path


def write_durably(rows, path: Path) -> Exported:
    """Write the export beside ``path``, flush it to the disk, then give it its name
    (never over an existing file) and flush the folder: once this returns, the file is
    whole and survives a crash or a power cut (``outputs.atomic`` with ``new``)."""
    from tracker.outputs import atomic

    with atomic(path, "w", encoding="utf-8", newline="", new=True) as out:
        return write_export(rows, out, "csv")


def delete_initiative(store: Store, name: str, path: str | Path | None = None,
                      folder: str | Path = ".") -> Deleted:
    """Export the initiative ``name`` to ``path`` (default: a new file in ``folder``),
    then delete all of it.  Refuses an existing ``path``; if the export fails, nothing
    is deleted."""
    if not (name or "").strip():
        raise BadInput("the initiative name is empty: give one (see 'scaletrack initiative "
                       "list')")
    store.require_writable()
    exact, before = read_fingerprint(store, name)
    if path is None:
        target = default_path(exact, Path(folder))
    else:
        target = Path(path)
        if target.exists():
            raise BadInput(f"{target} exists already; give another file for the export "
                           "(nothing was deleted)")
        if not target.parent.is_dir():
            raise BadInput(f"cannot write {target}: there is no folder {target.parent} "
                           "(nothing was deleted)")
    rows = export_rows(store, exact)
    framework = _framework(store, exact)
    try:
        exported = write_durably(rows, target)
    except OSError as exc:
        raise BadInput(f"cannot write the export {target}: {exc.strerror or exc}; nothing "
                       "was deleted") from None
    gone = delete_rows(store, exact, before)
    return Deleted(exact, framework, target, exported, gone)


def _framework(store: Store, name: str) -> str:
    from tracker.store.queries import resolve_initiative
    from tracker.store.schema import FrameworkSnapshot

    with store.reading() as session:
        initiative = resolve_initiative(session, name)
        return session.get(FrameworkSnapshot, initiative.framework_pk).framework_id
