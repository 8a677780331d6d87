"""Which records of the log are in force: the one rule, for every reader.

Every record (an event, a rating, a plan, a retraction) is in force unless a
retraction in force withdraws it.  ``events.retracts`` is unique, so the
retractions standing on a record form one line, A <- R1 <- R2 <- ...: the top
of the line is in force, and each record below it is in force exactly when the
one above it is not.  So A counts when the line above it has even length:
retracting a retraction restores what it retracted, and retracting that again
withdraws it again.

Retractions are a few per cent of a log, so the rule is worked out from one read
of them (``id``, ``retracts``, optionally up to an as-of date), in a dictionary;
the analyses then leave the withdrawn ids out of their one scan of the events,
as they always have.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracker.store.schema import Event


# The condition of the partial index ix_events_plans_retractions, written out: SQLite uses
# a partial index only when the query repeats its condition (it does not infer
# ``kind IN (...)`` from ``kind = 'retract'``), and without it reads every event.
SMALL_KINDS = text("kind IN ('plan', 'retract')")  # literal, as the index has it


class Retractions:
    """The retractions of one initiative (up to a date, when given), and what follows."""

    def __init__(self, pairs):
        self.targets: dict[int, int] = {}  # retraction id -> the id it retracts
        self.by_target: dict[int, int] = {}  # record id -> the id retracting it
        for rid, target in pairs:
            self.targets[rid] = target
            self.by_target[target] = rid
        self._memo: dict[int, bool] = {}

    @classmethod
    def read(cls, session: Session, initiative_id: int,
             as_of: dt.date | None = None) -> "Retractions":
        query = select(Event.id, Event.retracts).where(
            Event.initiative_id == initiative_id, Event.kind == "retract", SMALL_KINDS,
            Event.retracts.is_not(None))
        if as_of is not None:  # a retraction dated after the as-of date has not happened
            query = query.where(Event.occurred_on <= as_of)
        return cls(session.execute(query).all())

    def in_force(self, record: int) -> bool:
        """Whether ``record`` counts: no retraction in force stands on it."""
        memo = self._memo
        chain = []
        while record not in memo and record in self.by_target:
            chain.append(record)
            record = self.by_target[record]
        state = memo.get(record, True)  # the top of a line is in force
        for below in reversed(chain):
            state = not state
            memo[below] = state
        return state

    def withdrawn(self) -> set[int]:
        """The ids of every record that does not count (retracted, and not restored)."""
        return {target for rid, target in self.targets.items() if self.in_force(rid)}

    def restored(self) -> set[int]:
        """The ids of the records that were retracted and count again: the retraction
        standing on each was itself withdrawn (a few, where a retraction was undone)."""
        return {target for rid, target in self.targets.items() if not self.in_force(rid)}

    def top(self, record: int) -> int:
        """The last record of the line standing on ``record`` (``record`` itself if none)."""
        while record in self.by_target:
            record = self.by_target[record]
        return record


def withdrawn_ids(session: Session, initiative_id: int) -> set[int]:
    """The ids of the initiative's records that no analysis counts, whatever the as-of
    date (a retraction withdraws its record for every date)."""
    return Retractions.read(session, initiative_id).withdrawn()


def describe(kind: str, rating: str | None, checkpoint: str, due_on: dt.date | None,
             retracts: int | None = None) -> str:
    """A record in a few words, as messages name it: 'set-up.baseline done',
    'plan to complete pilot by 2026-06-30', 'retraction of record 12'."""
    if kind == "plan":
        return f"plan to complete {checkpoint} by {due_on.isoformat()}"
    if kind == "retract":
        return f"retraction of record {retracts}"
    return f"{checkpoint} {'rated ' + rating if kind == 'rated' else kind}"
