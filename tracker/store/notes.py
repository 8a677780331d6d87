"""The notes a report quotes: why a checkpoint is blocked, in the words of whoever logged it.

Analyses work from checkpoint states, which carry no text; the report's
"Sites that need attention" says why a site is blocked when the person who
logged the block wrote it down.  One read of the blocking events that have a
note, kept to the latest per site and checkpoint (retracted events left out).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tracker.store import Store
from tracker.store.queries import resolve_initiative, retracted_ids
from tracker.store.schema import Event


def blocking_notes(store: Store, initiative_name: str | None,
                   as_of: dt.date) -> dict[tuple[int, str], tuple[dt.date, str]]:
    """(site id, checkpoint) -> (date, note) of the latest blocked event with a note."""
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        retracted = retracted_ids(session, initiative.id)
        rows = session.execute(
            select(Event.id, Event.site_id, Event.checkpoint, Event.occurred_on, Event.note)
            .where(Event.initiative_id == initiative.id, Event.kind == "blocked",
                   Event.note.is_not(None), Event.occurred_on <= as_of)
            .order_by(Event.occurred_on, Event.id)).all()
    out: dict[tuple[int, str], tuple[dt.date, str]] = {}
    for event_id, site_id, checkpoint, on, note in rows:
        if event_id not in retracted and note.strip():
            out[(site_id, checkpoint)] = (on, note.strip())
    return out
