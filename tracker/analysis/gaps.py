"""Stage-gap analysis: what stands between each site and its next stage.

Kinds (DESIGN section 5), most urgent first:

- ``blocked``: a checkpoint whose latest status is blocked;
- ``overdue``: a plan's date for completing a stage has passed and the stage is not completed;
- ``stalled``: no event for ``stalled_after`` days (default 90) and the site is not complete;
- ``slow``: the current stage's ``days_in_stage`` (ours: from its first event of any
  kind) exceeds 1.5 x the median ``days_in_stage`` of the sites that completed that
  stage, when at least three did;
- ``at-worst-level``: a rated checkpoint whose latest rating is the worst level of its
  scale (NASSS "complex", a SCIE factor rated "barrier"; key factors first);
- ``skipped``: a required checkpoint not done in a stage before the site's furthest stage
  (the last stage it entered);
- ``open``: a required checkpoint not done in the current stage;
- ``unrated``: one gap per site and domain that has required sub-domains not yet rated
  ("3 of 4 sub-domains not yet rated"), once the site has rated anything in a domain; a
  site with no rating at all gets one "no assessment yet" gap instead.  So rating a
  sub-domain never adds a gap to a site that already had one of these: the first rating
  can split "no assessment yet" into one gap per domain still to rate, and every later
  rating only closes them.

A checkpoint is reported once per site, under the first of blocked, skipped, open.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from tracker.analysis.status import COMPLETE, SiteStatus, Status, is_done
from tracker.catalog import Framework
from tracker.errors import BadInput

KIND_ORDER = ("blocked", "overdue", "stalled", "slow", "at-worst-level", "skipped", "open",
              "unrated")
DEFAULT_STALLED_AFTER = 90
# A domains framework (NASSS) is reassessed, typically every six months: a site is
# stalled when it has not been reassessed for longer than that, not after 90 quiet days.
DEFAULT_STALLED_AFTER_DOMAINS = 183
SLOW_FACTOR = 1.5
SLOW_MIN_SITES = 3


@dataclass(frozen=True)
class Gap:
    site: str
    stage: str
    checkpoint: str | None
    kind: str
    detail: str
    key: bool = False

    def as_dict(self) -> dict:
        return {"site": self.site, "stage": self.stage, "checkpoint": self.checkpoint,
                "kind": self.kind, "detail": self.detail}


def default_stalled_after(framework: Framework) -> int:
    """Days without events after which a site counts as stalled, by framework kind."""
    return DEFAULT_STALLED_AFTER_DOMAINS if framework.kind == "domains" else DEFAULT_STALLED_AFTER


def stage_medians(status: Status) -> dict[str, tuple[float, int]]:
    """Median ``days_in_stage`` of the sites that completed each stage, and how many did."""
    out = {}
    for stage in status.framework.stages:
        durations = [s.stage(stage.id).days_in_stage for s in status.sites
                     if s.stage(stage.id).completed]
        if durations:
            out[stage.id] = (statistics.median(durations), len(durations))
    return out


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def site_gaps(framework: Framework, site: SiteStatus, as_of: dt.date, plans: dict,
              medians: dict, stalled_after: int) -> list[Gap]:
    gaps: list[Gap] = []
    states = site.states
    order = [s.id for s in framework.stages]
    phased = framework.kind == "phased"
    reported: set[str] = set()

    # blocked: anywhere, checklists included
    for group in (*framework.stages, *framework.checklists):
        for cp in group.checkpoints:
            state = states.get(cp.full_id)
            if state is not None and state.status == "blocked":
                gaps.append(Gap(site.site, group.id, cp.full_id, "blocked",
                                f"blocked since {state.status_on.isoformat()}"))
                reported.add(cp.full_id)

    if phased:
        # overdue plans
        for stage_id in order:
            due = plans.get((site.site_id, stage_id))
            st = site.stage(stage_id)
            if due is not None and due < as_of and not st.completed:
                gaps.append(Gap(site.site, stage_id, None, "overdue",
                                f"planned for {due.isoformat()}, {_days((as_of - due).days)} "
                                f"ago; {st.done}/{st.total} done"))

    # stalled
    if site.current_stage != COMPLETE:
        joined_on = site.joined_on
        since = site.last_activity or joined_on
        if since is not None and (as_of - since).days > stalled_after:
            what = (f"last event {site.last_activity.isoformat()}" if site.last_activity
                    else f"no events since joining on {joined_on.isoformat()}")
            gaps.append(Gap(site.site, site.current_stage or "", None, "stalled",
                            f"no events for {_days((as_of - since).days)} ({what})"))

    if phased and site.current_stage not in (None, COMPLETE):
        # slow
        current = site.stage(site.current_stage)
        median = medians.get(site.current_stage)
        if (current.first_activity is not None and median is not None
                and median[1] >= SLOW_MIN_SITES):
            days_in = current.days_in_stage
            if days_in > SLOW_FACTOR * median[0]:
                gaps.append(Gap(site.site, current.stage, None, "slow",
                                f"{_days(days_in)} in this stage; the {median[1]} sites that "
                                f"completed it took a median of {median[0]:g}"))

    # at-worst-level ratings, key factors first
    worst: list[Gap] = []
    for group in (*framework.stages, *framework.checklists):
        for cp in group.checkpoints:
            state = states.get(cp.full_id)
            levels = framework.levels(cp)
            if levels and state is not None and state.rating == levels[-1]:
                detail = f"rated {state.rating} on {state.rated_on.isoformat()}"
                if cp.key:
                    detail += " (key factor for social care)"
                worst.append(Gap(site.site, group.id, cp.full_id, "at-worst-level", detail,
                                 key=cp.key))
    worst.sort(key=lambda g: not g.key)
    gaps.extend(worst)

    if phased:
        furthest = order.index(site.furthest_stage) if site.furthest_stage else -1
        current = order.index(site.current_stage) if site.current_stage in order else None
        for i, stage in enumerate(framework.stages):
            for cp in stage.required:
                if cp.full_id in reported or is_done(cp, states.get(cp.full_id)):
                    continue
                state = states.get(cp.full_id)
                if i < furthest:
                    gaps.append(Gap(site.site, stage.id, cp.full_id, "skipped",
                                    f"not done, though the site has entered "
                                    f"{site.furthest_stage}"))
                    reported.add(cp.full_id)
                elif i == current:
                    detail = "not started"
                    if state is not None and state.status in ("started", "reopened"):
                        detail = f"{state.status} on {state.status_on.isoformat()}"
                    gaps.append(Gap(site.site, stage.id, cp.full_id, "open", detail))
                    reported.add(cp.full_id)

    # unrated: one gap per domain with sub-domains to rate, or one for a site never assessed
    gaps.extend(unrated_gaps(framework, site))
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(gaps, key=lambda g: rank[g.kind])  # stable: keeps stage order within a kind


def unrated_gaps(framework: Framework, site: SiteStatus) -> list[Gap]:
    """The site's ``unrated`` gaps: one per domain still to rate, or one "no assessment yet"."""
    word = "sub-domain" if framework.kind == "domains" else "rated checkpoint"
    domains = [(stage, [cp for cp in stage.required if cp.scale]) for stage in framework.stages]
    domains = [(stage, cps) for stage, cps in domains if cps]
    if not domains:
        return []
    states = site.states

    def rated(cp) -> bool:
        return states.get(cp.full_id) is not None and states[cp.full_id].rating is not None

    assessed = any(rated(cp) for stage in framework.stages for cp in stage.checkpoints
                   if cp.scale)
    if not assessed:
        total = sum(len(cps) for _, cps in domains)
        return [Gap(site.site, "", None, "unrated",
                    f"no assessment yet ({total} {word}s to rate)")]
    out = []
    for stage, cps in domains:
        missing = sum(not rated(cp) for cp in cps)
        if missing:
            out.append(Gap(site.site, stage.id, None, "unrated",
                           f"{missing} of {len(cps)} {word}s not yet rated"))
    return out


def compute_gaps(status: Status, plans: dict, stalled_after: int = DEFAULT_STALLED_AFTER,
                 site: str | None = None) -> list[Gap]:
    """Every gap of every site (or of one), grouped by site, most urgent first."""
    if stalled_after < 0:
        raise BadInput("--stalled-after must be 0 or more days")
    medians = stage_medians(status)
    out: list[Gap] = []
    for s in sorted(status.sites, key=lambda s: s.site.casefold()):
        if site is not None and s.site.casefold() != site.casefold():
            continue
        out.extend(site_gaps(status.framework, s, status.as_of, plans, medians, stalled_after))
    return out
