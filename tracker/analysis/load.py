"""Fetch what an analysis needs from the store, in one read transaction.

Which sites an analysis counts is decided here, once, for every analysis,
chart and report: the sites that had not been retired by the as-of date
(``queries.sites`` with ``counted_on``).  A site retired on or before the
as-of date is left out entirely, its events, plans and ratings with it; for an
earlier as-of date it counts as it always did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # site name -> [(checkpoint, date, level)] in date order, when asked for
    history: dict | None = field(default=None, repr=False)


def snapshot(store: Store, initiative_name: str | None, as_of: dt.date | None = None,
             history: bool | Callable[[Framework], bool] = False) -> Snapshot:
    """The analysis inputs as of a date, read in one transaction.

    ``history`` (or a test of the framework, such as ``charts.needs_history``)
    also reads every site's rating history, which only some charts draw.
    """
    as_of = as_of or dt.date.today()
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        wanted = history(framework) if callable(history) else history
        site_rows = [SiteInfo(s.id, s.name, s.region, s.joined_on)
                     for s in sites(session, initiative, counted_on=as_of)]
        # Everything below is kept to the counted sites (a retired site's rows drop out).
        ids, names = {s.id for s in site_rows}, {s.name for s in site_rows}
        ratings = None
        if wanted:
            ratings = {site: levels for site, levels in
                       _ratings(session, initiative.id, as_of).items() if site in names}
        states = [st for st in checkpoint_states(session, initiative.id, as_of,
                                                 with_previous=framework.kind == "domains")
                  if st.site_id in ids]
        plans = {key: due for key, due in latest_plans(session, initiative.id, as_of).items()
                 if key[0] in ids}
        name = initiative.name
    status = compute_status(name, framework, site_rows, states, as_of)
    return Snapshot(name, framework, as_of, status, plans, ratings)


def _ratings(session, initiative_id: int,
             as_of: dt.date) -> dict[str, list[tuple[str, dt.date, str]]]:
    """Each site's rating history (checkpoint, date, level), for the complexity chart."""
    out: dict[str, list] = {}
    for site, checkpoint, on, level in rating_history(session, initiative_id, as_of):
        out.setdefault(site, []).append((checkpoint, on, level))
    return out
