"""The catalogue: the built-in framework files plus the user's folders, by id."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tracker.catalog.model import SCIE_FACTORS_ID, Framework
from tracker.catalog.validation import validate_text
from tracker.errors import BadInput, UnknownName


def builtin_dir():
    return resources.files("tracker.models_catalog")


def catalog_dirs(extra: str | None = None) -> list:
    """User folders first (``--catalog`` / SCALETRACK_CATALOG), then built-ins."""
    dirs: list = []
    for value in (extra, os.environ.get("SCALETRACK_CATALOG")):
        if value:
            dirs.extend(Path(p).expanduser() for p in value.split(os.pathsep) if p)
    dirs.append(builtin_dir())
    return dirs


class Catalog:
    """Every framework reachable from the catalogue folders, by id."""

    def __init__(self, extra: str | None = None):
        self.frameworks: dict[str, Framework] = {}
        self.problems: list[str] = []
        for directory in catalog_dirs(extra):
            if isinstance(directory, Path) and not directory.is_dir():
                raise BadInput(f"catalogue folder '{directory}' does not exist "
                               "(check --catalog or SCALETRACK_CATALOG)")
            for entry in sorted(directory.iterdir(), key=lambda p: p.name):
                if not entry.name.endswith(".toml"):
                    continue
                text = entry.read_bytes().decode("utf-8", errors="replace")
                fw, problems = validate_text(text, str(entry))
                if fw is None:
                    self.problems.extend(problems)
                    continue
                self.frameworks.setdefault(fw.id, fw)

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
