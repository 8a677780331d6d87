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

``import_file`` is the one entry point: it reads the file (``reading``,
``checking``), resolves each row's site and writes the events in batches.
What it found and did is ``import_result``; the writes that need the whole
file or the database (plans, retractions, a row that is this database's own
event) are ``import_writes``.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tracker.errors import BadInput
from tracker.exchange import background
from tracker.exchange.checking import Checker, InitiativeRef, RowProblems
from tracker.exchange.identity import NameHistory
from tracker.exchange.import_result import ImportProblems, ImportResult, by_line, problem, warn
from tracker.exchange.import_writes import (EVENT_COLUMNS, SAME_AT, SAME_EVENT, Ids,
                                            insert_statement, own_events, select_statement,
                                            write_plans, write_retractions)
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
from tracker.store.sites import retirement_refused
BATCH = 5000
EARLIEST = EARLIEST_LIKELY.isoformat()


class _DryRun(Exception):
    """Raised at the end of a dry run so its transaction rolls back."""

def import_file(store: Store, initiative_name: str | None, path: str | Path,
                dry_run: bool = False, progress: Callable[[str, int], None] | None = None,
                today: dt.date | None = None, add_sites: bool = False,
                recorder_in_key: bool = True) -> ImportResult:
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
        checker = Checker(initiative, framework, conn.dialect.name != "sqlite", today,
                          recorder_in_key)
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
        held = conn.exec_driver_sql(select_statement(
            conn, "SELECT coalesce(max(id), 0) FROM events WHERE initiative_id = {}"),
            (initiative.id,)).scalar()
        insert_sql = insert_statement(conn, "events", EVENT_COLUMNS)
        ids = Ids()
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
            mine = own_events(conn, initiative.id, candidates, ids) if candidates else set()
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
                problem(result, line, row)
                continue
            kind = row[0]
            if kind == "warning":
                warn(result, line, row[1])
                continue
            if kind in ("site", "retired", "merged"):
                name = row[1]
                renamed = former.get(name_key(name)) if name_key(name) not in site_ids else None
                if renamed:
                    problem(result, line, renamed)
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
                        problem(result, line, then.problem(name, row[3]))
                else:
                    retired.setdefault(name_key(name), row[2].isoformat())
                    retirements.append((line, row))
                continue
            values, source_id, retracts, site_key = row[1], row[2], row[3], row[4]
            site_name, sid = values[1], site_ids.get(site_key)
            if sid is None and site_key in former:
                problem(result, line, former[site_key])
                continue
            then = history.then(site_key, values[7]) if sid is not None else None
            if then is not None:  # the name meant another site when the row was written
                held_on = [site for site in (sid, then.site_id) if source_id and int(
                    source_id) <= held and history.holds_event(
                        conn, initiative.id, int(source_id), site, SAME_EVENT[1:],
                        tuple(values[i] for i in SAME_AT[1:]),
                        int(retracts) if retracts else None)]
                if not held_on:  # not this database's own event: which site is unclear
                    problem(result, line, then.problem(site_name, values[7]))
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
                warn(result, line, merged_warning(site_name, session.get(
                    Site, merge_map(session, initiative.id)[sid]).name))
            if kind == "plan":
                result.plans += 1
                slot = ids.add(int(source_id), line, values[13]) if source_id else -1
                plans.append((line, values, slot))
                continue
            on = joined.get(site_key)
            if on and EARLIEST <= str(values[6]) < on:  # before 2000: warned already
                warn(result, line, unlikely_date(dt.date.fromisoformat(str(values[6])),
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
            problem(result, line, f"event_id {sid} is also on line {first}; each event has "
                                  "one id")
        # a failed or dry run rolls back, and the rollback restores the index
        bulk.finish(rebuild=not (result.problem_count or dry_run))
        write_plans(conn, result, plans, ids, held, insert_sql, initiative.id)
        write_retractions(conn, result, checker.prefix, retractions, ids, held, insert_sql,
                          initiative.id)
        session.flush()
        for line, text in apply_merges(session, initiative.id, merges, site_ids, result):
            problem(result, line, text)
        for line, (_, name, on, recorded_at, by) in retirements:
            site = session.get(Site, site_id(name, line=line))
            undone = _undone_retirement(session, site, on)
            if undone:  # an older file's state: not made again, whatever the site's now
                warn(result, line, undone)
                continue
            if site.retired_on is not None:
                if site.retired_on != on:
                    problem(result, line, f"site '{site.name}' was already retired on "
                                          f"{site.retired_on.isoformat()}, not "
                                          f"{on.isoformat()}")
                continue  # the same retirement, imported again
            session.flush()  # the events written so far, for the check below
            refused = retirement_refused(session, site, on)
            if refused:
                problem(result, line, refused)
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
            problem(result, line, text)
        if result.problem_count:
            ordered = [f"line {line}: {text}" for line, text in sorted(result.found, key=by_line)]
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


def _undone_retirement(session: Session, site: Site, on: dt.date) -> str | None:
    """If the site was retired from ``on`` before and the retirement was undone since, why
    the file's row is not applied again: an older file must not overturn a reinstatement,
    as importing it again does not bring back a record that was retracted since."""
    undone_on = session.scalar(
        select(SiteChange.effective_on).where(
            SiteChange.site_id == site.id, SiteChange.field == "retired_on",
            SiteChange.old_value == on.isoformat(), SiteChange.new_value.is_(None))
        .order_by(SiteChange.id.desc()).limit(1))
    if undone_on is None:
        return None
    return (f"site '{site.name}' was retired from {on.isoformat()} and reinstated on "
            f"{undone_on.isoformat()}; the retirement is not made again (to retire "
            f"it: scaletrack site retire {shlex.quote(site.name)} --on {on.isoformat()})")


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
        problem(result, line, f"site '{site}' was retired on {off}: it takes no {what} "
                               f"dated on or after that ({day} given)")


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
