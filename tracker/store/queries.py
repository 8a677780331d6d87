"""Reads: look-ups by name, listings, and the aggregate that analyses run on.

``checkpoint_states`` is where analyses meet the database.  It reduces the
event log in SQL to one row per site and checkpoint (first and last activity,
latest status, latest and previous rating), so an analysis of 300,000 events
handles a few thousand rows in Python, never one object per event.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from tracker.catalog import Framework
from tracker.errors import BadInput, UnknownName
from tracker.store.schema import STATUS_KINDS, Event, FrameworkSnapshot, Initiative, Plan, Site


def name_key(name: str) -> str:
    return name.strip().casefold()


def initiatives(session: Session) -> list[tuple[Initiative, FrameworkSnapshot]]:
    rows = session.execute(
        select(Initiative, FrameworkSnapshot)
        .join(FrameworkSnapshot, Initiative.framework_pk == FrameworkSnapshot.id)
        .order_by(Initiative.name_key))
    return [(i, f) for i, f in rows]


def resolve_initiative(session: Session, name: str | None) -> Initiative:
    """The named initiative, or the only one when no name is given."""
    if name:
        found = session.scalar(select(Initiative).where(Initiative.name_key == name_key(name)))
        if found is None:
            names = [i.name for i, _ in initiatives(session)]
            raise UnknownName("initiative", name, names,
                              hint="see 'scaletrack initiative list'")
        return found
    every = session.scalars(select(Initiative).order_by(Initiative.name_key)).all()
    if len(every) == 1:
        return every[0]
    if not every:
        raise BadInput("there are no initiatives yet: create one with "
                       "'scaletrack initiative create NAME --framework ID'")
    raise BadInput(f"this database holds {len(every)} initiatives "
                   f"({', '.join(i.name for i in every)}): choose one with -i NAME "
                   "or SCALETRACK_INITIATIVE")


@functools.lru_cache(maxsize=64)
def _framework_from_json(definition: str) -> Framework:
    return Framework.from_dict(json.loads(definition), source="database")


def framework_of(session: Session, initiative: Initiative) -> Framework:
    """The framework definition pinned when the initiative was created."""
    snap = session.get(FrameworkSnapshot, initiative.framework_pk)
    return _framework_from_json(snap.definition)


def sites(session: Session, initiative: Initiative) -> list[Site]:
    return list(session.scalars(
        select(Site).where(Site.initiative_id == initiative.id).order_by(Site.name_key)))


def find_site(session: Session, initiative: Initiative, name: str) -> Site:
    found = session.scalar(select(Site).where(Site.initiative_id == initiative.id,
                                              Site.name_key == name_key(name)))
    if found is None:
        raise UnknownName("site", name, [s.name for s in sites(session, initiative)],
                          hint="add it with 'scaletrack site add NAME'")
    return found


def events(session: Session, initiative: Initiative, site: Site | None = None,
           since: dt.date | None = None) -> Iterator[tuple[Event, str, int | None]]:
    """Every event, oldest first, with its site's name and the id retracting it."""
    retraction = aliased(Event)
    query = (select(Event, Site.name, retraction.id)
             .join(Site, Event.site_id == Site.id)
             .outerjoin(retraction, retraction.retracts == Event.id)
             .where(Event.initiative_id == initiative.id)
             .order_by(Event.occurred_on, Event.id))
    if site is not None:
        query = query.where(Event.site_id == site.id)
    if since is not None:
        query = query.where(Event.occurred_on >= since)
    for ev, site_name, retracted_by in session.execute(query).yield_per(1000):
        yield ev, site_name, retracted_by


@dataclass(frozen=True)
class CheckpointState:
    """What the live events up to the as-of date say about one site and checkpoint."""

    site_id: int
    checkpoint: str
    first_on: dt.date
    last_on: dt.date
    status: str | None = None
    status_on: dt.date | None = None
    rating: str | None = None
    rated_on: dt.date | None = None
    first_rated_on: dt.date | None = None
    previous_rating: str | None = None


def checkpoint_states(session: Session, initiative_id: int,
                      as_of: dt.date) -> Iterator[CheckpointState]:
    """One row per site and checkpoint with any live event on or before ``as_of``.

    Live means not a retraction and not retracted.  The latest status is the
    status event with the latest date; events on the same date are ordered by
    the order they were recorded in.
    """
    retraction = aliased(Event)
    live = (
        select(Event.id, Event.site_id, Event.checkpoint, Event.kind, Event.rating,
               Event.occurred_on)
        .where(Event.initiative_id == initiative_id, Event.kind != "retract",
               Event.occurred_on <= as_of,
               ~exists().where(retraction.retracts == Event.id))
        .cte("live"))
    part = (live.c.site_id, live.c.checkpoint)
    newest_first = (live.c.occurred_on.desc(), live.c.id.desc())

    statuses = (
        select(live.c.site_id, live.c.checkpoint, live.c.kind, live.c.occurred_on,
               func.row_number().over(partition_by=part, order_by=newest_first).label("rn"))
        .where(live.c.kind.in_(STATUS_KINDS)).subquery("statuses"))
    ratings = (
        select(live.c.site_id, live.c.checkpoint, live.c.rating, live.c.occurred_on,
               func.row_number().over(partition_by=part, order_by=newest_first).label("rn"))
        .where(live.c.kind == "rated").subquery("ratings"))
    spans = (
        select(live.c.site_id, live.c.checkpoint,
               func.min(live.c.occurred_on).label("first_on"),
               func.max(live.c.occurred_on).label("last_on"),
               func.min(case((live.c.kind == "rated", live.c.occurred_on))).label("first_rated_on"))
        .group_by(live.c.site_id, live.c.checkpoint).subquery("spans"))

    latest_status = aliased(statuses)
    latest_rating = aliased(ratings)
    previous = aliased(ratings)

    def joined(alias, rn):
        return and_(alias.c.site_id == spans.c.site_id, alias.c.checkpoint == spans.c.checkpoint,
                    alias.c.rn == rn)

    query = (
        select(spans.c.site_id, spans.c.checkpoint, spans.c.first_on, spans.c.last_on,
               latest_status.c.kind, latest_status.c.occurred_on,
               latest_rating.c.rating, latest_rating.c.occurred_on,
               spans.c.first_rated_on, previous.c.rating)
        .outerjoin(latest_status, joined(latest_status, 1))
        .outerjoin(latest_rating, joined(latest_rating, 1))
        .outerjoin(previous, joined(previous, 2)))
    for row in session.execute(query):
        first_rated = row[8]
        if isinstance(first_rated, str):  # SQLite returns CASE results untyped
            first_rated = dt.date.fromisoformat(first_rated)
        yield CheckpointState(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                              first_rated, row[9])


def latest_plans(session: Session, initiative_id: int,
                 as_of: dt.date) -> dict[tuple[int, str], dt.date]:
    """The due date in force on ``as_of`` for each (site, stage) with a plan."""
    ranked = (
        select(Plan.site_id, Plan.stage, Plan.due_on,
               func.row_number().over(partition_by=(Plan.site_id, Plan.stage),
                                      order_by=(Plan.set_on.desc(), Plan.id.desc())).label("rn"))
        .where(Plan.initiative_id == initiative_id, Plan.set_on <= as_of).subquery())
    rows = session.execute(select(ranked.c.site_id, ranked.c.stage, ranked.c.due_on)
                           .where(ranked.c.rn == 1))
    return {(site_id, stage): due for site_id, stage, due in rows}
