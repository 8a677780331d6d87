"""Reads: look-ups by name, listings, and the aggregate that analyses run on.

``checkpoint_states`` is where analyses meet the database.  It reduces the
event log to one row per site and checkpoint (first and last activity, latest
status, latest and previous rating) in SQL, so an analysis of 300,000 events
builds a few thousand objects in Python, never one per event.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from tracker.catalog import Framework
from tracker.errors import BadInput, UnknownName
from tracker.store.schema import Event, FrameworkSnapshot, Initiative, Plan, Site


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


class CheckpointState(NamedTuple):
    """What the live events up to the as-of date say about one site and checkpoint.

    A named tuple, not a dataclass: tens of thousands are made per analysis.
    """

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


def checkpoint_states(session: Session, initiative_id: int, as_of: dt.date,
                      with_previous: bool = False) -> Iterator[CheckpointState]:
    """One row per site and checkpoint with any live event on or before ``as_of``.

    Live means not a retraction and not retracted.  A checkpoint's state is its
    latest status event (ticked checkpoints) or rating (rated ones): the one
    with the latest date, and of events on the same date the one recorded last.
    ``with_previous`` also finds each checkpoint's previous rating, which only
    the domains view needs.

    The work is done by the database: one grouped pass over the covering index
    ``ix_events_site_checkpoint`` finds each checkpoint's dates, then one index
    look-up per checkpoint fetches the event on the latest of them.  Python sees
    one row per checkpoint (a few more where events share a day), never one per
    event.  ``log`` guarantees that a checkpoint gets status events or ratings,
    never both, so "latest event that is not a note" is its state.
    """
    live = _live_events(initiative_id, as_of)
    stateful = Event.kind != "note"
    spans = (
        select(Event.site_id, Event.checkpoint,
               func.min(Event.occurred_on).label("first_on"),
               func.max(Event.occurred_on).label("last_on"),
               func.max(case((stateful, Event.occurred_on))).label("state_on"),
               func.min(case((stateful, Event.occurred_on))).label("first_state_on"))
        .where(*live)
        .group_by(Event.site_id, Event.checkpoint)
        .subquery("spans"))
    latest = aliased(Event, name="latest")
    # Dates come back as the driver gives them (SQLAlchemy's SQLite date parsing costs
    # more than the query) and are converted once per distinct value by ``day`` below.
    raw = [type_coerce(spans.c[name], String) for name in
           ("first_on", "last_on", "state_on", "first_state_on")]
    query = (
        select(spans.c.site_id, spans.c.checkpoint, *raw, latest.id, latest.kind, latest.rating)
        .select_from(spans)
        .outerjoin(latest, and_(latest.initiative_id == initiative_id,
                                latest.site_id == spans.c.site_id,
                                latest.checkpoint == spans.c.checkpoint,
                                latest.occurred_on == spans.c.state_on,
                                latest.kind.not_in(("note", "retract")),
                                latest.id.not_in(_retracted_ids()))))
    previous = _previous_ratings(session, initiative_id, as_of) if with_previous else {}

    best: dict[tuple[int, str], tuple] = {}
    for row in session.connection().execute(query):
        key = (row[0], row[1])
        held = best.get(key)
        # of events sharing the latest day, the one recorded last wins
        if held is None or (row[6] is not None and (held[6] is None or row[6] > held[6])):
            best[key] = row
    dates: dict = {None: None}

    def day(value):
        if value not in dates:
            dates[value] = value if isinstance(value, dt.date) else dt.date.fromisoformat(value[:10])
        return dates[value]

    for (site_id, checkpoint, first_on, last_on, state_on, first_state_on, _, kind,
         rating) in best.values():
        if kind == "rated":
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), None, None,
                                  rating, day(state_on), day(first_state_on),
                                  previous.get((site_id, checkpoint)))
        else:
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), kind,
                                  day(state_on) if kind else None)


def _retracted_ids():
    """Every retracted event id.  Ids are unique across initiatives, so no filter on the
    initiative is needed, and without one the database reads only the index on
    ``retracts`` instead of the whole table."""
    retraction = aliased(Event, name="retraction")
    return select(retraction.retracts).where(retraction.retracts.is_not(None))


def _live_events(initiative_id: int, as_of: dt.date) -> list:
    return [Event.initiative_id == initiative_id, Event.kind != "retract",
            Event.occurred_on <= as_of, Event.id.not_in(_retracted_ids())]


def _previous_ratings(session: Session, initiative_id: int,
                      as_of: dt.date) -> dict[tuple[int, str], str]:
    ranked = (
        select(Event.site_id, Event.checkpoint, Event.rating,
               func.row_number().over(partition_by=(Event.site_id, Event.checkpoint),
                                      order_by=(Event.occurred_on.desc(), Event.id.desc()))
               .label("rn"))
        .where(*_live_events(initiative_id, as_of), Event.kind == "rated")
        .subquery())
    rows = session.connection().execute(
        select(ranked.c.site_id, ranked.c.checkpoint, ranked.c.rating).where(ranked.c.rn == 2))
    return {(site_id, cp): rating for site_id, cp, rating in rows}


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


def rating_history(session: Session, initiative_id: int,
                   as_of: dt.date) -> Iterator[tuple[str, str, dt.date, str]]:
    """Every live rating on or before ``as_of``: (site, checkpoint, date, level), in order."""
    query = (select(Site.name, Event.checkpoint, Event.occurred_on, Event.rating)
             .join(Site, Site.id == Event.site_id)
             .where(*_live_events(initiative_id, as_of), Event.kind == "rated")
             .order_by(Site.name, Event.occurred_on, Event.id))
    yield from session.execute(query)
