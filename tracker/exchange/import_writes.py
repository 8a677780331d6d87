"""The writes of an import that are not plain batches of events.

Events are written in batches as the rows stream past (``importing``); what
needs the whole file, or the database, is here: recognising a row that *is*
this database's own event (same ``event_id``, same content), the file's plans,
written after its events, and its retractions, checked against earlier lines
of the file and written in rounds.  ``Ids`` keeps every row's ``event_id``, line
and a digest of its content in compact arrays (24 bytes a row).  The SQL is
written for the driver's own ``executemany``, which skips SQLAlchemy's per-row
processing on a large file.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import select

from tracker.exchange.import_result import ImportResult, problem
from tracker.store.schema import Event

ORIGIN = -1  # in place of a digest: this row is the database's own event of that id

EVENT_COLUMNS = ("initiative_id", "site_id", "stage", "checkpoint", "kind", "rating",
                 "occurred_on", "recorded_at", "recorded_by", "note", "evidence", "retracts",
                 "source", "idempotency_key", "due_on")
# what must match for a row to be the database's own event of the same id
SAME_EVENT = ("site_id", "checkpoint", "kind", "rating", "occurred_on", "recorded_at",
              "recorded_by", "note", "evidence", "due_on")
SAME_AT = [EVENT_COLUMNS.index(c) for c in SAME_EVENT]


class Ids:
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


def own_events(conn, initiative_id: int, candidates: list, ids: Ids) -> set[int]:
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


def write_plans(conn, result: ImportResult, plans: list, ids: Ids, held: int, insert_sql: str,
                initiative_id: int) -> None:
    """Write the file's plans (few, so after the events and in one go), leaving out the
    database's own (same event_id and content) and, for a plan row without an event_id
    (a file written before plans were records), a plan the database already holds with
    the same site, stage, dates, recorder and note."""
    if not plans or result.problem_count:
        return
    own = [(slot, values) for _, values, slot in plans if slot >= 0 and ids.ids[slot] <= held]
    mine = own_events(conn, initiative_id, own, ids) if own else set()
    held_plans = {tuple(map(_text, row)) for row in conn.execute(
        select(Event.site_id, Event.stage, Event.due_on, Event.occurred_on, Event.recorded_by,
               Event.note).where(Event.initiative_id == initiative_id, Event.kind == "plan"))}
    ready = []
    for by_line, values, slot in plans:
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


def write_retractions(conn, result: ImportResult, prefix: str, retractions: list, ids: Ids,
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
    mine = own_events(conn, initiative_id, own, ids) if own else set()
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
            problem(result, line, f"retracts event_id {target}, which is not on an earlier "
                                  "line of this file")
            continue
        if target in retracted:
            problem(result, line, f"event_id {target} is already retracted on line "
                                  f"{retracted[target]}")
            continue
        retracted[target] = line
        if result.problem_count:
            continue  # keep checking, stop writing
        n = depth.get(target, -1) + 1 if target in retraction_ids else 0
        if slot >= 0:
            depth[ids.ids[slot]] = n
        rounds.setdefault(n, []).append((line, values, target, where))
    find = select_statement(conn, "SELECT id FROM events WHERE idempotency_key >= {} "
                                  "AND idempotency_key < {}")
    earlier = select_statement(conn, "SELECT id, idempotency_key FROM events WHERE retracts = {}")
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
                    problem(result, line, f"retracts event_id {target}, which was not "
                                          "imported")
                    continue
                db_id = found[0]
            # an event this import added can have no retraction but this import's own
            before = conn.exec_driver_sql(earlier, (db_id,)).first() if db_id <= held else None
            if before is not None:
                if before[1] != values[13]:
                    problem(result, line, f"event_id {target} was already retracted, by "
                                          f"event {before[0]}")
                continue
            values[11] = db_id
            ready.append(tuple(values))
        if ready and not result.problem_count:
            result.added += conn.exec_driver_sql(insert_sql, ready).rowcount


def _mark(conn) -> str:
    """The driver's parameter placeholder: ? for sqlite3, %s for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_statement(conn, table: str, columns: tuple) -> str:
    """A plain INSERT ... ON CONFLICT DO NOTHING for the driver's executemany: rows are
    tuples of driver-ready values, which skips SQLAlchemy's per-row processing."""
    mark = _mark(conn)
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT DO NOTHING")


def select_statement(conn, template: str) -> str:
    return template.format(*([_mark(conn)] * template.count("{}")))
