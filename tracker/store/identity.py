"""Stable identifiers (uids) of initiatives and sites, as export and import carry them.

A quarterly return names its initiative and site by uid (``schema.new_uid``),
not by name: a name can change, and another database can hold an initiative
of the same name that is another initiative.  ``events export`` writes both
uids on every site row; ``events import`` gives them to what it creates:

- the initiative takes the file's uid when it has no sites yet (a fresh
  initiative being filled from an export, as in a move from SQLite to
  PostgreSQL) and no other initiative of this database has that uid;
- a site created by the import takes the file's site uid, unless another site
  of the initiative has it.

An initiative that already has sites keeps its own uid: returns made from the
file's database then do not import into it (``returns import`` says which
initiative each return belongs to).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import BadInput
from tracker.store.queries import find_site, resolve_initiative, sites
from tracker.store.schema import Initiative, Site

UID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def uid_problem(value: str, what: str) -> str | None:
    """Why ``value`` is not a uid scaletrack writes (a lower-case UUID), or None."""
    if value and not UID_RE.match(value):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return (f"{what} '{shown}' is not an identifier scaletrack writes (a UUID such as "
                "0b6e1f4c-9d2a-4c1e-8f3b-2a7d5e9c1b00); leave it empty or as exported")
    return None


def adopt_initiative_uid(session: Session, initiative_id: int, uid: str,
                         had_sites: bool) -> bool:
    """Give the initiative the file's uid when it may take it; whether it did.

    Not when it had sites before the import (two databases' exports imported
    into one initiative: it keeps the uid its returns were made with), nor when
    another initiative of this database has that uid."""
    initiative = session.get(Initiative, initiative_id)
    if initiative.uid == uid or had_sites:
        return False
    if session.scalar(select(Initiative.id).where(Initiative.uid == uid)) is not None:
        return False
    initiative.uid = uid
    session.flush()
    return True


def free_site_uid(session: Session, initiative_id: int, uid: str | None) -> str | None:
    """``uid`` if no site of the initiative has it, else None (a new one is made)."""
    if not uid:
        return None
    taken = session.scalar(select(Site.id).where(Site.initiative_id == initiative_id,
                                                 Site.uid == uid))
    return None if taken is not None else uid


class SiteRef(NamedTuple):
    id: int
    name: str
    uid: str
    joined_on: dt.date | None
    retired_on: dt.date | None


class InitiativeRef(NamedTuple):
    id: int
    name: str
    uid: str


def return_sites(store, initiative_name: str | None,
                 site_names: list[str] | None) -> tuple[InitiativeRef, list[SiteRef]]:
    """The initiative and the sites to make returns for: the ones named (each must exist
    and not be retired), or every site not retired, by name."""
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        if site_names:
            chosen, seen = [], set()
            for name in site_names:
                if not name.strip():
                    raise BadInput("--site is empty: give a site name, or leave the option out")
                site = find_site(session, initiative, name)
                if site.retired_on is not None:
                    raise BadInput(f"site '{site.name}' was retired on "
                                   f"{site.retired_on.isoformat()}: it makes no more returns")
                if site.id not in seen:
                    seen.add(site.id)
                    chosen.append(site)
        else:
            chosen = [s for s in sites(session, initiative) if s.retired_on is None]
            if not chosen:
                raise BadInput(f"initiative '{initiative.name}' has no sites still in the "
                               "programme to make returns for; add one with 'scaletrack site "
                               "add NAME'")
        return (InitiativeRef(initiative.id, initiative.name, initiative.uid),
                [SiteRef(s.id, s.name, s.uid, s.joined_on, s.retired_on) for s in chosen])


def initiative_by_uid(store, uid: str) -> InitiativeRef | None:
    with store.reading() as session:
        found = session.scalar(select(Initiative).where(Initiative.uid == uid))
        return InitiativeRef(found.id, found.name, found.uid) if found else None


def initiative_named(store, name: str | None) -> InitiativeRef:
    with store.reading() as session:
        found = resolve_initiative(session, name)
        return InitiativeRef(found.id, found.name, found.uid)


def sites_of(store, initiative_id: int) -> dict[str, SiteRef]:
    """{uid: site} of every site of the initiative, retired ones included."""
    with store.reading() as session:
        return {s.uid: SiteRef(s.id, s.name, s.uid, s.joined_on, s.retired_on)
                for s in session.scalars(select(Site).where(Site.initiative_id == initiative_id))}


def initiative_uids(store) -> dict[str, str]:
    """{uid: name} of every initiative in the database."""
    with store.reading() as session:
        return {uid: name for uid, name in session.execute(select(Initiative.uid,
                                                                  Initiative.name))}


def framework_named(store, initiative_id: int):
    """The framework pinned for the initiative."""
    from tracker.store.queries import framework_of

    with store.reading() as session:
        return framework_of(session, session.get(Initiative, initiative_id))
