"""The framework catalogue: load, validate and look up scaling frameworks.

A framework is data, not code: one TOML file per framework, read with the
standard library's ``tomllib``.  This module knows nothing about the database;
the store pins a framework by saving ``Framework.to_dict()`` as JSON and
rebuilds it with ``Framework.from_dict()`` so later edits to a file never
rewrite recorded history.

Validation reports *every* problem in a file, each with the line it is on,
because the people who write frameworks are rarely programmers and fixing one
problem per run is slow.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tracker.errors import BadInput, UnknownName

KINDS = ("phased", "domains", "checklist")
SCIE_FACTORS_ID = "scie-factors"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")

_TOP_KEYS = {"id", "title", "version", "kind", "summary", "citations", "scales",
             "stages", "checklists", "items", "scale"}
_CITATION_KEYS = {"authors", "year", "title", "source", "doi", "url"}
_STAGE_KEYS = {"id", "title", "description", "checkpoints", "items", "scale"}
_CHECKPOINT_KEYS = {"id", "title", "guidance", "scale", "optional", "key", "group"}


@dataclass(frozen=True)
class Checkpoint:
    """One thing a site can achieve (ticked) or assess (rated on a scale)."""

    id: str
    full_id: str
    title: str
    guidance: str
    scale: str | None = None
    optional: bool = False
    key: bool = False
    group: str | None = None


@dataclass(frozen=True)
class Stage:
    """An ordered stage, a domain of a domains framework, or a checklist."""

    id: str
    title: str
    checkpoints: tuple[Checkpoint, ...]
    description: str = ""
    is_checklist: bool = False

    @property
    def required(self) -> tuple[Checkpoint, ...]:
        return tuple(c for c in self.checkpoints if not c.optional)


@dataclass(frozen=True)
class Framework:
    """A whole framework definition, as pinned for an initiative."""

    id: str
    title: str
    version: str
    kind: str
    summary: str
    citations: tuple[dict, ...]
    scales: dict[str, tuple[str, ...]]
    stages: tuple[Stage, ...]
    checklists: tuple[Stage, ...] = ()
    source: str = ""
    _index: dict = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self):
        index = {}
        for group in (*self.stages, *self.checklists):
            for cp in group.checkpoints:
                index[cp.full_id] = (group, cp)
        object.__setattr__(self, "_index", index)

    # -- look-ups ---------------------------------------------------------
    @property
    def checkpoint_ids(self) -> list[str]:
        return list(self._index)

    def stage_of(self, full_id: str) -> Stage:
        return self._index[full_id][0]

    def checkpoint(self, full_id: str) -> Checkpoint:
        return self._index[full_id][1]

    def levels(self, cp: Checkpoint) -> tuple[str, ...] | None:
        """The rating levels of a checkpoint, best first; None if it is ticked."""
        return self.scales[cp.scale] if cp.scale else None

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise UnknownName("stage", stage_id, [s.id for s in self.stages],
                          hint=f"stages of {self.id}")

    def resolve_checkpoint(self, text: str) -> Checkpoint:
        """Accept a full id, or a bare checkpoint id when only one stage has it."""
        text = text.strip()
        if text in self._index:
            return self._index[text][1]
        folded = text.casefold()
        for full_id, (_, cp) in self._index.items():
            if full_id.casefold() == folded:
                return cp
        bare = [cp for _, cp in self._index.values() if cp.id == folded]
        if len(bare) == 1:
            return bare[0]
        if len(bare) > 1:
            raise BadInput(
                f"checkpoint '{text}' is in more than one stage; use the full id: "
                + ", ".join(c.full_id for c in bare))
        raise UnknownName("checkpoint", text, self.checkpoint_ids,
                          hint=f"see 'scaletrack frameworks show {self.id}'")

    # -- serialisation ----------------------------------------------------
    def to_dict(self) -> dict:
        def group(s: Stage) -> dict:
            return {
                "id": s.id, "title": s.title, "description": s.description,
                "checkpoints": [
                    {"id": c.id, "title": c.title, "guidance": c.guidance, "scale": c.scale,
                     "optional": c.optional, "key": c.key, "group": c.group}
                    for c in s.checkpoints
                ],
            }
        return {
            "id": self.id, "title": self.title, "version": self.version, "kind": self.kind,
            "summary": self.summary, "citations": [dict(c) for c in self.citations],
            "scales": {k: list(v) for k, v in self.scales.items()},
            "stages": [group(s) for s in self.stages],
            "checklists": [group(s) for s in self.checklists],
        }

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> "Framework":
        def group(d: dict, is_checklist: bool) -> Stage:
            return Stage(
                id=d["id"], title=d["title"], description=d.get("description", ""),
                is_checklist=is_checklist,
                checkpoints=tuple(
                    Checkpoint(id=c["id"], full_id=f"{d['id']}.{c['id']}", title=c["title"],
                               guidance=c.get("guidance", ""), scale=c.get("scale"),
                               optional=bool(c.get("optional", False)),
                               key=bool(c.get("key", False)), group=c.get("group"))
                    for c in d["checkpoints"]),
            )
        return cls(
            id=data["id"], title=data["title"], version=str(data["version"]), kind=data["kind"],
            summary=data.get("summary", ""), citations=tuple(data.get("citations", ())),
            scales={k: tuple(v) for k, v in data.get("scales", {}).items()},
            stages=tuple(group(s, False) for s in data.get("stages", ())),
            checklists=tuple(group(s, True) for s in data.get("checklists", ())),
            source=source,
        )

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def with_checklist(self, other: "Framework") -> "Framework":
        """This framework plus another file's checklists (the SCIE factors)."""
        if any(c.id == o.id for c in self.checklists for o in other.checklists):
            return self
        return Framework(
            id=self.id, title=self.title, version=self.version, kind=self.kind,
            summary=self.summary, citations=self.citations,
            scales={**other.scales, **self.scales}, stages=self.stages,
            checklists=self.checklists + other.checklists, source=self.source,
        )

    def public_json(self) -> dict:
        """The documented shape of ``frameworks show --format json``."""
        def group(s: Stage) -> dict:
            return {
                "id": s.id, "title": s.title,
                "checkpoints": [
                    {"id": c.full_id, "title": c.title, "guidance": c.guidance,
                     "scale": list(self.scales[c.scale]) if c.scale else None,
                     "optional": c.optional}
                    for c in s.checkpoints
                ],
            }
        return {
            "id": self.id, "title": self.title, "version": self.version, "kind": self.kind,
            "citations": [dict(c) for c in self.citations],
            "stages": [group(s) for s in self.stages],
            "checklists": [group(s) for s in self.checklists],
        }


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

class _Lines:
    """Finds the line of each ``[[stages]]``/``[[stages.checkpoints]]`` table.

    tomllib gives no positions for values, so problems are located by reading
    the array-of-tables headers, which is how every catalogue file is written.
    """

    HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)(?:\.([A-Za-z_]+))?\s*\]\]")

    def __init__(self, text: str):
        self.groups: dict[tuple[str, int], int] = {}
        self.items: dict[tuple[str, int, int], int] = {}
        self.keys: dict[str, int] = {}
        counts: dict[str, int] = {}
        sub: dict[str, int] = {}
        in_table = False
        for number, line in enumerate(text.splitlines(), start=1):
            m = self.HEADER.match(line)
            if m:
                in_table = True
                outer, inner = m.group(1), m.group(2)
                if inner is None:
                    counts[outer] = counts.get(outer, -1) + 1
                    sub[outer] = -1
                    self.groups[(outer, counts[outer])] = number
                else:
                    sub[outer] = sub.get(outer, -1) + 1
                    self.items[(outer, counts.get(outer, 0), sub[outer])] = number
                continue
            if line.lstrip().startswith("["):
                in_table = True
            km = re.match(r"^([A-Za-z_]+)\s*=", line)
            if km and not in_table:
                self.keys.setdefault(km.group(1), number)

    def group(self, name: str, i: int) -> int | None:
        return self.groups.get((name, i))

    def item(self, name: str, i: int, j: int) -> int | None:
        return self.items.get((name, i, j)) or self.groups.get((name, i))


def validate_text(text: str, filename: str = "<text>") -> tuple[Framework | None, list[str]]:
    """Check a framework file; return it (or None) and every problem found."""
    problems: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{filename}: not valid TOML: {exc}"]
    lines = _Lines(text)

    def at(line: int | None, where: str, msg: str) -> None:
        loc = f"{filename}:{line}" if line else filename
        problems.append(f"{loc}: {where}: {msg}" if where else f"{loc}: {msg}")

    for key in sorted(set(data) - _TOP_KEYS):
        at(lines.keys.get(key), key, f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")

    fid = data.get("id")
    if not isinstance(fid, str) or not ID_RE.match(fid):
        at(lines.keys.get("id"), "id",
           "missing or invalid id (lower-case letters, digits and hyphens, e.g. 'my-framework')")
    if not isinstance(data.get("title"), str) or not data.get("title", "").strip():
        at(lines.keys.get("title"), "title", "missing title")
    version = data.get("version")
    if version is None:
        at(None, "version", "missing version (e.g. version = \"1.0\")")
    elif not isinstance(version, str) or not VERSION_RE.match(version):
        at(lines.keys.get("version"), "version",
           f"bad version {version!r}: write it as a quoted number like \"1.0\" or \"1.2.0\"")
    kind = data.get("kind")
    if kind not in KINDS:
        at(lines.keys.get("kind"), "kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}")

    citations = data.get("citations")
    if not citations or not isinstance(citations, list):
        at(None, "citations", "missing citation: add at least one [[citations]] with authors, year and title")
    else:
        for i, cit in enumerate(citations):
            line = lines.group("citations", i)
            if not isinstance(cit, dict):
                at(line, f"citations[{i}]", "must be a table")
                continue
            for key in sorted(set(cit) - _CITATION_KEYS):
                at(line, f"citations[{i}]", f"unknown key '{key}'")
            for key in ("authors", "year", "title"):
                if not cit.get(key):
                    at(line, f"citations[{i}]", f"citation is missing '{key}'")

    scales = data.get("scales", {})
    if not isinstance(scales, dict):
        at(lines.keys.get("scales"), "scales", "must be a table of name = [levels, best first]")
        scales = {}
    for name, levels in scales.items():
        if (not isinstance(levels, list) or len(levels) < 2
                or not all(isinstance(x, str) and x.strip() for x in levels)):
            at(None, f"scales.{name}", "a scale needs at least two levels, best first")
        elif len(set(levels)) != len(levels):
            at(None, f"scales.{name}", "a scale lists a level twice")

    default_scale = data.get("scale")
    if default_scale is not None and default_scale not in scales:
        at(lines.keys.get("scale"), "scale", f"unknown scale '{default_scale}'")

    def check_group(name: str, i: int, g, items_key: str, seen_ids: dict, inherited_scale,
                    item_line=None):
        line = lines.group(name, i)
        item_line = item_line or (lambda j: lines.item(name, i, j))
        where = f"{name}[{i}]"
        if not isinstance(g, dict):
            at(line, where, "must be a table")
            return
        for key in sorted(set(g) - _STAGE_KEYS):
            at(line, where, f"unknown key '{key}'")
        gid = g.get("id")
        if not isinstance(gid, str) or not ID_RE.match(gid):
            at(line, where, "missing or invalid id (lower-case letters, digits and hyphens)")
        elif gid in seen_ids:
            at(line, where, f"duplicate id '{gid}' (first used at line {seen_ids[gid]})")
        else:
            seen_ids[gid] = line
        if not g.get("title"):
            at(line, where, "missing title")
        group_scale = g.get("scale", inherited_scale)
        if g.get("scale") is not None and g["scale"] not in scales:
            at(line, where, f"unknown scale '{g['scale']}' (known: {', '.join(scales) or 'none'})")
        cps = g.get(items_key)
        if not cps:
            at(line, where, f"empty {('checklist' if name != 'stages' else 'stage')}: "
                            f"add at least one [[{name}.{items_key}]]")
            return
        seen_cp: dict[str, int | None] = {}
        required = 0
        for j, cp in enumerate(cps):
            cline = item_line(j)
            cwhere = f"{where}.{items_key}[{j}]"
            if not isinstance(cp, dict):
                at(cline, cwhere, "must be a table")
                continue
            for key in sorted(set(cp) - _CHECKPOINT_KEYS):
                at(cline, cwhere, f"unknown key '{key}' (allowed: {', '.join(sorted(_CHECKPOINT_KEYS))})")
            cid = cp.get("id")
            if not isinstance(cid, str) or not ID_RE.match(cid):
                at(cline, cwhere, "missing or invalid id (lower-case letters, digits and hyphens)")
            elif cid in seen_cp:
                first = seen_cp[cid]
                at(cline, cwhere, f"duplicate checkpoint id '{cid}'"
                   + (f" (first used at line {first})" if first else ""))
            else:
                seen_cp[cid] = cline
            if not cp.get("title"):
                at(cline, cwhere, "missing title")
            if not cp.get("guidance"):
                at(cline, cwhere, "missing guidance: say in one line what counts as done")
            sc = cp.get("scale", group_scale)
            if sc is not None and sc not in scales:
                at(cline, cwhere, f"unknown scale '{sc}' (known: {', '.join(scales) or 'none'})")
            for flag in ("optional", "key"):
                if flag in cp and not isinstance(cp[flag], bool):
                    at(cline, cwhere, f"'{flag}' must be true or false")
            if not cp.get("optional"):
                required += 1
        if required == 0:
            at(line, where, "every checkpoint is optional: at least one must be required")

    seen_ids: dict[str, int | None] = {}
    if kind == "checklist":
        items = data.get("items")
        check_group("items-file", 0, {"id": fid or "x", "title": data.get("title", "x"),
                                      "items": items}, "items", {}, default_scale,
                    item_line=lambda j: lines.group("items", j))
        if data.get("stages"):
            at(lines.keys.get("stages"), "stages", "a checklist file has items, not stages")
    elif kind in ("phased", "domains"):
        stages = data.get("stages")
        if not stages or not isinstance(stages, list):
            at(None, "stages", "a framework needs at least one [[stages]]")
        else:
            for i, st in enumerate(stages):
                check_group("stages", i, st, "checkpoints", seen_ids, default_scale)
        for i, cl in enumerate(data.get("checklists", []) or []):
            check_group("checklists", i, cl, "items", seen_ids, default_scale)

    if problems:
        return None, problems
    return _build(data, filename), []


def _build(data: dict, source: str) -> Framework:
    default_scale = data.get("scale")

    def group(g: dict, items_key: str, is_checklist: bool) -> dict:
        scale = g.get("scale", default_scale)
        return {
            "id": g["id"], "title": g["title"], "description": g.get("description", ""),
            "checkpoints": [
                {"id": c["id"], "title": c["title"], "guidance": c["guidance"],
                 "scale": c.get("scale", scale), "optional": c.get("optional", False),
                 "key": c.get("key", False), "group": c.get("group")}
                for c in g[items_key]
            ],
        }

    if data["kind"] == "checklist":
        stages = []
        checklists = [group({"id": data["id"], "title": data["title"],
                             "description": data.get("summary", ""), "items": data["items"]},
                            "items", True)]
    else:
        stages = [group(s, "checkpoints", False) for s in data["stages"]]
        checklists = [group(c, "items", True) for c in data.get("checklists", [])]
    return Framework.from_dict({
        "id": data["id"], "title": data["title"], "version": data["version"],
        "kind": data["kind"], "summary": data.get("summary", "").strip(),
        "citations": data["citations"], "scales": data.get("scales", {}),
        "stages": stages, "checklists": checklists,
    }, source=source)


def validate_file(path: str | os.PathLike) -> tuple[Framework | None, list[str]]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc.strerror or exc}"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
    return validate_text(text, str(path))


# ---------------------------------------------------------------------------
# the catalogue: built-in files plus the user's folders
# ---------------------------------------------------------------------------

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
