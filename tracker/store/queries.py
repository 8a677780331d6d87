"""Reads: look-ups by name, listings, and the aggregate that analyses run on.

``checkpoint_states`` is where analyses meet the database.  It reduces the
event log to one row per site and checkpoint (first and last activity, latest
status, latest and previous rating) in SQL, so an analysis of 300,000 events
builds a few thousand objects in Python, never one per event.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shlex
from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.catalog import Framework
from tracker.errors import BadInput, UnknownName
from tracker.rules import name_key as _key
from tracker.store.merged import counted_site, merge_map, merged_message
from tracker.store.records import SMALL_KINDS, withdrawn_ids
from tracker.store.schema import (Event, FrameworkSnapshot, Initiative, InitiativeChange, Site,
                                  SiteChange)


def name_key(name: str) -> str:
    """The key names are looked up by: as people read them (``rules.plain_name``:
    NFC, no invisible characters, one space between words), ignoring case."""
    return _key(name)


def _by_key(session: Session, query, column, name: str, name_of=lambda row: row.name):
    """The row of ``query`` whose name has ``name``'s key, or None.

    Keys stored before names were normalised (a name typed with a combining accent or
    a zero-width space) differ from the key made today, so a miss falls back to the
    names themselves, keyed now: a database needs no migration to be found by them.
    A miss is rare (an unknown name, about to be an error), so the scan costs little.
    """
    key = name_key(name)
    found = session.scalar(query.where(column == key))
    if found is None:
        found = next((row for row in session.scalars(query)
                      if name_key(name_of(row)) == key), None)
    return found


def initiative_named(session: Session, name: str) -> Initiative | None:
    """The initiative whose name is ``name`` as people read it, ignoring case, or None."""
    return _by_key(session, select(Initiative), Initiative.name_key, name)


def site_named(session: Session, initiative: Initiative, name: str,
               besides: Site | None = None) -> Site | None:
    """The initiative's site whose name is ``name`` as people read it, ignoring case
    (``besides``, a site being renamed, left out), or None."""
    query = select(Site).where(Site.initiative_id == initiative.id)
    if besides is not None:
        query = query.where(Site.id != besides.id)
    return _by_key(session, query, Site.name_key, name)


def initiatives(session: Session) -> list[tuple[Initiative, FrameworkSnapshot]]:
    rows = session.execute(
        select(Initiative, FrameworkSnapshot)
        .join(FrameworkSnapshot, Initiative.framework_pk == FrameworkSnapshot.id)
        .order_by(Initiative.name_key))
    return [(i, f) for i, f in rows]


def resolve_initiative(session: Session, name: str | None) -> Initiative:
    """The named initiative, or the only one when no name is given."""
    if name:
        found = initiative_named(session, name)
        if found is None:
            renamed = former_initiative(session, name)
            if renamed is not None:
                raise BadInput(renamed)
            names = [i.name for i, _ in initiatives(session)]
            raise UnknownName("initiative", name, names,
                              hint="see 'scaletrack initiative list'")
        return found
    every = session.scalars(select(Initiative).order_by(Initiative.name_key)).all()
    if len(every) == 1:
        return every[0]
    if not every:
        raise BadInput("there are no initiatives yet: create one with "
                       "'scaletrack initiative create NAME --framework ID'")
    raise BadInput(f"this database holds {len(every)} initiatives "
                   f"({', '.join(i.name for i in every)}): choose one with -i NAME "
                   "or SCALETRACK_INITIATIVE")


def former_initiative(session: Session, name: str) -> str | None:
    """If ``name`` is what an initiative used to be called, a message naming what it is
    called now (the latest rename away from the name wins); else None."""
    key = name_key(name)
    renames = session.execute(
        select(InitiativeChange.old_value, InitiativeChange.new_value,
               InitiativeChange.recorded_at, Initiative.name)
        .join(Initiative, Initiative.id == InitiativeChange.initiative_id)
        .where(InitiativeChange.field == "name").order_by(InitiativeChange.id.desc()))
    for old, new, at, current in renames:
        if name_key(old or "") == key:
            now = f", and is now called '{current}'" if current != new else ""
            return (f"there is no initiative '{name}': it was renamed to '{new}' on "
                    f"{at:%Y-%m-%d}{now}; use -i {shlex.quote(current)}")
    return None


@functools.lru_cache(maxsize=64)
def _framework_from_json(definition: str) -> Framework:
    return Framework.from_dict(json.loads(definition), source="database")


def framework_of(session: Session, initiative: Initiative) -> Framework:
    """The framework definition pinned when the initiative was created."""
    snap = session.get(FrameworkSnapshot, initiative.framework_pk)
    return _framework_from_json(snap.definition)


def sites(session: Session, initiative: Initiative,
          counted_on: dt.date | None = None) -> list[Site]:
    """The initiative's sites by name; with ``counted_on``, only those an analysis as of
    that date counts: a site retired on or before it is left out (its history stays).

    This is the one place analyses leave retired sites out (``analysis.load`` asks
    for ``counted_on``); listings and look-ups see every site.  A site merged into
    another is never listed: its records count as the other site's.
    """
    query = select(Site).where(Site.initiative_id == initiative.id, Site.merged_into.is_(None))
    if counted_on is not None:
        query = query.where(or_(Site.retired_on.is_(None), Site.retired_on > counted_on))
    return list(session.scalars(query.order_by(Site.name_key)))


def retired_sites(session: Session, initiative: Initiative,
                  by: dt.date) -> list[tuple[str, dt.date]]:
    """(name, retired on) of the sites retired on or before ``by``, oldest first: the
    sites an analysis as of ``by`` leaves out, for a report to name."""
    query = (select(Site.name, Site.retired_on)
             .where(Site.initiative_id == initiative.id, Site.retired_on <= by,
                    Site.merged_into.is_(None))
             .order_by(Site.retired_on, Site.name_key))
    return [(name, on) for name, on in session.execute(query)]


def find_site(session: Session, initiative: Initiative, name: str,
              merged: bool = False) -> Site:
    """The site of that name (ignoring case); a former name is refused with the new one,
    and the name of a site merged into another with that one (unless ``merged``: the
    merge's own history and undoing)."""
    found = site_named(session, initiative, name)
    if found is not None and found.merged_into is not None and not merged:
        raise BadInput(merged_message(session, found, name))
    if found is None:
        renamed = former_name(session, initiative, name)
        if renamed is not None:
            raise BadInput(renamed)
        raise UnknownName("site", name, [s.name for s in sites(session, initiative)],
                          hint="add it with 'scaletrack site add NAME'")
    return found


def former_name(session: Session, initiative: Initiative, name: str) -> str | None:
    """If ``name`` is what a site used to be called, a message saying what it is called
    now and since when; else None."""
    return former_names(session, initiative, name).get(name_key(name))


def former_names(session: Session, initiative: Initiative,
                 name: str | None = None) -> dict[str, str]:
    """{name key: message} for the names the initiative's sites used to have, each message
    naming what the site was renamed to and when (the latest rename away from the name
    wins), with ``name`` (or the old name) as the name typed."""
    renames = session.execute(
        select(SiteChange.old_value, SiteChange.new_value, SiteChange.effective_on,
               Site.name)
        .join(Site, Site.id == SiteChange.site_id)
        .where(SiteChange.initiative_id == initiative.id, SiteChange.field == "name")
        .order_by(SiteChange.id.desc()))
    found: dict[str, str] = {}
    for old, new, on, current in renames:
        key = name_key(old or "")
        if not key or key in found:
            continue
        message = (f"there is no site '{name or old}': it was renamed to '{new}' on "
                   f"{on.isoformat()}")
        if current != new:
            message += f", and is now called '{current}'"
        found[key] = message
    return found


def retracted_ids(session: Session, initiative_id: int) -> set[int]:
    """The ids of the initiative's records that no analysis counts: retracted, and not
    restored by a retraction of the retraction (``records.withdrawn_ids``), whatever
    the date of the retractions (one withdraws its record for every as-of date)."""
    return withdrawn_ids(session, initiative_id)


def latest_plans(session: Session, initiative_id: int,
                 as_of: dt.date) -> dict[tuple[int, str], dt.date]:
    """The due date in force on ``as_of`` for each (site, stage) with a plan: of the
    plans in force agreed on or before ``as_of``, the one agreed last (of one day, the
    one recorded last).  A merged site's plans count as its target's.  Plans are few,
    so they are read and ranked here."""
    withdrawn = withdrawn_ids(session, initiative_id)
    merged = merge_map(session, initiative_id)
    rows = session.execute(
        select(Event.id, Event.site_id, Event.stage, Event.due_on, Event.occurred_on)
        .where(Event.initiative_id == initiative_id, Event.kind == "plan", SMALL_KINDS,
               Event.occurred_on <= as_of))
    best: dict[tuple[int, str], tuple] = {}
    for plan_id, site_id, stage, due, agreed in rows:
        if plan_id in withdrawn:
            continue
        site_id = merged.get(site_id, site_id)
        held = best.get((site_id, stage))
        if held is None or (agreed, plan_id) > held[:2]:
            best[(site_id, stage)] = (agreed, plan_id, due)
    return {key: due for key, (_, _, due) in best.items()}


def rating_history(session: Session, initiative_id: int,
                   as_of: dt.date) -> Iterator[tuple[str, str, dt.date, str]]:
    """Every live rating on or before ``as_of``: (site, checkpoint, date, level), in order.

    Retracted ratings are left out in Python, for the reason ``checkpoint_states`` gives."""
    retracted = retracted_ids(session, initiative_id)
    site = counted_site(Event.site_id, merge_map(session, initiative_id))
    query = (select(Site.name, Event.checkpoint, Event.occurred_on, Event.rating, Event.id)
             .join(Site, Site.id == site)
             .where(Event.initiative_id == initiative_id, Event.kind == "rated",
                    Event.occurred_on <= as_of)
             .order_by(Site.name, Event.occurred_on, Event.id))
    for site, checkpoint, on, rating, event_id in session.execute(query):
        if event_id not in retracted:
            yield site, checkpoint, on, rating
