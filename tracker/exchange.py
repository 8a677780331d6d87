"""Export and import the event log as tidy CSV or JSON Lines.

One row per event, in stable columns documented in ``events.schema.json``
(shipped with the package).  Exports meant for spreadsheets are made safe: a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with an apostrophe so Excel shows it instead of running it, and
import takes the apostrophe off again.

Import is all or nothing.  A first pass reads the whole file and lists every
problem with its line; only a clean file is written, in one transaction (a
crash half-way leaves the database as it was).  Each row's idempotency key is
a hash of its content, so importing the same file twice adds nothing the
second time.  Files stream: memory grows with the number of sites and
retractions, not with the number of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tracker.catalog import Framework
from tracker.errors import BadInput
from tracker.store import Store
from tracker.store.bulk import BulkLoad
from tracker.store.queries import framework_of, name_key, resolve_initiative
from tracker.store.schema import (EVENT_KINDS, STATUS_KINDS, Event, FrameworkSnapshot, Plan,
                                  Site, utcnow)
from tracker.store.writes import clean_name, default_recorder

COLUMNS = ("event_id", "initiative", "framework_id", "framework_version", "site", "stage",
           "checkpoint", "kind", "rating", "occurred_on", "recorded_at", "recorded_by", "note",
           "evidence", "retracts", "source", "due_on", "region")
REQUIRED = ("site", "kind")
# Besides events, a full export carries a row per site (kind 'site': its region and the
# date it joined, in occurred_on) and per plan (kind 'plan': stage, due_on, and the day
# it was set, in occurred_on), so that an import reproduces every analysis exactly.
ROW_KINDS = EVENT_KINDS + ("site", "plan")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEMS = 50
BATCH = 5000


def schema() -> dict:
    """The machine-readable description of the columns (a Frictionless Table Schema)."""
    text = (resources.files("tracker") / "events.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# -- export -------------------------------------------------------------------

def neutralise(value: str) -> str:
    return "'" + value if value and value.startswith(DANGEROUS) else value


def restore(value: str) -> str:
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r" else value


def export_rows(store: Store, initiative_name: str | None) -> Iterator[dict]:
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        snap = session.get(FrameworkSnapshot, initiative.framework_pk)
        base = {c: None for c in COLUMNS}
        base.update(initiative=initiative.name, framework_id=snap.framework_id,
                    framework_version=snap.version)
        for site in session.scalars(select(Site).where(Site.initiative_id == initiative.id)
                                    .order_by(Site.id)):
            yield {**base, "site": site.name, "kind": "site", "region": site.region,
                   "occurred_on": site.joined_on.isoformat() if site.joined_on else None,
                   "recorded_at": site.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        plans = (select(Plan, Site.name).join(Site, Site.id == Plan.site_id)
                 .where(Plan.initiative_id == initiative.id).order_by(Plan.id))
        for plan, site in session.execute(plans):
            yield {**base, "site": site, "kind": "plan", "stage": plan.stage,
                   "due_on": plan.due_on.isoformat(), "occurred_on": plan.set_on.isoformat(),
                   "recorded_at": plan.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "recorded_by": plan.recorded_by, "note": plan.note, "source": "plan"}
        query = (select(Event, Site.name).join(Site, Site.id == Event.site_id)
                 .where(Event.initiative_id == initiative.id).order_by(Event.id))
        for ev, site in session.execute(query).yield_per(2000):
            yield {
                **base, "event_id": ev.id, "initiative": initiative.name,
                "framework_id": snap.framework_id, "framework_version": snap.version,
                "site": site, "stage": ev.stage, "checkpoint": ev.checkpoint, "kind": ev.kind,
                "rating": ev.rating, "occurred_on": ev.occurred_on.isoformat(),
                "recorded_at": ev.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "recorded_by": ev.recorded_by, "note": ev.note, "evidence": ev.evidence,
                "retracts": ev.retracts, "source": ev.source,
            }


def write_export(rows: Iterator[dict], out: io.TextIOBase, fmt: str) -> int:
    n = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        return n
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else
                         neutralise(row[c]) if isinstance(row[c], str) else row[c]
                         for c in COLUMNS])
        n += 1
    return n


# -- import -------------------------------------------------------------------

@dataclass
class ImportResult:
    rows: int = 0
    plans: int = 0
    added: int = 0
    already: int = 0
    new_sites: list[str] = field(default_factory=list)
    found: list[tuple[int, str]] = field(default_factory=list)  # (line, problem), capped
    problem_count: int = 0
    dry_run: bool = False


class ImportProblems(BadInput):
    """Every problem found in a file, with its line; nothing was written."""

    def __init__(self, path: str, problems: list[str], total: int):
        more = f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"{path}: {total} problem(s); nothing was imported:\n"
                         + "\n".join(problems) + more)
        self.problems, self.total = problems, total


def _detect(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"


def _records(path: Path, on_bytes: Callable[[int], None] | None = None
             ) -> Iterator[tuple[int, dict | str]]:
    """(line number, row as a dict of strings) or (line number, problem text)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with raw:
        fmt = _detect(path, raw.read(64))
        raw.seek(0)
        bad = []  # the line that was not UTF-8, if one was
        text = _decoded_lines(raw, bad, on_bytes)
        try:
            if fmt == "jsonl":
                for line, chunk in enumerate(text, start=1):
                    if not chunk.strip():
                        continue
                    try:
                        obj = json.loads(chunk)
                    except json.JSONDecodeError as exc:
                        yield line, f"not valid JSON ({exc.msg})"
                        continue
                    if not isinstance(obj, dict):
                        yield line, "each line must be a JSON object"
                        continue
                    yield line, {k: "" if v is None else str(v) for k, v in obj.items()}
            else:
                yield from _csv_records(text)
        except csv.Error as exc:
            yield (bad[0] if bad else 0) or 1, f"broken CSV ({exc})"
        if bad:
            yield bad[0], "not UTF-8 text; save the file as UTF-8 (Excel: 'CSV UTF-8')"


def _decoded_lines(raw, bad: list, on_bytes: Callable[[int], None] | None = None
                   ) -> Iterator[str]:
    """The file's lines as text; stops at the first line that is not UTF-8 and notes it.

    ``on_bytes`` hears how much of the file has been read, a megabyte at a time
    (once a row, a progress bar would cost more than the checking).
    """
    pending = 0
    for number, data in enumerate(raw, start=1):
        if on_bytes:
            pending += len(data)
            if pending >= 1 << 20:
                on_bytes(pending)
                pending = 0
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            return
    if on_bytes and pending:
        on_bytes(pending)


def _csv_records(text: Iterator[str]) -> Iterator[tuple[int, dict | str]]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        yield 1, "the file is empty"
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        yield 1, "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"
        return
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            yield line, f"{len(row)} cells where the header has {len(header)}"
            continue
        yield line, dict(zip(header, row))


@dataclass(frozen=True)
class _Initiative:
    id: int
    name: str
    name_key: str


EVENT_COLUMNS = ("initiative_id", "site_id", "stage", "checkpoint", "kind", "rating",
                 "occurred_on", "recorded_at", "recorded_by", "note", "evidence", "retracts",
                 "source", "idempotency_key")


def _text(value) -> str | None:
    """A free-text cell: the spreadsheet guard removed, empty as None."""
    if not value:
        return None
    return restore(value) if value[0] == "'" else value


class _Checker:
    """Validates rows against one initiative's pinned framework, cheaply.

    Rows of a large file repeat the same sites, dates and checkpoints, so each
    distinct value is checked once and remembered.
    """

    def __init__(self, initiative: _Initiative, framework: Framework, as_objects: bool):
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
                name = clean_name(_text(raw) or "", "site")
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
            got = _text(raw.strip()) or default_recorder()
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
                return ("site", site, _text(get("region")),
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
        note = _text(get("note"))
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
        evidence = _text(get("evidence"))
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
        by = _text((get("recorded_by") or "").strip()) or default_recorder()
        note = _text(get("note"))
        digest = hashlib.sha1("\x1f".join((site, stage, due_raw, set_raw, by, note or ""))
                              .encode("utf-8")).hexdigest()
        return ("plan", {"site": site, "stage": stage, "due_on": dt.date.fromisoformat(due_raw),
                         "set_on": dt.date.fromisoformat(set_raw), "recorded_by": by,
                         "note": note,
                         "idempotency_key": f"import-plan:{self.initiative.id}:{digest}"})


class _DryRun(Exception):
    """Raised at the end of a dry run so its transaction rolls back."""


def import_file(store: Store, initiative_name: str | None, path: str | Path,
                dry_run: bool = False, progress: Callable[[str, int], None] | None = None
                ) -> ImportResult:
    """Check and write the file in one transaction; on any problem, roll it all back.

    One pass: rows are checked and written in batches as they stream past, and
    problems collected; if there are any at the end, the transaction is rolled
    back and every problem is reported.  A dry run does the same and always
    rolls back.  Retractions wait until the end, when every event they may
    point at has been written.  ``progress(phase, n)`` hears ("read", bytes)
    as the file is read, then ("finish", 0) once, before the last writes.
    """
    path = Path(path)
    tick = progress or (lambda _phase, _n: None)
    if not path.is_file():
        raise BadInput(f"cannot read {path}: no such file")

    def tx(session: Session) -> ImportResult:
        result = ImportResult(dry_run=dry_run)
        found = resolve_initiative(session, initiative_name)
        initiative = _Initiative(found.id, found.name, found.name_key)
        framework = framework_of(session, found)
        conn = session.connection()
        bulk = BulkLoad(conn)
        checker = _Checker(initiative, framework, conn.dialect.name != "sqlite")
        site_ids = dict(session.execute(select(Site.name_key, Site.id).where(
            Site.initiative_id == initiative.id)).all())
        before = _count(session, initiative.id)
        insert_sql = _insert_sql(conn, "events", EVENT_COLUMNS)
        batch: list = []
        retractions: list = []
        plans: list = []

        def site_id(name: str, region=None, joined=None) -> int:
            key = name_key(name)
            sid = site_ids.get(key)
            if sid is None:
                sid = session.execute(insert(Site).values(
                    initiative_id=initiative.id, name=name, name_key=key, region=region,
                    joined_on=joined, created_at=utcnow()).returning(Site.id)).scalar()
                site_ids[key] = sid
                result.new_sites.append(name)
            return sid

        counter = (lambda n: tick("read", n)) if progress else None
        for line, rec in _records(path, counter):
            if isinstance(rec, str):
                _problem(result, line, rec)
                continue
            try:
                row = checker.row(rec)
            except ValueError as exc:
                _problem(result, line, str(exc))
                continue
            if row[0] == "site":
                site_id(row[1], row[2], row[3])
                continue
            if row[0] == "plan":
                plans.append((line, row[1]))
                continue
            values, retracts = row[1], row[3]
            sid = site_ids.get(row[4])
            values[1] = sid if sid is not None else site_id(values[1])
            result.rows += 1
            if retracts:
                retractions.append((line, values, retracts))
                continue
            if result.problem_count:
                continue  # keep checking, stop writing
            batch.append(tuple(values))
            if len(batch) >= BATCH:
                conn.exec_driver_sql(insert_sql, batch)
                bulk.added(len(batch))
                batch = []
        tick("finish", 0)
        if batch and not result.problem_count:
            conn.exec_driver_sql(insert_sql, batch)
        # a failed or dry run rolls back, and the rollback restores the index
        bulk.finish(rebuild=not (result.problem_count or dry_run))
        find = _select_sql(conn, "SELECT id FROM events WHERE idempotency_key >= {} "
                                 "AND idempotency_key < {}")
        for line, values, target in retractions:
            prefix = f"{checker.prefix}{target.zfill(12)}:"
            ids = [r[0] for r in conn.exec_driver_sql(find, (prefix, prefix[:-1] + ";"))]
            if not ids:
                _problem(result, line, f"retracts event_id {target}, which is not on an "
                                       "earlier line")
            elif len(ids) > 1:
                _problem(result, line, f"event_id {target} appears on more than one line")
            elif not result.problem_count:
                values[11] = ids[0]
                conn.exec_driver_sql(insert_sql, [tuple(values)])
        for line, plan in plans:
            plan_values = {"initiative_id": initiative.id, "site_id": site_id(plan["site"]),
                           "recorded_at": utcnow(),
                           **{k: v for k, v in plan.items() if k != "site"}}
            if not result.problem_count:
                conn.execute(_insert_ignoring_duplicates(conn, Plan), [plan_values])
            result.plans += 1
        if result.problem_count:
            ordered = [f"line {line}: {text}" for line, text in sorted(result.found)]
            raise ImportProblems(str(path), ordered, result.problem_count)
        if result.rows == 0 and not result.plans and not result.new_sites:
            raise BadInput(f"{path}: nothing to import")
        result.added = _count(session, initiative.id) - before
        result.already = result.rows - result.added
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        return store.write(tx)
    except _DryRun as done:
        return done.args[0]


def _problem(result: ImportResult, line: int, text: str) -> None:
    result.problem_count += 1
    if len(result.found) < MAX_PROBLEMS:
        result.found.append((line, text))


def _count(session: Session, initiative_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event)
                          .where(Event.initiative_id == initiative_id))


def _mark(conn) -> str:
    """The driver's parameter placeholder: ? for sqlite3, %s for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert_sql(conn, table: str, columns: tuple) -> str:
    """A plain INSERT ... ON CONFLICT DO NOTHING for the driver's executemany: rows are
    tuples of driver-ready values, which skips SQLAlchemy's per-row processing."""
    mark = _mark(conn)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT DO NOTHING")


def _select_sql(conn, template: str) -> str:
    return template.format(*([_mark(conn)] * template.count("{}")))


def _insert_ignoring_duplicates(conn, table):
    """INSERT that skips rows whose idempotency key is already there."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing()
