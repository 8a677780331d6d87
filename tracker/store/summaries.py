"""What ``initiative list`` and ``site list`` show, as plain rows.

The command line only prints; the counting happens here, in SQL, one grouped
query per listing rather than one per initiative or site.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from tracker.store import Store
from tracker.store.merged import counted_site, merge_map
from tracker.store.queries import find_site, initiatives, resolve_initiative, sites
from tracker.store.schema import Event, Site, SiteChange

INITIATIVE_COLUMNS = ("name", "framework", "version", "sites", "events", "started",
                      "description")
SITE_COLUMNS = ("site", "region", "joined", "retired", "events")
CHANGE_COLUMNS = ("site", "change", "old", "new", "effective_on", "recorded_at",
                  "recorded_by")
# site_changes.field as the listing names it
CHANGE_WORDS = {"name": "renamed", "region": "region", "joined_on": "joined",
                "retired_on": "retired", "merged_into": "merged"}


def initiative_summaries(store: Store) -> list[dict]:
    """Every initiative with its framework, version and how many sites and events it has
    (plans, records of the same table, are not counted as events)."""
    with store.reading() as session:
        n_sites = dict(session.execute(
            select(Site.initiative_id, func.count()).where(Site.merged_into.is_(None))
            .group_by(Site.initiative_id)).all())
        n_events = dict(session.execute(
            select(Event.initiative_id, func.count()).where(Event.kind != "plan")
            .group_by(Event.initiative_id)).all())
        return [{"name": ini.name, "framework": snap.framework_id, "version": snap.version,
                 "sites": n_sites.get(ini.id, 0), "events": n_events.get(ini.id, 0),
                 "started": ini.started_on, "description": ini.description}
                for ini, snap in initiatives(session)]


def site_summaries(store: Store, initiative_name: str | None) -> list[dict]:
    """The initiative's sites, by name, with their region, joined date and event count."""
    with store.reading() as session:
        ini = resolve_initiative(session, initiative_name)
        site = counted_site(Event.site_id, merge_map(session, ini.id))
        counts = dict(session.execute(
            select(site, func.count()).where(Event.initiative_id == ini.id,
                                             Event.kind != "plan")
            .group_by(site)).all())
        return [{"site": s.name, "region": s.region, "joined": s.joined_on,
                 "retired": s.retired_on, "events": counts.get(s.id, 0)}
                for s in sites(session, ini)]


def site_changes(store: Store, initiative_name: str | None,
                 site_name: str | None = None) -> list[dict]:
    """Every recorded change to the initiative's sites (or to one site), oldest first;
    ``site`` is the site's name now.  A site's history includes the sites merged into
    it (and the undoing of such merges); a merged site's own history can still be read."""
    with store.reading() as session:
        ini = resolve_initiative(session, initiative_name)
        query = (select(SiteChange, Site.name).join(Site, Site.id == SiteChange.site_id)
                 .where(SiteChange.initiative_id == ini.id).order_by(SiteChange.id))
        if site_name is not None:
            site_id = find_site(session, ini, site_name, merged=True).id
            query = query.where(or_(SiteChange.site_id == site_id,
                                    SiteChange.into_site_id == site_id))
        return [{"site": name, "change": _change_word(c), "old": c.old_value,
                 "new": c.new_value, "effective_on": c.effective_on,
                 "recorded_at": c.recorded_at, "recorded_by": c.recorded_by}
                for c, name in session.execute(query)]


def _change_word(change: SiteChange) -> str:
    if change.field == "retired_on" and change.new_value is None:
        return "reinstated"
    if change.field == "merged_into" and change.new_value is None:
        return "unmerged"
    return CHANGE_WORDS[change.field]
