"""An initiative's life: creating one, renaming it, and its rows deleted as a whole.

``create_initiative`` pins the framework the initiative follows: a snapshot of
its definition, shared by every initiative that follows the same definition, so
later edits to the catalogue never change what was recorded against it.

A mistaken ``initiative create`` used to force ``-i`` on every later command
for ever.  ``rename_initiative`` gives it the right name and keeps the old one
in ``initiative_changes``, so that the old name is answered with the new one
(``queries.former_initiative``) and an export made before the rename still
imports (``former_initiative_keys``).

``delete_rows`` is the one true delete in scaletrack: every row of one
initiative, in one transaction.  It is only ever called by
``tracker.exchange.deleting`` once a complete export is safely on disk, and it
refuses if anything was recorded after that export was read (``fingerprint``).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.catalog import Catalog
from tracker.errors import BadInput, Conflict
from tracker.rules import clean_name
from tracker.store import Store
from tracker.store.queries import initiative_named, name_key, resolve_initiative
from tracker.store.schema import (Event, FrameworkSnapshot, Initiative, InitiativeChange,
                                  Site, SiteChange)
from tracker.store.writes import _insert, default_recorder


def create_initiative(store: Store, catalog: Catalog, name: str, framework_id: str,
                      description: str | None = None,
                      started_on: dt.date | None = None, is_demo: bool = False) -> Initiative:
    framework = catalog.for_initiative(framework_id)
    name = clean_name(name, "initiative")
    definition = json.dumps(framework.to_dict(), sort_keys=True)
    digest = framework.content_hash()

    def tx(session: Session) -> Initiative:
        clash = initiative_named(session, name)
        if clash is not None:
            raise Conflict(f"an initiative called '{clash.name}' already exists; "
                           "choose another name")
        snap = session.scalar(select(FrameworkSnapshot).where(
            FrameworkSnapshot.framework_id == framework.id,
            FrameworkSnapshot.version == framework.version,
            FrameworkSnapshot.content_hash == digest))
        if snap is None:
            snap = FrameworkSnapshot(framework_id=framework.id, version=framework.version,
                                     content_hash=digest, definition=definition)
            session.add(snap)
            session.flush()
        initiative = Initiative(name=name, name_key=name_key(name), framework_pk=snap.id,
                                description=description, started_on=started_on,
                                is_demo=is_demo)
        session.add(initiative)
        session.flush()
        return initiative

    try:
        return store.write(tx)
    except IntegrityError:
        # Two initiatives created at once on PostgreSQL may both find no snapshot of the
        # framework and both insert one; the second insert fails on the snapshot's unique
        # key.  Running the transaction again finds the snapshot the other one pinned (or
        # reports a real name clash, which the first query catches).
        return _insert(store, tx, f"an initiative called '{name}' already exists")


def former_initiative_keys(session: Session, initiative: Initiative) -> frozenset:
    """The name keys of the names ``initiative`` had before its renames."""
    return frozenset(name_key(old) for old in session.scalars(
        select(InitiativeChange.old_value).where(InitiativeChange.initiative_id == initiative.id,
                                                 InitiativeChange.field == "name")) if old)


def rename_initiative(store: Store, old: str, new: str,
                      by: str | None = None) -> tuple[str, str]:
    """Give an initiative a new name; returns (old name, new name)."""
    if not (old or "").strip():
        raise BadInput("the initiative name is empty: give one (see 'scaletrack initiative "
                       "list')")
    new = clean_name(new, "new initiative")
    by = (by or "").strip() or default_recorder()

    def tx(session: Session) -> tuple[str, str]:
        initiative = resolve_initiative(session, old)
        if new == initiative.name:
            raise BadInput(f"initiative '{initiative.name}' is already called that; nothing "
                           "to change")
        clash = session.scalar(select(Initiative).where(Initiative.name_key == name_key(new),
                                                        Initiative.id != initiative.id))
        if clash is not None:
            raise Conflict(f"an initiative called '{clash.name}' already exists; choose "
                           "another name")
        was = initiative.name
        initiative.name, initiative.name_key = new, name_key(new)
        session.add(InitiativeChange(initiative_id=initiative.id, field="name", old_value=was,
                                     new_value=new, recorded_by=by))
        session.flush()
        return was, new

    return _insert(store, tx, f"another initiative was just given the name '{new}'; choose "
                              "another name")


def initiative_history(store: Store, name: str | None) -> list[dict]:
    """The initiative's renames, oldest first."""
    with store.reading() as session:
        initiative = resolve_initiative(session, name)
        return [{"initiative": initiative.name, "change": "renamed", "old": c.old_value,
                 "new": c.new_value, "recorded_at": c.recorded_at, "recorded_by": c.recorded_by}
                for c in session.scalars(select(InitiativeChange).where(
                    InitiativeChange.initiative_id == initiative.id)
                    .order_by(InitiativeChange.id))]


HISTORY_COLUMNS = ("initiative", "change", "old", "new", "recorded_at", "recorded_by")


def fingerprint(session: Session, initiative: Initiative) -> tuple:
    """What an export of the initiative depends on, cheaply: its name and, for each of
    its tables, how many rows and the newest id.  Nothing is ever updated or deleted
    without adding a row (a site edit adds a change row), so an equal fingerprint means
    an export read earlier still holds everything."""
    parts: list = [initiative.name]
    for table in (Event, Site, SiteChange, InitiativeChange):
        parts.extend(session.execute(select(func.count(), func.max(table.id)).where(
            table.initiative_id == initiative.id)).one())
    return tuple(parts)


def read_fingerprint(store: Store, name: str | None) -> tuple[str, tuple]:
    """(the initiative's name, its fingerprint), read now."""
    with store.reading() as session:
        initiative = resolve_initiative(session, name)
        return initiative.name, fingerprint(session, initiative)


def delete_rows(store: Store, name: str, expected: tuple | None,
                demo_only: bool = False) -> dict[str, int]:
    """Delete every row of the initiative, in one transaction, if its fingerprint is still
    ``expected`` (None: a demo being replaced, which needs no export; ``demo_only``
    then refuses any initiative not marked as a demo); returns how many rows of each
    kind went.

    The initiative's row is locked first (on PostgreSQL ``SELECT ... FOR UPDATE``,
    which also waits for, and then holds off, any write that adds a row pointing at
    it); rows of other initiatives are neither locked nor touched.  The framework
    snapshot goes too when no other initiative uses it.
    """
    def tx(session: Session) -> dict[str, int]:
        found = resolve_initiative(session, name)
        initiative = session.scalar(select(Initiative).where(Initiative.id == found.id)
                                    .with_for_update())
        if demo_only and not initiative.is_demo:
            raise Conflict(f"initiative '{initiative.name}' is not a demo; it was left as "
                           "it is")
        if expected is not None and fingerprint(session, initiative) != expected:
            raise Conflict(f"something was recorded in '{initiative.name}' while it was being "
                           "exported, so nothing was deleted; run the command again")
        # plans are records of the events table, deleted with the events (a retraction
        # may point at a plan, so both go in one statement) and counted apart
        plans = session.scalar(select(func.count()).select_from(Event).where(
            Event.initiative_id == initiative.id, Event.kind == "plan"))
        gone: dict[str, int] = {"site changes": 0, "plans": plans}
        for label, table in (("site changes", SiteChange), ("events", Event),
                             ("sites", Site), ("renames", InitiativeChange)):
            gone[label] = session.execute(
                delete(table).where(table.initiative_id == initiative.id)
                .execution_options(synchronize_session=False)).rowcount
        gone["events"] -= plans
        snapshot = initiative.framework_pk
        session.execute(delete(Initiative).where(Initiative.id == initiative.id)
                        .execution_options(synchronize_session=False))
        others = session.scalar(select(func.count()).select_from(Initiative)
                                .where(Initiative.framework_pk == snapshot))
        if not others:
            session.execute(delete(FrameworkSnapshot).where(FrameworkSnapshot.id == snapshot)
                            .execution_options(synchronize_session=False))
        return gone

    return store.write(tx)


def demo_initiatives(store: Store, framework_id: str) -> list[str]:
    """The names of the initiatives marked as a demo that follow ``framework_id``."""
    with store.reading() as session:
        return list(session.scalars(
            select(Initiative.name)
            .join(FrameworkSnapshot, FrameworkSnapshot.id == Initiative.framework_pk)
            .where(Initiative.is_demo.is_(True), FrameworkSnapshot.framework_id == framework_id)
            .order_by(Initiative.id)))


def initiative_names(store: Store) -> list[tuple[str, bool]]:
    """(name, is a demo) of every initiative, by name."""
    with store.reading() as session:
        return [(n, d) for n, d in session.execute(
            select(Initiative.name, Initiative.is_demo).order_by(Initiative.name_key))]
