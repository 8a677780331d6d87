"""Site comparison and the programme roll-up per stage.

The roll-up is the table Stages of Implementation Completion studies publish
(Nadeem et al. 2018, Table 2): per stage, the sites with any activity and the
sites that reached it (n and % of all sites), the mean proportion of the
stage done across all sites, and the median ``duration_days`` over the sites
with any activity in the stage.  "Any activity" and "reached" are kept apart
on purpose: many sites start a stage that few finish.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from tracker.analysis.status import Status


@dataclass(frozen=True)
class Cell:
    site: str
    stage: str
    proportion: float
    reached_on: object


@dataclass(frozen=True)
class Rollup:
    stage: str
    sites_with_activity: int
    pct_with_activity: float
    sites_reached: int
    pct_reached: float
    mean_proportion: float
    median_duration_days: float | None


@dataclass(frozen=True)
class ChecklistCount:
    """How the sites rate one checklist item (a SCIE factor, an IHI mechanism)."""

    checkpoint: str
    title: str
    key: bool
    rated: int
    at_worst_level: int
    worst_level: str


@dataclass
class Comparison:
    status: Status
    matrix: list[Cell]
    rollup: list[Rollup]
    checklists: list[ChecklistCount]


def _pct(n: int, of: int) -> float:
    return round(100.0 * n / of, 1) if of else 0.0


def _whole(x: float) -> float | int:
    """A median of whole days is whole unless it falls between two of them."""
    return int(x) if float(x).is_integer() else x


def compare(status: Status) -> Comparison:
    sites = status.sites
    matrix = [Cell(s.site, st.stage, st.proportion, st.reached_on)
              for s in sites for st in s.stages]
    rollup = []
    for stage in status.framework.stages:
        per_site = [s.stage(stage.id) for s in sites]
        active = [st for st in per_site if st.active]
        reached = [st for st in per_site if st.reached_on is not None]
        durations = [st.duration_days for st in active]
        rollup.append(Rollup(
            stage=stage.id,
            sites_with_activity=len(active), pct_with_activity=_pct(len(active), len(sites)),
            sites_reached=len(reached), pct_reached=_pct(len(reached), len(sites)),
            mean_proportion=round(statistics.fmean([st.proportion for st in per_site]), 4)
            if per_site else 0.0,
            median_duration_days=_whole(statistics.median(durations)) if durations else None,
        ))
    counts = []
    fw = status.framework
    for group in fw.checklists:
        for cp in group.checkpoints:
            levels = fw.levels(cp)
            if not levels:
                continue
            ratings = [s.states[cp.full_id].rating for s in sites
                       if cp.full_id in s.states and s.states[cp.full_id].rating]
            counts.append(ChecklistCount(cp.full_id, cp.title, cp.key, len(ratings),
                                         sum(r == levels[-1] for r in ratings), levels[-1]))
    counts.sort(key=lambda c: (-c.at_worst_level, not c.key))
    return Comparison(status, matrix, rollup, counts)
