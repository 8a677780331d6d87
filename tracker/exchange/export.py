"""An initiative's sites, plans and events as rows of the documented columns.

Rows are plain tuples in ``COLUMNS`` order, read a batch at a time and written
with the csv and json modules as they come, so exporting a million events
holds no more than one batch in memory.  A file is written beside its final
name and renamed into place only once complete: a failed export never
empties or half-writes an existing file.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from typing import NamedTuple, TextIO

from sqlalchemy import String, func, select, type_coerce

from tracker.exchange.columns import COLUMNS, neutralise
from tracker.store import Store
from tracker.store.listing import BATCH
from tracker.store.queries import resolve_initiative
from tracker.store.schema import Event, FrameworkSnapshot, Plan, Site, SiteChange

KIND = COLUMNS.index("kind")
# A cell can need the formula guard only if it starts with one of these (see neutralise).
_GUARD_FIRST = frozenset("'=+-@\t\r")


class Exported(NamedTuple):
    """What an export wrote, by kind of row."""

    events: int
    sites: int
    plans: int
    retired: int = 0

    def describe(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"
        retired = f" ({self.retired} retired)" if self.retired else ""
        return (f"{n(self.events, 'event', 'events')}, {n(self.sites, 'site', 'sites')}"
                f"{retired} and {n(self.plans, 'plan', 'plans')}")


def _stamp(value) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def _as_text(column, dialect: str, stamp: bool):
    """A date or timestamp column formatted by the database itself, as the export writes
    it: the rows then come back as plain strings with no conversion per value."""
    if dialect == "postgresql":
        pattern = 'YYYY-MM-DD"T"HH24:MI:SS"Z"' if stamp else "YYYY-MM-DD"
        return func.to_char(column, pattern)
    # SQLite keeps dates as 'YYYY-MM-DD' and timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]'
    text = type_coerce(column, String)
    return func.substr(text, 1, 10) + "T" + func.substr(text, 12, 8) + "Z" if stamp else text


def export_rows(store: Store, initiative_name: str | None) -> Iterator[tuple]:
    """Every site, plan and event of the initiative as a tuple in ``COLUMNS`` order.

    The database and the initiative are checked before this returns, so a caller
    can open its output only once it is known there is something to write.
    """
    rows = _rows(store, initiative_name)
    next(rows)
    return rows


def _rows(store: Store, initiative_name: str | None) -> Iterator[tuple | None]:
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        snap = session.get(FrameworkSnapshot, initiative.framework_pk)
        head = (initiative.name, snap.framework_id, snap.version)
        yield None
        sites = (select(Site.id, Site.name, Site.joined_on, Site.created_at, Site.region,
                        Site.retired_on)
                 .where(Site.initiative_id == initiative.id).order_by(Site.id))
        names, retired = {}, []
        for site_id, name, joined_on, created_at, region, retired_on in session.execute(sites):
            names[site_id] = name
            if retired_on is not None:
                retired.append((site_id, name, retired_on))
            yield (None, *head, name, None, None, "site", None,
                   joined_on.isoformat() if joined_on else None, _stamp(created_at),
                   None, None, None, None, None, None, region)
        # A retired site's row: the date in occurred_on, who recorded it and when.
        recorded = {site_id: (at, by) for site_id, at, by in session.execute(
            select(SiteChange.site_id, SiteChange.recorded_at, SiteChange.recorded_by)
            .where(SiteChange.initiative_id == initiative.id,
                   SiteChange.field == "retired_on").order_by(SiteChange.id))}
        for site_id, name, retired_on in retired:
            at, by = recorded.get(site_id, (None, None))
            yield (None, *head, name, None, None, "retired", None, retired_on.isoformat(),
                   _stamp(at) if at else None, by, None, None, None, None, None, None)
        plans = (select(Site.name, Plan.stage, Plan.set_on, Plan.recorded_at,
                        Plan.recorded_by, Plan.note, Plan.due_on)
                 .join(Site, Site.id == Plan.site_id)
                 .where(Plan.initiative_id == initiative.id).order_by(Plan.id))
        for site, stage, set_on, recorded_at, by, note, due_on in session.execute(plans):
            yield (None, *head, site, stage, None, "plan", None, set_on.isoformat(),
                   _stamp(recorded_at), by, note, None, None, "plan", due_on.isoformat(),
                   None)
        # Sites by id from the dictionary above rather than a join, and "+ 0" so that
        # the scan follows the primary key instead of sorting the whole table by it.
        dialect = session.get_bind().dialect.name
        events = (select(Event.id, Event.site_id, Event.stage, Event.checkpoint, Event.kind,
                         Event.rating, _as_text(Event.occurred_on, dialect, False),
                         _as_text(Event.recorded_at, dialect, True), Event.recorded_by,
                         Event.note, Event.evidence, Event.retracts, Event.source)
                  .where(Event.initiative_id + 0 == initiative.id).order_by(Event.id))
        result = session.connection().execute(events.execution_options(yield_per=BATCH))
        for (event_id, site_id, stage, checkpoint, kind, rating, occurred_on, recorded_at, by,
             note, evidence, retracts, source) in result:
            yield (event_id, *head, names[site_id], stage, checkpoint, kind, rating,
                   occurred_on, recorded_at, by, note, evidence, retracts, source, None, None)


def write_export(rows: Iterator[tuple], out: TextIO, fmt: str) -> Exported:
    """Write rows as CSV (formula-guarded, with a header) or JSON Lines (exact)."""
    kinds = {"site": 0, "plan": 0, "retired": 0}
    total = 0
    if fmt == "jsonl":
        encode, write = json.JSONEncoder(ensure_ascii=False).encode, out.write
        for row in rows:
            write(encode(dict(zip(COLUMNS, row))) + "\n")
            total += 1
            if row[KIND] in kinds:
                kinds[row[KIND]] += 1
    else:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            # None is written as an empty cell by the csv module itself
            writer.writerow([neutralise(v) if v.__class__ is str and v and v[0] in _GUARD_FIRST
                             else v for v in row])
            total += 1
            if row[KIND] in kinds:
                kinds[row[KIND]] += 1
    return Exported(total - sum(kinds.values()), kinds["site"], kinds["plan"], kinds["retired"])


def export_to_file(rows: Iterator[tuple], path: str, fmt: str, encoding: str) -> Exported:
    """Write the export to a temporary file beside ``path``, then rename it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                                suffix=".part")
    try:
        with open(fd, "w", encoding=encoding, newline="") as out:
            written = write_export(rows, out, fmt)
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return written
