"""Per site and stage progress, as Stages of Implementation Completion measures it.

Definitions (DESIGN section 5), counting only live events on or before the
as-of date, a checkpoint's state being its latest status event:

- ``done``/``total``: required checkpoints done / required checkpoints
  (a rated checkpoint counts as done once it has a rating);
- ``first_activity``/``last_activity``: earliest and latest event on any of the
  stage's checkpoints, optional ones included;
- ``reached_on``: when every required checkpoint is done, the date the last of
  them became done;
- ``duration_days``: first activity to ``reached_on``, or to the as-of date
  while the stage is not reached;
- ``current_stage``: the first stage not reached (``complete`` when all are);
  ``furthest_stage``: the last stage with any activity.
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
    reached_on: dt.date | None
    duration_days: int | None

    @property
    def active(self) -> bool:
        return self.first_activity is not None


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
    done_dates = [done_on(cp, states.get(cp.full_id)) for cp in required]
    done = sum(d is not None for d in done_dates)
    total = len(required)
    touched = [states[cp.full_id] for cp in stage.checkpoints if cp.full_id in states]
    first = min((s.first_on for s in touched), default=None)
    last = max((s.last_on for s in touched), default=None)
    reached = max(done_dates) if total and done == total else None
    end = reached or as_of
    duration = (end - first).days if first is not None else None
    return StageStatus(stage=stage.id, done=done, total=total,
                       proportion=(done / total) if total else 1.0,
                       first_activity=first, last_activity=last, reached_on=reached,
                       duration_days=duration)


def site_status(framework: Framework, site: SiteInfo, states: dict, as_of: dt.date) -> SiteStatus:
    stages = [stage_status(st, states, as_of) for st in framework.stages]
    if framework.kind == "phased":
        current = next((s.stage for s in stages if s.reached_on is None), COMPLETE)
        furthest = next((s.stage for s in reversed(stages) if s.active), None)
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
