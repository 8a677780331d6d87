"""What each site has left to do: the analysis behind ``scaletrack next``.

A programme lead's weekly question is not "where is everyone" (``status``) nor
"what is wrong" (``gaps``) but "what does each site do next".  For a phased
framework the answer is the site's current stage (the first not completed,
DESIGN section 5) and each required checkpoint of it not done, with its state:

- ``not-started``: no status event yet (notes do not start a checkpoint);
- ``started`` / ``blocked`` / ``reopened``: its latest status, with that event's date;
- ``not-rated``: a rated checkpoint inside a stage that has no rating yet;

and the date the site plans to complete the stage: the latest plan in force at
the as-of date, a plan counting only from the day it was agreed, as in ``gaps``.
A site that has completed every stage is listed with the stage ``complete``
and nothing to do.

A domains framework (NASSS) has nothing to complete.  What a team does next
there is to work on the sub-domains rated at the worst level (``complex``:
NASSS finds that the more of them there are, the less likely the programme is
to be adopted and kept going) and to rate the ones not yet rated, so a site
gets one entry per domain that has either:

- ``at-worst-level``: the latest rating is the scale's last level; ``since`` is
  the first of the run of ratings at that level that ends with the latest;
- ``not-rated``: a required sub-domain with no rating yet.

Within a site, the domains with a sub-domain at the worst level come first
and, within a domain, those sub-domains come before the ones to rate.
Checklists (IHI adoption mechanisms, the SCIE factors) are not stages and are
left to ``gaps``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.analysis.load import Snapshot, site_in, snapshot
from tracker.analysis.status import COMPLETE, SiteStatus, is_done
from tracker.catalog import Checkpoint, Framework, Stage

STATES = ("not-started", "started", "blocked", "reopened", "not-rated", "at-worst-level")


@dataclass(frozen=True)
class NextItem:
    """One checkpoint a site still has to do (or, in NASSS, to rate or work on)."""

    checkpoint: str
    title: str
    state: str
    since: dt.date | None
    guidance: str
    level: str | None = None  # the rating, for an at-worst-level item

    def as_dict(self) -> dict:
        return {"checkpoint": self.checkpoint, "title": self.title, "state": self.state,
                "since": self.since.isoformat() if self.since else None,
                "guidance": self.guidance}


@dataclass(frozen=True)
class SiteNext:
    """A site's current stage (or one NASSS domain) and what is left in it.

    ``stage`` is ``complete`` for a phased site that has completed every stage,
    and None for a domains site with nothing rated complex and nothing to rate.
    ``done``/``total`` count the stage's required checkpoints and
    ``furthest_stage`` is the last stage after this one in which the site already
    has records (phased only; None when there is none): a site can have moved on to
    a later stage with a checkpoint of this one left undone.
    """

    site: str
    stage: str | None
    stage_title: str | None
    due_on: dt.date | None
    items: tuple[NextItem, ...]
    done: int = 0
    total: int = 0
    furthest_stage: str | None = None

    def as_dict(self) -> dict:
        return {"site": self.site, "stage": self.stage, "stage_title": self.stage_title,
                "due_on": self.due_on.isoformat() if self.due_on else None,
                "items": [i.as_dict() for i in self.items]}


@dataclass(frozen=True)
class NextSteps:
    initiative: str
    framework: Framework
    as_of: dt.date
    sites: tuple[SiteNext, ...]
    unassessed: frozenset[str] = frozenset()  # domains: sites with no rating at all

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "sites": [s.as_dict() for s in self.sites]}


def _ticked_item(cp: Checkpoint, state) -> NextItem:
    status = state.status if state is not None else None
    if status in ("started", "blocked", "reopened"):
        return NextItem(cp.full_id, cp.title, status, state.status_on, cp.guidance)
    return NextItem(cp.full_id, cp.title, "not-started", None, cp.guidance)


def _open_item(cp: Checkpoint, state) -> NextItem:
    """A required checkpoint that is not done, as an item."""
    if cp.scale:
        return NextItem(cp.full_id, cp.title, "not-rated", None, cp.guidance)
    return _ticked_item(cp, state)


def _phased_site(framework: Framework, site: SiteStatus, plans: dict) -> SiteNext:
    if site.current_stage == COMPLETE:
        return SiteNext(site.site, COMPLETE, None, None, ())
    stage = framework.stage(site.current_stage)
    figures = site.stage(stage.id)
    items = tuple(_open_item(cp, site.states.get(cp.full_id)) for cp in stage.required
                  if not is_done(cp, site.states.get(cp.full_id)))
    return SiteNext(site.site, stage.id, stage.title, plans.get((site.site_id, stage.id)),
                    items, figures.done, figures.total, _later_stage(framework, stage, site))


def _later_stage(framework: Framework, current: Stage, site: SiteStatus) -> str | None:
    """The last stage after ``current`` in which the site has any record, or None.

    Not ``furthest_stage`` as such: that is the last stage *entered*, which for a site
    that has just completed a stage is the stage it completed, before the current one."""
    order = {s.id: i for i, s in enumerate(framework.stages)}
    at = order[current.id]
    later = None
    for stage in framework.stages[at + 1:]:
        if any(cp.full_id in site.states for cp in stage.checkpoints):
            later = stage.id
    return later


def _worst_since(history: list | None, checkpoint: str, worst: str,
                 latest_on: dt.date) -> dt.date:
    """The first date of the unbroken run of worst-level ratings ending with the latest."""
    if not history:
        return latest_on
    since = latest_on
    for cp, on, level in reversed(history):
        if cp != checkpoint:
            continue
        if level != worst:
            break
        since = on
    return since


def _domain_items(framework: Framework, stage: Stage, site: SiteStatus,
                  history: list | None) -> tuple[NextItem, ...]:
    worst, ticked, unrated = [], [], []
    for cp in stage.checkpoints:
        state = site.states.get(cp.full_id)
        levels = framework.levels(cp)
        if levels:
            rating = state.rating if state is not None else None
            if rating is not None and rating == levels[-1]:
                since = _worst_since(history, cp.full_id, rating, state.rated_on)
                worst.append(NextItem(cp.full_id, cp.title, "at-worst-level", since,
                                      cp.guidance, rating))
            elif rating is None and not cp.optional:
                unrated.append(NextItem(cp.full_id, cp.title, "not-rated", None, cp.guidance))
        elif not cp.optional and not is_done(cp, state):
            ticked.append(_ticked_item(cp, state))
    return (*worst, *ticked, *unrated)


def _domains_site(framework: Framework, site: SiteStatus, plans: dict,
                  history: list | None) -> list[SiteNext]:
    entries = []
    for stage in framework.stages:
        items = _domain_items(framework, stage, site, history)
        if items:
            entries.append(SiteNext(site.site, stage.id, stage.title,
                                    plans.get((site.site_id, stage.id)), items))
    entries.sort(key=lambda e: e.items[0].state != "at-worst-level")  # stable: domain order
    return entries or [SiteNext(site.site, None, None, None, ())]


def next_steps(snap: Snapshot, site: str | None = None) -> NextSteps:
    """What every site (or the one named exactly as the snapshot has it) has left, by name."""
    status = snap.status
    framework = status.framework
    out: list[SiteNext] = []
    unassessed = set()
    for s in sorted(status.sites, key=lambda s: s.site.casefold()):
        if site is not None and s.site != site:
            continue
        if framework.kind == "domains":
            out.extend(_domains_site(framework, s, snap.plans,
                                     (snap.history or {}).get(s.site)))
            if not any(state.rating for state in s.states.values()):
                unassessed.add(s.site)
        else:
            out.append(_phased_site(framework, s, snap.plans))
    return NextSteps(snap.initiative, framework, status.as_of, tuple(out), frozenset(unassessed))


def _wants_history(framework: Framework) -> bool:
    return framework.kind == "domains"


def site_next_steps(store, initiative: str | None, site: str | None = None,
                    as_of: dt.date | None = None) -> NextSteps:
    """``scaletrack next``: read the snapshot and say what each site (or one) has left.

    A site name that is not in the analysis is looked up in the database, so an
    unknown name gets the usual error with the closest names, and a site that
    exists but had not joined by the as-of date, or was retired by it, says so
    (``load.site_in``, as for 'gaps --site').
    """
    snap = snapshot(store, initiative, as_of, history=_wants_history)
    name = None
    if site is not None:
        name = site_in(store, snap, site)
    return next_steps(snap, name)
