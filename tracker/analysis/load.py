"""Fetch what an analysis needs from the store, in one read transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.analysis.status import SiteInfo, Status, compute_status
from tracker.catalog import Framework
from tracker.store import Store
from tracker.store.queries import (checkpoint_states, framework_of, latest_plans,
                                   rating_history, resolve_initiative, sites)


@dataclass
class Snapshot:
    """Everything analyses read, as of one date."""

    initiative: str
    framework: Framework
    as_of: dt.date
    status: Status
    plans: dict


def snapshot(store: Store, initiative_name: str | None, as_of: dt.date | None = None) -> Snapshot:
    as_of = as_of or dt.date.today()
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        site_rows = [SiteInfo(s.id, s.name, s.region, s.joined_on)
                     for s in sites(session, initiative)]
        states = list(checkpoint_states(session, initiative.id, as_of,
                                         with_previous=framework.kind == "domains"))
        plans = latest_plans(session, initiative.id, as_of)
        name = initiative.name
    status = compute_status(name, framework, site_rows, states, as_of)
    return Snapshot(name, framework, as_of, status, plans)


def ratings_by_site(store: Store, initiative_name: str | None,
                    as_of: dt.date) -> dict[str, list[tuple[str, dt.date, str]]]:
    """Each site's rating history (checkpoint, date, level), for the complexity chart."""
    out: dict[str, list] = {}
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        for site, checkpoint, on, level in rating_history(session, initiative.id, as_of):
            out.setdefault(site, []).append((checkpoint, on, level))
    return out
