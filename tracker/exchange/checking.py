"""One row of a file checked against the initiative's framework, cheaply.

A row becomes the values to store (or a ValueError that says what is wrong
with it); nothing here touches the database, so the checking can run in a
second process while the first one writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from tracker.catalog import Framework
from tracker.errors import BadInput
from tracker.exchange.columns import ROW_KINDS, text_cell
from tracker.store.queries import name_key
from tracker.store.schema import EVENT_KINDS, STATUS_KINDS, utcnow
from tracker.store.writes import clean_name, default_recorder


@dataclass(frozen=True)
class InitiativeRef:
    id: int
    name: str
    name_key: str


class Checker:
    """Validates rows against one initiative's pinned framework, cheaply.

    Rows of a large file repeat the same sites, dates and checkpoints, so each
    distinct value is checked once and remembered.
    """

    def __init__(self, initiative: InitiativeRef, framework: Framework, as_objects: bool):
        self.initiative = initiative
        self.framework = framework
        self.as_objects = as_objects  # PostgreSQL takes dates; SQLite stores ISO text
        self.dates: dict[str, object] = {}
        self.stamps: dict[str, object] = {}
        self.sites: dict[str, tuple[str, str]] = {}
        self.shapes: dict[tuple, tuple | str] = {}
        self.recorders: dict[str, str] = {}
        self.owner_ok: tuple = (None, None)
        self.cps = {cp_id: (framework.stage_of(cp_id).id, framework.levels(
            framework.checkpoint(cp_id))) for cp_id in framework.checkpoint_ids}
        self.prefix = f"import:{initiative.id}:"
        now = utcnow()
        self.now = now if as_objects else now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def date(self, value: str, what: str):
        got = self.dates.get(value)
        if got is None:
            text = value.strip()
            try:
                if len(text) != 10:
                    raise ValueError
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{what} '{text}' is not a YYYY-MM-DD date") from None
            got = day if self.as_objects else text
            if len(self.dates) < 100_000:
                self.dates[value] = got
        return got

    def stamp(self, value: str):
        got = self.stamps.get(value)
        if got is None:
            text = value.strip()
            if not text:
                return self.now
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"recorded_at '{text}' is not an ISO date-time") from None
            if when.tzinfo is not None:
                when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
            got = when if self.as_objects else when.strftime("%Y-%m-%d %H:%M:%S.%f")
            if len(self.stamps) < 100_000:
                self.stamps[value] = got
        return got

    def site(self, raw: str) -> tuple[str, str]:
        got = self.sites.get(raw)
        if got is None:
            try:
                name = clean_name(text_cell(raw) or "", "site")
            except BadInput as exc:
                raise ValueError(str(exc)) from None
            got = self.sites[raw] = (name, name_key(name))
        return got

    def owner(self, ini: str | None, fid: str | None) -> None:
        """Refuse a row of another initiative or framework."""
        if ini and name_key(ini) != self.initiative.name_key:
            raise ValueError(f"this row belongs to initiative '{ini.strip()}', not "
                             f"'{self.initiative.name}' (choose it with -i)")
        if fid and fid.strip() != self.framework.id:
            raise ValueError(f"framework '{fid}' is not this initiative's ({self.framework.id})")

    def shape(self, kind: str, cp: str, given_stage: str, rating: str) -> tuple:
        """(kind, checkpoint, stage, rating or None), cleaned, or ValueError.  A file
        repeats a few hundred such combinations, so ``row`` checks each once."""
        kind, cp, rating = kind.strip(), cp.strip(), rating.strip() or None
        if not cp:
            raise ValueError("the checkpoint is empty")
        found = self.cps.get(cp)
        if found is None:
            raise ValueError(f"unknown checkpoint '{cp}' for {self.framework.id}")
        stage, levels = found
        if given_stage and given_stage.strip() != stage:
            raise ValueError(f"checkpoint {cp} is in stage {stage}, not {given_stage}")
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown kind '{kind}'; one of {', '.join(ROW_KINDS)}")
        if kind == "rated":
            if not levels:
                raise ValueError(f"{cp} is ticked, not rated")
            if rating not in levels:
                raise ValueError(f"rating '{rating}' is not a level of {cp} "
                                 f"({', '.join(levels)})")
        elif rating:
            raise ValueError(f"a {kind} event has no rating")
        elif kind in STATUS_KINDS and levels:
            raise ValueError(f"{cp} is rated, not ticked: it takes 'rated' events")
        return kind, cp, stage, rating

    def recorder(self, raw: str) -> str:
        got = self.recorders.get(raw)
        if got is None:
            got = text_cell(raw.strip()) or default_recorder()
            if len(self.recorders) < 10_000:
                self.recorders[raw] = got
        return got

    def row(self, r: dict) -> tuple:
        """('event', values, source_id, retracts, site) / ('site', ...) / ('plan', ...),
        or ValueError saying what is wrong.

        The hot path of a large import: what repeats from row to row (initiative,
        site, kind/checkpoint/rating, dates, recorder) is checked once and
        remembered, so a row costs a handful of dictionary look-ups.
        """
        get = r.get
        owner = (get("initiative"), get("framework_id"))
        if owner != self.owner_ok:
            self.owner(*owner)
            self.owner_ok = owner
        site, site_key = self.site(get("site") or "")
        kind_raw = get("kind") or ""
        if kind_raw not in EVENT_KINDS:
            kind = kind_raw.strip()
            if kind == "site":
                joined = (get("occurred_on") or "").strip()
                if joined:
                    self.date(joined, "occurred_on")
                return ("site", site, text_cell(get("region")),
                        dt.date.fromisoformat(joined) if joined else None)
            if kind == "plan":
                return self.plan(site, r)
        shape_key = (kind_raw, get("checkpoint") or "", get("stage") or "", get("rating") or "")
        shape = self.shapes.get(shape_key)
        if shape is None:
            try:
                shape = self.shape(*shape_key)
            except ValueError as exc:
                shape = str(exc)
            if len(self.shapes) < 100_000:
                self.shapes[shape_key] = shape
        if isinstance(shape, str):
            raise ValueError(shape)
        kind, cp, stage, rating = shape
        note = text_cell(get("note"))
        if kind == "note" and not note:
            raise ValueError("a note event needs a note")
        occurred_raw = get("occurred_on") or ""
        occurred = self.date(occurred_raw, "occurred_on")
        recorded_raw = get("recorded_at") or ""
        recorded = self.stamp(recorded_raw)
        source_id = get("event_id") or ""
        if not source_id.isdigit():
            source_id = source_id.strip()
        retracts = get("retracts") or ""
        if not retracts.isdigit():
            retracts = retracts.strip()
        if kind == "retract" and not retracts:
            raise ValueError("a retract event needs 'retracts', the event_id it retracts")
        if retracts and kind != "retract":
            raise ValueError("only a retract event has 'retracts'")
        if (source_id and not source_id.isdigit()) or (retracts and not retracts.isdigit()):
            raise ValueError("event_id and retracts must be whole numbers")
        by = self.recorder(get("recorded_by") or "")
        evidence = text_cell(get("evidence"))
        source = (get("source") or "").strip() or "import"
        digest = hashlib.sha1("\x1f".join((
            site, cp, kind, rating or "", occurred_raw.strip(), recorded_raw.strip(), by,
            note or "", evidence or "", retracts)).encode("utf-8")).hexdigest()
        # zero-padded, so keys of a file in event order arrive in index order
        key = f"{self.prefix}{source_id.zfill(12) if source_id else ''}:{digest}"
        values = [self.initiative.id, site, stage, cp, kind, rating, occurred, recorded, by,
                  note, evidence, None, source, key]
        return ("event", values, source_id, retracts, site_key)

    def plan(self, site: str, r: dict) -> tuple:
        get = r.get
        stage = (get("stage") or "").strip()
        if self.framework.kind != "phased":
            raise ValueError(f"{self.framework.id} has no stages to plan for")
        if stage not in {s.id for s in self.framework.stages}:
            raise ValueError(f"unknown stage '{stage}' for {self.framework.id}")
        due_raw = (get("due_on") or "").strip()
        set_raw = (get("occurred_on") or "").strip()
        self.date(due_raw, "due_on")
        self.date(set_raw, "occurred_on")
        by = text_cell((get("recorded_by") or "").strip()) or default_recorder()
        note = text_cell(get("note"))
        digest = hashlib.sha1("\x1f".join((site, stage, due_raw, set_raw, by, note or ""))
                              .encode("utf-8")).hexdigest()
        return ("plan", {"site": site, "stage": stage, "due_on": dt.date.fromisoformat(due_raw),
                         "set_on": dt.date.fromisoformat(set_raw), "recorded_by": by,
                         "note": note,
                         "idempotency_key": f"import-plan:{self.initiative.id}:{digest}"})
