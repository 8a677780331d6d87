"""Merging a site into another, and undoing it.

A typo in a spreadsheet ('Leds' for 'Leeds') used to become a site of its own
for ever.  ``merge_sites`` puts it right without touching a single event, plan
or rating: the merged site's row gets ``merged_into`` (the site its records
now count for) and a ``site_changes`` row records who merged it, when, and
into what.  Every read that groups records by site reads them through the
merge (``tracker.store.merged``), so the merged site appears nowhere; where
both sites have records for one checkpoint, both are kept and the analyses'
usual rules pick the state (the latest, same-day ones in recording order).
``unmerge_site`` undoes it exactly, and the history keeps both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tracker.errors import BadInput
from tracker.store import Store
from tracker.store.merged import merge_map, merged_message
from tracker.store.queries import find_site, name_key, resolve_initiative
from tracker.store.schema import Event, Initiative, Site, SiteChange
from tracker.store.writes import _insert, default_recorder


@dataclass(frozen=True)
class MergePlan:
    """What a merge would do: the two sites by name, and how many records move."""

    initiative: str
    source: str
    target: str
    events: int
    plans: int

    def describe(self) -> str:
        def n(count: int, one: str) -> str:
            return f"{count} {one}{'' if count == 1 else 's'}"
        return (f"site '{self.source}' ({n(self.events, 'event')} and {n(self.plans, 'plan')}) "
                f"into '{self.target}'")


def _sites(session: Session, initiative: Initiative, source: str,
           target: str) -> tuple[Site, Site]:
    """The two sites of a merge, or BadInput saying why they cannot be merged."""
    if name_key(source) == name_key(target):
        raise BadInput(f"'{source}' and '{target}' are the same site; name the site to merge "
                       "away first, then the site to keep")
    src = find_site(session, initiative, source, merged=True)
    if src.merged_into is not None:
        raise BadInput(merged_message(session, src, source))
    dst = find_site(session, initiative, target, merged=True)
    if dst.merged_into is not None:
        now = session.get(Site, merge_map(session, initiative.id)[dst.id])
        raise BadInput(f"site '{dst.name}' was itself merged into '{now.name}': merge "
                       f"'{src.name}' into '{now.name}' instead")
    if dst.retired_on is not None:
        raise BadInput(f"site '{dst.name}' was retired on {dst.retired_on.isoformat()}, so "
                       f"the records of '{src.name}' would stop counting: reinstate it first "
                       f"(scaletrack site reinstate {_q(dst.name)}), or merge into a site "
                       "that is still taking part")
    return src, dst


def _counts(session: Session, site: Site) -> tuple[int, int]:
    """Events and plans of ``site`` and of the sites already merged into it."""
    ids = [site.id] + [k for k, v in merge_map(session, site.initiative_id).items()
                       if v == site.id]
    is_plan = case((Event.kind == "plan", 1), else_=0)
    events, plans = session.execute(
        select(func.count() - func.coalesce(func.sum(is_plan), 0),
               func.coalesce(func.sum(is_plan), 0)).where(Event.site_id.in_(ids))).one()
    return events, plans


def merge_plan(store: Store, initiative_name: str | None, source: str,
               target: str) -> MergePlan:
    """Check a merge without making it, and say what it would move (for confirmation)."""
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        src, dst = _sites(session, initiative, source, target)
        events, plans = _counts(session, src)
        return MergePlan(initiative.name, src.name, dst.name, events, plans)


def merge_sites(store: Store, initiative_name: str | None, source: str, target: str,
                by: str | None = None, today: dt.date | None = None) -> MergePlan:
    """Merge site ``source`` into ``target``: every event, plan and rating of ``source``
    (and of sites merged into it before) counts as ``target``'s from now on."""
    key = f"merge:{uuid.uuid4().hex}"
    by = (by or "").strip() or default_recorder()
    on = today or dt.date.today()

    def tx(session: Session) -> MergePlan:
        initiative = resolve_initiative(session, initiative_name)
        done = session.scalar(select(SiteChange).where(SiteChange.idempotency_key == key))
        if done is None:
            src, dst = _sites(session, initiative, source, target)
            src.merged_into = dst.id
            session.add(SiteChange(initiative_id=initiative.id, site_id=src.id,
                                   field="merged_into", old_value=None, new_value=dst.name,
                                   effective_on=on, recorded_by=by, into_site_id=dst.id,
                                   idempotency_key=key))
            session.flush()
        else:
            src, dst = session.get(Site, done.site_id), session.get(Site, done.into_site_id)
        events, plans = _counts(session, src)
        return MergePlan(initiative.name, src.name, dst.name, events, plans)

    return _insert(store, tx, "that merge was recorded already")


def unmerge_site(store: Store, initiative_name: str | None, name: str,
                 by: str | None = None, today: dt.date | None = None) -> MergePlan:
    """Undo the merge of site ``name``: it is a site of its own again, with exactly the
    records it had; the merge and its undoing both stay in the sites' history."""
    key = f"unmerge:{uuid.uuid4().hex}"
    by = (by or "").strip() or default_recorder()
    on = today or dt.date.today()

    def tx(session: Session) -> MergePlan:
        initiative = resolve_initiative(session, initiative_name)
        done = session.scalar(select(SiteChange).where(SiteChange.idempotency_key == key))
        if done is None:
            site = find_site(session, initiative, name, merged=True)
            if site.merged_into is None:
                raise BadInput(f"site '{site.name}' is not merged into another site; "
                               "nothing to undo")
            into = session.get(Site, site.merged_into)
            site.merged_into = None
            session.add(SiteChange(initiative_id=initiative.id, site_id=site.id,
                                   field="merged_into", old_value=into.name, new_value=None,
                                   effective_on=on, recorded_by=by, into_site_id=into.id,
                                   idempotency_key=key))
            session.flush()
        else:
            site, into = session.get(Site, done.site_id), session.get(Site, done.into_site_id)
        events, plans = _counts(session, site)
        return MergePlan(initiative.name, site.name, into.name, events, plans)

    return _insert(store, tx, "that merge was undone already")


def _q(name: str) -> str:
    import shlex

    return shlex.quote(name)
