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

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

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
