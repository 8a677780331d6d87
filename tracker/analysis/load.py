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

from tracker.analysis.gaps import Gap, compute_gaps, default_stalled_after
from tracker.analysis.status import SiteInfo, Status, compute_status
from tracker.catalog import Framework
from tracker.errors import BadInput
from tracker.store import Store
from tracker.store.queries import (find_site, framework_of, latest_plans, name_key,
                                   rating_history, resolve_initiative, retired_sites, sites)
from tracker.store.states import checkpoint_states


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
    # (name, retired on) of the sites left out because retired by the as-of date
    retired: list = field(default_factory=list)
    # days without events after which a site is stalled, where a command chose it (a
    # report's --stalled-after): its charts then mark the sites its text names
    stalled_after: int | None = None

    def stalled_days(self) -> int:
        """The days after which a site counts as stalled: as chosen, or the framework's."""
        return (default_stalled_after(self.framework) if self.stalled_after is None
                else self.stalled_after)


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
        retired = retired_sites(session, initiative, as_of)
    status = compute_status(name, framework, site_rows, states, as_of)
    return Snapshot(name, framework, as_of, status, plans, ratings, retired)


def _ratings(session, initiative_id: int,
             as_of: dt.date) -> dict[str, list[tuple[str, dt.date, str]]]:
    """Each site's rating history (checkpoint, date, level), for the complexity chart."""
    out: dict[str, list] = {}
    for site, checkpoint, on, level in rating_history(session, initiative_id, as_of):
        out.setdefault(site, []).append((checkpoint, on, level))
    return out


def site_in(store: Store, snap: Snapshot, site: str) -> str:
    """The site named ``site`` as the snapshot has it (case and spacing as stored).

    A name the analysis does not hold is looked up in the database, so an unknown
    site gets the usual error with the closest names, and a site that had not
    joined by the as-of date, or was retired by it, says so: a filter that matches nothing must never
    read as "no gaps".
    """
    if not site.strip():
        raise BadInput("--site is empty: give a site name, or leave the option out")
    wanted = name_key(site)
    for s in snap.status.sites:
        if name_key(s.site) == wanted:
            return s.site
    with store.reading() as session:
        found = find_site(session, resolve_initiative(session, snap.initiative), site)
        name, joined_on, retired_on = found.name, found.joined_on, found.retired_on
    as_of = snap.as_of.isoformat()
    if joined_on is not None and joined_on > snap.as_of:
        raise BadInput(f"site '{name}' joined on {joined_on.isoformat()}, after {as_of}; "
                       "give a later --as-of")
    if retired_on is not None and retired_on <= snap.as_of:
        raise BadInput(f"site '{name}' was retired on {retired_on.isoformat()}, so analyses "
                       f"as of {as_of} leave it out; give an earlier --as-of")
    raise BadInput(f"site '{name}' is not in the analyses as of {as_of}")


def gaps_of(store: Store, initiative_name: str | None, as_of: dt.date | None = None,
            stalled_after: int | None = None,
            site: str | None = None) -> tuple[list[Gap], Status]:
    """``scaletrack gaps``: every site's gaps (or one site's), with the status they
    were found in (the view heads its table with it).  ``stalled_after`` defaults to
    the framework's, as in a report."""
    snap = snapshot(store, initiative_name, as_of)
    snap.stalled_after = stalled_after
    name = site_in(store, snap, site) if site is not None else None
    return compute_gaps(snap.status, snap.plans, snap.stalled_days(), name), snap.status
