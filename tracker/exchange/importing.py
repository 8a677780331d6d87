"""Import is all or nothing, idempotent, and streams.

A pass over the file checks every row and writes the good ones in batches;
if any row had a problem, the transaction is rolled back at the end and every
problem is listed with its line (a crash half-way leaves the database as it
was).  Each row's idempotency key is a hash of its content, so importing the
same file twice adds nothing the second time.  Memory grows with the number
of sites and retractions, not with the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tracker.errors import BadInput
from tracker.exchange import background
from tracker.exchange.checking import Checker, InitiativeRef
from tracker.exchange.reading import records
from tracker.store import Store
from tracker.store.bulk import BulkLoad
from tracker.store.queries import framework_of, name_key, resolve_initiative
from tracker.store.schema import Event, Plan, Site, utcnow

MAX_PROBLEMS = 50
BATCH = 5000


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


EVENT_COLUMNS = ("initiative_id", "site_id", "stage", "checkpoint", "kind", "rating",
                 "occurred_on", "recorded_at", "recorded_by", "note", "evidence", "retracts",
                 "source", "idempotency_key")


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
        initiative = InitiativeRef(found.id, found.name, found.name_key)
        framework = framework_of(session, found)
        conn = session.connection()
        bulk = BulkLoad(conn)
        checker = Checker(initiative, framework, conn.dialect.name != "sqlite")
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
        produce = partial(_checked_rows, path, checker)
        rows = (background.stream(produce, counter) if background.worth_it(path)
                else produce(counter))
        for line, row in rows:
            if isinstance(row, str):
                _problem(result, line, row)
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


def _checked_rows(path: Path, checker: Checker, on_bytes: Callable[[int], None] | None
                  ) -> Iterator[tuple[int, tuple | str]]:
    """(line, checked row) or (line, problem) for every row of the file."""
    for line, rec in records(path, on_bytes):
        if isinstance(rec, str):
            yield line, rec
            continue
        try:
            yield line, checker.row(rec)
        except ValueError as exc:
            yield line, str(exc)


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
