"""Per site and stage progress: the Stages of Implementation Completion (SIC) scores,
and figures of our own under names of their own.

SIC (Chamberlain, Brown & Saldana 2011, Implementation Science 6:116; Saldana
2014, Implementation Science 9:43) records the date each activity of a stage
is completed and scores, per stage, a duration and the proportion of the
stage's activities completed, and per site how far it moved through the
stages.  Here a checkpoint is an activity, and its completion date is the
date of its latest ``done`` (a rated checkpoint: its first rating).  Only
live events on or before the as-of date count; a checkpoint's state is its
latest status event.  Over a stage's required checkpoints (DESIGN section 5):

SIC's scores
- ``done``/``total``/``proportion``: required checkpoints done, of those required;
- ``entered_on``: the earliest completion date among the done checkpoints
  (a note or a start does not enter a stage);
- ``last_done_on``: the latest completion date among the done checkpoints;
- ``duration_days``: ``entered_on`` to ``last_done_on`` in days (0 for one day);
  it does not grow with the calendar;
- per site, ``furthest_stage``: the last stage entered.

Ours
- ``first_activity``/``last_activity``: earliest and latest event of any kind
  on the stage's checkpoints, optional ones included (the timeline's bands);
- ``completed_on``: once every required checkpoint is done, the latest
  completion date;
- ``days_in_stage``: ``first_activity`` to ``completed_on``, or to the as-of
  date while the stage is not completed (the ``slow`` gap compares these);
- per site, ``current_stage``: the first stage not completed (``complete``
  when all are), and ``last_activity``: the latest event of any kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from tracker.catalog import Checkpoint, Framework, Stage

COMPLETE = "complete"


@dataclass(frozen=True)
class SiteInfo:
    id: int
    name: str
    region: str | None = None
    joined_on: dt.date | None = None


@dataclass
class StageStatus:
    stage: str
    done: int
    total: int
    proportion: float
    first_activity: dt.date | None
    last_activity: dt.date | None
    entered_on: dt.date | None
    last_done_on: dt.date | None
    duration_days: int | None
    completed_on: dt.date | None
    days_in_stage: int | None

    @property
    def active(self) -> bool:
        """Any event at all on the stage's checkpoints (ours; not SIC's entry)."""
        return self.first_activity is not None

    @property
    def entered(self) -> bool:
        return self.entered_on is not None

    @property
    def completed(self) -> bool:
        return self.completed_on is not None


@dataclass
class SiteStatus:
    site: str
    site_id: int
    region: str | None
    current_stage: str | None
    furthest_stage: str | None
    last_activity: dt.date | None
    stages: list[StageStatus]
    states: dict = field(default_factory=dict, repr=False)
    joined_on: dt.date | None = None

    def stage(self, stage_id: str) -> StageStatus:
        return next(s for s in self.stages if s.stage == stage_id)


@dataclass
class Status:
    initiative: str
    framework: Framework
    as_of: dt.date
    sites: list[SiteStatus]


def is_done(cp: Checkpoint, state) -> bool:
    if state is None:
        return False
    if cp.scale:
        return state.rating is not None
    return state.status == "done"


def done_on(cp: Checkpoint, state) -> dt.date | None:
    if not is_done(cp, state):
        return None
    return state.first_rated_on if cp.scale else state.status_on


def stage_status(stage: Stage, states: dict, as_of: dt.date) -> StageStatus:
    required = stage.required
    done_dates = [d for d in (done_on(cp, states.get(cp.full_id)) for cp in required)
                  if d is not None]
    done, total = len(done_dates), len(required)
    touched = [states[cp.full_id] for cp in stage.checkpoints if cp.full_id in states]
    first = min((s.first_on for s in touched), default=None)
    last = max((s.last_on for s in touched), default=None)
    entered = min(done_dates, default=None)
    last_done = max(done_dates, default=None)
    completed = last_done if total and done == total else None
    end = completed or as_of
    return StageStatus(stage=stage.id, done=done, total=total,
                       proportion=(done / total) if total else 1.0,
                       first_activity=first, last_activity=last,
                       entered_on=entered, last_done_on=last_done,
                       duration_days=(last_done - entered).days if entered else None,
                       completed_on=completed,
                       days_in_stage=(end - first).days if first is not None else None)


def site_status(framework: Framework, site: SiteInfo, states: dict, as_of: dt.date) -> SiteStatus:
    stages = [stage_status(st, states, as_of) for st in framework.stages]
    if framework.kind == "phased":
        current = next((s.stage for s in stages if s.completed_on is None), COMPLETE)
        furthest = next((s.stage for s in reversed(stages) if s.entered), None)
    else:  # a domains framework has no order to progress through
        current = furthest = None
    last = max((s.last_on for s in states.values()), default=None)
    return SiteStatus(site=site.name, site_id=site.id, region=site.region,
                      current_stage=current, furthest_stage=furthest, last_activity=last,
                      stages=stages, states=states, joined_on=site.joined_on)


def group_states(states: Iterable) -> dict[int, dict]:
    by_site: dict[int, dict] = defaultdict(dict)
    for state in states:
        by_site[state.site_id][state.checkpoint] = state
    return by_site


def compute_status(initiative: str, framework: Framework, sites: Iterable[SiteInfo],
                   states: Iterable, as_of: dt.date) -> Status:
    """Status of every site that had joined by ``as_of``, in the order given."""
    by_site = group_states(states)
    known = set(framework.checkpoint_ids)
    result = []
    for site in sites:
        if site.joined_on is not None and site.joined_on > as_of:
            continue
        site_states = {k: v for k, v in by_site.get(site.id, {}).items() if k in known}
        result.append(site_status(framework, site, site_states, as_of))
    return Status(initiative=initiative, framework=framework, as_of=as_of, sites=result)
