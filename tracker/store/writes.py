"""How every write is made, and the writes of the log itself: events and plans.

Each write validates its input against the pinned framework, then adds rows
inside ``Store.write`` (one transaction, retried when transient).  An
idempotency key, chosen once before the first attempt, makes a retried write
return the row the earlier attempt committed instead of adding another.
Events and plans are never updated; they are withdrawn by adding a retraction
(``tracker.store.retractions``).  The one update is to a site's own row, with a
``site_changes`` row beside it (``tracker.store.sites``).

The helpers every write module shares live here, in one place: who records a
change (``recorder``, ``default_recorder``) and ``_insert``, which turns a
unique-key clash into a ``Conflict`` the user can read.  Creating an initiative
is in ``tracker.store.initiatives``, adding and changing sites in
``tracker.store.sites``, retracting in ``tracker.store.retractions``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.catalog import Checkpoint, Framework
from tracker.dates import check_event_date, check_plan_dates
from tracker.errors import BadInput, Conflict
from tracker.limits import check_length
from tracker.rules import event_kind as _rule
from tracker.store import Store
from tracker.store.queries import find_site, framework_of, resolve_initiative
from tracker.store.schema import Event, Initiative, Site


# -- what every write shares -----------------------------------------------

def default_recorder() -> str:
    """The OS user, who records a change when ``--by`` is not given."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers and services
        return "unknown"


def recorder(by: str | None) -> str:
    """Who records a change: ``--by`` as given (trimmed), else the OS user; refused
    when longer than the database holds (PostgreSQL would refuse it, SQLite not)."""
    by = (by or "").strip() or default_recorder()
    check_length(by, "recorded_by", "--by")
    return by


def _insert(store: Store, fn, conflict_message: str):
    """Run the write ``fn``; a unique key it breaks (the same change made at the same
    moment elsewhere) is reported as ``Conflict(conflict_message)``."""
    try:
        return store.write(fn)
    except IntegrityError:
        raise Conflict(conflict_message) from None


# -- events ----------------------------------------------------------------

def retired_message(site: Site, on: dt.date, what: str) -> str:
    """Why a retired site takes no new ``what`` (events, plans) dated ``on``."""
    return (f"site '{site.name}' was retired on {site.retired_on.isoformat()}: it takes no "
            f"{what} dated on or after that ({on.isoformat()} given)")

def event_kind(framework: Framework, cp: Checkpoint, status: str | None,
               rating: str | None) -> tuple[str, str | None]:
    """Decide what a ``log`` call records, or say which option the checkpoint takes
    (the rule itself is ``tracker.rules.event_kind``, shared with import)."""
    return _rule(cp.full_id, framework.levels(cp), status, rating)


@dataclass(frozen=True)
class Logged:
    event: Event
    initiative: str
    site: str
    checkpoint: Checkpoint
    warnings: tuple[str, ...] = ()


def _new_event(session: Session, initiative: Initiative, framework: Framework, site: Site,
               checkpoint: str, *, status, rating, on, note, evidence, by, source,
               key) -> tuple[Event, Checkpoint, list[str]]:
    cp = framework.resolve_checkpoint(checkpoint)
    kind, level = event_kind(framework, cp, status, rating)
    if kind == "note" and not (note or "").strip():
        raise BadInput("a note event needs --note TEXT")
    if site.retired_on is not None and on >= site.retired_on:
        raise BadInput(retired_message(site, on, "events"))
    warnings = check_event_date(on, joined_on=site.joined_on, site=site.name)
    existing = session.scalar(select(Event).where(Event.idempotency_key == key))
    if existing is None:
        existing = Event(initiative_id=initiative.id, site_id=site.id,
                         stage=framework.stage_of(cp.full_id).id, checkpoint=cp.full_id,
                         kind=kind, rating=level, occurred_on=on, recorded_by=by,
                         note=note, evidence=evidence, source=source, idempotency_key=key)
        session.add(existing)
        session.flush()
    return existing, cp, warnings


def log_event(store: Store, initiative_name: str | None, site_name: str, checkpoint: str, *,
              status: str | None = None, rating: str | None = None,
              on: dt.date | None = None, note: str | None = None,
              evidence: str | None = None, by: str | None = None, source: str = "cli",
              key: str | None = None) -> Logged:
    """Record one dated event about a site and a checkpoint."""
    key = key or uuid.uuid4().hex
    on = on or dt.date.today()
    by = recorder(by)

    def tx(session: Session) -> Logged:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        site = find_site(session, initiative, site_name)
        event, cp, warnings = _new_event(session, initiative, framework, site, checkpoint,
                                         status=status, rating=rating, on=on, note=note,
                                         evidence=evidence, by=by, source=source, key=key)
        return Logged(event, initiative.name, site.name, cp, tuple(warnings))

    return _insert(store, tx, "that event was recorded already")


def log_batch(store: Store, initiative_name: str | None, entries: list[dict],
              source: str = "cli") -> int:
    """Record many events in one transaction: all of them, or none.

    Each entry has the keyword arguments of ``log_event`` plus ``site`` and
    ``checkpoint``; an entry without a ``key`` gets a fresh one.
    """
    entries = [{**e, "key": e.get("key") or uuid.uuid4().hex} for e in entries]

    def tx(session: Session) -> int:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        site_cache: dict[str, Site] = {}
        for e in entries:
            name = e["site"]
            if name not in site_cache:
                site_cache[name] = find_site(session, initiative, name)
            _new_event(session, initiative, framework, site_cache[name], e["checkpoint"],
                       status=e.get("status"), rating=e.get("rating"),
                       on=e.get("on") or dt.date.today(), note=e.get("note"),
                       evidence=e.get("evidence"),
                       by=recorder(e.get("by")), source=source, key=e["key"])
        return len(entries)

    return _insert(store, tx, "an event in the batch was recorded already")


# -- plans -----------------------------------------------------------------

def set_plan(store: Store, initiative_name: str | None, site_name: str, stage_id: str,
             due_on: dt.date, set_on: dt.date | None = None, note: str | None = None,
             by: str | None = None) -> tuple[Event, str, str]:
    """Record a target date for a site to complete a stage, as a record of kind 'plan'
    (``due_on`` the target, ``occurred_on`` the day it was agreed); earlier plans stay
    recorded."""
    key = uuid.uuid4().hex
    by = recorder(by)
    typed_on = set_on is not None
    set_on = set_on or dt.date.today()

    def tx(session: Session):
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        if framework.kind != "phased":
            raise BadInput(f"{framework.id} has domains, not stages to complete, so it takes "
                           "no plans")
        stage = framework.stage(stage_id.strip())
        site = find_site(session, initiative, site_name)
        if site.retired_on is not None and set_on >= site.retired_on:
            raise BadInput(retired_message(site, set_on, "plans"))
        if not typed_on and due_on < set_on:  # quote only the options the user typed
            raise BadInput(f"--due {due_on.isoformat()} is before today "
                           f"({set_on.isoformat()}), the day the plan is agreed: a plan "
                           "cannot be due before the day it was agreed (if it was agreed "
                           "earlier, give that day with --on DATE)")
        check_plan_dates(due_on, set_on)
        existing = session.scalar(select(Event).where(Event.idempotency_key == key))
        if existing is None:
            existing = Event(initiative_id=initiative.id, site_id=site.id, stage=stage.id,
                             checkpoint=stage.id, kind="plan", due_on=due_on,
                             occurred_on=set_on, recorded_by=by, note=note, source="cli",
                             idempotency_key=key)
            session.add(existing)
            session.flush()
        return existing, site.name, stage.id

    return _insert(store, tx, "that plan was recorded already")
