"""A realistic sample scale-out, so a newcomer can see every output at once.

"Shared Lives North (demo)" spreads a Shared Lives scheme to eight local
authorities over two years on the IHI Framework for Going to Full Scale.  The
sites move at different speeds: one is nearly at full scale, one has stalled,
one is blocked, one skipped a set-up step, one is slow, one missed its plan,
and one has only just joined.  A mistaken event is retracted.  The data are
generated from a fixed seed, so the demo prints the same thing every time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tracker.catalog import Catalog
from tracker.store import Store
from tracker.store.writes import (add_site, create_initiative, log_batch, log_event,
                                  retract_event, set_plan)

DEMO_INITIATIVE = "Shared Lives North (demo)"
DEMO_FRAMEWORK = "ihi-full-scale"
DEMO_AS_OF = dt.date(2026, 9, 30)
DEMO_QUARTER = "2026Q3"
LEAD = "programme-lead"
COORDINATOR = "site-coordinator"


@dataclass(frozen=True)
class DemoSite:
    name: str
    region: str
    joined: dt.date
    done: dict            # stage id -> how many of its checkpoints are done (in order)
    skip: tuple = ()      # checkpoints left undone although later ones are done
    blocked: tuple = ()   # checkpoints logged as blocked
    until: dt.date = DEMO_AS_OF  # roughly when the last of them was done
    stop: dt.date | None = None  # no events after this date (a stalled site)


SITES = (
    DemoSite("Leeds", "West Yorkshire", dt.date(2024, 10, 1),
             {"set-up": 6, "scalable-unit": 5, "test-of-scale-up": 4, "full-scale": 2},
             until=dt.date(2026, 9, 8)),
    DemoSite("Bradford", "West Yorkshire", dt.date(2024, 11, 4),
             {"set-up": 6, "scalable-unit": 5, "test-of-scale-up": 2},
             until=dt.date(2026, 8, 24)),
    DemoSite("Calderdale", "West Yorkshire", dt.date(2024, 12, 2),
             {"set-up": 6, "scalable-unit": 2}, until=dt.date(2026, 2, 16),
             stop=dt.date(2026, 3, 20)),
    DemoSite("Kirklees", "West Yorkshire", dt.date(2025, 1, 13),
             {"set-up": 6, "scalable-unit": 5, "test-of-scale-up": 1},
             blocked=("test-of-scale-up.mechanisms-tested",), until=dt.date(2026, 6, 22)),
    DemoSite("Wakefield", "West Yorkshire", dt.date(2025, 3, 3),
             {"set-up": 6, "scalable-unit": 3}, skip=("set-up.measurement-plan",),
             until=dt.date(2026, 8, 3)),
    DemoSite("York", "North Yorkshire", dt.date(2025, 4, 7),
             {"set-up": 6, "scalable-unit": 1}, until=dt.date(2025, 12, 1)),
    DemoSite("North Yorkshire", "North Yorkshire", dt.date(2025, 10, 6),
             {"set-up": 3}, until=dt.date(2026, 7, 27)),
    DemoSite("Sheffield", "South Yorkshire", dt.date(2026, 4, 13), {"set-up": 1},
             until=dt.date(2026, 8, 20)),
)

RATINGS = (  # (site, checkpoint, level, date)
    ("Leeds", "scie-factors.evidence", "facilitator", dt.date(2025, 6, 2)),
    ("Leeds", "scie-factors.co-production", "facilitator", dt.date(2025, 6, 2)),
    ("Leeds", "adoption-mechanisms.leadership", "in place", dt.date(2025, 6, 2)),
    ("Bradford", "adoption-mechanisms.leadership", "partly in place", dt.date(2025, 7, 14)),
    ("Bradford", "scie-factors.resources", "neutral", dt.date(2025, 7, 14)),
    ("Calderdale", "scie-factors.staff-turnover", "barrier", dt.date(2025, 11, 10)),
    ("Calderdale", "scie-factors.resources", "barrier", dt.date(2026, 1, 19)),
    ("Calderdale", "adoption-mechanisms.leadership", "not in place", dt.date(2026, 1, 19)),
    ("Kirklees", "scie-factors.risk-aversion", "barrier", dt.date(2026, 2, 9)),
    ("Kirklees", "scie-factors.networks", "facilitator", dt.date(2026, 2, 9)),
    ("York", "scie-factors.time-to-embed", "neutral", dt.date(2026, 5, 11)),
)

PLANS = (  # (site, stage, due, set on)
    ("Leeds", "full-scale", dt.date(2027, 3, 31), dt.date(2026, 4, 1)),
    ("Bradford", "test-of-scale-up", dt.date(2026, 12, 31), dt.date(2026, 4, 1)),
    ("Wakefield", "scalable-unit", dt.date(2026, 6, 30), dt.date(2025, 10, 1)),
    ("Wakefield", "scalable-unit", dt.date(2026, 9, 1), dt.date(2026, 4, 1)),
    ("North Yorkshire", "set-up", dt.date(2026, 6, 30), dt.date(2025, 10, 6)),
)


def sample_events(catalog: Catalog) -> list[dict]:
    """The demo's events, generated from a fixed seed."""
    framework = catalog.for_initiative(DEMO_FRAMEWORK)
    rng = random.Random(2026)
    entries: list[dict] = []
    for site in SITES:
        day = site.joined + dt.timedelta(days=rng.randint(5, 15))
        n_done = sum(site.done.values())
        draws = [rng.uniform(0.6, 1.4) for _ in range(n_done)]
        span = (site.until - day).days
        gaps = iter([max(3, round(span * d / sum(draws))) for d in draws])
        for stage in framework.stages:
            for cp in stage.checkpoints[: site.done.get(stage.id, 0)]:
                day += dt.timedelta(days=next(gaps))
                if site.stop and day > site.stop:
                    day = site.stop
                if day > DEMO_AS_OF:
                    day = DEMO_AS_OF - dt.timedelta(days=rng.randint(1, 20))
                if cp.full_id in site.skip:
                    continue
                if rng.random() < 0.5:
                    entries.append({"site": site.name, "checkpoint": cp.full_id,
                                    "status": "started", "by": COORDINATOR,
                                    "on": day - dt.timedelta(days=rng.randint(5, 15))})
                entries.append({"site": site.name, "checkpoint": cp.full_id, "status": "done",
                                "on": day, "by": COORDINATOR})
        for cp_id in site.blocked:
            entries.append({"site": site.name, "checkpoint": cp_id, "status": "started",
                            "on": day + dt.timedelta(days=10), "by": COORDINATOR})
            entries.append({"site": site.name, "checkpoint": cp_id, "status": "blocked",
                            "on": day + dt.timedelta(days=40), "by": COORDINATOR,
                            "note": "data-sharing agreement with the NHS trust not yet signed"})
    for site, cp, level, on in RATINGS:
        entries.append({"site": site, "checkpoint": cp, "rating": level, "on": on, "by": LEAD})
    entries.append({"site": "York", "checkpoint": "scalable-unit.package-tested",
                    "status": "started", "on": dt.date(2026, 8, 17), "by": COORDINATOR,
                    "note": "second round of test cycles after a change of provider"})
    entries.append({"site": "Calderdale", "checkpoint": "scalable-unit.unit-defined",
                    "status": "note", "on": dt.date(2026, 3, 20), "by": LEAD,
                    "note": "carer recruitment paused while the scheme manager post is vacant"})
    return entries


def build_demo(store: Store, catalog: Catalog) -> str:
    """Create the demo initiative in ``store``; return its name."""
    create_initiative(store, catalog, DEMO_INITIATIVE, DEMO_FRAMEWORK,
                      description="A Shared Lives scheme spreading across Yorkshire",
                      started_on=dt.date(2024, 10, 1))
    for site in SITES:
        add_site(store, DEMO_INITIATIVE, site.name, site.region, site.joined)
    log_batch(store, DEMO_INITIATIVE, sample_events(catalog))
    mistake = log_event(store, DEMO_INITIATIVE, "Calderdale", "test-of-scale-up.replicated",
                        on=dt.date(2026, 5, 5), by=COORDINATOR,
                        note="replication in a second locality")
    retract_event(store, DEMO_INITIATIVE, mistake.event.id,
                  reason="logged against Calderdale; it was Bradford", by=LEAD,
                  on=dt.date(2026, 5, 6))
    for site, stage, due, set_on in PLANS:
        set_plan(store, DEMO_INITIATIVE, site, stage, due, set_on=set_on, by=LEAD)
    return DEMO_INITIATIVE
