"""The event-by-event fold that ``tracker.store.states`` replaced, kept as a test oracle.

It reads every live event in Python and keeps, per site and checkpoint, the
first and last dates, the latest state by (date, id), the first state's date and
the rating before the latest.  Slow but plain: the property test in
``test_fold_oracle.py`` checks the database's fold against it on random logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from tracker.store.merged import merge_map
from tracker.store.records import withdrawn_ids
from tracker.store.schema import Event
from tracker.store.states import CheckpointState


def python_checkpoint_states(session: Session, initiative_id: int, as_of: dt.date,
                             with_previous: bool = False) -> Iterator[CheckpointState]:
    """One row per site and checkpoint with any live event on or before ``as_of``.

    Live means not a retraction, not a plan, and in force (``store.records``).  A checkpoint's state is its
    latest status event (ticked checkpoints) or rating (rated ones): the one
    with the latest date, and of events on the same date the one recorded last
    (the higher id).  ``with_previous`` also finds each checkpoint's previous
    rating, which only the domains view needs.

    Two plain reads of one table, with no join and no sub-select, so that no
    row estimate can make the plan quadratic: right after a bulk import into
    PostgreSQL, before autovacuum has analysed the table, the planner takes it
    for a few rows, and the grouped query joined back to ``events`` with
    ``NOT IN`` sub-selects that this replaces became a nested loop over the
    whole table.  First the retracted ids (a few per cent of the events), then
    the live-looking events, streamed once through a fold that keeps one small
    tuple per site and checkpoint.  ``log`` guarantees that a checkpoint gets
    status events or ratings, never both, so "latest event that is not a note"
    is its state.
    """
    retracted = withdrawn_ids(session, initiative_id)
    merges = merge_map(session, initiative_id)  # a merged site's records count as its target's
    # Dates come back as the driver gives them (SQLAlchemy's SQLite date parsing costs
    # more than the query) and are converted once per distinct value by ``day`` below.
    query = (select(Event.site_id, Event.checkpoint, type_coerce(Event.occurred_on, String),
                    Event.kind, Event.rating, Event.id)
             .where(Event.initiative_id == initiative_id,
                    Event.kind.not_in(("retract", "plan")), Event.occurred_on <= as_of))
    # (site, checkpoint) -> [first_on, last_on, state (on, id, kind, rating) or None,
    #                        first_state_on, previous rating state (on, id, rating) or None]
    fold: dict[tuple[int, str], list] = {}
    for site_id, checkpoint, on, kind, rating, event_id in (
            session.connection().execute(query)):
        if event_id in retracted:
            continue
        if merges:
            site_id = merges.get(site_id, site_id)
        on = on if isinstance(on, str) else on.isoformat()  # ISO text sorts as dates do
        acc = fold.get((site_id, checkpoint))
        if acc is None:
            acc = fold[(site_id, checkpoint)] = [on, on, None, None, None]
        elif on < acc[0]:
            acc[0] = on
        elif on > acc[1]:
            acc[1] = on
        if kind == "note":
            continue
        if acc[3] is None or on < acc[3]:
            acc[3] = on
        state = acc[2]
        if state is None or (on, event_id) > state[:2]:
            if with_previous and state is not None and state[2] == "rated":
                acc[4] = state
            acc[2] = (on, event_id, kind, rating)
        elif with_previous and kind == "rated" and (acc[4] is None or
                                                    (on, event_id) > acc[4][:2]):
            acc[4] = (on, event_id, kind, rating)
    dates: dict = {None: None}

    def day(value):
        if value not in dates:
            dates[value] = dt.date.fromisoformat(value[:10])
        return dates[value]

    for (site_id, checkpoint), (first_on, last_on, state, first_state_on, prev) in fold.items():
        if state is None:  # only notes so far: activity, but no state
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on))
        elif state[2] == "rated":
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), None, None,
                                  state[3], day(state[0]), day(first_state_on),
                                  prev[3] if prev else None)
        else:
            yield CheckpointState(site_id, checkpoint, day(first_on), day(last_on), state[2],
                                  day(state[0]))
