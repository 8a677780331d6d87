"""Checking a framework file, reporting *every* problem with the line it is on.

The people who write frameworks are rarely programmers, and fixing one problem
per run is slow, so nothing here stops at the first problem.  A file that
passes is built into a ``Framework``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from tracker.catalog.model import ID_RE, KINDS, VERSION_RE, Framework

_TOP_KEYS = {"id", "title", "version", "kind", "summary", "citations", "scales",
             "stages", "checklists", "items", "scale"}
_CITATION_KEYS = {"authors", "year", "title", "source", "doi", "url"}
_STAGE_KEYS = {"id", "title", "description", "checkpoints", "items", "scale"}
_CHECKPOINT_KEYS = {"id", "title", "guidance", "scale", "optional", "key", "group"}


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


