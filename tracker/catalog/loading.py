"""The catalogue: the built-in framework files plus the user's folders, by id."""

from __future__ import annotations

import os
from pathlib import Path

from tracker.catalog.files import builtin_dir, read_text
from tracker.catalog.model import SCIE_FACTORS_ID, Framework
from tracker.catalog.validation import validate_text
from tracker.errors import BadInput, UnknownName


def catalog_dirs(extra: str | None = None) -> list:
    """User folders first (``--catalog`` / SCALETRACK_CATALOG), then built-ins."""
    dirs: list = []
    for value in (extra, os.environ.get("SCALETRACK_CATALOG")):
        if value:
            dirs.extend(Path(p).expanduser() for p in value.split(os.pathsep) if p)
    dirs.append(builtin_dir())
    return dirs


class Catalog:
    """Every framework reachable from the catalogue folders, by id.

    The built-in files are read first.  A user's file may not take the id of a
    built-in framework (initiatives would silently pin the user's copy under a
    published framework's name), and two user files may not share an id; each
    such file is skipped and reported in ``problems``, as is any broken file.
    """

    def __init__(self, extra: str | None = None):
        self.frameworks: dict[str, Framework] = {}
        self.problems: list[str] = []
        builtin, *user = reversed(catalog_dirs(extra))
        origin: dict[str, str] = {}
        self._read(builtin, origin, builtin=True)
        for directory in reversed(user):  # --catalog first, then SCALETRACK_CATALOG
            if not directory.is_dir():
                raise BadInput(f"catalogue folder '{directory}' does not exist "
                               "(check --catalog or SCALETRACK_CATALOG)")
            self._read(directory, origin, builtin=False)

    def _read(self, directory, origin: dict[str, str], builtin: bool) -> None:
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            if not entry.name.endswith(".toml"):
                continue
            text, problem = read_text(entry)
            if text is None:
                self.problems.append(problem)
                continue
            fw, problems = validate_text(text, str(entry))
            if fw is None:
                self.problems.extend(problems)
                continue
            if fw.id in self.frameworks:
                first = origin[fw.id]
                if first == "built-in":
                    self.problems.append(
                        f"{entry}: id '{fw.id}' is a built-in framework's; a file of your own "
                        "needs an id of its own (this file was skipped)")
                else:
                    self.problems.append(
                        f"{entry}: id '{fw.id}' is already used by {first} (this file was skipped)")
                continue
            self.frameworks[fw.id] = fw
            origin[fw.id] = "built-in" if builtin else str(entry)

    def get(self, framework_id: str) -> Framework:
        fw = self.frameworks.get(framework_id)
        if fw is None or fw.kind == "checklist":
            known = [f.id for f in self.frameworks.values() if f.kind != "checklist"]
            raise UnknownName("framework", framework_id, known,
                              hint="see 'scaletrack frameworks list'")
        return fw

    def for_initiative(self, framework_id: str) -> Framework:
        """The framework as an initiative pins it: with the SCIE factors added."""
        fw = self.get(framework_id)
        scie = self.frameworks.get(SCIE_FACTORS_ID)
        return fw.with_checklist(scie) if scie else fw

    def listing(self) -> list[Framework]:
        return list(self.frameworks.values())
