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
    problems: list[str] = field(default_factory=list)
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
        text = _decoded_lines(raw, bad)
        try:
            if fmt == "jsonl":
                for line, chunk in enumerate(text, start=1):
                    if on_bytes:
                        on_bytes(len(chunk))
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
                yield from _csv_records(text, on_bytes)
        except csv.Error as exc:
            yield (bad[0] if bad else 0) or 1, f"broken CSV ({exc})"
        if bad:
            yield bad[0], "not UTF-8 text; save the file as UTF-8 (Excel: 'CSV UTF-8')"


def _decoded_lines(raw, bad: list) -> Iterator[str]:
    """The file's lines as text; stops at the first line that is not UTF-8 and notes it."""
    for number, data in enumerate(raw, start=1):
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            return


def _csv_records(text: Iterator[str], on_bytes) -> Iterator[tuple[int, dict | str]]:
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
        if on_bytes:
            on_bytes(sum(len(c) + 1 for c in row))
        if not row:
            continue
        if len(row) != len(header):
            yield line, f"{len(row)} cells where the header has {len(header)}"
            continue
        yield line, {h: restore(v) for h, v in zip(header, row)}


@dataclass(frozen=True)
class _Initiative:
    id: int
    name: str
    name_key: str


class _Checker:
    """Validates rows against one initiative's pinned framework."""

    def __init__(self, initiative, framework: Framework):
        self.initiative = initiative
        self.framework = framework
        self.dates: dict[str, dt.date] = {}
        self.cps = {cp_id: (framework.stage_of(cp_id).id, framework.levels(
            framework.checkpoint(cp_id))) for cp_id in framework.checkpoint_ids}

    def date(self, value: str, what: str) -> dt.date:
        got = self.dates.get(value)
        if got is None:
            try:
                got = dt.date.fromisoformat(value)
                if len(value) != 10:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{what} '{value}' is not a YYYY-MM-DD date") from None
            if len(self.dates) < 100_000:
                self.dates[value] = got
        return got

    def row(self, r: dict) -> dict:
        """The row ready to insert, or ValueError with what is wrong."""
        get = r.get
        ini = (get("initiative") or "").strip()
        if ini and name_key(ini) != self.initiative.name_key:
            raise ValueError(f"this row belongs to initiative '{ini}', not "
                             f"'{self.initiative.name}' (choose it with -i)")
        fid = (get("framework_id") or "").strip()
        if fid and fid != self.framework.id:
            raise ValueError(f"framework '{fid}' is not this initiative's ({self.framework.id})")
        try:
            site = clean_name(get("site") or "", "site")
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        kind = (get("kind") or "").strip()
        if kind == "site":
            joined = (get("occurred_on") or "").strip()
            return {"kind": "site", "site": site, "region": (get("region") or "").strip() or None,
                    "joined_on": self.date(joined, "occurred_on") if joined else None}
        if kind == "plan":
            return self.plan(site, r)
        cp = (get("checkpoint") or "").strip()
        if not cp:
            raise ValueError("the checkpoint is empty")
        found = self.cps.get(cp)
        if found is None:
            raise ValueError(f"unknown checkpoint '{cp}' for {self.framework.id}")
        stage, levels = found
        given_stage = (get("stage") or "").strip()
        if given_stage and given_stage != stage:
            raise ValueError(f"checkpoint {cp} is in stage {stage}, not {given_stage}")
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown kind '{kind}'; one of {', '.join(ROW_KINDS)}")
        rating = (get("rating") or "").strip() or None
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
        note = get("note") or None
        if kind == "note" and not note:
            raise ValueError("a note event needs a note")
        occurred = self.date((get("occurred_on") or "").strip(), "occurred_on")
        recorded_raw = (get("recorded_at") or "").strip()
        if recorded_raw:
            try:
                recorded = dt.datetime.fromisoformat(recorded_raw.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"recorded_at '{recorded_raw}' is not an ISO date-time") from None
            if recorded.tzinfo is not None:
                recorded = recorded.astimezone(dt.timezone.utc).replace(tzinfo=None)
        else:
            recorded = None
        source_id = (get("event_id") or "").strip()
        retracts = (get("retracts") or "").strip()
        if kind == "retract" and not retracts:
            raise ValueError("a retract event needs 'retracts', the event_id it retracts")
        if retracts and kind != "retract":
            raise ValueError("only a retract event has 'retracts'")
        if (source_id and not source_id.isdigit()) or (retracts and not retracts.isdigit()):
            raise ValueError("event_id and retracts must be whole numbers")
        row = {"site": site, "stage": stage, "checkpoint": cp, "kind": kind, "rating": rating,
               "occurred_on": occurred, "recorded_at": recorded,
               "recorded_by": (get("recorded_by") or "").strip() or default_recorder(),
               "note": note, "evidence": get("evidence") or None,
               "source": (get("source") or "").strip() or "import",
               "source_id": source_id, "retracts_source": retracts}
        digest = hashlib.sha256("\x1f".join(
            str(row[k]) for k in ("site", "checkpoint", "kind", "rating", "occurred_on",
                                  "recorded_at", "recorded_by", "note", "evidence",
                                  "source_id", "retracts_source")
        ).encode("utf-8")).hexdigest()
        row["idempotency_key"] = f"import:{self.initiative.id}:{digest[:48]}"
        return row

    def plan(self, site: str, r: dict) -> dict:
        get = r.get
        stage = (get("stage") or "").strip()
        if self.framework.kind != "phased":
            raise ValueError(f"{self.framework.id} has no stages to plan for")
        if stage not in {s.id for s in self.framework.stages}:
            raise ValueError(f"unknown stage '{stage}' for {self.framework.id}")
        due = self.date((get("due_on") or "").strip(), "due_on")
        set_on = self.date((get("occurred_on") or "").strip(), "occurred_on")
        row = {"kind": "plan", "site": site, "stage": stage, "due_on": due, "set_on": set_on,
               "recorded_by": (get("recorded_by") or "").strip() or default_recorder(),
               "note": get("note") or None}
        digest = hashlib.sha256("\x1f".join(
            str(row[k]) for k in ("site", "stage", "due_on", "set_on", "recorded_by", "note")
        ).encode("utf-8")).hexdigest()
        row["idempotency_key"] = f"import-plan:{self.initiative.id}:{digest[:44]}"
        return row


def import_file(store: Store, initiative_name: str | None, path: str | Path,
                dry_run: bool = False, progress: Callable[[str, int], None] | None = None
                ) -> ImportResult:
    """Check the whole file, then write it in one transaction, or raise ImportProblems."""
    path = Path(path)
    tick = progress or (lambda _phase, _n: None)
    with store.reading() as session:
        found = resolve_initiative(session, initiative_name)
        initiative = _Initiative(found.id, found.name, found.name_key)
        framework = framework_of(session, found)
        known_sites = {s.name_key: s.name for s in session.scalars(
            select(Site).where(Site.initiative_id == initiative.id))}
    checker = _Checker(initiative, framework)

    # pass 1: every problem, the sites, and which events get retracted
    result = ImportResult(dry_run=dry_run)
    sites: dict[str, str] = {}
    site_rows: dict[str, dict] = {}
    source_ids: set[str] = set()
    targets: set[str] = set()
    for line, rec in _records(path, lambda n: tick("check", n)):
        if isinstance(rec, str):
            _problem(result, line, rec)
            continue
        try:
            row = checker.row(rec)
        except ValueError as exc:
            _problem(result, line, str(exc))
            continue
        key = name_key(row["site"])
        if row["kind"] == "site":
            if key in site_rows:
                _problem(result, line, f"site '{row['site']}' has two site rows")
            site_rows[key] = row
        sites.setdefault(key, row["site"])
        if row["kind"] == "plan":
            result.plans += 1
        if row["kind"] in ("site", "plan"):
            continue
        result.rows += 1
        if row["source_id"]:
            if row["source_id"] in source_ids:
                _problem(result, line, f"event_id {row['source_id']} appears twice")
            source_ids.add(row["source_id"])
        if row["retracts_source"]:
            if row["retracts_source"] not in source_ids:
                _problem(result, line, f"retracts event_id {row['retracts_source']}, which is "
                                       "not on an earlier line")
            elif row["retracts_source"] in targets:
                _problem(result, line, f"event_id {row['retracts_source']} is retracted twice")
            targets.add(row["retracts_source"])
    if result.problem_count:
        raise ImportProblems(str(path), result.problems, result.problem_count)
    if result.rows == 0 and not site_rows and not result.plans:
        raise BadInput(f"{path}: nothing to import")
    result.new_sites = sorted(name for key, name in sites.items() if key not in known_sites)
    if dry_run:
        with store.reading() as session:
            result.already = _present(session, path, checker)
        result.added = result.rows - result.already
        return result

    def tx(session: Session) -> int:
        before = _count(session, initiative.id)
        for name in result.new_sites:
            info = site_rows.get(name_key(name), {})
            session.add(Site(initiative_id=initiative.id, name=name, name_key=name_key(name),
                             region=info.get("region"), joined_on=info.get("joined_on")))
        session.flush()
        site_ids = dict(session.execute(select(Site.name_key, Site.id).where(
            Site.initiative_id == initiative.id)).all())
        conn = session.connection()
        statement = _insert_ignoring_duplicates(conn, Event)
        plans = []
        mapping: dict[str, str] = {}  # source event_id of a retracted event -> its key
        retractions: list[dict] = []
        batch: list[dict] = []
        now = utcnow()
        for _line, rec in _records(path):
            row = checker.row(rec)
            tick("write", 1)
            if row["kind"] == "site":
                continue
            if row["kind"] == "plan":
                plans.append({"initiative_id": initiative.id,
                              "site_id": site_ids[name_key(row["site"])], "stage": row["stage"],
                              "due_on": row["due_on"], "set_on": row["set_on"],
                              "recorded_at": now, "recorded_by": row["recorded_by"],
                              "note": row["note"], "idempotency_key": row["idempotency_key"]})
                continue
            if row["kind"] == "retract":
                retractions.append(row)
                continue
            if row["source_id"] in targets:
                mapping[row["source_id"]] = row["idempotency_key"]
            batch.append(_db_row(row, initiative.id, site_ids, now))
            if len(batch) >= BATCH:
                conn.execute(statement, batch)
                batch = []
        if batch:
            conn.execute(statement, batch)
        if plans:
            conn.execute(_insert_ignoring_duplicates(conn, Plan), plans)
        if retractions:
            keys = list(mapping.values())
            ids = {}
            for i in range(0, len(keys), 500):
                ids.update(session.execute(select(Event.idempotency_key, Event.id).where(
                    Event.idempotency_key.in_(keys[i:i + 500]))).all())
            rows = []
            for row in retractions:
                db_row = _db_row(row, initiative.id, site_ids, now)
                db_row["retracts"] = ids[mapping[row["retracts_source"]]]
                rows.append(db_row)
            # a target retracted already (by hand, or by an earlier import) is left alone
            conn.execute(statement, rows)
        return _count(session, initiative.id) - before

    result.added = store.write(tx)
    result.already = result.rows - result.added
    return result


def _problem(result: ImportResult, line: int, text: str) -> None:
    result.problem_count += 1
    if len(result.problems) < MAX_PROBLEMS:
        result.problems.append(f"line {line}: {text}")


def _count(session: Session, initiative_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event)
                          .where(Event.initiative_id == initiative_id))


def _present(session: Session, path: Path, checker: _Checker) -> int:
    keys, found = [], 0
    for _line, rec in _records(path):
        row = checker.row(rec)
        if row["kind"] in ("site", "plan"):
            continue
        keys.append(row["idempotency_key"])
        if len(keys) >= 500:
            found += session.scalar(select(func.count()).where(Event.idempotency_key.in_(keys)))
            keys = []
    if keys:
        found += session.scalar(select(func.count()).where(Event.idempotency_key.in_(keys)))
    return found


def _db_row(row: dict, initiative_id: int, site_ids: dict, now: dt.datetime) -> dict:
    return {"initiative_id": initiative_id, "site_id": site_ids[name_key(row["site"])],
            "stage": row["stage"], "checkpoint": row["checkpoint"], "kind": row["kind"],
            "rating": row["rating"], "occurred_on": row["occurred_on"],
            "recorded_at": row["recorded_at"] or now, "recorded_by": row["recorded_by"],
            "note": row["note"], "evidence": row["evidence"], "retracts": None,
            "source": row["source"], "idempotency_key": row["idempotency_key"]}


def _insert_ignoring_duplicates(conn, table):
    """INSERT that skips rows whose idempotency key (or retracted event) is already there."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return insert(table)
    return dialect_insert(table).on_conflict_do_nothing()
