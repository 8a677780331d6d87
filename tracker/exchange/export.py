"""An initiative's sites and records (events, plans, retractions) as rows of the
documented columns.

Rows are plain tuples in ``COLUMNS`` order, read a batch at a time and written
with the csv and json modules as they come, so exporting a million events
holds no more than a batch or two in memory.  A file is written beside its
final name and renamed into place only once complete: a failed export never
empties or half-writes an existing file.

Exporting is meant to run at the speed of the data, so the events, which are
nearly all of it, take a short path: they are read through the database
driver's own cursor (a server-side cursor on PostgreSQL), skipping
SQLAlchemy's handling of each row, with their dates already formatted by the
database, and are written a batch at a time: the formula guard looks at a
column of a batch at once and only at the cells that could need it, and JSON
Lines encodes a batch column by column.  What comes out is byte for byte what
writing each row on its own (``_plain_csv_row``, ``_plain_json_line``) gives.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import chain, islice
from json.encoder import encode_basestring
from operator import itemgetter
from typing import NamedTuple, TextIO

from sqlalchemy import select

from tracker.exchange.columns import COLUMNS, neutralise
from tracker.store import Store
from tracker.store.listing import BATCH
from tracker.store.prefetch import prefetched
from tracker.streamed import _json_column
from tracker.textsafe import guard_batch
from tracker.store.queries import resolve_initiative
from tracker.store.schema import FrameworkSnapshot, Site, SiteChange

KIND = COLUMNS.index("kind")
# Numbers, and dates as the export writes them (digits first), never need the guard:
# only the other columns are looked at.
_TEXT = tuple(i for i, c in enumerate(COLUMNS)
              if c not in ("event_id", "retracts", "occurred_on", "recorded_at", "due_on",
                           "initiative_uid", "site_uid"))


class Exported(NamedTuple):
    """What an export wrote, by kind of row."""

    events: int
    sites: int
    plans: int
    retired: int = 0
    merged: int = 0

    def describe(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"
        parts = [f"{self.retired} retired"] if self.retired else []
        if self.merged:
            parts.append(f"{self.merged} merged into another")
        retired = f" ({', '.join(parts)})" if parts else ""
        return (f"{n(self.events, 'event', 'events')}, {n(self.sites, 'site', 'sites')}"
                f"{retired} and {n(self.plans, 'plan', 'plans')}")


def _stamp(value) -> str:
    return value.isoformat(timespec="seconds") + "Z"


# The events in COLUMNS order but for the initiative's own cells and the site's name,
# dates formatted by the database as the export writes them (YYYY-MM-DD, and
# YYYY-MM-DDTHH:MM:SSZ with any fraction of a second cut off, as _stamp does).
# "+ 0" keeps SQLite scanning the table in primary-key order instead of sorting it.
# A plan is written as export files have always had it: its stage, no checkpoint, the
# day it was agreed in occurred_on and the target in due_on; now with its event_id, so
# that a retraction of it can point at it.
_EVENTS = ("SELECT id, site_id, stage, CASE WHEN kind = 'plan' THEN NULL ELSE checkpoint END, "
           "kind, rating, {occurred_on}, {recorded_at}, recorded_by, note, evidence, retracts, "
           "source, {due_on} FROM events WHERE initiative_id + 0 = {param} ORDER BY id")
_DIALECTS = {
    # SQLAlchemy keeps a date on SQLite as 'YYYY-MM-DD' and a timestamp as
    # 'YYYY-MM-DD HH:MM:SS.ffffff' (tests/test_listing_export.py checks that it still does)
    "sqlite": _EVENTS.format(
        occurred_on="occurred_on", param="?", due_on="due_on",
        recorded_at="substr(recorded_at, 1, 10) || 'T' || substr(recorded_at, 12, 8) || 'Z'"),
    # with DateStyle ISO (set for the transaction), a date as text is 'YYYY-MM-DD' and a
    # timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]'; to_char would take twice the server's time
    "postgresql": _EVENTS.format(
        occurred_on="occurred_on::text", param="%s", due_on="due_on::text",
        recorded_at="replace(left(recorded_at::text, 19), ' ', 'T') || 'Z'"),
}


def export_rows(store: Store, initiative_name: str | None) -> Iterator[tuple]:
    """Every site and record (event, plan, retraction) of the initiative as a tuple in
    ``COLUMNS`` order.

    The database and the initiative are checked before this returns, so a caller
    can open its output only once it is known there is something to write.
    """
    batches = _batches(store, initiative_name)
    next(batches)
    return chain.from_iterable(batches)


def _batches(store: Store, initiative_name: str | None) -> Iterator[list[tuple] | None]:
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        snap = session.get(FrameworkSnapshot, initiative.framework_pk)
        head = (initiative.name, snap.framework_id, snap.version)
        initiative_uid = initiative.uid
        yield None
        sites = (select(Site.id, Site.name, Site.joined_on, Site.created_at, Site.region,
                        Site.retired_on, Site.uid)
                 .where(Site.initiative_id == initiative.id).order_by(Site.id))
        names, retired, rows = {}, [], []
        for site_id, name, joined_on, created_at, region, retired_on, uid in session.execute(
                sites):
            names[site_id] = name
            if retired_on is not None:
                retired.append((site_id, name, retired_on))
            rows.append((None, *head, name, None, None, "site", None,
                         joined_on.isoformat() if joined_on else None, _stamp(created_at),
                         None, None, None, None, None, None, region, initiative_uid, uid,
                         None))
        yield rows
        # A retired site's row: the date in occurred_on, who recorded it and when.  These
        # come last, after the records: an import then checks each retirement as 'site
        # retire' does, against the records in force (a retracted event dated after the
        # retirement is no obstacle), instead of refusing every later-dated row it meets.
        recorded = {site_id: (at, by) for site_id, at, by in session.execute(
            select(SiteChange.site_id, SiteChange.recorded_at, SiteChange.recorded_by)
            .where(SiteChange.initiative_id == initiative.id,
                   SiteChange.field == "retired_on").order_by(SiteChange.id))}
        rows = []
        for site_id, name, retired_on in retired:
            at, by = recorded.get(site_id, (None, None))
            rows.append((None, *head, name, None, None, "retired", None, retired_on.isoformat(),
                         _stamp(at) if at else None, by, None, None, None, None, None, None,
                         None, None, None))
        retired_rows = rows
        yield merged_rows(session, initiative.id, head)
        connection = session.connection()
        dialect = connection.dialect.name
        driver = connection.connection.dbapi_connection
        if dialect == "postgresql":
            driver.execute("SET LOCAL DateStyle = ISO")
            # a named cursor is a server-side one: it fetches BATCH rows at a time
            cursor = driver.cursor(name="scaletrack_export")
        else:
            cursor = driver.cursor()
        try:
            cursor.execute(_DIALECTS[dialect], (initiative.id,))
            # PostgreSQL's batches come over the network: the next is fetched while this
            # one is written.  SQLite's come from this process, which a thread only slows.
            batches = (prefetched(cursor, BATCH) if dialect == "postgresql"
                       else iter(lambda: cursor.fetchmany(BATCH), []))
            for batch in batches:
                yield [(event_id, *head, names[site_id], stage, checkpoint, kind, rating,
                        occurred_on, recorded_at, by, note, evidence, retracts, source,
                        due_on, None, None, None, None)
                       for (event_id, site_id, stage, checkpoint, kind, rating, occurred_on,
                            recorded_at, by, note, evidence, retracts, source, due_on)
                       in batch]
        finally:
            cursor.close()
        yield retired_rows


def merged_rows(session, initiative_id: int, head: tuple) -> list[tuple]:
    """A 'merged' row for each site merged into another, in the order the merges were
    made (so that an import can make them again in turn): the site, the site it was
    merged into, the day, who recorded it and when.  The site's own events stay under
    its own name, so that an import can undo the merge as this database can."""
    merged = dict(session.execute(select(Site.id, Site.merged_into).where(
        Site.initiative_id == initiative_id, Site.merged_into.is_not(None))).all())
    if not merged:
        return []
    names = dict(session.execute(select(Site.id, Site.name).where(
        Site.initiative_id == initiative_id)).all())
    latest = {}
    for change in session.scalars(select(SiteChange).where(
            SiteChange.initiative_id == initiative_id, SiteChange.field == "merged_into",
            SiteChange.new_value.is_not(None)).order_by(SiteChange.id)):
        latest[change.site_id] = change
    rows = []
    for site_id, change in sorted(latest.items(), key=lambda item: item[1].id):
        if site_id in merged:
            rows.append((None, *head, names[site_id], None, None, "merged", None,
                         change.effective_on.isoformat(), _stamp(change.recorded_at),
                         change.recorded_by, None, None, None, None, None, None, None,
                         None, names[merged[site_id]]))
    return rows


def write_export(rows: Iterator[tuple], out: TextIO, fmt: str) -> Exported:
    """Write rows as CSV (formula-guarded, with a header) or JSON Lines (exact)."""
    rows = iter(rows)
    total = sites = plans = retired = merged = 0
    if fmt == "jsonl":
        write = out.write
    else:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
    while batch := list(islice(rows, BATCH)):
        kinds = list(map(itemgetter(KIND), batch))
        total += len(batch)
        sites += kinds.count("site")
        plans += kinds.count("plan")
        retired += kinds.count("retired")
        merged += kinds.count("merged")
        if fmt == "jsonl":
            write(_json_lines(batch))
        else:
            _guard(batch)
            writer.writerows(batch)
    return Exported(total - sites - plans - retired - merged, sites, plans, retired, merged)


# -- the formula guard, a column of a batch at a time ------------------------------------

def _guard(batch: list[tuple]) -> None:
    """Put neutralise's apostrophe in front of every cell of the batch that needs it."""
    guard_batch(batch, _TEXT)


def _plain_csv_row(row: tuple) -> list:
    """One row as the CSV writer is given it: what ``_guard`` does for a whole batch."""
    return [neutralise(v) if v.__class__ is str and i in _TEXT else v
            for i, v in enumerate(row)]


# -- JSON Lines, a column of a batch at a time -------------------------------------------

_encode = json.JSONEncoder(ensure_ascii=False).encode
# One line with a %s for each value: the encoder's own layout for a dict of COLUMNS
_LINE = "{" + ", ".join(f"{encode_basestring(c)}: %s" for c in COLUMNS) + "}\n"


def _json_lines(batch: list[tuple]) -> str:
    """The batch as JSON Lines, each line exactly ``_plain_json_line(row)``."""
    columns = [_json_column(values) for values in zip(*batch)]
    return "".join(map(_LINE.__mod__, zip(*columns)))


def _plain_json_line(row: tuple) -> str:
    """One row as a line of JSON Lines: what ``_json_lines`` does for a whole batch."""
    return _encode(dict(zip(COLUMNS, row))) + "\n"


def export_to_file(rows: Iterator[tuple], path: str, fmt: str, encoding: str) -> Exported:
    """Write the export whole or not at all (``tracker.outputs``): beside ``path``, then renamed."""
    from tracker.outputs import atomic

    with atomic(path, "w", encoding=encoding, newline="") as out:
        written = write_export(rows, out, fmt)
    return written
