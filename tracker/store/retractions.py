"""Retracting a record: withdrawing an event, a plan or a retraction by adding one.

Nothing is deleted: ``events retract`` adds a record of kind 'retract' that
points at the record withdrawn, and the log keeps both.  Whether a record is in
force is the one rule of ``tracker.store.records`` (a line of retractions,
retracting a retraction restores what it retracted); this module writes the
retractions that rule reads, and refuses one the rule says cannot be made.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import BadInput, Conflict
from tracker.store import Store
from tracker.store.queries import resolve_initiative
from tracker.store.records import Retractions, describe, withdrawn_ids
from tracker.store.schema import Event, Initiative, Site
from tracker.store.writes import _insert, recorder


@dataclass(frozen=True)
class Retracted:
    """What ``events retract`` did: the new retraction, the record the user named, and
    (when that record had been restored) the restoring retraction that was retracted."""

    retraction: Event
    named: int
    restorer: int | None = None
    kind: str = ""  # the kind of the record retracted
    restored: int | None = None  # when that was a retraction: the record it restored


def retract_event(store: Store, initiative_name: str | None, event_id: int,
                  reason: str | None = None, by: str | None = None,
                  on: dt.date | None = None) -> Retracted:
    """Withdraw one record (an event, a plan or a retraction) by adding a retraction;
    the record stays in the log.  Retracting a retraction makes what it retracted count
    again.  A record that was retracted and then restored is withdrawn again by
    retracting the retraction that restored it (``events.retracts`` stays unique)."""
    key = uuid.uuid4().hex
    by = recorder(by)

    def tx(session: Session) -> Retracted:
        initiative = resolve_initiative(session, initiative_name)
        return _retract(session, initiative, event_id, reason, by, on, key)

    return _insert(store, tx, f"record {event_id} was retracted at the same moment by "
                              "someone else; see 'scaletrack events list'")


def retract_last(store: Store, initiative_name: str | None, reason: str | None = None,
                 by: str | None = None) -> tuple[str, Retracted]:
    """Retract the last record ``by`` made that is in force (an event, a plan or a
    retraction: undoing a retraction restores what it retracted); returns what it was,
    in words, and what was done.

    "Last" is by recording order (the id), not by the date it happened: undoing the
    last thing typed is what ``events retract --last`` is for.
    """
    key = uuid.uuid4().hex
    by = recorder(by)

    def tx(session: Session) -> tuple[str, Retracted]:
        initiative = resolve_initiative(session, initiative_name)
        withdrawn = withdrawn_ids(session, initiative.id)
        # the newest ids first; among len(withdrawn) + 1 of them is one in force, if any
        newest = session.scalars(
            select(Event.id).where(Event.initiative_id == initiative.id,
                                   Event.recorded_by == by)
            .order_by(Event.id.desc()).limit(len(withdrawn) + 1)).all()
        found = next((i for i in newest if i not in withdrawn), None)
        target = session.get(Event, found) if found is not None else None
        if target is None:
            raise BadInput(f"{by} has recorded nothing in '{initiative.name}' that is still "
                           "in force; give the record's id (see 'scaletrack events list')")
        return (_words(session, target),
                _retract(session, initiative, target.id, reason, by, None, key))

    return _insert(store, tx, "that record was retracted at the same moment by someone "
                              "else; see 'scaletrack events list'")


def _words(session: Session, record: Event) -> str:
    """'event 12: Leeds, set-up.baseline done on 2026-03-01', 'plan 14: ...'."""
    site = session.get(Site, record.site_id)
    noun = {"plan": "plan", "retract": "retraction"}.get(record.kind, "event")
    if record.kind == "retract":
        retracted = session.get(Event, record.retracts)
        return (f"retraction {record.id} (of {_words(session, retracted)}), recorded "
                f"{record.occurred_on.isoformat()}")
    if record.kind == "plan":
        return (f"plan {record.id}: {site.name} to complete {record.stage} by "
                f"{record.due_on.isoformat()}, agreed on {record.occurred_on.isoformat()}")
    return (f"{noun} {record.id}: {site.name}, "
            f"{describe(record.kind, record.rating, record.checkpoint, record.due_on)} on "
            f"{record.occurred_on.isoformat()}")


def _retract(session: Session, initiative: Initiative, event_id: int, reason: str | None,
             by: str, on: dt.date | None, key: str) -> Retracted:
    earlier = session.scalar(select(Event).where(Event.idempotency_key == key))
    if earlier is not None:  # a retried attempt whose first try was committed
        hit = session.get(Event, earlier.retracts)
        return Retracted(earlier, event_id, earlier.retracts
                         if earlier.retracts != event_id else None, hit.kind, hit.retracts)
    target = session.get(Event, event_id)
    if target is None:
        raise BadInput(f"there is no record {event_id}; see 'scaletrack events list'")
    if target.initiative_id != initiative.id:
        other = session.get(Initiative, target.initiative_id)
        raise BadInput(f"record {event_id} belongs to initiative '{other.name}', not "
                       f"'{initiative.name}'; choose it with -i")
    chain = Retractions.read(session, initiative.id)
    if not chain.in_force(event_id):
        by_id = chain.by_target[event_id]
        retraction = session.get(Event, by_id)
        top = chain.top(event_id)
        raise Conflict(f"record {event_id} is already retracted, by record {by_id} "
                       f"(recorded {retraction.recorded_at:%Y-%m-%d} by "
                       f"{retraction.recorded_by}); to make it count again, retract record "
                       f"{top}")
    # In force with a line of retractions above it: it was retracted and restored.
    # Retracting the top of the line withdraws it again (one retraction a record).
    aim = chain.top(event_id)
    above = session.get(Event, aim) if aim != event_id else target
    retraction = Event(initiative_id=initiative.id, site_id=above.site_id,
                       stage=above.stage, checkpoint=above.checkpoint, kind="retract",
                       occurred_on=on or dt.date.today(), recorded_by=by, note=reason,
                       retracts=aim, source="cli", idempotency_key=key)
    session.add(retraction)
    session.flush()
    return Retracted(retraction, event_id, aim if aim != event_id else None, above.kind,
                     above.retracts)
