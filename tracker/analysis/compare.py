"""Site comparison and the programme roll-up per stage.

Per stage (DESIGN section 5):

- ``sites_entered``/``pct_entered``: sites that entered the stage (a required
  checkpoint done), n and % of all sites;
- ``sites_completed``/``pct_completed``: sites that completed it (every
  required checkpoint done), n and %;
- ``mean_proportion``: the SIC proportion, averaged over all sites;
- ``median_duration_days``: the median SIC duration of the sites that
  completed the stage;
- ``median_days_in_stage`` (ours): the median ``days_in_stage`` of the sites
  with any event in the stage that have not completed it, that is how long
  the open ones have been at it.

Nadeem, Saldana, Chapman & Schaper 2018 (Behavior Therapy 49(4):509-524),
Table 2, reports per stage "% sites with any activities in this stage" and
"% activities completed within each stage"; ``pct_entered`` and
``mean_proportion`` are our counterparts of those two columns.  The other
columns are ours.  Entered and completed are kept apart on purpose: many
sites enter a stage that few complete.

A domains framework (NASSS) has nothing to enter or complete, so none of the
columns above apply: its matrix is each site's level per domain and its
roll-up, per domain, the sites assessed and n and % of all sites at each level
(``tracker.analysis.domains``; the domain level is ours: the most complex of
its rated sub-domains).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from tracker.analysis.domains import DomainCell, DomainRollup, domain_cells, domain_rollup
from tracker.analysis.status import Status


@dataclass(frozen=True)
class Cell:
    site: str
    stage: str
    proportion: float
    completed_on: object


@dataclass(frozen=True)
class Rollup:
    stage: str
    sites_entered: int
    pct_entered: float
    sites_completed: int
    pct_completed: float
    mean_proportion: float
    median_duration_days: float | None
    median_days_in_stage: float | None


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
    """Phased: ``Cell`` and ``Rollup`` rows; domains: ``DomainCell`` and ``DomainRollup``."""

    status: Status
    matrix: list[Cell] | list[DomainCell]
    rollup: list[Rollup] | list[DomainRollup]
    checklists: list[ChecklistCount]

    @property
    def domains(self) -> bool:
        return self.status.framework.kind == "domains"


def _pct(n: int, of: int) -> float:
    return round(100.0 * n / of, 1) if of else 0.0


def _whole(x: float) -> float | int:
    """A median of whole days is whole unless it falls between two of them."""
    return int(x) if float(x).is_integer() else x


def _median(values: list) -> float | int | None:
    return _whole(statistics.median(values)) if values else None


def compare(status: Status) -> Comparison:
    sites = status.sites
    checklists = checklist_counts(status)
    if status.framework.kind == "domains":
        return Comparison(status, domain_cells(status), domain_rollup(status), checklists)
    matrix = [Cell(s.site, st.stage, st.proportion, st.completed_on)
              for s in sites for st in s.stages]
    rollup = []
    for stage in status.framework.stages:
        per_site = [s.stage(stage.id) for s in sites]
        entered = [st for st in per_site if st.entered]
        completed = [st for st in per_site if st.completed]
        open_ones = [st.days_in_stage for st in per_site if st.active and not st.completed]
        rollup.append(Rollup(
            stage=stage.id,
            sites_entered=len(entered), pct_entered=_pct(len(entered), len(sites)),
            sites_completed=len(completed), pct_completed=_pct(len(completed), len(sites)),
            mean_proportion=round(statistics.fmean([st.proportion for st in per_site]), 4)
            if per_site else 0.0,
            median_duration_days=_median([st.duration_days for st in completed]),
            median_days_in_stage=_median(open_ones),
        ))
    return Comparison(status, matrix, rollup, checklists)


def checklist_counts(status: Status) -> list[ChecklistCount]:
    """Per rated checklist item: sites rating it and sites at its worst level, worst first."""
    sites = status.sites
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
    return counts
