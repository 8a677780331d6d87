"""Reading sites through their merges.

``site merge FROM INTO`` changes no event, plan or rating: it sets
``sites.merged_into`` on FROM (and records a ``site_changes`` row).  Every read
that groups records by site therefore asks here which site a record counts
for: ``merge_map`` gives, for each merged site, the site it counts as now
(following a chain, 'Leds' into 'Leeds' after 'Leeds' itself went into
'Leeds City'), and ``counted_site`` turns a ``site_id`` column into that
site's id in SQL.  With no merges (nearly always) both are free: an empty map,
and the column as it is.

This module only reads; the merge itself is ``tracker.store.merging``.
"""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from tracker.store.schema import Site, SiteChange


def merge_map(session: Session, initiative_id: int) -> dict[int, int]:
    """{merged site id: id of the site its records count for now}."""
    direct = dict(session.execute(
        select(Site.id, Site.merged_into).where(Site.initiative_id == initiative_id,
                                                Site.merged_into.is_not(None))).all())
    resolved = {}
    for site_id, target in direct.items():
        seen = {site_id}
        while target in direct and target not in seen:  # merges refuse cycles; be safe
            seen.add(target)
            target = direct[target]
        resolved[site_id] = target
    return resolved


def counted_site(column, merges: dict[int, int]):
    """``column`` (a site id) as the id of the site it counts for, in SQL."""
    if not merges:
        return column
    return case(merges, value=column, else_=column)


def merged_message(session: Session, site: Site, typed: str | None = None) -> str:
    """Why a merged site's name is refused: what it was merged into, and when."""
    target = session.get(Site, merge_map(session, site.initiative_id).get(site.id,
                                                                           site.merged_into))
    when = session.scalar(
        select(SiteChange.effective_on).where(SiteChange.site_id == site.id,
                                              SiteChange.field == "merged_into",
                                              SiteChange.new_value.is_not(None))
        .order_by(SiteChange.id.desc()).limit(1))
    on = f" on {when.isoformat()}" if when else ""
    name = typed if typed is not None else site.name
    return (f"there is no site '{name}': it was merged into '{target.name}'{on}, and its "
            f"records count for '{target.name}' (to undo it: scaletrack site unmerge "
            f"{_quoted(site.name)})")


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)
