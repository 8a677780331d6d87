"""The state of every site and checkpoint as of a date, folded by the database.

Every analysis starts from one row per site and checkpoint: its first and last
live event, its latest status or rating and that one's date, its first rating,
and (for a domains framework) the rating before the latest.  The log holds a
few hundred thousand events for a large programme; the database reduces them
with one grouped scan of the covering index ``ix_events_site_checkpoint``, so
Python receives a few tens of thousands of rows and only assembles them.

"Latest" is by date, and of records on one date the one recorded last (the
higher id).  Rather than a window function (a sort of the whole log), the scan
takes the greatest of one sortable text per event: its date, its id padded to
a fixed width, its kind and its rating (``_state_key``).  The greatest text is
the latest state, and the parts are read back from it here.  On PostgreSQL the
comparison uses the "C" collation, so that no locale's rules for digits and
punctuation can reorder it.

What counts is decided by the rules the rest of the store follows:
- a record is left out when a retraction in force withdraws it
  (``records.Retractions``): all retracted ids, except the few that a
  retraction of their retraction restored, which are named in the query;
- plans and retractions are not events about a checkpoint;
- a merged site's records count as its target's (``merged.counted_site``);
- retired sites are left out by the caller, which lists the counted sites.

The query has no join and a sub-select that both databases run once and hash
(SQLite: ``LIST SUBQUERY``; PostgreSQL: a hashed SubPlan), so that right after
a bulk import into PostgreSQL, before any statistics, its plan is still one
scan.  ``tests/fold_oracle.py`` keeps the event-by-event fold in Python that
this replaces, and a property-based test compares the two on random logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import String, and_, case, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from tracker.store.merged import counted_site, merge_map
from tracker.store.records import SMALL_KINDS, Retractions
from tracker.store.schema import Event

ID_WIDTH = 13  # digits of a padded id in a state key: ids below 10**12 sort as numbers
_ID_OFFSET = 10 ** (ID_WIDTH - 1)


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


class _StateKey(ColumnElement):
    """An event as one text that sorts by (date, id): 'YYYY-MM-DD', the id plus 10**12,
    the kind, ':', the rating (empty when none)."""

    type = String()
    inherit_cache = True


@compiles(_StateKey)
def _state_key_sqlite(element, compiler, **kw):
    # SQLite stores a date as its ISO text; an integer concatenated is its decimal text
    return (f"(events.occurred_on || (events.id + {_ID_OFFSET}) || events.kind || ':' || "
            "coalesce(events.rating, ''))")


@compiles(_StateKey, "postgresql")
def _state_key_postgresql(element, compiler, **kw):
    return ("(to_char(events.occurred_on, 'YYYY-MM-DD') || "
            f"(events.id + {_ID_OFFSET})::text || events.kind || ':' || "
            "coalesce(events.rating, '')) COLLATE \"C\"")


def _split(key: str) -> tuple[str, str, str | None]:
    """(ISO date, kind, rating or None) of a state key."""
    kind, _, rating = key[10 + ID_WIDTH:].partition(":")
    return key[:10], kind, rating or None


def live_events(initiative_id: int, as_of: dt.date, retractions: Retractions):
    """The WHERE clause of the events an analysis as of ``as_of`` counts: events about a
    checkpoint (not plans, not retractions) on or before the date, in force."""
    retracted = (select(Event.retracts)
                 .where(Event.initiative_id == initiative_id, Event.kind == "retract",
                        SMALL_KINDS, Event.retracts.is_not(None))
                 .scalar_subquery())
    in_force = Event.id.not_in(retracted)
    restored = sorted(retractions.restored())
    if restored:  # retracted, and restored by a retraction of the retraction
        in_force = or_(in_force, Event.id.in_(restored))
    return and_(Event.initiative_id == initiative_id, Event.kind.not_in(("retract", "plan")),
                Event.occurred_on <= as_of, in_force)


def checkpoint_states(session: Session, initiative_id: int, as_of: dt.date,
                      with_previous: bool = False) -> Iterator[CheckpointState]:
    """One row per site and checkpoint with any live event on or before ``as_of``.

    ``log`` guarantees that a checkpoint gets status events or ratings, never both,
    so "latest event that is not a note" is its state.  ``with_previous`` also finds
    each rated checkpoint's previous rating, which only the domains view needs.
    """
    retractions = Retractions.read(session, initiative_id)
    site = counted_site(Event.site_id, merge_map(session, initiative_id))
    where = live_events(initiative_id, as_of, retractions)
    stateful = Event.kind != "note"
    key = _StateKey()
    query = (select(site.label("site"), Event.checkpoint,
                    _text(func.min(Event.occurred_on)), _text(func.max(Event.occurred_on)),
                    func.max(case((stateful, key))),
                    _text(func.min(case((stateful, Event.occurred_on)))))
             .where(where).group_by(site, Event.checkpoint))
    previous = _previous_ratings(session, site, where) if with_previous else {}
    dates: dict = {None: None}

    def day(value):
        try:
            return dates[value]
        except KeyError:
            made = dates[value] = (value if isinstance(value, dt.date)
                                   else dt.date.fromisoformat(value[:10]))
            return made

    for site_id, checkpoint, first_on, last_on, latest, first_state_on in (
            session.connection().execute(query)):
        if latest is None:  # only notes so far: activity, but no state
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on))
            continue
        on, kind, rating = _split(latest)
        if kind == "rated":
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), None, None,
                                  rating, day(on), day(first_state_on),
                                  previous.get((site_id, checkpoint)))
        else:
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), kind,
                                  day(on))


def _text(column):
    """A date column as the driver gives it (ISO text from SQLite, a date from
    PostgreSQL): SQLAlchemy's SQLite date parsing costs more than the query, so dates
    are converted once per distinct value by the caller."""
    return type_coerce(column, String)


def _previous_ratings(session: Session, site, where) -> dict[tuple[int, str], str]:
    """{(site, checkpoint): the rating before the latest}, for checkpoints rated twice or
    more: the second of their ratings by (date, id), newest first."""
    ranked = (select(site.label("site"), Event.checkpoint, Event.rating,
                     func.row_number().over(partition_by=(site, Event.checkpoint),
                                            order_by=(Event.occurred_on.desc(),
                                                      Event.id.desc())).label("rank"))
              .where(where, Event.kind == "rated").subquery())
    rows = session.execute(select(ranked.c.site, ranked.c.checkpoint, ranked.c.rating)
                           .where(ranked.c.rank == 2))
    return {(site_id, checkpoint): rating for site_id, checkpoint, rating in rows}
