"""The framework model: frameworks, their stages and checkpoints, and how they are pinned.

A framework is data, not code.  This module knows nothing about files or the
database: the store pins a framework by saving ``Framework.to_dict()`` as JSON
and rebuilds it with ``Framework.from_dict()``, so later edits to a catalogue
file never rewrite recorded history.  Reading and checking files lives in
``tracker.catalog.validation``; finding them in ``tracker.catalog.loading``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from tracker.errors import BadInput, UnknownName

KINDS = ("phased", "domains", "checklist")
SCIE_FACTORS_ID = "scie-factors"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")

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
    source: dict | None = None   # {"ref": key into Framework.references, "locator": "Step 1"}
    added: str | None = None     # the reason, when the checkpoint is ours and not the source's


@dataclass(frozen=True)
class Stage:
    """An ordered stage, a domain of a domains framework, or a checklist."""

    id: str
    title: str
    checkpoints: tuple[Checkpoint, ...]
    description: str = ""
    is_checklist: bool = False
    source: dict | None = None
    added: str | None = None

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
    references: dict[str, dict] = field(default_factory=dict)
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
        for group in (*self.stages, *self.checklists):
            if group.id.casefold() == folded:
                what = "a stage" if group in self.stages else "a checklist"
                raise BadInput(f"'{text}' is {what} of {self.id}, not a checkpoint; give one "
                               f"of its checkpoints: "
                               + ", ".join(c.full_id for c in group.checkpoints))
        raise UnknownName("checkpoint", text, self.checkpoint_ids,
                          hint=f"see 'scaletrack frameworks show {self.id}'")

    # -- serialisation ----------------------------------------------------
    def to_dict(self) -> dict:
        """The pinned form.  Provenance keys appear only when set, so a definition
        pinned before they existed hashes and reads back exactly as it did."""
        def group(s: Stage) -> dict:
            return _traced(s, {
                "id": s.id, "title": s.title, "description": s.description,
                "checkpoints": [
                    _traced(c, {"id": c.id, "title": c.title, "guidance": c.guidance,
                                "scale": c.scale, "optional": c.optional, "key": c.key,
                                "group": c.group})
                    for c in s.checkpoints
                ],
            })
        doc = {
            "id": self.id, "title": self.title, "version": self.version, "kind": self.kind,
            "summary": self.summary, "citations": [dict(c) for c in self.citations],
            "scales": {k: list(v) for k, v in self.scales.items()},
            "stages": [group(s) for s in self.stages],
            "checklists": [group(s) for s in self.checklists],
        }
        if self.references:
            doc["references"] = {k: dict(v) for k, v in self.references.items()}
        return doc

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> "Framework":
        def group(d: dict, is_checklist: bool) -> Stage:
            return Stage(
                id=d["id"], title=d["title"], description=d.get("description", ""),
                is_checklist=is_checklist, source=d.get("source"), added=d.get("added"),
                checkpoints=tuple(
                    Checkpoint(id=c["id"], full_id=f"{d['id']}.{c['id']}", title=c["title"],
                               guidance=c.get("guidance", ""), scale=c.get("scale"),
                               optional=bool(c.get("optional", False)),
                               key=bool(c.get("key", False)), group=c.get("group"),
                               source=c.get("source"), added=c.get("added"))
                    for c in d["checkpoints"]),
            )
        return cls(
            id=data["id"], title=data["title"], version=str(data["version"]), kind=data["kind"],
            summary=data.get("summary", ""), citations=tuple(data.get("citations", ())),
            scales={k: tuple(v) for k, v in data.get("scales", {}).items()},
            stages=tuple(group(s, False) for s in data.get("stages", ())),
            checklists=tuple(group(s, True) for s in data.get("checklists", ())),
            source=source, references=dict(data.get("references", {})),
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
            references={**{k: v for k, v in other.references.items()
                           if k not in self.references}, **self.references},
        )


def _traced(item, doc: dict) -> dict:
    """Add a stage's or checkpoint's provenance to its pinned form, when it has one."""
    if item.source:
        doc["source"] = dict(item.source)
    if item.added:
        doc["added"] = item.added
    return doc
