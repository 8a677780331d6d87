"""Realistic sample scale-outs, so a newcomer can see every output at once.

One sample per built-in framework.  The default, "Shared Lives North (demo)",
spreads a Shared Lives scheme to eight local authorities over two years on the
IHI Framework for Going to Full Scale.  The sites move at different speeds: one
is nearly at full scale, one has stalled, one is blocked, one skipped a set-up
step, one is slow, one missed its plan, and one has only just joined.  A
mistaken event is retracted.  The ExpandNet and Milat samples follow the same
pattern with other sites; the NASSS sample rates its domains over several
assessments instead, with one site never assessed.

Which checkpoints each site has done is derived from the framework definition
(the first N checkpoints of each stage, in order), not listed by id, so the
samples follow the catalogue as it changes.  The data are generated from a
fixed seed, so the demo prints the same thing every time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tracker.catalog import Catalog
from tracker.errors import BadInput
from tracker.store import Store
from tracker.store.initiatives import delete_rows, demo_initiatives, initiative_names
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_batch, log_event, set_plan

DEMO_FRAMEWORK = "ihi-full-scale"
DEMO_AS_OF = dt.date(2026, 9, 30)
DEMO_QUARTER = "2026Q3"
LEAD = "programme-lead"
COORDINATOR = "site-coordinator"
BLOCKED_NOTE = "data-sharing agreement with the NHS trust not yet signed"


@dataclass(frozen=True)
class DemoSite:
    name: str
    region: str
    joined: dt.date
    done: tuple           # per stage, in order: how many of its checkpoints are done
    skip: tuple = ()      # (stage index, checkpoint index) left undone though later ones are done
    blocked: int | None = None  # the stage whose next checkpoint is blocked
    until: dt.date = DEMO_AS_OF  # roughly when the last of them was done
    stop: dt.date | None = None  # no events after this date (a stalled site)


@dataclass(frozen=True)
class Sample:
    initiative: str
    framework: str
    description: str
    sites: tuple
    ratings: tuple = ()   # (site, checkpoint, level, date)
    plans: tuple = ()     # (site, stage index, due, set on)
    mistake: tuple = ()   # (site, stage index, checkpoint index, on, reason): logged, retracted


D = dt.date
SCIE_RATINGS = (
    ("scie-factors.evidence", "facilitator"), ("scie-factors.co-production", "facilitator"),
    ("scie-factors.resources", "neutral"), ("scie-factors.staff-turnover", "barrier"),
    ("scie-factors.resources", "barrier"), ("scie-factors.risk-aversion", "barrier"),
    ("scie-factors.networks", "facilitator"), ("scie-factors.time-to-embed", "neutral"),
)

IHI = Sample(
    "Shared Lives North (demo)", "ihi-full-scale",
    "A Shared Lives scheme spreading across Yorkshire",
    (DemoSite("Leeds", "West Yorkshire", D(2024, 10, 1), (6, 5, 4, 2), until=D(2026, 9, 8)),
     DemoSite("Bradford", "West Yorkshire", D(2024, 11, 4), (6, 5, 2), until=D(2026, 8, 24)),
     DemoSite("Calderdale", "West Yorkshire", D(2024, 12, 2), (6, 2), until=D(2026, 2, 16),
              stop=D(2026, 3, 20)),
     DemoSite("Kirklees", "West Yorkshire", D(2025, 1, 13), (6, 5, 1), blocked=2,
              until=D(2026, 6, 22)),
     DemoSite("Wakefield", "West Yorkshire", D(2025, 3, 3), (6, 3), skip=((0, 4),),
              until=D(2026, 8, 3)),
     DemoSite("York", "North Yorkshire", D(2025, 4, 7), (6, 1), until=D(2025, 12, 1)),
     DemoSite("North Yorkshire", "North Yorkshire", D(2025, 10, 6), (3,),
              until=D(2026, 7, 27)),
     DemoSite("Sheffield", "South Yorkshire", D(2026, 4, 13), (1,), until=D(2026, 8, 20))),
    ratings=(
        ("Leeds", "scie-factors.evidence", "facilitator", D(2025, 6, 2)),
        ("Leeds", "scie-factors.co-production", "facilitator", D(2025, 6, 2)),
        ("Leeds", "adoption-mechanisms.leadership", "in place", D(2025, 6, 2)),
        ("Bradford", "adoption-mechanisms.leadership", "partly in place", D(2025, 7, 14)),
        ("Bradford", "scie-factors.resources", "neutral", D(2025, 7, 14)),
        ("Calderdale", "scie-factors.staff-turnover", "barrier", D(2025, 11, 10)),
        ("Calderdale", "scie-factors.resources", "barrier", D(2026, 1, 19)),
        ("Calderdale", "adoption-mechanisms.leadership", "not in place", D(2026, 1, 19)),
        ("Kirklees", "scie-factors.risk-aversion", "barrier", D(2026, 2, 9)),
        ("Kirklees", "scie-factors.networks", "facilitator", D(2026, 2, 9)),
        ("York", "scie-factors.time-to-embed", "neutral", D(2026, 5, 11)),
    ),
    plans=(("Leeds", 3, D(2027, 3, 31), D(2026, 4, 1)),
           ("Bradford", 2, D(2026, 12, 31), D(2026, 4, 1)),
           ("Wakefield", 1, D(2026, 6, 30), D(2025, 10, 1)),
           ("Wakefield", 1, D(2026, 9, 1), D(2026, 4, 1)),
           ("North Yorkshire", 0, D(2026, 6, 30), D(2025, 10, 6))),
    mistake=("Calderdale", 2, 0, D(2026, 5, 5),
             "logged against Calderdale; it was Bradford"),
)


def _phased(initiative, framework, description, names, full, plans_at=(0, 3)) -> Sample:
    """A phased sample on the IHI pattern, scaled to a framework of ``full`` checkpoints
    per stage: the same speeds, stall, block, skip, slow site and late joiner."""
    n = len(full)

    def upto(share: float) -> tuple:
        """The done counts of a site ``share`` of the way through the framework."""
        total = sum(full)
        left, out = round(share * total), []
        for size in full:
            take = min(size, left)
            if take <= 0:
                break
            out.append(take)
            left -= take
        return tuple(out) or (1,)

    (a, ra), (b, rb), (c, rc), (d, rd), (e, re_), (f, rf), (g, rg), (h, rh) = names
    sites = (
        DemoSite(a, ra, D(2024, 10, 1), upto(0.85), until=D(2026, 9, 8)),
        DemoSite(b, rb, D(2024, 11, 4), upto(0.62), until=D(2026, 8, 24)),
        DemoSite(c, rc, D(2024, 12, 2), upto(0.4), until=D(2026, 2, 16), stop=D(2026, 3, 20)),
        DemoSite(d, rd, D(2025, 1, 13), upto(0.55), blocked=len(upto(0.55)) - 1,
                 until=D(2026, 6, 22)),
        DemoSite(e, re_, D(2025, 3, 3), upto(0.45), skip=((0, min(2, full[0] - 2)),),
                 until=D(2026, 8, 3)),
        DemoSite(f, rf, D(2025, 4, 7), upto(0.3), until=D(2025, 12, 1)),
        DemoSite(g, rg, D(2025, 10, 6), upto(0.1), until=D(2026, 7, 27)),
        DemoSite(h, rh, D(2026, 4, 13), (1,), until=D(2026, 8, 20)),
    )
    ratings = tuple((site.name, cp, level,
                     min(site.joined + dt.timedelta(days=200 + 30 * k), site.until))
                    for k, (site, (cp, level)) in enumerate(zip(sites, SCIE_RATINGS)))
    return Sample(initiative, framework, description, sites, ratings,
                  plans=((a, n - 1, D(2027, 3, 31), D(2026, 4, 1)),
                         (e, len(upto(0.45)) - 1, D(2026, 6, 30), D(2025, 10, 1)),
                         (g, 0, D(2026, 6, 30), D(2025, 10, 6))),
                  mistake=(c, min(n - 1, len(upto(0.4))), 0, D(2026, 5, 5),
                           f"logged against {c}; it was {b}"))


NASSS_SITES = (
    DemoSite("Bournemouth, Christchurch and Poole", "Dorset", D(2024, 10, 7), ()),
    DemoSite("Rhondda Cynon Taf", "South Wales", D(2024, 11, 4), ()),
    DemoSite("Kingston upon Hull", "East Riding", D(2025, 1, 6), ()),
    DemoSite("Redcar and Cleveland", "Tees Valley", D(2025, 2, 3), (), stop=D(2025, 9, 30)),
    DemoSite("Windsor and Maidenhead", "Berkshire", D(2025, 6, 2), ()),
    DemoSite("Neath Port Talbot", "South Wales", D(2026, 7, 6), ()),
)


def sample(framework_id: str, catalog: Catalog) -> Sample:
    """The sample scale-out for a built-in framework."""
    if framework_id == "ihi-full-scale":
        return IHI
    if framework_id == "nasss":
        return Sample("Digital care at home (demo)", "nasss",
                      "Remote monitoring for people living at home with long-term conditions",
                      NASSS_SITES)
    try:
        fw = catalog.for_initiative(framework_id)
    except Exception:
        fw = None
    full = tuple(len(st.required) for st in fw.stages) if fw and fw.kind == "phased" else ()
    if framework_id == "expandnet-nine-steps" and full:
        return _phased(
            "Family group conferencing, Wales (demo)", framework_id,
            "A family group conferencing service scaling up across Welsh local authorities",
            (("Cardiff", "South Wales"), ("Rhondda Cynon Taf", "South Wales"),
             ("Neath Port Talbot", "South Wales"), ("Merthyr Tydfil", "South Wales"),
             ("Vale of Glamorgan", "South Wales"), ("Carmarthenshire", "West Wales"),
             ("Isle of Anglesey", "North Wales"), ("Denbighshire", "North Wales")), full)
    if framework_id == "milat-four-steps" and full:
        return _phased(
            "Falls prevention at home (demo)", framework_id,
            "A falls-prevention home visiting programme spreading across the south of England",
            (("Bournemouth, Christchurch and Poole", "Dorset"), ("Brighton and Hove", "Sussex"),
             ("Windsor and Maidenhead", "Berkshire"), ("Isle of Wight", "Hampshire"),
             ("Southampton", "Hampshire"), ("West Berkshire", "Berkshire"),
             ("Richmond upon Thames", "London"), ("Bath and North East Somerset", "Somerset")),
            full)
    raise BadInput(f"there is no demo for '{framework_id}': choose one of "
                   f"{', '.join(DEMOS)}")


DEMOS = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss")


def sample_events(catalog: Catalog, spec: Sample | None = None) -> list[dict]:
    """The sample's events, generated from a fixed seed."""
    spec = spec or IHI
    framework = catalog.for_initiative(spec.framework)
    if framework.kind == "domains":
        return _assessments(framework, spec)
    rng = random.Random(2026)
    entries: list[dict] = []
    for site in spec.sites:
        day = site.joined + dt.timedelta(days=rng.randint(5, 15))
        n_done = sum(site.done)
        draws = [rng.uniform(0.6, 1.4) for _ in range(n_done)]
        span = (site.until - day).days
        gaps = iter([max(3, round(span * d / sum(draws))) for d in draws])
        for s, (stage, count) in enumerate(zip(framework.stages, site.done)):
            for c, cp in enumerate(stage.required[:count]):
                day += dt.timedelta(days=next(gaps))
                if site.stop and day > site.stop:
                    day = site.stop
                if day > DEMO_AS_OF:
                    day = DEMO_AS_OF - dt.timedelta(days=rng.randint(1, 20))
                if (s, c) in site.skip:
                    continue
                if rng.random() < 0.5:
                    entries.append({"site": site.name, "checkpoint": cp.full_id,
                                    "status": "started", "by": COORDINATOR,
                                    "on": day - dt.timedelta(days=rng.randint(5, 15))})
                entries.append({"site": site.name, "checkpoint": cp.full_id, "status": "done",
                                "on": day, "by": COORDINATOR})
        if site.blocked is not None:
            stage = framework.stages[site.blocked]
            count = site.done[site.blocked] if site.blocked < len(site.done) else 0
            cp_id = stage.required[min(count, len(stage.required) - 1)].full_id
            entries.append({"site": site.name, "checkpoint": cp_id, "status": "started",
                            "on": day + dt.timedelta(days=10), "by": COORDINATOR})
            entries.append({"site": site.name, "checkpoint": cp_id, "status": "blocked",
                            "on": day + dt.timedelta(days=40), "by": COORDINATOR,
                            "note": BLOCKED_NOTE})
    known = set(framework.checkpoint_ids)
    for site, cp, level, on in spec.ratings:
        if cp in known:
            entries.append({"site": site, "checkpoint": cp, "rating": level, "on": on,
                            "by": LEAD})
    if spec is IHI:
        entries.append({"site": "York", "checkpoint": "scalable-unit.package-tested",
                        "status": "started", "on": dt.date(2026, 8, 17), "by": COORDINATOR,
                        "note": "second round of test cycles after a change of provider"})
    stalled = next(s for s in spec.sites if s.stop)
    entries.append({"site": stalled.name,
                    "checkpoint": framework.stages[len(stalled.done) - 1].required[0].full_id,
                    "status": "note", "on": stalled.stop, "by": LEAD,
                    "note": "carer recruitment paused while the scheme manager post is vacant"})
    return entries


def _assessments(framework, spec: Sample) -> list[dict]:
    """NASSS: each site rates every sub-domain at its first assessment and again about
    every six months; most ratings ease over time, some get worse; the stalled site stops,
    the newest site has not been assessed yet."""
    rng = random.Random(2026)
    entries = []
    for site in spec.sites:
        day = site.joined + dt.timedelta(days=30)
        current: dict = {}
        while day <= DEMO_AS_OF - dt.timedelta(days=60):
            if site.stop and day > site.stop:
                break
            for stage in framework.stages:
                for cp in stage.checkpoints:
                    levels = framework.levels(cp)
                    if not levels:
                        continue
                    was = current.get(cp.full_id)
                    if was is None:  # most sub-domains start simple or complicated
                        now = rng.choice((0, 0, 1, 1, 1, 2)[:2 * len(levels)]) \
                            % len(levels)
                    else:  # and ease more often than they get worse
                        now = max(0, min(len(levels) - 1,
                                         was + rng.choice((-1, -1, 0, 0, 0, 0, 1))))
                    if was is not None and now == was and rng.random() < 0.5:
                        continue  # not reassessed this time
                    current[cp.full_id] = now
                    entries.append({"site": site.name, "checkpoint": cp.full_id,
                                    "rating": levels[now], "on": day, "by": LEAD})
            day += dt.timedelta(days=rng.randint(160, 200))
    return entries


@dataclass(frozen=True)
class DemoPlace:
    """Where a demo goes in a database: its name, the earlier demo it replaces, and the
    other initiatives already there (left exactly as they are)."""

    name: str
    replaces: tuple
    others: tuple


def demo_place(store: Store, spec: Sample) -> DemoPlace:
    """The sample's name in ``store`` (its own, or numbered if one of the user's
    initiatives has it), and the earlier demos of the same framework it replaces:
    those marked as a demo in the database, never recognised by their name."""
    replaces = demo_initiatives(store, spec.framework)
    every = initiative_names(store)
    others = tuple(n for n, is_demo in every if n not in replaces)
    taken = {n.casefold() for n in others}
    name, n = spec.initiative, 1
    while name.casefold() in taken:
        n += 1
        name = spec.initiative.replace("(demo)", f"(demo {n})")
        if name == spec.initiative:
            name = f"{spec.initiative} {n}"
    return DemoPlace(name, tuple(replaces), others)


def build_demo(store: Store, catalog: Catalog, framework_id: str = DEMO_FRAMEWORK,
               place: DemoPlace | None = None) -> str:
    """Create the sample initiative for ``framework_id`` in ``store``, marked as a demo,
    after deleting the earlier demo it replaces; return its name.  No other
    initiative's rows are read for writing, changed or deleted."""
    spec = sample(framework_id, catalog)
    place = place or demo_place(store, spec)
    for earlier in place.replaces:
        delete_rows(store, earlier, None, demo_only=True)
    name = place.name
    create_initiative(store, catalog, name, spec.framework,
                      description=spec.description, started_on=dt.date(2024, 10, 1),
                      is_demo=True)
    framework = catalog.for_initiative(spec.framework)
    for site in spec.sites:
        add_site(store, name, site.name, site.region, site.joined, force=True)
    log_batch(store, name, sample_events(catalog, spec))
    if spec.mistake:
        site, s, c, on, reason = spec.mistake
        cp = framework.stages[s].required[c].full_id
        mistake = log_event(store, name, site, cp, on=on, by=COORDINATOR)
    else:  # NASSS: a rating logged against the wrong site
        site, on = spec.sites[1].name, dt.date(2026, 5, 5)
        cp = next(c for st in framework.stages for c in st.checkpoints if c.scale)
        mistake = log_event(store, name, site, cp.full_id,
                            rating=framework.levels(cp)[-1], on=on, by=LEAD)
        reason = f"logged against {site}; it was {spec.sites[0].name}"
    retract_event(store, name, mistake.event.id, reason=reason, by=LEAD,
                  on=on + dt.timedelta(days=1))
    for site, s, due, set_on in spec.plans:
        set_plan(store, name, site, framework.stages[s].id, due, set_on=set_on,
                 by=LEAD)
    return name
