"""One row of a file checked against the initiative's framework, cheaply.

A row becomes the values to store (or a ``RowProblems`` listing everything
wrong with it); nothing here touches the database, so the checking can run in
a second process while the first one writes.  What a checkpoint takes, and
which names and dates are acceptable, is ``tracker.rules``: the same rules as
``scaletrack log``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from tracker import rules
from tracker.catalog import Framework
from tracker.errors import BadInput
from tracker.exchange.columns import ROW_KINDS, quoted, text_cell
from tracker.limits import too_long
from tracker.store.identity import uid_problem
from tracker.store.queries import name_key
from tracker.store.schema import utcnow
from tracker.store.writes import default_recorder

MAX_ID_DIGITS = 18  # an event_id or retracts beyond this is no id scaletrack wrote


@dataclass(frozen=True)
class InitiativeRef:
    id: int
    name: str
    name_key: str
    # the keys of names the initiative had before a rename: an older export says those
    former_keys: frozenset = frozenset()


class RowProblems(ValueError):
    """Everything wrong with one row, each a sentence."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _whole_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS


def _fits(problems: list[str], *values: tuple[str | None, str]) -> None:
    """Add a problem for each (value, column) longer than the database's column holds."""
    for value, column in values:
        problem = too_long(value, column)
        if problem:
            problems.append(problem)


class Checker:
    """Validates rows against one initiative's pinned framework, cheaply.

    Rows of a large file repeat the same sites, dates and checkpoints, so each
    distinct value is checked once and remembered.  Warnings (a date that is
    probably mistyped) collect in ``warnings`` for the caller to take.
    """

    def __init__(self, initiative: InitiativeRef, framework: Framework, as_objects: bool,
                 today: dt.date | None = None, recorder_in_key: bool = True):
        self.initiative = initiative
        # Without it, who recorded a row is left out of its duplicate key: a site's return
        # sent again with its name box filled in is the same return, not new records.
        self.recorder_in_key = recorder_in_key
        self.framework = framework
        self.as_objects = as_objects  # PostgreSQL takes dates; SQLite stores ISO text
        self.today = today or dt.date.today()
        self.dates: dict[str, tuple] = {}
        self.stamps: dict[str, object] = {}
        self.sites: dict[str, tuple[str, str]] = {}
        self.shapes: dict[tuple, tuple | str] = {}
        self.recorders: dict[str, str] = {}
        self.owner_ok: tuple = (None, None)
        self.warnings: list[str] = []
        self.prefix = f"import:{initiative.id}:"
        now = utcnow()
        self.now = now if as_objects else now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: str, what: str) -> tuple[object, dt.date]:
        """(the date as stored, the date), or ValueError."""
        got = self.dates.get(value)
        if got is None:
            text = value.strip()
            if not text:
                raise ValueError(f"{what} is empty; write the date as YYYY-MM-DD")
            try:
                if len(text) != 10 or not text.isascii():
                    raise ValueError
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{what} {quoted(text)} is not a YYYY-MM-DD date") from None
            got = (day if self.as_objects else text, day)
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
                if not text.isascii():
                    raise ValueError
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if when.tzinfo is not None:
                    when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
            except ValueError:
                raise ValueError(f"recorded_at {quoted(text)} is not an ISO date-time") from None
            except OverflowError:
                raise ValueError(f"recorded_at {quoted(text)} is outside the calendar once "
                                 "converted to UTC") from None
            got = when if self.as_objects else when.strftime("%Y-%m-%d %H:%M:%S.%f")
            if len(self.stamps) < 100_000:
                self.stamps[value] = got
        return got

    def site(self, raw: str) -> tuple[str, str]:
        got = self.sites.get(raw)
        if got is None:
            try:
                name = rules.clean_name(raw, "site")
            except BadInput as exc:
                raise ValueError(str(exc)) from None
            got = self.sites[raw] = (name, name_key(name))
        return got

    def owner(self, ini: str | None, fid: str | None) -> None:
        """Refuse a row of another initiative or framework."""
        if ini and name_key(ini) != self.initiative.name_key and (
                name_key(ini) not in self.initiative.former_keys):
            raise ValueError(f"this row belongs to initiative {quoted(ini.strip())}, not "
                             f"'{self.initiative.name}' (choose it with -i)")
        if fid and fid.strip() != self.framework.id:
            raise ValueError(f"framework {quoted(fid)} is not this initiative's "
                             f"({self.framework.id})")

    def shape(self, kind_raw: str, cp_raw: str, given_stage: str, rating_raw: str) -> tuple:
        """(kind, checkpoint, stage, rating or None), cleaned, or ValueError.  A file
        repeats a few hundred such combinations, so ``row`` checks each once."""
        cp_text, rating = cp_raw.strip(), rating_raw.strip() or None
        kind = rules.status_named(kind_raw) if kind_raw.strip() else None
        if kind_raw.strip() and kind is None:
            raise ValueError(f"unknown kind {quoted(kind_raw.strip())}; one of "
                             f"{', '.join(ROW_KINDS)}")
        if not cp_text:
            raise ValueError("the checkpoint is empty")
        if kind == "retract" and self.framework.kind == "phased" and (
                cp_text in {s.id for s in self.framework.stages}):
            # the retraction of a plan (or of a plan's retraction) names the plan's stage
            if rating:
                raise ValueError("a retract event has no rating")
            if given_stage.strip() and given_stage.strip() != cp_text:
                raise ValueError(f"a retraction of a plan for stage {cp_text} is in that "
                                 f"stage, not {quoted(given_stage.strip())}")
            return kind, cp_text, cp_text, None
        if len(cp_text) > rules.NAME_LIMIT:
            raise ValueError(f"unknown checkpoint {quoted(cp_text)} for {self.framework.id}")
        try:
            cp = self.framework.resolve_checkpoint(cp_text)
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        stage = self.framework.stage_of(cp.full_id).id
        if given_stage.strip() and given_stage.strip() != stage:
            raise ValueError(f"checkpoint {cp.full_id} is in stage {stage}, not "
                             f"{quoted(given_stage.strip())}")
        levels = self.framework.levels(cp)
        if kind == "retract":
            if rating:
                raise ValueError("a retract event has no rating")
            return kind, cp.full_id, stage, None
        if kind == "rated" and not rating and levels:
            raise ValueError(f"a rated event needs a rating, one of: {', '.join(levels)}")
        status = None if kind == "rated" else kind
        if kind == "rated" and not levels:
            rating = rating or ""
        try:
            kind, level = rules.event_kind(cp.full_id, levels, status, rating, rules.COLUMNS)
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        return kind, cp.full_id, stage, level

    def recorder(self, raw: str) -> str:
        got = self.recorders.get(raw)
        if got is None:
            got = raw.strip() or default_recorder()
            if len(self.recorders) < 10_000:
                self.recorders[raw] = got
        return got

    def row(self, r: dict) -> tuple:
        """('event', values, source_id, retracts, site) / ('plan', values, source_id, '',
        site) / ('site', ...) / ('retired', ...),
        or RowProblems saying everything that is wrong.

        The hot path of a large import: what repeats from row to row (initiative,
        site, kind/checkpoint/rating, dates, recorder) is checked once and
        remembered, so a row costs a handful of dictionary look-ups.
        """
        get = r.get
        problems: list[str] = []
        owner = (get("initiative"), get("framework_id"))
        if owner != self.owner_ok:
            try:
                self.owner(*owner)
                self.owner_ok = owner
            except ValueError as exc:
                problems.append(str(exc))
        try:
            site, site_key = self.site(get("site") or "")
        except ValueError as exc:
            problems.append(str(exc))
            site = site_key = ""
        kind_raw = get("kind") or ""
        if kind_raw not in rules.EVENT_KINDS:
            kind = kind_raw.strip().casefold()
            if kind == "site":
                return self.site_row(site, r, problems)
            if kind == "retired":
                return self.retired_row(site, r, problems)
            if kind == "plan":
                return self.plan(site, site_key, r, problems)
            if kind == "merged":
                return self.merged_row(site, r, problems)
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
            problems.append(shape)
            kind, cp, stage, rating = (kind_raw.strip(), "", "", None)
        else:
            kind, cp, stage, rating = shape
        note = text_cell(get("note"))
        if kind == "note" and not (note or "").strip():
            problems.append("a note event needs a note")
        occurred_raw = get("occurred_on") or ""
        occurred = None
        try:
            occurred, day = self.day(occurred_raw, "occurred_on")
            refused = rules.future_event(day, self.today, rules.DATE_COLUMNS)
            if refused:
                problems.append(refused)
            else:
                warned = rules.unlikely_date(day, None, site, rules.DATE_COLUMNS)
                if warned:
                    self.warnings.append(warned)
        except ValueError as exc:
            problems.append(str(exc))
        recorded_raw = get("recorded_at") or ""
        try:
            recorded = self.stamp(recorded_raw)
        except ValueError as exc:
            problems.append(str(exc))
            recorded = None
        source_id = (get("event_id") or "").strip()
        retracts = (get("retracts") or "").strip()
        if kind == "retract" and not retracts:
            problems.append("a retract event needs 'retracts', the event_id it retracts")
        if retracts and kind != "retract":
            problems.append("only a retract event has 'retracts'")
        for what, value in (("event_id", source_id), ("retracts", retracts)):
            if value and not _whole_number(value):
                problems.append(f"{what} {quoted(value)} is not a whole number written in "
                                "digits 0-9")
        by = self.recorder(get("recorded_by") or "")
        source = (get("source") or "").strip() or "import"
        _fits(problems, (by, "recorded_by"), (source, "source"))
        if problems:
            raise RowProblems(problems)
        evidence = text_cell(get("evidence"))
        source_id = str(int(source_id)) if source_id else ""
        retracts = str(int(retracts)) if retracts else ""
        digest = hashlib.sha1("\x1f".join((
            site, cp, kind, rating or "", occurred_raw.strip(), recorded_raw.strip(),
            by if self.recorder_in_key else "", note or "", evidence or "",
            retracts)).encode("utf-8")).hexdigest()
        # zero-padded, so keys of a file in event order arrive in index order
        key = f"{self.prefix}{source_id.zfill(12) if source_id else ''}:{digest}"
        values = [self.initiative.id, site, stage, cp, kind, rating, occurred, recorded, by,
                  note, evidence, None, source, key, None]
        return ("event", values, source_id, retracts, site_key)

    def site_row(self, site: str, r: dict, problems: list[str]) -> tuple:
        uids = []
        for what in ("initiative_uid", "site_uid"):
            value = (r.get(what) or "").strip()
            problem = uid_problem(value, what)
            if problem:
                problems.append(problem)
            uids.append(value or None)
        joined_raw = (r.get("occurred_on") or "").strip()
        joined = None
        if joined_raw:
            try:
                joined = self.day(joined_raw, "occurred_on (the day the site joined)")[1]
            except ValueError as exc:
                problems.append(str(exc))
        region = text_cell(r.get("region"))
        _fits(problems, (region, "region"))
        if problems:
            raise RowProblems(problems)
        return ("site", site, region, joined, *uids)

    def retired_row(self, site: str, r: dict, problems: list[str]) -> tuple:
        """('retired', site, date, recorded_at, recorded_by): the site retired from that date."""
        on = recorded = None
        try:
            on = self.day(r.get("occurred_on") or "",
                          "occurred_on (the day the site was retired)")[1]
            if on > self.today:
                problems.append(f"occurred_on {on.isoformat()} is after today "
                                f"({self.today.isoformat()}): a site is retired on or after "
                                "the day it stops")
        except ValueError as exc:
            problems.append(str(exc))
        try:
            recorded = self.stamp(r.get("recorded_at") or "")
        except ValueError as exc:
            problems.append(str(exc))
        by = self.recorder(r.get("recorded_by") or "")
        _fits(problems, (by, "recorded_by"))
        if problems:
            raise RowProblems(problems)
        if isinstance(recorded, str):  # as SQLite stores it; the change row takes a datetime
            recorded = dt.datetime.strptime(recorded, "%Y-%m-%d %H:%M:%S.%f")
        return ("retired", site, on, recorded, by)

    def merged_row(self, site: str, r: dict, problems: list[str]) -> tuple:
        """('merged', site, into, date, recorded_at, recorded_by): the site merged into
        another on that date."""
        on = recorded = into = None
        try:
            into = rules.clean_name(r.get("merged_into") or "", "merged_into site")
        except BadInput as exc:
            problems.append(f"{exc} (a 'merged' row names the site it was merged into in "
                            "merged_into)")
        try:
            on = self.day(r.get("occurred_on") or "", "occurred_on (the day of the merge)")[1]
        except ValueError as exc:
            problems.append(str(exc))
        try:
            recorded = self.stamp(r.get("recorded_at") or "")
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise RowProblems(problems)
        if isinstance(recorded, str):  # as SQLite stores it; the change row takes a datetime
            recorded = dt.datetime.strptime(recorded, "%Y-%m-%d %H:%M:%S.%f")
        return ("merged", site, into, on, recorded, self.recorder(r.get("recorded_by") or ""))

    def plan(self, site: str, site_key: str, r: dict, problems: list[str]) -> tuple:
        """('plan', values, event_id, '', site key): a plan is a record like an event,
        with its stage as the checkpoint and its target in ``due_on`` (values end with it)."""
        get = r.get
        stage = (get("stage") or "").strip()
        if self.framework.kind != "phased":
            problems.append(f"{self.framework.id} has no stages to plan for")
        elif stage not in {s.id for s in self.framework.stages}:
            problems.append(f"unknown stage {quoted(stage)} for {self.framework.id}")
        due_raw = (get("due_on") or "").strip()
        set_raw = (get("occurred_on") or "").strip()
        due = set_on = None
        for what, raw in (("due_on", due_raw), ("occurred_on (the day the plan was agreed)",
                                                 set_raw)):
            try:
                day = self.day(raw, what)[1]
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if what == "due_on":
                due = day
            else:
                set_on = day
        refused = rules.plan_dates(due, set_on, self.today, rules.DATE_COLUMNS) if due and set_on \
            else None
        if refused:
            problems.append(refused)
        source_id = (get("event_id") or "").strip()
        if source_id and not _whole_number(source_id):
            problems.append(f"event_id {quoted(source_id)} is not a whole number written in "
                            "digits 0-9")
        if (get("retracts") or "").strip():
            problems.append("only a retract event has 'retracts'")
        by = (get("recorded_by") or "").strip() or default_recorder()
        _fits(problems, (by, "recorded_by"))
        try:
            recorded = self.stamp(get("recorded_at") or "")
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise RowProblems(problems)
        note = text_cell(get("note"))
        keyed_by = by if self.recorder_in_key else ""
        digest = hashlib.sha1("\x1f".join((site, stage, due_raw, set_raw, keyed_by, note or ""))
                              .encode("utf-8")).hexdigest()
        # With an event_id a plan is keyed like an event, so that a retraction in the file
        # can find it; without one (files written before plans were records) it keeps the
        # key those imports gave it, so importing such a file again adds nothing.
        source_id = str(int(source_id)) if source_id else ""
        key = (f"{self.prefix}{source_id.zfill(12)}:{digest}" if source_id
               else f"import-plan:{self.initiative.id}:{digest}")
        source = (get("source") or "").strip()
        source = "import" if source in ("", "plan") else source
        values = [self.initiative.id, site, stage, stage, "plan", None,
                  set_on if self.as_objects else set_raw.strip(), recorded, by,
                  note, None, None, source, key,
                  due if self.as_objects else due.isoformat()]
        return ("plan", values, source_id, "", site_key)
