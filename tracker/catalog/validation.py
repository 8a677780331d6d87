"""Checking a framework file, reporting *every* problem with the line it is on.

The people who write frameworks are rarely programmers, and fixing one problem
per run is slow, so nothing here stops at the first problem, and no value of
the wrong type (a list where a name belongs, a number where a table does) may
end in a traceback.  A file that passes is built into a ``Framework``.

Provenance: every stage, checkpoint and checklist item says where in its
source it comes from (``source = {ref = "key", locator = "Step 1"}``) or that
it is ours (``added = true`` with a ``reason``).  The built-in files must;
a user's file that does not only gets a warning.
"""

from __future__ import annotations

import tomllib

from tracker.catalog.lines import Lines
from tracker.limits import too_long
from tracker.rules import name_key
from tracker.catalog.model import ID_RE, KINDS, VERSION_RE, Framework

_TOP_KEYS = {"id", "title", "version", "kind", "summary", "citations", "references", "scales",
             "stages", "checklists", "items", "scale", "source", "added", "reason"}
_CITATION_KEYS = {"authors", "year", "title", "source", "doi", "url"}
_REFERENCE_KEYS = {"citation", "doi", "url"}
_PROVENANCE_KEYS = {"source", "added", "reason"}
_STAGE_KEYS = {"id", "title", "description", "checkpoints", "items", "scale"} | _PROVENANCE_KEYS
_CHECKPOINT_KEYS = ({"id", "title", "guidance", "scale", "optional", "key", "group"}
                    | _PROVENANCE_KEYS)
_SOURCE_HELP = 'write source = {ref = "<reference key>", locator = "<page, section, table or step>"}'


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


class _FileCheck:
    """One pass over a parsed file, collecting located problems and warnings."""

    def __init__(self, data: dict, lines: Lines, filename: str, strict_sources: bool):
        self.data, self.lines, self.filename = data, lines, filename
        self.strict_sources = strict_sources
        self.problems: list[str] = []
        self.untraced: list[tuple[int | None, str]] = []
        self.scales: dict = {}
        self.references: dict = {}

    def at(self, line: int | None, where: str, msg: str) -> None:
        loc = f"{self.filename}:{line}" if line else self.filename
        self.problems.append(f"{loc}: {where}: {msg}" if where else f"{loc}: {msg}")

    # -- the top of the file ------------------------------------------------
    def header(self) -> None:
        data, keys = self.data, self.lines.keys
        for key in sorted(set(data) - _TOP_KEYS):
            self.at(keys.get(key), key, f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
        fid = data.get("id")
        if not isinstance(fid, str) or not ID_RE.match(fid):
            self.at(keys.get("id"), "id", "missing or invalid id (lower-case letters, digits "
                                          "and hyphens, e.g. 'my-framework')")
        if not _text(data.get("title")):
            self.at(keys.get("title"), "title", "missing title")
        if "summary" in data and not isinstance(data["summary"], str):
            self.at(keys.get("summary"), "summary", "must be text in quotes")
        version = data.get("version")
        if version is None:
            self.at(None, "version", "missing version (e.g. version = \"1.0\")")
        elif not isinstance(version, str) or not VERSION_RE.match(version):
            self.at(keys.get("version"), "version", f"bad version {version!r}: write it as a "
                                                    "quoted number like \"1.0\" or \"1.2.0\"")
        elif too_long(version, "version"):
            self.at(keys.get("version"), "version", too_long(version, "version"))
        if isinstance(fid, str) and too_long(fid, "framework_id"):
            self.at(keys.get("id"), "id", too_long(fid, "framework_id", "the id"))
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            self.at(keys.get("kind"), "kind", f"kind must be one of {', '.join(KINDS)}, "
                                              f"not {kind!r}")

    def citations(self) -> None:
        citations = self.data.get("citations")
        if not citations or not isinstance(citations, list):
            self.at(None, "citations", "missing citation: add at least one [[citations]] "
                                       "with authors, year and title")
            return
        for i, cit in enumerate(citations):
            line = self.lines.group("citations", i)
            if not isinstance(cit, dict):
                self.at(line, f"citations[{i}]", "must be a table")
                continue
            for key in sorted(set(cit) - _CITATION_KEYS):
                self.at(line, f"citations[{i}]", f"unknown key '{key}'")
            for key in ("authors", "year", "title"):
                if not cit.get(key):
                    self.at(line, f"citations[{i}]", f"citation is missing '{key}'")

    def reference_table(self) -> None:
        refs = self.data.get("references")
        if refs is None:
            return
        if not isinstance(refs, dict):
            self.at(self.lines.keys.get("references"), "references",
                    "must be tables: [references.<key>] with citation and doi or url")
            return
        for key, ref in refs.items():
            line = self.lines.table(f"references.{key}")
            where = f"references.{key}"
            if not ID_RE.match(key):
                self.at(line, where, "a reference key is lower-case letters, digits and hyphens")
            if not isinstance(ref, dict):
                self.at(line, where, "must be a table with citation and doi or url")
                continue
            for k in sorted(set(ref) - _REFERENCE_KEYS):
                self.at(line, where, f"unknown key '{k}' (allowed: citation, doi, url)")
            if not _text(ref.get("citation")):
                self.at(line, where, "missing citation: the full reference, as text")
            if not (_text(ref.get("doi")) or _text(ref.get("url"))):
                self.at(line, where, "give a doi or a url")
        self.references = refs

    def scale_table(self) -> None:
        scales = self.data.get("scales", {})
        if not isinstance(scales, dict):
            self.at(self.lines.keys.get("scales"), "scales",
                    "must be a table of name = [levels, best first]")
            scales = {}
        for name, levels in scales.items():
            if (not isinstance(levels, list) or len(levels) < 2
                    or not all(isinstance(x, str) and x.strip() for x in levels)):
                self.at(None, f"scales.{name}", "a scale needs at least two levels, best first")
            elif len(set(levels)) != len(levels):
                self.at(self.lines.key_in("scales", name), f"scales.{name}",
                        "a scale lists a level twice")
            else:
                self.scale_levels(name, levels)
        self.scales = scales

    def scale_levels(self, name: str, levels: list[str]) -> None:
        """Levels are typed ignoring case (``--rating high``), so they must differ once
        case is folded; and each must fit the database's rating column."""
        line, where = self.lines.key_in("scales", name), f"scales.{name}"
        same: dict[str, list[str]] = {}
        for level in levels:
            same.setdefault(name_key(level), []).append(level)
        for spellings in same.values():
            if len(spellings) > 1:
                shown = ", ".join(f"'{x}'" for x in spellings)
                self.at(line, where, f"levels {shown} differ only in case or spacing; a "
                                     "rating is typed ignoring case, so make each level a "
                                     "different word")
        for level in levels:
            if too_long(level, "rating"):
                self.at(line, where, too_long(level, "rating", f"level '{level[:40]}...'"))

    def scale_name(self, value, line, where) -> bool:
        """True when ``value`` (if given) names a scale; reports it otherwise."""
        if value is None:
            return True
        known = ", ".join(self.scales) or "none"
        if not isinstance(value, str):
            self.at(line, where, f"scale must be the name of a scale in quotes (known: {known})")
            return False
        if value not in self.scales:
            self.at(line, where, f"unknown scale '{value}' (known: {known})")
            return False
        return True

    # -- provenance -----------------------------------------------------------
    def provenance(self, item: dict, line, where: str) -> None:
        source, added, reason = item.get("source"), item.get("added"), item.get("reason")
        if "added" in item and added is not True:
            self.at(line, where, "'added' must be true (leave it out when the item has a source)")
        if added is True:
            if source is not None:
                self.at(line, where, "give a source or added = true, not both")
            if not _text(reason):
                self.at(line, where, "added = true needs a reason: one line on why it is ours")
            return
        if reason is not None:
            self.at(line, where, "'reason' goes with added = true")
        if source is None:
            self.untraced.append((line, where))
            return
        if not isinstance(source, dict):
            self.at(line, where, f"source must be a table: {_SOURCE_HELP}")
            return
        for k in sorted(set(source) - {"ref", "locator"}):
            self.at(line, where, f"source: unknown key '{k}' (allowed: ref, locator)")
        ref = source.get("ref")
        if not isinstance(ref, str) or ref not in self.references:
            known = ", ".join(self.references) or "none: add [references.<key>]"
            self.at(line, where, f"source: ref {ref!r} is not a reference of this file "
                                 f"(known: {known})")
        if not _text(source.get("locator")):
            self.at(line, where, "source: missing locator (page, section, table, figure or step)")

    def untraced_report(self) -> list[str]:
        """Built-in files: a problem per untraced item.  Others: one warning."""
        if not self.untraced:
            return []
        if self.strict_sources:
            for line, where in self.untraced:
                self.at(line, where, f"no source: {_SOURCE_HELP}, or added = true with a reason")
            return []
        line = self.untraced[0][0]
        loc = f"{self.filename}:{line}" if line else self.filename
        return [f"{loc}: {len(self.untraced)} stage(s) or checkpoint(s) say neither where they "
                "come from (source) nor that they are your own (added = true, reason)"]

    # -- stages, checklists and their checkpoints ----------------------------------
    def group(self, name: str, i: int, g, items_key: str, seen_ids: dict, inherited_scale,
              item_line=None, synthesised: bool = False) -> None:
        line = self.lines.group(name, i)
        item_line = item_line or (lambda j: self.lines.item(name, i, j))
        where = f"{name}[{i}]"
        if not isinstance(g, dict):
            self.at(line, where, "must be a table")
            return
        for key in sorted(set(g) - _STAGE_KEYS):
            self.at(line, where, f"unknown key '{key}'")
        gid = g.get("id")
        if not isinstance(gid, str) or not ID_RE.match(gid):
            self.at(line, where, "missing or invalid id (lower-case letters, digits and hyphens)")
        elif too_long(gid, "stage"):
            self.at(line, where, too_long(gid, "stage", "the id"))
        elif gid in seen_ids:
            self.at(line, where, f"duplicate id '{gid}' (first used at line {seen_ids[gid]})")
        else:
            seen_ids[gid] = line
        if not _text(g.get("title")):
            self.at(line, where, "missing title")
        if "description" in g and not isinstance(g["description"], str):
            self.at(line, where, "description must be text in quotes")
        if not synthesised:
            self.provenance(g, line, where)
        group_scale = g.get("scale", inherited_scale)
        if not self.scale_name(g.get("scale"), line, where):
            group_scale = None
        cps = g.get(items_key)
        noun = "stage" if name == "stages" else "checklist"
        if not cps:
            self.at(line, where, f"empty {noun}: add at least one [[{name}.{items_key}]]")
            return
        if not isinstance(cps, list):
            self.at(line, where, f"'{items_key}' must be a list of [[{name}.{items_key}]] tables")
            return
        seen_cp: dict[str, int | None] = {}
        required = 0
        for j, cp in enumerate(cps):
            required += self.checkpoint(cp, item_line(j), f"{where}.{items_key}[{j}]", seen_cp,
                                        group_scale)
            cid = cp.get("id") if isinstance(cp, dict) else None
            if isinstance(gid, str) and isinstance(cid, str):
                full = f"{gid}.{cid}"
                if too_long(full, "checkpoint"):
                    self.at(item_line(j), f"{where}.{items_key}[{j}]",
                            too_long(full, "checkpoint", f"the full id '{full[:40]}...'"))
        if required == 0 and all(isinstance(cp, dict) for cp in cps):
            self.at(line, where, "every checkpoint is optional: at least one must be required")

    def checkpoint(self, cp, cline, cwhere: str, seen_cp: dict, group_scale) -> int:
        """Check one checkpoint; 1 if it counts as required, else 0."""
        if not isinstance(cp, dict):
            self.at(cline, cwhere, "must be a table")
            return 0
        for key in sorted(set(cp) - _CHECKPOINT_KEYS):
            self.at(cline, cwhere,
                    f"unknown key '{key}' (allowed: {', '.join(sorted(_CHECKPOINT_KEYS))})")
        cid = cp.get("id")
        if not isinstance(cid, str) or not ID_RE.match(cid):
            self.at(cline, cwhere, "missing or invalid id (lower-case letters, digits and hyphens)")
        elif cid in seen_cp:
            first = seen_cp[cid]
            self.at(cline, cwhere, f"duplicate checkpoint id '{cid}'"
                    + (f" (first used at line {first})" if first else ""))
        else:
            seen_cp[cid] = cline
        if not _text(cp.get("title")):
            self.at(cline, cwhere, "missing title")
        if not _text(cp.get("guidance")):
            self.at(cline, cwhere, "missing guidance: say in one line what counts as done")
        if "scale" in cp:
            self.scale_name(cp["scale"], cline, cwhere)
        elif group_scale is not None:
            self.scale_name(group_scale, cline, cwhere)
        for flag in ("optional", "key"):
            if flag in cp and not isinstance(cp[flag], bool):
                self.at(cline, cwhere, f"'{flag}' must be true or false")
        if "group" in cp and not isinstance(cp["group"], str):
            self.at(cline, cwhere, "'group' must be text in quotes")
        self.provenance(cp, cline, cwhere)
        return 0 if cp.get("optional") is True else 1

    def body(self) -> None:
        data, kind = self.data, self.data.get("kind")
        default_scale = data.get("scale")
        if not self.scale_name(default_scale, self.lines.keys.get("scale"), "scale"):
            default_scale = None
        seen_ids: dict[str, int | None] = {}
        if kind == "checklist":
            fid = data.get("id")
            self.group("items-file", 0,
                       {"id": fid if isinstance(fid, str) else "x", "title": "x",
                        "items": data.get("items")}, "items", {}, default_scale,
                       item_line=lambda j: self.lines.group("items", j), synthesised=True)
            if data.get("stages"):
                self.at(self.lines.keys.get("stages"), "stages",
                        "a checklist file has items, not stages")
        elif kind in ("phased", "domains"):
            stages = data.get("stages")
            if not stages or not isinstance(stages, list):
                self.at(self.lines.keys.get("stages"), "stages",
                        "a framework needs at least one [[stages]]")
            else:
                for i, st in enumerate(stages):
                    self.group("stages", i, st, "checkpoints", seen_ids, default_scale)
            checklists = data.get("checklists", [])
            if not isinstance(checklists, list):
                self.at(self.lines.keys.get("checklists"), "checklists",
                        "must be a list of [[checklists]] tables")
                checklists = []
            for i, cl in enumerate(checklists):
                self.group("checklists", i, cl, "items", seen_ids, default_scale)


def validate_text(text: str, filename: str = "<text>", *, strict_sources: bool = False,
                  warnings: list[str] | None = None) -> tuple[Framework | None, list[str]]:
    """Check a framework file; return it (or None) and every problem found.

    ``strict_sources`` (the built-in files) makes a stage or checkpoint with
    neither a source nor ``added`` a problem; otherwise it is a warning,
    appended to ``warnings`` when a list is given.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{filename}: not valid TOML: {exc}"]
    except RecursionError:
        return None, [f"{filename}: not a framework file: values are nested too deeply"]
    check = _FileCheck(data, Lines(text), filename, strict_sources)
    check.header()
    check.citations()
    check.reference_table()
    check.scale_table()
    check.body()
    notes = check.untraced_report()
    if check.problems:
        return None, check.problems
    if warnings is not None:
        warnings.extend(notes)
    return _build(data, filename), []


def _provenance(item: dict) -> dict:
    out = {}
    if isinstance(item.get("source"), dict):
        out["source"] = dict(item["source"])
    if item.get("added") is True:
        out["added"] = item["reason"].strip()
    return out


def _build(data: dict, source: str) -> Framework:
    default_scale = data.get("scale")

    def group(g: dict, items_key: str) -> dict:
        scale = g.get("scale", default_scale)
        return {
            "id": g["id"], "title": g["title"], "description": g.get("description", ""),
            **_provenance(g),
            "checkpoints": [
                {"id": c["id"], "title": c["title"], "guidance": c["guidance"],
                 "scale": c.get("scale", scale), "optional": c.get("optional", False),
                 "key": c.get("key", False), "group": c.get("group"), **_provenance(c)}
                for c in g[items_key]
            ],
        }

    if data["kind"] == "checklist":
        stages = []
        checklists = [group({"id": data["id"], "title": data["title"],
                             "description": data.get("summary", ""), "items": data["items"],
                             **{k: data[k] for k in _PROVENANCE_KEYS if k in data}},
                            "items")]
    else:
        stages = [group(s, "checkpoints") for s in data["stages"]]
        checklists = [group(c, "items") for c in data.get("checklists", [])]
    return Framework.from_dict({
        "id": data["id"], "title": data["title"], "version": data["version"],
        "kind": data["kind"], "summary": data.get("summary", "").strip(),
        "citations": data["citations"], "scales": data.get("scales", {}),
        "references": data.get("references", {}),
        "stages": stages, "checklists": checklists,
    }, source=source)
