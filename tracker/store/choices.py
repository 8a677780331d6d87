"""Names a database already holds, for shell completion to offer as a user types.

Completion runs on every press of Tab, against whatever ``--db`` and ``-i``
the line says so far, so these reads are made to be harmless: a database that
does not exist is never created (not even its folder), nothing is written or
migrated, and any problem at all (no such file, an old schema, a server that
is down, an unknown initiative) simply means there is nothing to offer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tracker.catalog import Framework

T = TypeVar("T")


def _read(db: str | None, fn: Callable, empty: T) -> T:
    """``fn(session)`` on an existing database, or ``empty`` whatever goes wrong."""
    try:
        from tracker.store import Store

        store = Store.open(db, check=False, create=False)
    except Exception:
        return empty
    try:
        with store.reading() as session:
            return fn(session)
    except Exception:
        return empty
    finally:
        store.close()


def initiative_names(db: str | None) -> list[str]:
    """Every initiative's name, in name order."""
    from tracker.store.queries import initiatives

    return _read(db, lambda session: [i.name for i, _ in initiatives(session)], [])


def site_names(db: str | None, initiative: str | None, retired: bool | None = None) -> list[str]:
    """The names of the initiative's sites (the only initiative when none is named);
    with ``retired`` True or False, only the retired sites or only those not retired."""
    from tracker.store.queries import resolve_initiative, sites

    return _read(db, lambda session: [
        s.name for s in sites(session, resolve_initiative(session, initiative))
        if retired is None or (s.retired_on is not None) == retired], [])


def merged_site_names(db: str | None, initiative: str | None) -> list[str]:
    """The names of the initiative's sites merged into another, in name order."""
    from sqlalchemy import select

    from tracker.store.queries import resolve_initiative
    from tracker.store.schema import Site

    return _read(db, lambda session: list(session.scalars(
        select(Site.name).where(Site.initiative_id == resolve_initiative(session, initiative).id,
                                Site.merged_into.is_not(None)).order_by(Site.name_key))), [])


def pinned_framework(db: str | None, initiative: str | None) -> Framework | None:
    """The framework the initiative pinned, with its checklists; None if there is none."""
    from tracker.store.queries import framework_of, resolve_initiative

    return _read(db, lambda session: framework_of(
        session, resolve_initiative(session, initiative)), None)
