"""The event log as plain rows, read in batches so a listing's memory stays flat.

``events list`` and ``events export`` walk every event of an initiative; at a
million events, building ORM objects or a list of all rows would cost
gigabytes.  These generators select plain columns and fetch them a batch at a
time (``yield_per``: a server-side cursor on PostgreSQL, an incremental cursor
on SQLite), so a caller that writes each row as it comes holds one batch at
most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import chain

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from tracker.errors import BadInput
from tracker.store import Store
from tracker.store.merged import counted_site, merge_map
from tracker.store.queries import find_site, resolve_initiative
from tracker.store.records import Retractions
from tracker.store.schema import Event, Site

BATCH = 2000

# The columns of 'events list', in order; a table shows TABLE_COLUMNS of them.
# A plan's row has kind 'plan', its stage id as the checkpoint and its target in due_on;
# in_force says whether the record counts (not retracted, or retracted and restored).
LIST_COLUMNS = ("id", "occurred_on", "site", "checkpoint", "kind", "rating", "recorded_by",
                "note", "evidence", "recorded_at", "source", "retracts", "retracted_by",
                "due_on", "in_force")
TABLE_COLUMNS = ("id", "occurred_on", "site", "checkpoint", "kind", "rating", "due_on",
                 "note", "retracted_by", "in_force")


def list_events(store: Store, initiative_name: str | None, site_name: str | None = None,
                since: dt.date | None = None,
                as_of: dt.date | None = None) -> Iterator[dict]:
    """Every record of the initiative (events, plans, retractions), oldest first, with
    its site's name, the id of the record retracting it (if any) and whether it is in
    force as of ``as_of`` (``store.records``), as dicts keyed by ``LIST_COLUMNS`` (dates and
    times in ISO form).

    The initiative and site are checked before the first row is produced, so a bad
    name fails before a caller has written anything.
    """
    rows = event_rows(store, initiative_name, site_name, since, as_of)
    return (dict(zip(LIST_COLUMNS, row)) for row in rows)


def event_rows(store: Store, initiative_name: str | None, site_name: str | None = None,
               since: dt.date | None = None, as_of: dt.date | None = None) -> Iterator[tuple]:
    """``list_events`` as plain tuples in ``LIST_COLUMNS`` order, with the dates and
    times in ISO form, for a writer that takes them as they are (``write_tuples``)."""
    if site_name is not None and not site_name.strip():
        raise BadInput("--site is empty; give a site name (see 'scaletrack site list')")
    if since is not None and as_of is not None and since > as_of:
        raise BadInput(f"--since {since.isoformat()} is after --as-of {as_of.isoformat()}; "
                       "nothing could be listed")
    batches = _batches(store, initiative_name, site_name, since, as_of)
    next(batches)  # runs the checks; the generator then holds the open read
    return chain.from_iterable(batches)


def _batches(store, initiative_name, site_name, since, as_of):
    retraction = aliased(Event)
    retracted = retraction.retracts == Event.id
    if as_of is not None:  # a retraction after the as-of date has not happened yet
        retracted = and_(retracted, retraction.occurred_on <= as_of)
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        # a merged site's events are listed under the site they count for
        site = counted_site(Event.site_id, merge_map(session, initiative.id))
        query = (select(Event.id, Event.occurred_on, Site.name, Event.checkpoint, Event.kind,
                        Event.rating, Event.recorded_by, Event.note, Event.evidence,
                        Event.recorded_at, Event.source, Event.retracts, retraction.id,
                        Event.due_on)
                 .join(Site, site == Site.id)
                 .outerjoin(retraction, retracted)
                 .where(Event.initiative_id == initiative.id)
                 .order_by(Event.occurred_on, Event.id))
        if site_name is not None:
            query = query.where(site == find_site(session, initiative, site_name).id)
        if since is not None:
            query = query.where(Event.occurred_on >= since)
        if as_of is not None:
            query = query.where(Event.occurred_on <= as_of)
        chain = Retractions.read(session, initiative.id, as_of)
        standing = chain.by_target
        yield None
        result = session.execute(query.execution_options(yield_per=BATCH))
        for batch in result.partitions():  # dates and times in ISO form
            yield [(row[0], row[1].isoformat(), *row[2:9], row[9].isoformat(), *row[10:13],
                    row[13].isoformat() if row[13] is not None else None,
                    row[0] not in standing or chain.in_force(row[0]))
                   for row in batch]
