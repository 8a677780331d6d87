"""Import is all or nothing, idempotent, and streams.

A pass over the file checks every row and writes the good ones in batches;
if any row had a problem, the transaction is rolled back at the end and every
problem is listed with its line (a crash half-way leaves the database as it
was).  Each row's idempotency key is a hash of its content, so importing the
same file twice adds nothing the second time.

An export imported back into the database it came from adds nothing either:
a row whose ``event_id`` is an event this database already held, with the
same content, *is* that event.  A retraction points at an ``event_id`` on an
earlier line of the same file, never at an event of another file; the same
rules as ``events retract`` apply (one retraction a record; a retraction of a
retraction restores what that retracted).  Plans are records too: a plan row
with an ``event_id`` can be retracted like an event.

Memory grows with the number of sites and retractions, plus 24 bytes a row
with an ``event_id`` (its id, line and a digest of its content, in arrays),
not with the text of the rows.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tracker.errors import BadInput
from tracker.exchange import background
from tracker.exchange.checking import Checker, InitiativeRef, RowProblems
from tracker.exchange.identity import NameHistory
from tracker.exchange.reading import records
from tracker.exchange.site_checks import SiteLedger, apply_merges, merged_warning
from tracker.rules import DATE_COLUMNS, EARLIEST_LIKELY, unlikely_date
from tracker.store import Store
from tracker.store.bulk import BulkLoad
from tracker.store.identity import adopt_initiative_uid, free_site_uid
from tracker.store.initiatives import former_initiative_keys
from tracker.store.merged import merge_map
from tracker.store.queries import (former_names, framework_of, name_key, resolve_initiative,
                                   sites)
from tracker.store.records import withdrawn_ids
from tracker.store.schema import Event, Site, SiteChange, new_uid, utcnow
from tracker.store.writes import retirement_refused

MAX_PROBLEMS = 50
MAX_WARNINGS = 20
PROBLEM_CHARS = 300  # no one problem may flood the screen (a million-column header...)
BATCH = 5000
EARLIEST = EARLIEST_LIKELY.isoformat()
ORIGIN = -1  # in place of a digest: this row is the database's own event of that id


@dataclass
class ImportResult:
    rows: int = 0
    plans: int = 0
    added: int = 0
    already: int = 0
    plans_added: int = 0
    new_sites: list[str] = field(default_factory=list)
    retired_sites: list[str] = field(default_factory=list)  # retired by this import
    merged_sites: list[str] = field(default_factory=list)  # "A into B", merged by this import
    found: list[tuple[int, str]] = field(default_factory=list)  # (line, problem), capped
    problem_count: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)  # capped
    warning_count: int = 0
    dry_run: bool = False

    def warning_lines(self) -> list[str]:
        shown = [f"line {line}: {text}" for line, text in sorted(self.warnings, key=_line)]
        if self.warning_count > len(shown):
            shown.append(f"... and {self.warning_count - len(shown)} more warning(s)")
        return shown


class ImportProblems(BadInput):
    """Every problem found in a file, with its line; nothing was written."""

    def __init__(self, path: str, problems: list[str], total: int):
        more = f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"{path}: {total} problem(s); nothing was imported:\n"
                         + "\n".join(problems) + more)
        self.problems, self.total = problems, total


EVENT_COLUMNS = ("initiative_id", "site_id", "stage", "checkpoint", "kind", "rating",
                 "occurred_on", "recorded_at", "recorded_by", "note", "evidence", "retracts",
                 "source", "idempotency_key", "due_on")
# what must match for a row to be the database's own event of the same id
SAME_EVENT = ("site_id", "checkpoint", "kind", "rating", "occurred_on", "recorded_at",
              "recorded_by", "note", "evidence", "due_on")
SAME_AT = [EVENT_COLUMNS.index(c) for c in SAME_EVENT]


class _DryRun(Exception):
    """Raised at the end of a dry run so its transaction rolls back."""


class _Ids:
    """The ``event_id`` of every row, its line and a digest of its content, compactly."""

    def __init__(self):
        self.ids, self.lines, self.digests = array("q"), array("q"), array("q")
        self.ordered = True

    def add(self, source_id: int, line: int, key: str) -> int:
        if self.ids and source_id <= self.ids[-1]:
            self.ordered = False
        self.ids.append(source_id)
        self.lines.append(line)
        self.digests.append(int(key[-40:-24], 16) >> 1)  # 63 bits: fits a signed slot
        return len(self.ids) - 1

    def repeated(self) -> Iterator[tuple[int, int, int]]:
        """(line, id, first line) for every id on more than one line."""
        if self.ordered:
            return
        counts = Counter(self.ids)
        first: dict[int, int] = {}
        for sid, line in zip(self.ids, self.lines):
            if counts[sid] > 1:
                if sid in first:
                    yield line, sid, first[sid]
                else:
                    first[sid] = line

    def find(self, wanted: set[int]) -> dict[int, tuple[int, int]]:
        """{id: (line, digest)} for the ids asked for (the first line of each)."""
        found: dict[int, tuple[int, int]] = {}
        if wanted:
            for i, sid in enumerate(self.ids):
                if sid in wanted and sid not in found:
                    found[sid] = (self.lines[i], self.digests[i])
        return found


def import_file(store: Store, initiative_name: str | None, path: str | Path,
                dry_run: bool = False, progress: Callable[[str, int], None] | None = None,
                today: dt.date | None = None, add_sites: bool = False) -> ImportResult:
    """Check and write the file in one transaction; on any problem, roll it all back.

    One pass: rows are checked and written in batches as they stream past, and
    problems collected; if there are any at the end, the transaction is rolled
    back and every problem is reported.  A dry run does the same and always
    rolls back.  Retractions wait until the end, when every event they may
    point at has been written.  ``progress(phase, n)`` hears ("read", bytes)
    as the file is read, then ("finish", 0) once, before the last writes.
    A site the database does not have is created only if the file has a
    ``site`` row for it, or with ``add_sites`` (``site_checks``).
    """
    path = Path(path)
    tick = progress or (lambda _phase, _n: None)
    if not path.is_file():
        raise BadInput(f"cannot read {path}: no such file")

    def tx(session: Session) -> ImportResult:
        result = ImportResult(dry_run=dry_run)
        found = resolve_initiative(session, initiative_name)
        initiative = InitiativeRef(found.id, found.name, name_key(found.name),
                                   former_initiative_keys(session, found))
        framework = framework_of(session, found)
        conn = session.connection()
        bulk = BulkLoad(conn)
        checker = Checker(initiative, framework, conn.dialect.name != "sqlite", today)
        site_ids: dict[str, int] = {}
        joined: dict[str, str] = {}  # name key -> ISO date the site joined
        retired: dict[str, str] = {}  # name key -> ISO date the site was retired
        merged: dict[str, int] = {}  # name key -> the site a merged site was merged into
        for name, stored, sid, on, off, into in session.execute(
                select(Site.name, Site.name_key, Site.id, Site.joined_on, Site.retired_on,
                       Site.merged_into).where(Site.initiative_id == initiative.id)):
            key = name_key(name)  # not the stored key, which may predate normalising
            if key in site_ids and stored != key:
                continue  # two sites that look alike (made before names were normalised):
            site_ids[key] = sid  # the one whose stored key is today's, as 'log' finds it
            if into is not None:
                merged[key] = into
            if on:
                joined[key] = on.isoformat()
            if off:
                retired[key] = off.isoformat()
        # A former name is not a new site: 'site rename' left it pointing at the new one.
        former = former_names(session, found)
        history = NameHistory(session, initiative.id)  # names that changed hands
        ledger = SiteLedger([s.name for s in sites(session, found)], add_sites)
        merges: list = []
        retirements: list = []
        late: list = []  # records dated on or after their site's retirement
        held = conn.exec_driver_sql(_select_sql(
            conn, "SELECT coalesce(max(id), 0) FROM events WHERE initiative_id = {}"),
            (initiative.id,)).scalar()
        insert_sql = _insert_sql(conn, "events", EVENT_COLUMNS)
        ids = _Ids()
        batch: list = []
        candidates: list = []  # (slot in ids, values) of rows that may be this database's own
        retractions: list = []
        plans: list = []  # (line, values, slot) of plan rows, written after the events

        had_sites = bool(site_ids)
        uid_seen: list[str] = []  # the file's initiative uid, once handled

        def site_id(name: str, region=None, joined_on=None, uid=None,
                    line: int | None = None) -> int:
            key = name_key(name)
            sid = site_ids.get(key)
            if sid is not None and line is None and ledger.declared(key):
                session.execute(update(Site).where(Site.id == sid).values(
                    region=region, joined_on=joined_on))  # made from an earlier row
                if joined_on:
                    joined[key] = joined_on.isoformat()
            if sid is None:
                sid = session.execute(insert(Site).values(
                    initiative_id=initiative.id, name=name, name_key=key, region=region,
                    joined_on=joined_on, created_at=utcnow(),
                    uid=free_site_uid(session, initiative.id, uid) or new_uid()
                ).returning(Site.id)).scalar()
                site_ids[key] = sid
                if joined_on:
                    joined[key] = joined_on.isoformat()
                result.new_sites.append(name)
                if line is not None:
                    ledger.created(key, name, line)
            elif line is not None:
                ledger.seen(key, line)
            return sid

        def write(rows: list) -> None:
            mine = _own_events(conn, initiative.id, candidates, ids) if candidates else set()
            rows = [r for r in rows if id(r) not in mine]
            candidates.clear()
            if rows:
                result.added += conn.exec_driver_sql(insert_sql, [tuple(r) for r in rows]
                                                     ).rowcount
                bulk.added(len(rows))

        counter = (lambda n: tick("read", n)) if progress else None
        produce = partial(_checked_rows, path, checker)
        rows = (background.stream(produce, counter) if background.worth_it(path)
                else produce(counter))
        for line, row in rows:
            if isinstance(row, str):
                _problem(result, line, row)
                continue
            kind = row[0]
            if kind == "warning":
                _warn(result, line, row[1])
                continue
            if kind in ("site", "retired", "merged"):
                name = row[1]
                renamed = former.get(name_key(name)) if name_key(name) not in site_ids else None
                if renamed:
                    _problem(result, line, renamed)
                elif kind == "site":
                    if row[4] and not uid_seen:  # the initiative's uid, on every site row
                        uid_seen.append(row[4])
                        adopt_initiative_uid(session, initiative.id, row[4], had_sites)
                    site_id(row[1], row[2], row[3], row[5])
                elif kind == "merged":
                    merges.append((line, row))
                    ledger.merged_warned.add(name_key(name))  # the file says so itself
                elif history.retired_elsewhere(session, name_key(name), row[3], row[2]):
                    then = history.then(name_key(name), row[3])
                    if session.get(Site, then.site_id).retired_on != row[2]:
                        _problem(result, line, then.problem(name, row[3]))
                else:
                    retired.setdefault(name_key(name), row[2].isoformat())
                    retirements.append((line, row))
                continue
            values, source_id, retracts, site_key = row[1], row[2], row[3], row[4]
            site_name, sid = values[1], site_ids.get(site_key)
            if sid is None and site_key in former:
                _problem(result, line, former[site_key])
                continue
            then = history.then(site_key, values[7]) if sid is not None else None
            if then is not None:  # the name meant another site when the row was written
                held_on = [site for site in (sid, then.site_id) if source_id and int(
                    source_id) <= held and history.holds_event(
                        conn, initiative.id, int(source_id), site, SAME_EVENT[1:],
                        tuple(values[i] for i in SAME_AT[1:]),
                        int(retracts) if retracts else None)]
                if not held_on:  # not this database's own event: which site is unclear
                    _problem(result, line, then.problem(site_name, values[7]))
                    continue
                sid = held_on[0]  # this database's own event: it is already there
                then = None if sid != then.site_id else then
            off = retired.get(site_key) if then is None else None
            if off and values[4] != "retract" and str(values[6]) >= off:
                # refused at the end unless the record does not count once the file is in
                # (the file retracts it, or it is this database's own retracted record)
                late.append((line, kind, site_name, off, str(values[6]), source_id,
                             values[13]))
            if sid is None:
                values[1] = site_id(site_name, line=line)
            else:  # the common case, kept to a look-up or two a row
                values[1] = sid
                if ledger.unknown:
                    ledger.seen(site_key, line)
            if merged and site_key in merged and site_key not in ledger.merged_warned:
                ledger.merged_warned.add(site_key)
                _warn(result, line, merged_warning(site_name, session.get(
                    Site, merge_map(session, initiative.id)[sid]).name))
            if kind == "plan":
                result.plans += 1
                slot = ids.add(int(source_id), line, values[13]) if source_id else -1
                plans.append((line, values, slot))
                continue
            on = joined.get(site_key)
            if on and EARLIEST <= str(values[6]) < on:  # before 2000: warned already
                _warn(result, line, unlikely_date(dt.date.fromisoformat(str(values[6])),
                                                  dt.date.fromisoformat(on), site_name,
                                                  DATE_COLUMNS))
            result.rows += 1
            slot = ids.add(int(source_id), line, values[13]) if source_id else -1
            if retracts:
                retractions.append((line, values, int(retracts), slot))
                continue
            if result.problem_count:
                continue  # keep checking, stop writing
            if slot >= 0 and int(source_id) <= held:
                candidates.append((slot, values))
            batch.append(values)
            if len(batch) >= BATCH:
                write(batch)
                batch = []
        tick("finish", 0)
        if batch and not result.problem_count:
            write(batch)
        for line, sid, first in ids.repeated():
            _problem(result, line, f"event_id {sid} is also on line {first}; each event has "
                                   "one id")
        # a failed or dry run rolls back, and the rollback restores the index
        bulk.finish(rebuild=not (result.problem_count or dry_run))
        _plans(conn, result, plans, ids, held, insert_sql, initiative.id)
        _retract(conn, result, checker.prefix, retractions, ids, held, insert_sql,
                 initiative.id)
        session.flush()
        for line, text in apply_merges(session, initiative.id, merges, site_ids, result):
            _problem(result, line, text)
        for line, (_, name, on, recorded_at, by) in retirements:
            site = session.get(Site, site_id(name, line=line))
            if site.retired_on is not None:
                if site.retired_on != on:
                    _problem(result, line, f"site '{site.name}' was already retired on "
                                           f"{site.retired_on.isoformat()}, not "
                                           f"{on.isoformat()}")
                continue  # the same retirement, imported again
            session.flush()  # the events written so far, for the check below
            refused = retirement_refused(session, site, on)
            if refused:
                _problem(result, line, refused)
                continue
            if result.problem_count:
                continue
            site.retired_on = on
            session.add(SiteChange(initiative_id=initiative.id, site_id=site.id,
                                   field="retired_on", new_value=on.isoformat(),
                                   effective_on=on, recorded_at=recorded_at, recorded_by=by,
                                   idempotency_key=f"import-retired:{site.id}:{on.isoformat()}"))
            session.flush()
            result.retired_sites.append(site.name)
        if late:
            _refuse_late(session, result, initiative.id, late, held)
        for line, text in ledger.problems():
            _problem(result, line, text)
        if result.problem_count:
            ordered = [f"line {line}: {text}" for line, text in sorted(result.found, key=_line)]
            raise ImportProblems(str(path), ordered, result.problem_count)
        if (result.rows == 0 and not result.plans and not result.new_sites
                and not retirements and not merges):
            raise BadInput(f"{path}: nothing to import")
        result.already = result.rows - result.added
        if dry_run:
            raise _DryRun(result)
        if (result.added or result.plans_added or result.new_sites or result.retired_sites
                or result.merged_sites):
            bulk.analyze()
        return result

    try:
        return store.write(tx)
    except _DryRun as done:
        return done.args[0]


def _own_events(conn, initiative_id: int, candidates: list, ids: _Ids) -> set[int]:
    """Of the rows whose event_id this database already held, those that are that very
    event (same content): their slots are marked ORIGIN, and their ``id()``s returned."""
    wanted = {ids.ids[slot]: (slot, values) for slot, values in candidates}
    marks = ", ".join([_mark(conn)] * len(wanted))
    sql = (f"SELECT id, {', '.join(SAME_EVENT)}, retracts FROM events "
           f"WHERE initiative_id = {_mark(conn)} AND id IN ({marks})")
    mine = set()
    for row in conn.exec_driver_sql(sql, (initiative_id, *wanted)):
        slot, values = wanted[row[0]]
        if tuple(row[1:-1]) == tuple(values[i] for i in SAME_AT) and (
                row[-1] == values[11]):
            ids.digests[slot] = ORIGIN
            mine.add(id(values))
    return mine


def _plans(conn, result: ImportResult, plans: list, ids: _Ids, held: int, insert_sql: str,
           initiative_id: int) -> None:
    """Write the file's plans (few, so after the events and in one go), leaving out the
    database's own (same event_id and content) and, for a plan row without an event_id
    (a file written before plans were records), a plan the database already holds with
    the same site, stage, dates, recorder and note."""
    if not plans or result.problem_count:
        return
    own = [(slot, values) for _, values, slot in plans if slot >= 0 and ids.ids[slot] <= held]
    mine = _own_events(conn, initiative_id, own, ids) if own else set()
    held_plans = {tuple(map(_text, row)) for row in conn.execute(
        select(Event.site_id, Event.stage, Event.due_on, Event.occurred_on, Event.recorded_by,
               Event.note).where(Event.initiative_id == initiative_id, Event.kind == "plan"))}
    ready = []
    for _line, values, slot in plans:
        if id(values) in mine:
            continue
        same = tuple(map(_text, (values[1], values[2], values[14], values[6], values[8],
                                 values[9])))
        if slot < 0 and same in held_plans:
            continue
        held_plans.add(same)
        ready.append(tuple(values))
    if ready:
        result.plans_added += conn.exec_driver_sql(insert_sql, ready).rowcount


def _text(value):
    """A value as comparable text: dates in ISO form, however the driver gave them."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _refuse_late(session: Session, result: ImportResult, initiative_id: int, late: list,
                 held: int) -> None:
    """A retired site takes no records dated on or after its retirement, unless the record
    does not count: a retracted event may be dated after the retirement, as 'site retire'
    allows, and an export holds it with its retraction after it."""
    withdrawn = withdrawn_ids(session, initiative_id)
    keys = {row[-1] for row in late}
    by_key = dict(session.execute(select(Event.idempotency_key, Event.id).where(
        Event.initiative_id == initiative_id, Event.idempotency_key.in_(keys))).all())
    for line, kind, site, off, day, source_id, key in late:
        record = by_key.get(key)
        if record is None and source_id and int(source_id) <= held:
            record = int(source_id)  # this database's own record, already held
        if record is not None and record in withdrawn:
            continue
        what = "plans" if kind == "plan" else "events"
        _problem(result, line, f"site '{site}' was retired on {off}: it takes no {what} "
                               f"dated on or after that ({day} given)")


def _retract(conn, result: ImportResult, prefix: str, retractions: list, ids: _Ids,
             held: int, insert_sql: str, initiative_id: int) -> None:
    """Check and write the file's retractions, each against an earlier line of the file.

    A retraction of a retraction of the same file needs its target written first, so
    retractions are written in rounds: those of events and plans, then those of the
    first round's retractions, and so on (a chain is rarely longer than two)."""
    if not retractions:
        return
    own = [(slot, values) for _, values, target, slot in retractions
           if slot >= 0 and ids.ids[slot] <= held]
    for (_, values, target, _slot) in retractions:
        values[11] = target  # for the comparison: this database's own ids
    mine = _own_events(conn, initiative_id, own, ids) if own else set()
    info = ids.find({target for _, _, target, _ in retractions})
    retraction_ids = {ids.ids[slot] for _, _, _, slot in retractions if slot >= 0}
    retracted: dict[int, int] = {}
    depth: dict[int, int] = {}  # event_id of a retraction of the file -> its round
    rounds: dict[int, list] = {}
    for line, values, target, slot in retractions:
        if id(values) in mine:
            continue  # this database's own retraction, already recorded
        values[11] = None
        where = info.get(target)
        if where is None or where[0] >= line:
            _problem(result, line, f"retracts event_id {target}, which is not on an earlier "
                                   "line of this file")
            continue
        if target in retracted:
            _problem(result, line, f"event_id {target} is already retracted on line "
                                   f"{retracted[target]}")
            continue
        retracted[target] = line
        if result.problem_count:
            continue  # keep checking, stop writing
        n = depth.get(target, -1) + 1 if target in retraction_ids else 0
        if slot >= 0:
            depth[ids.ids[slot]] = n
        rounds.setdefault(n, []).append((line, values, target, where))
    find = _select_sql(conn, "SELECT id FROM events WHERE idempotency_key >= {} "
                             "AND idempotency_key < {}")
    earlier = _select_sql(conn, "SELECT id, idempotency_key FROM events WHERE retracts = {}")
    for n in sorted(rounds):
        if n and result.problem_count:
            break  # a later round needs the earlier one written
        ready: list[tuple] = []
        for line, values, target, where in rounds[n]:
            if where[1] == ORIGIN:
                db_id = target
            else:
                start = f"{prefix}{str(target).zfill(12)}:{(where[1] << 1):016x}"[:-1]
                found = [r[0] for r in conn.exec_driver_sql(find, (start, start + "~"))]
                if not found:
                    _problem(result, line, f"retracts event_id {target}, which was not "
                                           "imported")
                    continue
                db_id = found[0]
            # an event this import added can have no retraction but this import's own
            before = conn.exec_driver_sql(earlier, (db_id,)).first() if db_id <= held else None
            if before is not None:
                if before[1] != values[13]:
                    _problem(result, line, f"event_id {target} was already retracted, by "
                                           f"event {before[0]}")
                continue
            values[11] = db_id
            ready.append(tuple(values))
        if ready and not result.problem_count:
            result.added += conn.exec_driver_sql(insert_sql, ready).rowcount


def _checked_rows(path: Path, checker: Checker, on_bytes: Callable[[int], None] | None
                  ) -> Iterator[tuple[int, tuple | str]]:
    """(line, checked row), (line, problem) or (line, ("warning", text)) for every row."""
    for line, rec in records(path, on_bytes):
        if isinstance(rec, str):
            yield line, rec
            continue
        try:
            checked = checker.row(rec)
        except RowProblems as exc:
            for text in exc.problems:
                yield line, text
            checked = None
        except ValueError as exc:
            yield line, str(exc)
            checked = None
        if checker.warnings:
            for text in checker.warnings:
                yield line, ("warning", text)
            checker.warnings.clear()
        if checked is not None:
            yield line, checked


def _line(found: tuple[int, str]) -> int:
    return found[0]


def _short(text: str) -> str:
    return text if len(text) <= PROBLEM_CHARS else text[:PROBLEM_CHARS] + "..."


def _problem(result: ImportResult, line: int, text: str) -> None:
    result.problem_count += 1
    if len(result.found) < MAX_PROBLEMS:
        result.found.append((line, _short(text)))


def _warn(result: ImportResult, line: int, text: str) -> None:
    result.warning_count += 1
    if len(result.warnings) < MAX_WARNINGS:
        result.warnings.append((line, _short(text)))


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
